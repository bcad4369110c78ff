/*
 * The knowledge base's search engine: one script, run as a Web Worker in every edition.
 *
 * - the site over http: a Web Worker (overrides/main.html points Material's search at it);
 * - the site from file://: the same file in Material's iframe-worker shim (where `self` is
 *   the iframe's window and importScripts appends <script> tags);
 * - the single HTML file (kb export): the same text started as a Blob worker, with the
 *   same index data (the site's search/search_index.json) embedded in the file, and
 *   the converter as a function in front of it (self.KB_LOAD_CONVERTER).
 *
 * At build time scripts/kb/site/search.py writes assets/javascripts/workers/kb-search.js as
 * the Traditional-character table (self.KB_TRADITIONAL), then this file. It speaks the
 * message protocol of Material's search worker (SETUP -> READY, QUERY -> RESULT, the
 * result grouped by page, matches marked with <mark>), so Material's search box draws its
 * results, but the matching and the ranking are its own:
 *
 * - Words: the index text is cut as the build cut it (jieba with the editorial user
 *   dictionary, words set apart by zero-width spaces, then Material's separator). A query
 *   is cut the same way: Latin and Han apart (CNN模型 -> cnn 模型), Han runs split into
 *   the index's own words (the split with the longest words wins), question words
 *   (如何, 哪些 ...) dropped, Traditional input converted to Simplified with OpenCC (loaded
 *   the first time a query holds a Traditional-only character).
 * - A query word matches an index word that is the same, or (weaker) one that starts with
 *   it, or for Han one that holds it (注意力 in 自注意力).
 * - Ranking: a section holding more of the query's words ranks above one holding fewer,
 *   whatever else; among equals, BM25: rarer words weigh more, repeats count less and
 *   less, long sections are not favoured; a word in the heading counts more than in the
 *   body; query words that are neighbours in the query and in the text (a phrase: 多头
 *   注意力) earn a bonus, more in the heading.
 * - Results: grouped by page, each group led by its best section and the groups ordered by
 *   it; a result opens its section with the query words highlighted (Material's ?h=). A
 *   section the build folded others into (the same heading and text: kb.site.search.fold)
 *   says how many other places hold it (its entry's `same`).
 */
