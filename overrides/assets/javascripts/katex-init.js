// Typeset the maths that pymdownx.arithmatex left as \( … \) and \[ … \] with KaTeX.
(function () {
  function typeset() {
    document.querySelectorAll(".arithmatex").forEach(function (el) {
      if (el.dataset.typeset) return;
      var display = el.tagName === "DIV";
      var tex = el.textContent.trim()
        .replace(/^\\[\[(]/, "").replace(/\\[\])]$/, "");
      // throwOnError: false shows a broken formula in red instead of stopping the page.
      katex.render(tex, el, { displayMode: display, throwOnError: false });
      el.dataset.typeset = "1";
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", typeset);
  } else {
    typeset();
  }
})();
