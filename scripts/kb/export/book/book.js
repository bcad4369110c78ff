// The single-file edition (kb export): colour scheme, contents drawer, and full-text search
// over the index that kb export built with jieba (inline JSON, read on first use).
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

  // ---- search
  var input = document.getElementById("kb-search-input");
  var panel = document.getElementById("kb-results");
  var index = null;      // {sections: [[id, title, page]], terms: {token: [section, weight, ...]}, t2s: "繁简..."}
  var longest = 1;
  var texts = {};        // section id -> its text, read from the page on demand
  var simplifiedOf = {}; // Traditional character -> Simplified, for the characters the book uses

  function load() {
    if (index) return index;
    index = JSON.parse(document.getElementById("kb-search-index").textContent);
    for (var t in index.terms) if (t.length > longest) longest = t.length;
    var pairs = Array.from(index.t2s || "");
    for (var i = 0; i + 1 < pairs.length; i += 2) simplifiedOf[pairs[i]] = pairs[i + 1];
    return index;
  }

  // The book is in Simplified Chinese: a query typed in Traditional characters is read
  // character by character as Simplified (風險識別 -> 风险识别).
  function simplified(query) {
    return Array.from(query, function (c) { return simplifiedOf[c] || c; }).join("");
  }

  // The words of a query, as jieba would have cut them: runs of letters/digits as they are,
  // runs of Chinese by longest match against the indexed terms. null when a piece of the
  // query is not an indexed term (then the search falls back to plain substring matching).
  function words(query) {
    var out = [];
    var runs = query.toLowerCase().match(/[0-9a-z]+|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+/g) || [];
    for (var r = 0; r < runs.length; r++) {
      var run = runs[r];
      if (!/[\u3400-\u9fff\uf900-\ufaff]/.test(run)) {
        if (!index.terms[run]) return null;
        out.push(run);
        continue;
      }
      for (var i = 0; i < run.length;) {
        var found = null;
        for (var n = Math.min(longest, run.length - i); n > 1; n--) {
          if (index.terms[run.substr(i, n)]) { found = run.substr(i, n); break; }
        }
        if (!found) return null;
        out.push(found);
        i += found.length;
      }
    }
    return out.length ? out : null;
  }

  function sectionText(id) {
    if (texts[id] !== undefined) return texts[id];
    var heading = document.getElementById(id), parts = [];
    for (var el = heading && heading.nextElementSibling; el && !/^H[1-6]$/.test(el.tagName); el = el.nextElementSibling) {
      if (el.classList.contains("arithmatex") || el.classList.contains("mermaid")) continue;
      parts.push(el.textContent);
    }
    return (texts[id] = parts.join(" ").replace(/\s+/g, " ").trim());
  }

  function search(query) {
    load();
    var q = query.trim().toLowerCase();
    if (!q) return [];
    var found = [], ws = words(q), s;
    if (ws) {
      // Sections that hold every word, by summed weight times rarity.
      var scores = {}, hits = {}, total = index.sections.length;
      ws.forEach(function (w, k) {
        if (ws.indexOf(w) !== k) return;
        var post = index.terms[w], idf = Math.log(1 + total / (post.length / 2));
        for (var i = 0; i < post.length; i += 2) {
          s = post[i];
          scores[s] = (scores[s] || 0) + post[i + 1] * idf;
          hits[s] = (hits[s] || 0) + 1;
        }
      });
      var need = ws.filter(function (w, k) { return ws.indexOf(w) === k; }).length;
      for (s in scores) if (hits[s] === need) found.push({n: +s, score: scores[s]});
    } else {
      // Single characters and words the index does not know: plain substring matching.
      index.sections.forEach(function (sec, n) {
        var text = (sec[1] + " " + sectionText(sec[0])).toLowerCase(), count = text.split(q).length - 1;
        if (count) found.push({n: n, score: count + (sec[1].toLowerCase().indexOf(q) >= 0 ? 10 : 0)});
      });
    }
    found.sort(function (a, b) { return b.score - a.score || a.n - b.n; });
    return found.map(function (f) { return index.sections[f.n]; });
  }

  function escapeHtml(text) {
    return text.replace(/[&<>"]/g, function (c) { return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]; });
  }

  function snippet(text, terms) {
    var lower = text.toLowerCase(), at = -1;
    for (var i = 0; i < terms.length && at < 0; i++) at = lower.indexOf(terms[i]);
    var start = Math.max(0, at - 30), piece = text.substr(start, 120);
    var html = escapeHtml(piece);
    terms.forEach(function (t) {
      if (!t) return;
      html = html.replace(new RegExp(escapeHtml(t).replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gi"),
                          function (m) { return "<mark>" + m + "</mark>"; });
    });
    return (start > 0 ? "…" : "") + html + (start + 120 < text.length ? "…" : "");
  }

  function show(query) {
    var typed = query.trim();
    if (!typed) { panel.hidden = true; panel.innerHTML = ""; return; }
    load();
    var q = simplified(typed);
    var results = search(q), terms = words(q.toLowerCase()) || [q.toLowerCase()];
    var html = '<p class="kb-results__meta">' + (results.length
      ? "找到 " + results.length + " 个相关章节"
      : "没有找到与「" + escapeHtml(typed) + "」相关的内容") + "</p>";
    results.slice(0, 30).forEach(function (sec) {
      html += '<a class="kb-result" href="#' + escapeHtml(sec[0]) + '">' +
        '<span class="kb-result__title">' + escapeHtml(sec[1]) + "</span>" +
        '<span class="kb-result__page">' + escapeHtml(sec[2]) + "</span>" +
        '<span class="kb-result__text">' + snippet(sectionText(sec[0]), terms) + "</span></a>";
    });
    panel.innerHTML = html;
    panel.hidden = false;
  }

  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { show(input.value); }, 120);
  });
  input.addEventListener("focus", function () { if (input.value.trim()) show(input.value); });
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
  panel.addEventListener("click", function (e) { if (e.target.closest("a")) panel.hidden = true; });
  document.addEventListener("click", function (e) {
    if (!e.target.closest(".kb-search")) panel.hidden = true;
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "/" && document.activeElement !== input) { e.preventDefault(); input.focus(); }
  });
})();