(function () {
  "use strict"


  /* How a query is read: kb-query.js (self.KbQuery), shared with kb-pagefind.js */
  var HAN_ONLY = KbQuery.HAN_ONLY

  /* Ranking weights (see the header): BM25's k1 and b, a word in the heading against the
     body, a phrase in the heading and in the body, and how much a partial match counts */
  var K1 = 1.2, B = 0.5
  var HEADING = 2.0
  var PHRASE_HEADING = 1.0, PHRASE_TEXT = 0.6
  var PARTIAL = 0.5
  /* Characters of text kept either side of the marked words in a result's excerpt */
  var CONTEXT = 60
  /* Sections of a page shown (not folded) when they score this share of its best one */
  var SHOWN = 0.6
  /* At most this many index words stand for one query word by prefix or infix */
  var EXPANSIONS = 50

  /* The index, built on SETUP */
  var docs = []                        /* {location, title, text, page: index of its page doc} */
  var fields = []                      /* per doc: [title, text], each {tokens, spans, blocks} */
  var postings = new Map()             /* word -> [doc, field, position, doc, field, position, ...] */
  var words = []                       /* every distinct word, for prefix and infix matches */
  var hanWords = new Map()             /* Han word -> occurrences: the query segmenter's dictionary */
  var longest = 1
  var averageLength = 1
  var separator = null

  /* ---------------------------------------------------------------- the index */

  /* The words of a field with where they are: Material's split of HTML into top-level
     blocks (kept for the result's excerpt) and of text into words by the separator */
  function tokenize(html) {
    var out = { tokens: [], spans: [], blocks: [] }
    if (!html)
      return out
    var block = 0, depth = 0, start = 0, n = html.length
    /* Material's split (internal/_/index.ts): the ranges between separator matches */
    function text(from, to) {
      var piece = html.slice(from, to), index = 0, match
      separator.lastIndex = 0
      do {
        match = separator.exec(piece)
        var until = match ? match.index : piece.length
        if (index < until) {
          out.tokens.push(piece.slice(index, until).toLowerCase())
          out.spans.push(from + index, from + until)
          out.blocks.push(block)
        }
        if (match) {
          index = match.index + match[0].length
          if (match[0].length === 0)
            separator.lastIndex = match.index + 1
        }
      } while (match)
    }
    for (var i = 0; i < n; i++) {
      var ch = html.charCodeAt(i)
      if (ch === 60 /* < */) {
        if (i > start)
          text(start, i)
        var close = html.indexOf(">", i)
        if (close < 0)
          close = n - 1
        if (html.charCodeAt(i + 1) === 47 /* / */) {
          if (--depth === 0)
            block++
        } else if (html.charCodeAt(close - 1) !== 47) {
          depth++
        }
        i = close
        start = close + 1
      }
    }
    if (start < n)
      text(start, n)
    return out
  }

  function setup(data) {
    analysed.clear()
    separator = new RegExp(data.config.separator, "g")
    docs = data.docs.map(function (doc) {
      return { location: doc.location, title: doc.title || "", text: doc.text || "", page: -1, same: doc.same || 0 }
    })
    var pages = new Map(), total = 0, sections = 0
    docs.forEach(function (doc, d) {
      var path = doc.location.split("#")[0]
      if (!pages.has(path))
        pages.set(path, d)
      doc.page = pages.get(path)
      var pair = [tokenize(doc.title), tokenize(doc.text)]
      pair[1].ranges = blockRanges(doc.text)
      fields.push(pair)
      pair.forEach(function (field, f) {
        for (var p = 0; p < field.tokens.length; p++) {
          var token = field.tokens[p]
          var list = postings.get(token)
          if (!list) {
            postings.set(token, list = [])
            words.push(token)
          }
          list.push(d, f, p)
          if (HAN_ONLY.test(token)) {
            hanWords.set(token, (hanWords.get(token) || 0) + 1)
            if (token.length > longest)
              longest = token.length
          }
        }
      })
      total += pair[1].tokens.length
      sections++
    })
    averageLength = Math.max(1, total / Math.max(1, sections))
  }

  /* ---------------------------------------------------------------- the query */

  /* The index's Han words, for the query's segmentation (KbQuery.analyse) */
  var dictionary = { has: function (word) { return hanWords.has(word) }, get longest() { return longest } }

  function analyse(query) {
    /* The converter's arrival changes what a query reads as (KbQuery.generation) */
    if (generation !== KbQuery.generation()) {
      analysed.clear()
      generation = KbQuery.generation()
    }
    var known = analysed.get(query)
    if (known)
      return known
    if (analysed.size >= ANALYSED)
      analysed.delete(analysed.keys().next().value)
    known = KbQuery.analyse(query, dictionary)
    analysed.set(query, known)
    return known
  }

  /* The analyses of the last queries (the oldest goes first): text typed, deleted and
     typed again is not cut again, nor converted from Traditional again. An analysis
     depends on the index and the converter: the cache is emptied when either arrives. */
  var ANALYSED = 64
  var analysed = new Map()
  var generation = 0

  /* Index words a query word stands for: [word, weight], itself first. A single Han
     character stands for the words holding it only when it is the whole query (熵: 交叉熵);
     beside other words it would match almost anything. Latin words of one or two letters
     (the first keys of a word being typed) stand for themselves only. */
  function expand(word, alone) {
    var out = postings.has(word) ? [[word, 1]] : []
    var han = HAN_ONLY.test(word)
    if (han ? word.length < 2 && !alone : word.length < 3)
      return out
    for (var i = 0; i < words.length && out.length < EXPANSIONS; i++) {
      var candidate = words[i]
      if (candidate !== word && candidate.length > word.length
          && (han ? candidate.indexOf(word) >= 0 : candidate.lastIndexOf(word, 0) === 0))
        out.push([candidate, PARTIAL])
    }
    return out
  }

  /* ---------------------------------------------------------------- ranking */

  function search(query) {
    var q = analyse(query)
    if (!q.words.length)
      return { items: [] }

    /* Per document: per query word, its best weight and its positions */
    var found = new Map()
    q.words.forEach(function (word, w) {
      expand(word, q.words.length === 1).forEach(function (entry) {
        var list = postings.get(entry[0]), weight = entry[1]
        for (var i = 0; i < list.length; i += 3) {
          var d = list[i], hit = found.get(d)
          if (!hit)
            found.set(d, hit = { words: [] })
          var mine = hit.words[w] || (hit.words[w] = { weight: 0, title: 0, text: 0, at: [[], []] })
          if (weight > mine.weight)
            mine.weight = weight
          mine[list[i + 1] ? "text" : "title"] += weight
          mine.at[list[i + 1]].push(list[i + 2])
        }
      })
    })

    /* Rarer words weigh more (BM25's idf over every document) */
    var n = docs.length
    var idf = q.words.map(function (_, w) {
      var df = 0
      found.forEach(function (hit) { if (hit.words[w]) df++ })
      return Math.log(1 + (n - df + 0.5) / (df + 0.5))
    })

    var scored = []
    found.forEach(function (hit, d) {
      var covered = 0, score = 0
      var length = fields[d][1].tokens.length
      var norm = K1 * (1 - B + B * length / averageLength)
      hit.words.forEach(function (mine, w) {
        if (!mine)
          return
        if (q.strong[w])
          covered++
        var body = mine.text * (K1 + 1) / (mine.text + norm)
        var heading = mine.title > 0 ? HEADING : 0
        score += idf[w] * mine.weight * (body + heading)
      })
      q.pairs.forEach(function (pair) {
        var a = hit.words[pair[0]], b = hit.words[pair[1]]
        if (!a || !b)
          return
        var weight = (idf[pair[0]] + idf[pair[1]]) * Math.min(a.weight, b.weight)
        if (adjacent(a.at[0], b.at[0]))
          score += PHRASE_HEADING * weight
        var times = adjacent(a.at[1], b.at[1])
        if (times)
          score += PHRASE_TEXT * weight * 2 * times / (times + 1)
      })
      /* More of the query's words first, whatever the rest: the score stays below 1000 */
      scored.push({ d: d, covered: covered, score: covered * 1000 + Math.min(score, 999), hit: hit })
    })
    return { items: groups(scored, q) }
  }

  /* How often a position in `first` is followed by one in `second` */
  function adjacent(first, second) {
    if (!first.length || !second.length)
      return 0
    var next = new Set(second), times = 0
    for (var i = 0; i < first.length; i++)
      if (next.has(first[i] + 1))
        times++
    return times
  }

  /* Results grouped by page, the groups ordered by their best section. Material shows,
     under the page's title, the sections scored at least as high as the group's first
     entry and folds the others away: the page's own entry (its title and opening lines)
     goes first, scored so that the sections that hold as many query words as the best
     one and come near it in score are shown, and the weaker ones folded */
  function groups(scored, q) {
    var byPage = new Map()
    scored.sort(function (a, b) { return b.score - a.score || a.d - b.d })
    scored.forEach(function (item) {
      var page = docs[item.d].page
      if (!byPage.has(page))
        byPage.set(page, [])
      byPage.get(page).push(item)
    })
    var out = []
    byPage.forEach(function (items, page) {
      var sections = items.filter(function (item) { return item.d !== page })
      var own = items.filter(function (item) { return item.d === page })[0] || { d: page, hit: { words: [] }, score: 0 }
      var key = sections.length ? sections[0].score : own.score
      var shown = sections.length ? Math.floor(key / 1000) * 1000 + SHOWN * (key % 1000) : key
      var group = [render(own, q, shown)]
      sections.forEach(function (item) { group.push(render(item, q, item.score)) })
      out.push({ key: key, first: items[0].d, group: group })
    })
    out.sort(function (a, b) { return b.key - a.key || a.first - b.first })
    return out.map(function (entry) { return entry.group })
  }

  /* ---------------------------------------------------------------- results */

  /* One result as Material draws it: the title with the query words marked, the text cut
     to the (at most two) blocks that hold them, and which query words it holds */
  function render(item, q, score) {
    var doc = docs[item.d], field = fields[item.d]
    var marked = [new Set(), new Set()]
    var terms = {}
    q.words.forEach(function (word, w) {
      var mine = item.hit.words[w]
      terms[word] = !!mine
      if (mine)
        for (var f = 0; f < 2; f++)
          mine.at[f].forEach(function (p) { marked[f].add(p) })
    })
    return {
      location: doc.location,
      title: highlight(doc.title, field[0], marked[0], true),
      text: highlight(doc.text, field[1], marked[1], false) + KbQuery.sameNote(doc.same),
      score: score,
      terms: terms,
    }
  }

  /* The title whole with the marked words in <mark>; of the text, the first two blocks
     (paragraphs, list items ...) that hold a marked word, each cut to the words around
     its marks and kept as text (its first block when nothing is marked) */
  function highlight(html, field, marked, whole) {
    if (whole)
      return marked.size ? mark(html, 0, field, Array.from(marked).sort(function (a, b) { return a - b })) : html
    var ranges = field.ranges
    if (!marked.size)
      return ranges.length ? excerpt(html, ranges[0][0], ranges[0][1], field, []) : ""
    var positions = Array.from(marked).sort(function (a, b) { return a - b }), kept = []
    positions.forEach(function (p) {
      var b = field.blocks[p]
      if (kept.indexOf(b) < 0 && kept.length < 2 && ranges[b])
        kept.push(b)
    })
    return kept.map(function (b) {
      return excerpt(html, ranges[b][0], ranges[b][1], field,
                     positions.filter(function (p) { return field.blocks[p] === b }))
    }).join(" ")
  }

  /* The text of html[start, end] around the marked words at `positions` (CONTEXT
     characters either side), tags dropped but <mark>, … where it was cut */
  function excerpt(html, start, end, field, positions) {
    var from = start, to = end
    if (positions.length) {
      from = Math.max(start, field.spans[2 * positions[0]] - CONTEXT)
      to = Math.min(end, field.spans[2 * positions[positions.length - 1] + 1] + CONTEXT)
    } else {
      to = Math.min(end, start + 2 * CONTEXT)
    }
    /* Not inside a tag or an entity at either end */
    if (html.lastIndexOf("<", from) > html.lastIndexOf(">", from - 1))
      from = html.indexOf(">", from) + 1
    var open = html.lastIndexOf("<", to - 1)
    if (open >= from && html.indexOf(">", open) >= to)
      to = open
    var lead = html.lastIndexOf("&", from - 1), semi = html.indexOf(";", lead)
    if (lead >= 0 && semi >= from && semi - lead <= 10)
      from = semi + 1
    var amp = html.lastIndexOf("&", to - 1)
    if (amp >= from && html.indexOf(";", amp) >= to)
      to = amp
    var inside = positions.filter(function (p) {
      return field.spans[2 * p] >= from && field.spans[2 * p + 1] <= to
    })
    var text = mark(html.slice(from, to), from, field, inside)
      .replace(/<(?!\/?mark>)[^>]*>/g, " ").replace(/\s+/g, " ").trim()
    return (cut(html, start, from) ? "…" : "") + text + (cut(html, to, end) ? "…" : "")
  }

  /* Whether html[from, to] holds text (not only tags and spaces): what an excerpt left out */
  function cut(html, from, to) {
    return /\S/.test(html.slice(from, to).replace(/<[^>]*>/g, "").replace(/\u200b/g, ""))
  }

  /* `html` (which starts at `offset` of the field's text) with the words at `positions` marked */
  function mark(html, offset, field, positions) {
    for (var i = positions.length - 1; i >= 0; i--) {
      var p = positions[i]
      var start = field.spans[2 * p] - offset, end = field.spans[2 * p + 1] - offset
      html = html.slice(0, start) + "<mark>" + html.slice(start, end) + "</mark>" + html.slice(end)
    }
    return html
  }

  /* [start, end] of each top-level block of the HTML, as tokenize numbers them */
  function blockRanges(html) {
    var ranges = [], block = 0, depth = 0, start = 0
    for (var i = 0; i < html.length; i++) {
      if (html.charCodeAt(i) !== 60)
        continue
      var close = html.indexOf(">", i)
      if (close < 0)
        close = html.length - 1
      if (html.charCodeAt(i + 1) === 47) {
        if (--depth === 0) {
          ranges[block] = [start, close + 1]
          block++
          start = close + 1
        }
      } else if (html.charCodeAt(close - 1) !== 47) {
        depth++
      }
      i = close
    }
    if (!ranges[block] && start < html.length)
      ranges[block] = [start, html.length]
    return ranges
  }

  /* ---------------------------------------------------------------- messages */

  /* The result names its query, so that a page can leave unanswered a result for text
     its search box no longer holds (overrides/main.html, book.js) */
  function answer(query) {
    var result
    try {
      result = search(query)
    } catch (err) {
      console.warn("kb-search.js: cannot search for " + JSON.stringify(query), err)
      result = { items: [] }
    }
    result.query = query
    KbQuery.postResult(result)
  }

  /* Search for a few of the index's own headings before saying ready: the first queries
     a reader types then run compiled code, not the engine's first, slow pass */
  function warmUp() {
    var titles = docs.filter(function (doc) { return doc.location.indexOf("#") >= 0 })
      .slice(0, 5).map(function (doc) { return doc.title.replace(/<[^>]*>/g, "") })
    titles.concat(titles.join(" ")).forEach(function (title) { search(title) })
  }

  /* Expose for tests and the benchmark: how a query is cut, and the search itself */
  self.kbAnalyseQuery = analyse
  self.kbSearch = search

  KbQuery.serveMaterial(function (data) {
    setup(data)
    warmUp()
  }, answer)
})()
