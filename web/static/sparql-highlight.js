// qgkg: a small SPARQL highlighter for the query editor (no library). The textarea stays the editor;
// a <pre> under it shows the same text coloured, and follows its scrolling. Without JavaScript the
// plain textarea works as before.
"use strict";
(function () {
  var KEYWORDS = ("SELECT CONSTRUCT DESCRIBE ASK WHERE FROM NAMED PREFIX BASE DISTINCT REDUCED OPTIONAL UNION MINUS " +
    "FILTER BIND VALUES GRAPH SERVICE GROUP BY ORDER HAVING LIMIT OFFSET AS ASC DESC NOT EXISTS IN UNDEF A " +
    "COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT SEPARATOR STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE " +
    "REGEX CONTAINS STRSTARTS STRENDS LCASE UCASE CONCAT IF COALESCE ISIRI ISURI ISBLANK ISLITERAL YEAR TRUE FALSE")
    .split(" ");
  var KEYSET = {};
  KEYWORDS.forEach(function (k) { KEYSET[k] = true; });
  // one alternation, tried left to right at every position: comment, string, IRI, variable, prefixed name, word, number
  var TOKEN = new RegExp([
    "(#[^\\n]*)",
    "(\"\"\"[\\s\\S]*?\"\"\"|'''[\\s\\S]*?'''|\"(?:[^\"\\\\\\n]|\\\\.)*\"|'(?:[^'\\\\\\n]|\\\\.)*')",
    "(<[^<>\\s\"{}|^`\\\\]*>)",
    "([?$][A-Za-z0-9_\\u00B7\\u00C0-\\uFFFD]+)",
    "([A-Za-z][\\w.-]*)?:([\\w\\u00C0-\\uFFFD.%-]*)",
    "([A-Za-z_]+)",
    "(\\d+(?:\\.\\d+)?)"
  ].join("|"), "g");

  function escape(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function span(cls, text) { return "<span class=\"tok-" + cls + "\">" + escape(text) + "</span>"; }

  function highlight(text) {
    var out = "", last = 0, m;
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(text)) !== null) {
      if (m[0] === "") { TOKEN.lastIndex++; continue; }
      out += escape(text.slice(last, m.index));
      if (m[1]) { out += span("comment", m[0]); }
      else if (m[2]) { out += span("string", m[0]); }
      else if (m[3]) { out += span("iri", m[0]); }
      else if (m[4]) { out += span("var", m[0]); }
      else if (m[7]) { out += KEYSET[m[7].toUpperCase()] ? span("keyword", m[0]) : escape(m[0]); }
      else if (m[8]) { out += span("number", m[0]); }
      else if (m[0].indexOf(":") >= 0) { out += span("pname", m[0]); }
      else { out += escape(m[0]); }
      last = m.index + m[0].length;
    }
    return out + escape(text.slice(last)) + "\n";
  }
  window.qgkgHighlightSparql = highlight;

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("query");
    if (!box) { return; }
    var wrap = document.createElement("div");
    wrap.className = "highlighted";
    var pre = document.createElement("pre");
    pre.className = "highlight";
    pre.setAttribute("aria-hidden", "true");
    var code = document.createElement("code");
    pre.appendChild(code);
    box.parentNode.insertBefore(wrap, box);
    wrap.appendChild(pre);
    wrap.appendChild(box);
    function sync() {
      code.innerHTML = highlight(box.value);
      pre.scrollTop = box.scrollTop;
      pre.scrollLeft = box.scrollLeft;
    }
    box.addEventListener("input", sync);
    box.addEventListener("scroll", sync);
    sync();
    complete(box, wrap);
  });

  // Completion of prefixes and ontology terms: the word before the caret is matched against the terms
  // the page lists (#sparql-terms); Tab or Enter takes the highlighted one, the arrows move, Escape closes.
  function complete(box, wrap) {
    var data = document.getElementById("sparql-terms");
    if (!data) { return; }
    var terms = JSON.parse(data.textContent);
    var list = document.createElement("ul");
    list.className = "completions";
    list.id = "completions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    wrap.appendChild(list);
    var matches = [], active = 0, start = 0;
    function close() { list.hidden = true; matches = []; }
    function render() {
      list.innerHTML = "";
      matches.forEach(function (t, i) {
        var li = document.createElement("li");
        li.textContent = t;
        li.setAttribute("role", "option");
        if (i === active) { li.className = "active"; li.setAttribute("aria-selected", "true"); }
        li.addEventListener("mousedown", function (e) { e.preventDefault(); active = i; accept(); });
        list.appendChild(li);
      });
      list.hidden = matches.length === 0;
    }
    function accept() {
      var term = matches[active];
      var end = box.selectionStart;
      box.value = box.value.slice(0, start) + term + box.value.slice(end);
      box.selectionStart = box.selectionEnd = start + term.length;
      close();
      box.dispatchEvent(new Event("input"));
    }
    box.addEventListener("input", function (e) {
      if (e.isTrusted === false && list.hidden) { return; }
      var before = box.value.slice(0, box.selectionStart);
      var m = /([A-Za-z][\w-]*:?[\w-]*)$/.exec(before);
      if (!m || (m[1].indexOf(":") < 0 && m[1].length < 2)) { close(); return; }
      var word = m[1].toLowerCase();
      start = box.selectionStart - m[1].length;
      matches = terms.filter(function (t) {
        var l = t.toLowerCase();
        return l !== word && (l.indexOf(word) === 0 || (word.indexOf(":") < 0 && l.indexOf(":" + word) > 0));
      }).slice(0, 8);
      active = 0;
      render();
    });
    box.addEventListener("keydown", function (e) {
      if (list.hidden) { return; }
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        active = (active + (e.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length;
        render();
      } else if ((e.key === "Tab" || e.key === "Enter") && !e.ctrlKey && !e.metaKey) {
        e.preventDefault();
        accept();
      } else if (e.key === "Escape") {
        close();
      }
    });
    box.addEventListener("blur", close);
  }
})();
