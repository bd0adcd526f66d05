// qgkg: a little progressive enhancement; every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("query-form");
  var box = document.getElementById("query");
  if (form && box) {
    box.addEventListener("keydown", function (e) {
      if ((e.ctrlKey || e.metaKey) && e.key === "Enter") { e.preventDefault(); form.submit(); }
    });
    // an edited query no longer is the canned one: drop its name so that parameters are not bound to it
    box.addEventListener("input", function () {
      var name = form.querySelector("input[name=name]");
      if (name) { name.disabled = box.value.trim() !== box.defaultValue.trim(); }
      // the query being written stays in the URL: reload, back and a copied link keep it
      if (window.history && window.URLSearchParams) {
        var params = new URLSearchParams(window.location.search);
        params.set("query", box.value);
        if (name && name.disabled) { params.delete("name"); }
        window.history.replaceState(null, "", window.location.pathname + "?" + params.toString());
      }
    });
  }
});
