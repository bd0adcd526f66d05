// Sortable tables: click a header with data-sort="number" or "text" to sort by that column.
"use strict";
(function () {
  function cellValue(row, index, kind) {
    const text = (row.cells[index] ? row.cells[index].textContent : "").trim();
    if (kind === "number") {
      const n = parseFloat(text.replace(/,/g, ""));
      return isNaN(n) ? -Infinity : n;
    }
    return text;
  }
  function sortBy(table, th) {
    const index = Array.prototype.indexOf.call(th.parentNode.children, th);
    const kind = th.dataset.sort;
    const descending = th.getAttribute("aria-sort") !== "descending";
    table.querySelectorAll("th[aria-sort]").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
    const body = table.tBodies[0];
    const rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      const x = cellValue(a, index, kind), y = cellValue(b, index, kind);
      const order = kind === "number" ? x - y : String(x).localeCompare(String(y), "zh-Hans-CN");
      return descending ? -order : order;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table.sortable th[data-sort]").forEach(function (th) {
      th.tabIndex = 0;
      const table = th.closest("table");
      th.addEventListener("click", function () { sortBy(table, th); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(table, th); }
      });
    });
  });
})();

// Zoom and pan of the drawings: the mouse wheel zooms around the pointer, a drag pans, a double click
// (or the 0 key while the drawing has focus) resets. Only the SVG viewBox changes, so labels stay sharp.
(function () {
  function box(svg) { return svg.getAttribute("viewBox").split(/[\s,]+/).map(Number); }
  function setBox(svg, b) { svg.setAttribute("viewBox", b.map(function (v) { return v.toFixed(2); }).join(" ")); }
  function point(svg, e) {
    const rect = svg.getBoundingClientRect(), b = box(svg);
    return [b[0] + (e.clientX - rect.left) / rect.width * b[2], b[1] + (e.clientY - rect.top) / rect.height * b[3]];
  }
  function enable(svg) {
    const initial = svg.getAttribute("viewBox");
    let drag = null;
    svg.setAttribute("tabindex", "0");
    svg.classList.add("zoomable");
    svg.addEventListener("wheel", function (e) {
      e.preventDefault();
      const b = box(svg), p = point(svg, e), k = e.deltaY < 0 ? 0.8 : 1.25;
      const w = Math.min(b[2] * k, 4 * Number(initial.split(" ")[2])), h = b[3] * (w / b[2]);
      setBox(svg, [p[0] - (p[0] - b[0]) * (w / b[2]), p[1] - (p[1] - b[1]) * (h / b[3]), w, h]);
    }, { passive: false });
    svg.addEventListener("pointerdown", function (e) {
      if (e.button !== 0) { return; }
      drag = { x: e.clientX, y: e.clientY, b: box(svg), moved: false };
    });
    svg.addEventListener("pointermove", function (e) {
      if (!drag) { return; }
      const rect = svg.getBoundingClientRect();
      const dx = (e.clientX - drag.x) / rect.width * drag.b[2], dy = (e.clientY - drag.y) / rect.height * drag.b[3];
      if (Math.abs(e.clientX - drag.x) + Math.abs(e.clientY - drag.y) > 3) { drag.moved = true; }
      if (drag.moved) { setBox(svg, [drag.b[0] - dx, drag.b[1] - dy, drag.b[2], drag.b[3]]); }
    });
    svg.addEventListener("pointerup", function () { setTimeout(function () { drag = null; }, 0); });
    svg.addEventListener("pointerleave", function () { drag = null; });
    // a drag that moved is not a click on the node under it
    svg.addEventListener("click", function (e) { if (drag && drag.moved) { e.preventDefault(); } }, true);
    svg.addEventListener("dblclick", function (e) { e.preventDefault(); svg.setAttribute("viewBox", initial); });
    svg.addEventListener("keydown", function (e) {
      if (e.key === "0") { svg.setAttribute("viewBox", initial); }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("svg.network-drawing").forEach(enable);
  });
})();
