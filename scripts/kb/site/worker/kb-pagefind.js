/*
 * The knowledge base's search engine over Pagefind's split index: the site over http when
 * it is large (kb.site.pagefind says when). It answers Material's search-worker messages
 * (SETUP -> READY, QUERY -> RESULT) as kb-search.js does, so the same search box draws
 * its results, but it downloads only the parts of the index a query needs:
 *
 * - pagefind/pagefind.js (Pagefind's own search, imported into this worker), which
 *   fetches the index chunks of the query's words and the fragments of the sections
 *   shown. The build fed Pagefind one record per section (url with its #anchor, the
 *   heading as the title), its text cut by jieba with the editorial user dictionary, the
 *   words set apart by spaces (kb.site.pagefind). A large site's records are split over
 *   several indexes (pagefind/1/ ...), merged into the first (pagefind.mergeIndex).
 * - pagefind/kb-words/N.json: the index's Han words, split by their first character, for
 *   the query's segmentation (kb-query.js, the same code as the one-file engine); a query
 *   fetches the files of its own characters. pagefind/kb-search.json says how many there
 *   are, the longest word, and each page's title.
 *
 * Ranking: sections holding every query word first (one Pagefind search for all the
 * words, which requires every word); when they are fewer than a screen, one search per
 * word, the sections ranked by how many words they hold, then by the sum of their words'
 * scores (Pagefind's BM25, a heading match weighing more, is a sum over the words). A
 * Pagefind search costs about the sections it finds times the sections of its words (at
 * 500 articles, in one index, 1.7 s for 大模型, in 17,010 of 24,560 sections), so a query
 * costs one search, or one more per word.
 * Results grouped by page as kb-search.js does; a result opens its section with the query
 * words highlighted (Material's ?h=). A record the build folded others into
 * (kb.site.search.fold) says how many (its meta's `same`).
 */
