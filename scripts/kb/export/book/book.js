// The single-file edition (kb export): colour scheme, contents drawer, and the search box
// around the site's own search worker (kb/site/worker/kb-search.js, run as a Blob worker
// on the site's own index: the same results as the site).
(function () {
  "use strict";
  var body = document.body;

  // Colour scheme: remembered where the browser allows it; light for printing.
  function setScheme(scheme) {
    body.setAttribute("data-md-color-scheme", scheme);
    try { localStorage.setItem("kb-scheme", scheme); } catch (e) { /* file:// may forbid it */ }
  }
  document.querySelector(".kb-bar__scheme").addEventListener("click", function () {
    setScheme(body.getAttribute("data-md-color-scheme") === "slate" ? "default" : "slate");
  });
  var screenScheme = null;
  window.addEventListener("beforeprint", function () {
    screenScheme = body.getAttribute("data-md-color-scheme");
    body.setAttribute("data-md-color-scheme", "default");
  });
  window.addEventListener("afterprint", function () {
    if (screenScheme) body.setAttribute("data-md-color-scheme", screenScheme);
  });

  // Contents drawer on narrow screens.
  var tocButton = document.querySelector(".kb-bar__toc");
  function toggleToc(open) {
    body.classList.toggle("kb-toc-open", open);
    tocButton.setAttribute("aria-expanded", open ? "true" : "false");
  }
  tocButton.addEventListener("click", function () { toggleToc(!body.classList.contains("kb-toc-open")); });
  document.getElementById("kb-toc").addEventListener("click", function (e) {
    if (e.target.closest("a")) toggleToc(false);
  });

  // ---- search: the site's own search worker (index, ranking, Traditional input), started
  // from the file's own text as a Blob worker; this is only the search box around it.
  var input = document.getElementById("kb-search-input");
  var panel = document.getElementById("kb-results");
  var SETUP = 0, READY = 1, QUERY = 2, RESULT = 3;   // the worker's messages (Material's)
  var GROUPS = 10;                                     // result groups drawn at once, as the site
  var worker = null, ready = false, lastSent = null;

  function blobUrl(text) {
    return URL.createObjectURL(new Blob([text], { type: "text/javascript" }));
  }

  function startSearch() {
    body.dataset.kbSearch = "loading";
    var engine = JSON.parse(document.getElementById("kb-search-engine").textContent);
    // The converter, which the worker runs when a query first holds a Traditional
    // character (a file cannot load another file: it goes in front of the worker's text).
    var prefix = "self.KB_LOAD_CONVERTER = function () {\n" + engine.converter + "\n};\n";
    worker = new Worker(blobUrl(prefix + engine.worker));
    worker.addEventListener("message", function (ev) {
      var message = ev.data;
      if (message.type === READY) {
        ready = true;
        body.dataset.kbSearch = "ready";
        if (input.value.trim()) ask(input.value);
      } else if (message.type === RESULT && message.data.query === lastSent) {
        // The worker names the query it answers: a result for text the box no longer
        // holds is not drawn (the newer text's result is on its way).
        show(message.data.query, message.data.items);
      }
    });
    worker.postMessage({ type: SETUP, data: JSON.parse(document.getElementById("kb-search-index").textContent) });
  }

  // A query goes to the worker as soon as the text changes.
  function ask(value) {
    if (!ready || value === lastSent) return;
    lastSent = value;
    if (!value.trim()) { panel.hidden = true; panel.innerHTML = ""; return; }
    worker.postMessage({ type: QUERY, data: value });
  }

  // 'tech/math.html#s002-4-2-2' -> 'tech-math--s002-4-2-2' (kb.export.book.page_anchor)
  function anchorOf(location) {
    var parts = location.split("#"), path = decodeURIComponent(parts[0]).replace(/\.html$/, "");
    var names = path.split("/").filter(Boolean);
    if (names.length && names[names.length - 1] === "index") names.pop();
    var page = names.join("-") || "home";
    return parts[1] ? page + "--" + decodeURIComponent(parts[1]) : page;
  }

  function escapeHtml(text) {
    return text.replace(/[&<>"]/g, function (c) { return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]; });
  }

  function found(item) {
    return Object.keys(item.terms).filter(function (t) { return item.terms[t]; });
  }

  // One section, as the site draws it: title and text with the words marked (HTML from the
  // site's own index), and the query words it lacks.
  function section(item) {
    var missing = Object.keys(item.terms).filter(function (t) { return !item.terms[t]; });
    return '<a class="kb-result" href="#' + escapeHtml(anchorOf(item.location)) + '" data-terms="' +
      escapeHtml(found(item).join(" ")) + '">' +
      '<span class="kb-result__title">' + item.title + "</span>" +
      (item.text ? '<span class="kb-result__text">' + item.text + "</span>" : "") +
      (missing.length ? '<span class="kb-result__missing">缺少：' +
        missing.map(function (t) { return "<del>" + escapeHtml(t) + "</del>"; }).join(" ") + "</span>" : "") +
      "</a>";
  }

  // A page's group as the site draws it: the page, the sections scored at least as high as
  // the group's first entry, the others folded away.
  function group(items) {
    var threshold = items[0].score, sections = [], page = null;
    items.forEach(function (item) {
      if (item.location.indexOf("#") < 0 && !page) page = item; else sections.push(item);
    });
    var cut = sections.findIndex(function (item) { return item.score < threshold; });
    if (cut < 0) cut = sections.length;
    var html = '<div class="kb-group">' + (page ? '<a class="kb-group__page" href="#' +
      escapeHtml(anchorOf(page.location)) + '">' + page.title + "</a>" : "");
    html += sections.slice(0, cut).map(section).join("");
    var more = sections.slice(cut);
    if (more.length)
      html += '<details class="kb-group__more"><summary>在该页上还有 ' + more.length + " 个符合条件的结果</summary>" +
        more.map(section).join("") + "</details>";
    return html + "</div>";
  }

  function show(query, groups) {
    var html = '<p class="kb-results__meta">' + (groups.length
      ? "找到 " + groups.length + " 个符合条件的页面"
      : "没有找到与「" + escapeHtml(query.trim()) + "」相关的内容") + "</p>";
    html += groups.slice(0, GROUPS).map(group).join("");
    if (groups.length > GROUPS)
      html += '<button type="button" class="kb-results__more">显示其余 ' + (groups.length - GROUPS) + " 个页面</button>";
    panel.innerHTML = html;
    panel.dataset.query = query;
    panel.hidden = false;
    var button = panel.querySelector(".kb-results__more");
    if (button)
      button.addEventListener("click", function () {
        button.insertAdjacentHTML("beforebegin", groups.slice(GROUPS).map(group).join(""));
        button.remove();
      });
  }

  // The section a result opens, with the query words marked (as the site does with ?h=).
  function highlight(id, terms) {
    document.querySelectorAll("mark.kb-highlight").forEach(function (mark) {
      mark.replaceWith(document.createTextNode(mark.textContent));
    });
    var heading = document.getElementById(id);
    if (!heading || !terms.length) return;
    var pattern = new RegExp(terms.map(function (t) { return t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }).join("|"), "gi");
    for (var el = heading.nextElementSibling; el && !/^H[1-6]$/.test(el.tagName); el = el.nextElementSibling) {
      var walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT), nodes = [];
      while (walker.nextNode()) nodes.push(walker.currentNode);
      nodes.forEach(function (node) {
        if (node.parentNode.closest(".arithmatex, .mermaid, svg")) return;
        var text = node.nodeValue;
        pattern.lastIndex = 0;
        if (!pattern.test(text)) return;
        var fragment = document.createDocumentFragment(), at = 0;
        text.replace(pattern, function (match, offset) {
          fragment.appendChild(document.createTextNode(text.slice(at, offset)));
          var mark = document.createElement("mark");
          mark.className = "kb-highlight";
          mark.setAttribute("data-md-highlight", "");
          mark.textContent = match;
          fragment.appendChild(mark);
          at = offset + match.length;
        });
        fragment.appendChild(document.createTextNode(text.slice(at)));
        node.replaceWith(fragment);
      });
    }
  }

  startSearch();

  // The maths' fonts are in the file: load them now, not when a formula first nears the
  // screen (pages away from it are laid out only then: book.css).
  if (document.fonts)
    document.fonts.forEach(function (face) { face.load().catch(function () {}); });

  // The query is read as it changes and when a key comes up (as the site reads it).
  input.addEventListener("input", function () { ask(input.value); });
  input.addEventListener("keyup", function () { ask(input.value); });
  input.addEventListener("focus", function () {
    if (input.value.trim() && panel.innerHTML) panel.hidden = false;
  });
  input.addEventListener("keydown", function (e) {
    var links = panel.querySelectorAll("a.kb-result");
    if (e.key === "Enter" && links.length) { e.preventDefault(); links[0].click(); }
    else if (e.key === "ArrowDown" && links.length) { e.preventDefault(); links[0].focus(); }
    else if (e.key === "Escape") { panel.hidden = true; input.blur(); }
  });
  panel.addEventListener("keydown", function (e) {
    var links = Array.prototype.slice.call(panel.querySelectorAll("a.kb-result"));
    var at = links.indexOf(document.activeElement);
    if (e.key === "ArrowDown" && at < links.length - 1) { e.preventDefault(); links[at + 1].focus(); }
    else if (e.key === "ArrowUp") { e.preventDefault(); (at > 0 ? links[at - 1] : input).focus(); }
    else if (e.key === "Escape") { panel.hidden = true; input.focus(); }
  });
  panel.addEventListener("click", function (e) {
    var link = e.target.closest("a");
    if (!link) return;
    panel.hidden = true;
    var terms = (link.getAttribute("data-terms") || "").split(" ").filter(Boolean);
    highlight(decodeURIComponent(link.getAttribute("href").slice(1)), terms);
  });
  document.addEventListener("click", function (e) {
    if (!e.target.closest(".kb-search")) panel.hidden = true;
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "/" && document.activeElement !== input) { e.preventDefault(); input.focus(); }
  });
})();
