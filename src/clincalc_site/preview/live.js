// clincalc-site preview: reload on rebuild, show build problems as an overlay.
// Served only by `clincalc-site serve`; never part of a published site.
(function () {
  "use strict";
  var base = "/__clincalc/";
  var seen = null;
  var overlay = null;

  function el(tag, text, css) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    if (css) Object.assign(node.style, css);
    return node;
  }

  function showProblems(state) {
    hideProblems();
    overlay = el("div", "", {
      position: "fixed", inset: "0", overflow: "auto", zIndex: "2147483647",
      background: "rgba(20,20,24,0.96)", color: "#f5f5f5", padding: "1.5rem",
      font: "14px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"
    });
    overlay.setAttribute("role", "alertdialog");
    overlay.setAttribute("aria-label", "Build problems");
    overlay.id = "clincalc-error-overlay";
    overlay.appendChild(el("h2", "Build failed — showing the last good version underneath", {
      color: "#ffb4a8", font: "bold 18px system-ui, sans-serif", marginTop: "0"
    }));
    state.problems.forEach(function (p) {
      var box = el("section", "", { borderTop: "1px solid #555", padding: "0.75rem 0" });
      box.appendChild(el("div", p.location + ": " + p.severity + ": " + p.message, { fontWeight: "bold" }));
      if (p.hint) box.appendChild(el("div", "hint: " + p.hint, { color: "#c9d1d9" }));
      if (p.snippet.length) {
        var pre = el("pre", "", { background: "#000", padding: "0.5rem", overflowX: "auto" });
        p.snippet.forEach(function (row) {
          var mark = row[0] === p.line ? "> " : "  ";
          var line = el("div", mark + String(row[0]).padStart(4, " ") + " | " + row[1]);
          if (row[0] === p.line) line.style.color = "#ffb4a8";
          pre.appendChild(line);
        });
        box.appendChild(pre);
      }
      overlay.appendChild(box);
    });
    var close = el("button", "Hide", { marginTop: "1rem", font: "inherit", padding: "0.4rem 1rem" });
    close.addEventListener("click", hideProblems);
    overlay.appendChild(close);
    document.body.appendChild(overlay);
  }

  function hideProblems() {
    if (overlay) overlay.remove();
    overlay = null;
  }

  function handle(state) {
    if (seen !== null && state.build !== seen && state.ok) {
      window.location.reload();
      return;
    }
    seen = state.build;
    if (!state.ok && state.problems.length) showProblems(state); else hideProblems();
  }

  function wait() {
    fetch(base + "wait?since=" + (seen === null ? 0 : seen), { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (state) { handle(state); wait(); })
      .catch(function () { setTimeout(wait, 1000); });
  }

  fetch(base + "status", { cache: "no-store" })
    .then(function (r) { return r.json(); })
    .then(function (state) { handle(state); wait(); })
    .catch(function () { setTimeout(wait, 1000); });
})();