(function () {
  "use strict"


  var HAN_ONLY = KbQuery.HAN_ONLY
  /* A space the index put between words, beside a Chinese character or punctuation
     mark (marks around it aside): not shown */
  var SPACES = /((?:<\/?mark>)*)( +)((?:<\/?mark>)*)/g
  var WIDE = /[^\x00-\x7f]/

  /* The worker is assets/javascripts/workers/kb-pagefind.js; the index is pagefind/ */
  var BASE = new URL("../../../pagefind/", self.location.href).href
  /* Words of a result's excerpt */
  var EXCERPT = 40
  /* Sections whose fragments are loaded and drawn, at most */
  var LIMIT = 10
  /* Sections of a page shown (not folded) when they score this share of its best one */
  var SHOWN = 0.6
  /* A Latin word this short is searched as itself only (searchWord) */
  var SHORT = /^[a-z0-9]{1,2}$/

  var pagefind = null                  /* Pagefind's module, once imported */
  var meta = { shards: 1, longest: 1, pages: {} }
  var known = new Set()                /* Han words of the index loaded so far */
  var shards = new Map()               /* shard number -> promise of its words */
  var dictionary = { has: function (word) { return known.has(word) }, get longest() { return meta.longest } }

  function getJSON(url) {
    return fetch(url).then(function (response) {
      if (!response.ok)
        throw new Error(url + ": " + response.status)
      return response.json()
    })
  }

  /* The index's Han words that the query's Han characters start */
  function loadWords(query) {
    var wanted = new Set()
    KbQuery.hanRuns(query).forEach(function (run) {
      for (var ch of run)
        wanted.add(ch.codePointAt(0) % meta.shards)
    })
    return Promise.all(Array.from(wanted).map(function (n) {
      if (!shards.has(n))
        shards.set(n, getJSON(BASE + "kb-words/" + n + ".json").then(function (list) {
          list.forEach(function (word) { known.add(word) })
        }))
      return shards.get(n)
    }))
  }

  /* The site's records are split over meta.indexes Pagefind indexes (pagefind/, then
     pagefind/1/ ...; kb.site.pagefind.parts), because a Pagefind search costs about the
     sections it finds times the sections of its words: the first is imported, the others
     merged into it, and Pagefind ranks their results together */
  function setup() {
    return Promise.all([
      getJSON(BASE + "kb-search.json").then(function (data) { meta = data }),
      import(BASE + "pagefind.js").then(function (module) {
        pagefind = module
        return pagefind.options({ basePath: BASE, excerptLength: EXCERPT })
          .then(function () { return pagefind.init() })
      }),
    ]).then(function () {
      var merged = []
      for (var n = 1; n < (meta.indexes || 1); n++)
        merged.push(pagefind.mergeIndex(BASE + n + "/", { excerptLength: EXCERPT }))
      return Promise.all(merged)
    })
  }

  /* ---------------------------------------------------------------- search */

  /* One Pagefind search: its results, the sections holding every word of `words` (each
     word, or a word that starts with it) */
  function searchAll(words) {
    self.kbPagefindSearches++
    return pagefind.search(words.join(" ")).then(function (response) {
      return response ? response.results : []
    })
  }

  /* A Latin word of one or two letters (the first keys of a word being typed, or the 3 of
     GPT-3) stands for itself only, as in kb-search.js: Pagefind's exact search ("a"),
     not every word that starts with it, which at 500 articles is most sections */
  function searchWord(term) {
    return SHORT.test(term) ? searchAll(['"' + term + '"']) : searchAll([term])
  }

  /* The sections holding at least one query word, each with how many it holds and the sum
     of its words' scores (BM25 is a sum over the query's words): one Pagefind search per
     word. Pagefind's cost grows with the sections a search matches, so this runs only
     when the search for every word found too few (searchAll) */
  function searchEach(terms) {
    return Promise.all(terms.map(searchWord)).then(function (answers) {
      var found = new Map()
      answers.forEach(function (results, t) {
        results.forEach(function (result) {
          var hit = found.get(result.id)
          if (!hit)
            found.set(result.id, hit = { result: result, covered: 0, pf: 0, subset: [] })
          hit.covered++
          hit.pf += result.score
          hit.subset.push(terms[t])
        })
      })
      return Array.from(found.values())
    })
  }

  function search(query) {
    return loadWords(query).then(function () {
      var q = KbQuery.analyse(query, dictionary)
      var terms = q.words.filter(function (_, w) { return q.strong[w] })
      if (!terms.length)
        return { items: [] }
      /* Sections holding every word; when they are too few to fill the list, every
         section holding one, those holding more words first. In the search for every
         word a short Latin word is a prefix (Pagefind's exact search is a phrase), which
         the other words narrow: searched on its own (the first keys of a word), or each
         word on its own, it stands for itself only. One search for every word costs far
         less than one per word: at 500 articles 大模型 alone is in 17,010 of 24,560
         sections, AI in 14,407 */
      var all = terms.length === 1 ? searchWord(terms[0]) : searchAll(terms)
      return all.then(function (results) {
        if (results.length >= LIMIT || terms.length === 1)
          return results.map(function (result) {
            return { result: result, covered: terms.length, pf: result.score, subset: terms }
          })
        return searchEach(terms)
      }).then(function (found) {
        var ranked = found.sort(function (a, b) {
          return b.covered - a.covered || b.pf - a.pf
        }).slice(0, LIMIT)
        return Promise.all(ranked.map(function (hit) {
          return hit.result.data().then(function (fragment) {
            hit.fragment = fragment
            /* More of the query's words first, whatever the rest: the score stays below 1000 */
            hit.score = hit.covered * 1000 + 999 * hit.pf / (hit.pf + 1)
            return hit
          })
        })).then(function (hits) { return { items: groups(hits, terms) } })
      })
    })
  }

  /* Results grouped by page, the groups ordered by their best section; the page's own
     entry first, scored so that the sections near the best are shown, the others folded
     (as kb-search.js does) */
  function groups(hits, terms) {
    var byPage = new Map()
    hits.forEach(function (hit) {
      var path = hit.fragment.raw_url.split("#")[0]
      if (!byPage.has(path))
        byPage.set(path, [])
      byPage.get(path).push(hit)
    })
    var out = []
    byPage.forEach(function (items, path) {
      var sections = items.filter(function (hit) { return hit.fragment.raw_url !== path })
      var own = items.filter(function (hit) { return hit.fragment.raw_url === path })[0]
      var key = sections.length ? sections[0].score : own.score
      var shown = sections.length ? Math.floor(key / 1000) * 1000 + SHOWN * (key % 1000) : key
      var head = own ? render(own, terms, shown)
        : { location: path, title: escape(meta.pages[path] || path), text: "", score: shown, terms: {} }
      out.push([head].concat(sections.map(function (hit) { return render(hit, terms, hit.score) })))
    })
    return out
  }

  /* ---------------------------------------------------------------- results */

  function escape(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
  }

  /* Text as the index holds it (words set apart by spaces) as the page shows it */
  function unspaced(html) {
    return html.replace(SPACES, function (all, before, spaces, after, at, text) {
      var previous = text.charAt(at - 1), next = text.charAt(at + all.length)
      return WIDE.test(previous) || WIDE.test(next) ? before + after : all
    })
  }

  /* The heading with the words of `subset` marked */
  function markTitle(title, subset) {
    var words = title.split(" ")
    return words.map(function (word) {
      var lower = word.toLowerCase()
      var hit = subset.some(function (term) {
        return lower === term || (lower.lastIndexOf(term, 0) === 0)
      })
      return hit ? "<mark>" + escape(word) + "</mark>" : escape(word)
    }).join(" ")
  }

  function render(hit, terms, score) {
    var fragment = hit.fragment, own = {}
    terms.forEach(function (term) { own[term] = hit.subset.indexOf(term) >= 0 })
    return {
      location: fragment.raw_url,
      title: unspaced(markTitle(fragment.meta.title || "", hit.subset)),
      text: unspaced(fragment.excerpt || "") + KbQuery.sameNote(Number(fragment.meta.same) || 0),
      score: score,
      terms: own,
    }
  }

  /* ---------------------------------------------------------------- messages */

  /* Queries are searched one at a time, in the order asked. A query overtaken by a newer
     one before its turn is not searched nor answered: the page draws only the result for
     the text its box holds (the result names its query, overrides/main.html) */
  var ready = null, chain = Promise.resolve(), asked = 0

  function answer(query) {
    var mine = ++asked
    chain = chain.then(function () { return ready }).then(function () {
      if (mine < asked)
        return
      return search(query).catch(function (err) {
        console.warn("kb-pagefind.js: cannot search for " + JSON.stringify(query), err)
        return { items: [] }
      }).then(function (result) {
        result.query = query
        KbQuery.postResult(result)
      })
    })
  }

  /* Expose for tests: the search itself, and how many Pagefind searches were run */
  self.kbSearch = search
  self.kbPagefindSearches = 0

  KbQuery.serveMaterial(function () {
    ready = setup().catch(function (err) {
      console.warn("kb-pagefind.js: cannot load the search index", err)
    })
    return ready
  }, answer)
})()
