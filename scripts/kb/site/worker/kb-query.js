/*
 * How a query is read, shared by the knowledge base's two search engines: the engine
 * over the one-file index (kb-search.js) and the engine over Pagefind's split index
 * (kb-pagefind.js). At build time scripts/kb/site/search.py writes each worker as the
 * Traditional-character table (self.KB_TRADITIONAL), this file, then the engine, so that
 * nothing is imported when a worker starts.
 *
 * - Latin and Han apart (CNN模型 -> cnn 模型); punctuation is a break.
 * - Han runs split into the index's own words: the split with the largest sum of squared
 *   word lengths wins (long words beat their pieces); characters the index does not know
 *   are grouped into runs of their own. The engine says which words the index knows.
 * - Question words (如何, 哪些, 要不要 ...) dropped when the query has other words.
 * - Traditional input converted to Simplified with OpenCC, loaded the first time a query
 *   holds a Traditional-only character; queries that arrive meanwhile wait behind it.
 *
 * Also the one place both engines answer Material's search worker messages (serveMaterial)
 * and word a folded result (sameNote).
 */
self.KbQuery = (function () {
  "use strict"

  var HAN = "\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff"
  var HAN_RUN = new RegExp("[" + HAN + "]+", "g")
  var HAN_ONLY = new RegExp("^[" + HAN + "]+$")
  var LATIN_HAN = new RegExp("([A-Za-z0-9])(?=[" + HAN + "])|([" + HAN + "])(?=[A-Za-z0-9])", "g")
  /* Everything that is not a letter or digit is a break between query words */
  var PUNCTUATION = /[^\p{L}\p{N}]+/gu

  /* Words that carry no topic in a question (如何进行风险识别？): dropped when the
     query has other words, kept when they are all it has */
  var FUNCTION_WORDS = new Set((
    "的 了 吗 呢 吧 啊 么 是 有 和 与 及 或 在 对 中 把 被 到 从 给 为 " +
    "什么 怎么 怎样 怎么样 如何 哪些 哪个 哪里 为什么 为何 是否 是什么 有哪些 有什么 " +
    "我 我们 你 你们 他们 一个 一些 这个 那个 这些 那些 " +
    "应该 可以 能够 需要 进行"
  ).split(" "))

  /* A question's "X or not X" (要不要, 是不是, 有没有): asks whether, names no topic */
  var A_NOT_A = new RegExp("([" + HAN + "])[不没]\\1", "g")

  /* The converter: a file of the site found from this script's own address (in the
     iframe of the file:// shim, `location` and relative URLs are the page's). The single
     file, which can load no file, puts it in front of the worker as the function
     self.KB_LOAD_CONVERTER. */
  var SCRIPT_URL = self.document && document.currentScript ? document.currentScript.src : self.location.href
  var CONVERTER = "../vendor/opencc-t2cn.js"

  /* Traditional-only characters (generated at build time from OpenCC's table) */
  var traditional = new Set(self.KB_TRADITIONAL || "")
  var convert = null                   /* the converter, once loaded (or given up on) */
  var loading = false                  /* true while it loads */
  var held = []                        /* [query, answer] that arrived meanwhile */
  var generation = 0                   /* counts the converter's arrivals: what a query reads as changes */

  /* Split a Han run into words the index knows (`dictionary.has(word)`, at most
     `dictionary.longest` characters long) */
  function segment(run, dictionary) {
    var n = run.length, longest = dictionary.longest || 1
    var best = [0], back = [0], known = [true]
    for (var i = 1; i <= n; i++) {
      best[i] = -Infinity
      for (var len = 1; len <= Math.min(longest, i); len++) {
        var word = run.slice(i - len, i)
        var isKnown = dictionary.has(word)
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
    var out = [], pending = ""
    pieces.forEach(function (piece) {
      if (!piece[1]) {
        pending += piece[0]
        return
      }
      if (pending)
        out.push(pending)
      pending = ""
      out.push(piece[0])
    })
    if (pending)
      out.push(pending)
    return out
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

  /* The query's text as the index writes it: NFKC, Simplified, "X or not X" and
     punctuation dropped, Latin and Han apart, lower case */
  function normalise(query) {
    return toSimplified(query.normalize("NFKC"))
      .replace(A_NOT_A, " ")
      .replace(PUNCTUATION, " ")
      .replace(LATIN_HAN, "$1$2 ")
      .toLowerCase()
  }

  /* The Han runs of a query (after normalise): what an engine must know the words of
     before it calls analyse */
  function hanRuns(query) {
    return normalise(query).match(HAN_RUN) || []
  }

  /* The query's words, in order: {words: distinct topical words, pairs: [i, j] for words
     that are neighbours in the query (no other word between them), strong: whether each
     word counts towards holding the whole query (a single Han character is too vague to
     demand when the query has longer words: 会, 好, 层)} */
  function analyse(query, dictionary) {
    var text = normalise(query)
    var sequence = []
    text.replace(HAN_RUN, " $& ").trim().split(/\s+/).forEach(function (part) {
      if (HAN_ONLY.test(part))
        sequence.push.apply(sequence, segment(part, dictionary))
      else if (part)
        sequence.push(part)
    })
    var topical = sequence.some(function (word) { return !FUNCTION_WORDS.has(word) })
    var out = { words: [], pairs: [] }, previous = -1
    sequence.forEach(function (word) {
      if (topical && FUNCTION_WORDS.has(word)) {
        previous = -1
        return
      }
      var index = out.words.indexOf(word)
      if (index < 0)
        index = out.words.push(word) - 1
      if (previous >= 0 && previous !== index)
        out.pairs.push([previous, index])
      previous = index
    })
    var long = out.words.filter(function (word) { return !(HAN_ONLY.test(word) && word.length < 2) })
    out.strong = out.words.map(function (word) {
      return !long.length || !(HAN_ONLY.test(word) && word.length < 2)
    })
    return out
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

  /* Load the converter, then answer the queries held meanwhile, in their order. If it
     cannot be loaded, queries go on unconverted rather than waiting for ever. */
  function loadConverter() {
    loading = true
    var loaded = self.KB_LOAD_CONVERTER ? Promise.resolve().then(self.KB_LOAD_CONVERTER)
      : loadScript(new URL(CONVERTER, SCRIPT_URL).href)
    loaded
      .then(function () {
        convert = self.OpenCC.Converter({ from: "twp", to: "cn" })
      })
      .catch(function (err) {
        console.warn("kb search: no Traditional-to-Simplified conversion:", err)
        convert = function (query) { return query }
      })
      .then(function () {
        generation++
        loading = false
        var queries = held
        held = []
        queries.forEach(function (entry) { entry[1](entry[0]) })
      })
  }

  /* Call answer(query) once the query can be read: at once, or, for a Traditional query
     before the converter is here, once it is (and every query after it waits too, so
     that results come back in the order they were asked for) */
  function whenReadable(query, answer) {
    if (!convert && (loading || hasTraditional(query))) {
      held.push([query, answer])
      if (!loading)
        loadConverter()
      return
    }
    answer(query)
  }

  /* ---------------------------------------------------------------- Material's messages */

  var SETUP = 0, READY = 1, QUERY = 2, RESULT = 3   /* Material's SearchMessageType */

  /* Answer Material's search worker messages as its own worker does: on SETUP,
     setup(the message's data), which may return a promise, and READY when it is done; on
     QUERY, answer(query) once the query can be read (a Traditional one waits for the
     converter: whenReadable). `answer` sends its result with postResult */
  function serveMaterial(setup, answer) {
    self.addEventListener("message", function (ev) {
      var message = ev.data
      if (!message)
        return
      if (message.type === SETUP)
        Promise.resolve(setup(message.data)).then(function () { self.postMessage({ type: READY }) })
      else if (message.type === QUERY && typeof message.data === "string")
        whenReadable(message.data, answer)
    })
  }

  /* ---------------------------------------------------------------- results */

  /* What a result adds when the build folded other sections of the same heading and
     text into it (kb.site.search.fold): how many other places hold the text. The
     same words in both engines. */
  function sameNote(count) {
    return count > 0 ? '<p class="kb-same">另有 ' + count + " 处相同内容</p>" : ""
  }

  function postResult(result) {
    self.postMessage({ type: RESULT, data: result })
  }

  return {
    HAN: HAN,
    HAN_ONLY: HAN_ONLY,
    analyse: analyse,
    hanRuns: hanRuns,
    whenReadable: whenReadable,
    serveMaterial: serveMaterial,
    postResult: postResult,
    sameNote: sameNote,
    generation: function () { return generation },
  }
})()
