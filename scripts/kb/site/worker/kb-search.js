/*
 * Search worker of the knowledge base: a query rewrite in front of Material's own search
 * worker. This is not served as it is: at build time scripts/kb/search.py writes
 * assets/javascripts/workers/kb-search.js as one script, the Traditional-character table
 * (self.KB_TRADITIONAL), then this file, then Material's worker, so that nothing has to be
 * imported at start-up. overrides/main.html points the theme at that script.
 *
 * The same script runs over http (a Web Worker) and from file:// (Material's offline
 * plugin runs it in an iframe through the iframe-worker shim, where `self` is the iframe's
 * window and importScripts appends <script> tags and returns a promise).
 *
 * Why a rewrite is needed (measured with scripts/bench/plain_site.py):
 * - Material sends a query like `CNN模型` to Lunr as the single term `cnn模型*`, but
 *   the index holds `cnn` and `模型` as separate tokens (the build segments Han runs
 *   with jieba and leaves Latin words alone), so nothing matches. We split Latin and
 *   Han apart.
 * - Material segments a Han query greedily against the index and never looks at the
 *   last word of a run (風險識別 -> only 风险). We segment each Han run ourselves, by
 *   dynamic programming over the index's own Han tokens (longest words win), and turn
 *   Material's segmenter off (see patchLunr below).
 * - Traditional characters are converted to Simplified with OpenCC, loaded only the
 *   first time a query holds a character from the Traditional-only table.
 *
 * Messages are mutated in place before Material's listener sees them (listeners run
 * in the order they were added, and ours is added first).
 */
(function () {
  "use strict"

  var SETUP = 0                        /* SearchMessageType.SETUP */
  var QUERY = 2                        /* SearchMessageType.QUERY */
  var RESULT = 3                       /* SearchMessageType.RESULT */

  var HAN = "\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff"
  var HAN_RUN = new RegExp("[" + HAN + "]+", "g")
  var HAN_ONLY = new RegExp("^[" + HAN + "]+$")
  var LATIN_HAN = new RegExp("([A-Za-z0-9])(?=[" + HAN + "])|([" + HAN + "])(?=[A-Za-z0-9])", "g")
  /* Everything that is not a letter, digit, space or Lunr query syntax is a break */
  var PUNCTUATION = /[^\p{L}\p{N}\s+\-*~^:"]/gu

  /* Words that carry no topic in a question (如何进行风险识别？): dropped when the
     query has other words, kept when they are all it has */
  var FUNCTION_WORDS = new Set((
    "的 了 吗 呢 吧 啊 么 是 有 和 与 及 或 在 对 中 把 被 到 从 给 为 " +
    "什么 怎么 怎样 怎么样 如何 哪些 哪个 哪里 为什么 为何 是否 是什么 有哪些 有什么 " +
    "我 我们 你 你们 他们 一个 一些 这个 那个 这些 那些 " +
    "应该 可以 能够 需要 进行 呢"
  ).split(" "))

  /* The converter, a file of the site, is found from this script's own address (in the
     iframe, `location` and relative URLs are the page's, not the script's) */
  var SCRIPT_URL = self.document && document.currentScript ? document.currentScript.src : self.location.href
  var CONVERTER_URL = new URL("../vendor/opencc-t2cn.js", SCRIPT_URL).href

  /* Index vocabulary: Han token -> number of occurrences */
  var vocabulary = new Map()
  var longest = 1

  /* Traditional-only characters (generated at build time from OpenCC's table) */
  var traditional = new Set(self.KB_TRADITIONAL || "")
  var convert = null                   /* the converter, once loaded (or given up on) */
  var loading = false                  /* true while it loads */
  var held = []                        /* query messages that arrived meanwhile */

  function learnVocabulary(setup) {
    var separator = new RegExp(setup.config.separator, "g")
    var docs = setup.docs
    for (var i = 0; i < docs.length; i++)
      for (var field of ["title", "text"]) {
        var value = docs[i][field]
        if (!value)
          continue
        var tokens = value.replace(/<[^>]*>/g, " ").split(separator)
        for (var j = 0; j < tokens.length; j++) {
          var token = tokens[j]
          if (!HAN_ONLY.test(token))
            continue
          vocabulary.set(token, (vocabulary.get(token) || 0) + 1)
          if (token.length > longest)
            longest = token.length
        }
      }
  }

  /* Split a Han run into index words; the split with the largest sum of squared word
     lengths wins (long words beat their pieces); characters the index does not know
     are grouped into runs of their own. */
  function segment(run) {
    var n = run.length
    var best = [0], back = [0], known = [true]
    for (var i = 1; i <= n; i++) {
      best[i] = -Infinity
      for (var len = 1; len <= Math.min(longest, i); len++) {
        var word = run.slice(i - len, i)
        var isKnown = vocabulary.has(word)
        if (!isKnown && len > 1)
          continue
        var score = best[i - len] + (isKnown ? len * len : 0)
        if (score > best[i]) {
          best[i] = score
          back[i] = len
          known[i] = isKnown
        }
      }
    }
    var pieces = []
    for (var end = n; end > 0; end -= back[end])
      pieces.unshift([run.slice(end - back[end], end), known[end]])
    var words = [], pending = ""
    pieces.forEach(function (piece) {
      if (!piece[1]) {
        pending += piece[0]
        return
      }
      if (pending)
        words.push(pending)
      pending = ""
      words.push(piece[0])
    })
    if (pending)
      words.push(pending)
    return words
  }

  function hasTraditional(query) {
    for (var ch of query.normalize("NFKC"))
      if (traditional.has(ch))
        return true
    return false
  }

  function toSimplified(query) {
    return convert && hasTraditional(query) ? convert(query) : query
  }

  /* A promise for a script run in this worker. In a Web Worker importScripts is
     synchronous and throws when the script cannot be read. In the iframe of the shim it
     returns a promise that never settles when the file is missing, so a script element
     of our own is used there, which reports the failure. */
  function loadScript(url) {
    return new Promise(function (resolve, reject) {
      if (!self.document) {
        importScripts(url)
        resolve()
        return
      }
      var script = document.createElement("script")
      script.src = url
      script.onload = resolve
      script.onerror = function () { reject(new Error("cannot load " + url)) }
      document.body.appendChild(script)
    })
  }

  /* Load the converter, then send on the queries held meanwhile, in their order. If it
     cannot be loaded, queries go on unconverted rather than waiting for ever. */
  function loadConverter() {
    loading = true
    loadScript(CONVERTER_URL)
      .then(function () {
        convert = self.OpenCC.Converter({ from: "twp", to: "cn" })
      })
      .catch(function (err) {
        console.warn("kb-search.js: no Traditional-to-Simplified conversion:", err)
        convert = function (query) { return query }
      })
      .then(function () {
        loading = false
        var messages = held
        held = []
        messages.forEach(function (message) {
          self.dispatchEvent(new MessageEvent("message", { data: message }))
        })
      })
  }

  function rewrite(query) {
    var text = toSimplified(query.normalize("NFKC"))
      .replace(PUNCTUATION, " ")
      .replace(LATIN_HAN, "$1$2 ")
    var words = []
    text.replace(HAN_RUN, " $& ").trim().split(/\s+/).forEach(function (part) {
      if (HAN_ONLY.test(part))
        words.push.apply(words, segment(part))
      else if (part)
        words.push(part)
    })
    var topical = words.filter(function (word) { return !FUNCTION_WORDS.has(word) })
    return (topical.length ? topical : words).join(" ")
  }

  /* Expose for tests and the benchmark report: how a query is rewritten */
  self.kbRewriteQuery = rewrite

  self.addEventListener("message", function (ev) {
    var message = ev.data
    if (message && message.type === SETUP) {
      learnVocabulary(message.data)
      patchLunr()
    } else if (message && message.type === QUERY && typeof message.data === "string") {
      /* A Traditional query before the converter is here waits for it, and so does every
         query after it, so that results come back in the order they were asked for */
      if (!convert && (loading || hasTraditional(message.data))) {
        ev.stopImmediatePropagation()
        held.push(message)
        if (!loading)
          loadConverter()
        return
      }
      message.data = rewrite(message.data)
    }
  })

  /* Sections first. Material ranks a page's own entry (its title and opening lines)
     with an extra boost, so a matching page title wins its group: the group then
     shows the page and folds every section away, and the reader lands on the top of
     a page that may hold ten sections. Here each group is led by its best section
     and groups are ordered by that section's score; the page entry keeps its place
     as the group's header, scored without Material's page-only boost. */
  function pageScore(item) {
    var terms = Object.keys(item.terms || {})
    var matched = terms.filter(function (t) { return item.terms[t] }).length
    var f = terms.length ? matched / terms.length : 0
    return item.score * (1 + f * f) / (1 + (1 + f) * (1 + f))
  }

  function sectionsFirst(items) {
    return items.map(function (group) {
      var sections = group.filter(function (item) { return item.location.indexOf("#") !== -1 })
        .sort(function (a, b) { return b.score - a.score })
      var pages = group.filter(function (item) { return item.location.indexOf("#") === -1 })
      var key = sections.length ? sections[0].score : pages.length ? pageScore(pages[0]) : 0
      pages.forEach(function (page) { page.score = Math.min(page.score, key) })
      return { key: key, group: sections.concat(pages) }
    })
      .sort(function (a, b) { return b.key - a.key })
      .map(function (entry) { return entry.group })
  }

  var post = self.postMessage.bind(self)
  self.postMessage = function (message) {
    if (message && message.type === RESULT && message.data && Array.isArray(message.data.items))
      message.data.items = sectionsFirst(message.data.items)
    return post.apply(self, arguments)
  }

  /* Turn off Material's query segmenter, which asks `word in invertedIndex` for every
     prefix of a Han run: with the runs already split above, it could only cut words
     short. Nothing else asks the inverted index with `in`; lookups go through. Done on
     SETUP, before Material builds its index: Material's code (which defines self.lunr)
     comes after this file in the worker script. */
  function patchLunr() {
    var Index = self.lunr.Index
    if (Index.kbPatched)
      return
    function KbIndex(attrs) {
      Index.call(this, attrs)
      this.invertedIndex = new Proxy(this.invertedIndex, {
        has: function () { return false }
      })
    }
    KbIndex.prototype = Index.prototype
    KbIndex.load = Index.load
    KbIndex.kbPatched = true
    self.lunr.Index = KbIndex
  }
})()
