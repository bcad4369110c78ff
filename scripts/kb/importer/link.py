"""link: cross-links between placed sections.

- related sections: jieba TF-IDF cosine similarity between units of different articles;
- entity mentions: every section that names a company, product, person or organisation;
- glossary links: the first mention of each term on a page links to the 术语表 with its
  definition as a tooltip (a pure text transform used by the writer);
- flows: numbered process lists (研发流程, 开发流程, 实施步骤 …) drawn as Mermaid flowcharts.
"""
from __future__ import annotations

import functools
import hashlib
import heapq
import math
import operator
import re
from collections import Counter, defaultdict
from collections.abc import Iterator

from kb.core import cache as kbcache
from kb.core import context
from kb.core import text as kbtext
from kb.core.model import (
    Article,
    Entity,
    FlowWords,
    KnowledgeBase,
    Links,
    Mention,
    Related,
    Section,
    Suggestion,
    Term,
    Unit,
)
from kb.core.segment import Segmenter, Segmenters, boundaries, words_segmenter
from kb.core.text import scan, split_protected
from kb.importer.classify import segmenter, unit_text

RELATED_PER_UNIT = 3
RELATED_MIN_SCORE = 0.12
TOP_TERMS = 40        # strongest words per unit that take part in the comparison
POSTING_CAP = 50      # units kept per strong word (see related_sections)
TEXT_CAP = 3000       # characters of a unit read for the comparison
PREFILTER_MIN_UNITS = 1000   # from here NumPy narrows the candidates (see _Prefilter)
PARALLEL_MIN_UNITS = 8000    # from here a forked process ranks half the units (see _Run.rank)
_TOKEN_OK = re.compile(r"^(?:[\u4e00-\u9fff]{2,}|[A-Za-z][A-Za-z0-9+#./-]*)$")


def tokens(text: str, seg: Segmenter, stop: frozenset[str]) -> list[str]:
    return [t for t in seg.cut(text) if _TOKEN_OK.match(t) and t not in stop]


def link(kb: KnowledgeBase, segmenters: Segmenters, cache: kbcache.Cache | None = None,
         related: RelatedIndex | None = None, suggest: bool = True) -> KnowledgeBase:
    """Related sections, entity mentions of the placed units and names worth adding to
    the entity index (KnowledgeBase.links). `cache`: the run's (see suggest_entities);
    `related`: an index kept from the last import (kb serve); `suggest`: False leaves out
    the names worth adding, which only the import report shows."""
    editorial = kb.editorial
    seg, stop = segmenter(segmenters, editorial), frozenset(editorial.labels.stop_words)
    kb.links = Links(related=related.update(kb.units, seg, stop) if related is not None
                     else _related_kept(kb.units, seg, stop, cache),
                     mentions=entity_mentions(kb.units, editorial.entities, words_segmenter(segmenters, editorial)),
                     suggestions=suggest_entities(kb, cache) if suggest else [])
    return kb


def section_text(article: Article, section: Section) -> str:
    return "\n".join(article.text(section.start, section.end))


def related_sections(units: list[Unit], seg: Segmenter, stop: frozenset[str]) -> dict[str, list[Related]]:
    """For each unit, the most similar units of other articles on other topic pages.

    Units are compared by the cosine of their TF-IDF vectors (over the first TEXT_CAP
    characters). Only pairs that share one of their TOP_TERMS strongest words are scored,
    found through an index of those words, so the cost grows with the number of units
    that share a strong word, not with the square of all units.
    """
    return RelatedIndex().update(units, seg, stop)


def _related_kept(units: list[Unit], seg: Segmenter, stop: frozenset[str],
                  cache: kbcache.Cache | None) -> dict[str, list[Related]]:
    """related_sections, kept in the run's cache (build/cache/) under everything they are
    made from (each unit's anchor, article, topic and compared text, the segmenter's
    setting, the stop words, this code): a later `kb import` of the same placements does
    not compare them again (at 500 articles, half of a later import). kb serve keeps a
    RelatedIndex instead, which compares again only what an edit can change."""
    if cache is None:
        return related_sections(units, seg, stop)
    memo = cache.memo("related", kbcache.source_digest(__file__), seg.memo.name, sorted(stop))
    key = kbcache.digest([(u.section.anchor, u.article.path, u.topic.key, unit_text(u)[:TEXT_CAP]) for u in units])
    stored = memo.get(key)
    if stored is not None:
        by_anchor = {u.section.anchor: u for u in units}
        return {anchor: [Related(by_anchor[other], score) for other, score in found] for anchor, found in stored.items()}
    related = related_sections(units, seg, stop)
    memo.put(key, {anchor: [[r.unit.section.anchor, r.score] for r in found] for anchor, found in related.items()})
    return related


class RelatedIndex:
    """related_sections, kept from one import to the next (kb serve): after an edit, only
    the pairs the edit can change are scored again, and the lists are the same as from
    nothing (tests/test_link.py).

    An edit changes the words of a unit or two, and with them the document frequency of a
    few words: the vectors of the units that have one of those words change (`moved`), and
    the units whose topic changed move too. A unit whose vector and topic are the same
    keeps its list unless one of its strongest words' candidate lists changed or holds a
    moved unit: then each such candidate is scored again and merged into the list; only a
    unit whose list held a candidate that left or moved is compared again in full."""

    def __init__(self) -> None:
        self._bags: dict[str, Counter] = {}      # unit text -> its words, counted
        self._last: _Run | None = None
        self.scored: int = 0                     # units compared in full by the last update

    def update(self, units: list[Unit], seg: Segmenter, stop: frozenset[str]) -> dict[str, list[Related]]:
        texts = [unit_text(u)[:TEXT_CAP] for u in units]
        # One Counter per distinct text (units of copied articles share theirs): a unit whose
        # text did not change has the very bag it had.
        known, self._bags = self._bags, {}
        for text in texts:
            if text not in self._bags:
                bag = known.get(text)
                self._bags[text] = bag if bag is not None else Counter(tokens(text, seg, stop))
        bags = [self._bags[text] for text in texts]
        run = _Run(units, bags)
        last = self._last
        if last is not None and (last.anchors != run.anchors or last.stop != stop):
            last = None
        moved = run.vectorise(last)
        run.index()
        if last is None:
            todo = range(len(units))
        else:
            todo = run.carry(last, moved)
        self.scored = len(todo)
        run.rank(todo)
        run.stop = stop
        self._last = run
        return {unit.section.anchor: [Related(units[j], -score) for score, _, j in best]
                for unit, best in zip(units, run.best)}


class _Run:
    """One update of a RelatedIndex: the units' vectors, strongest words, the word index
    and each unit's best candidates, as (-score, anchor, index)."""

    def __init__(self, units: list[Unit], bags: list[Counter]):
        self.units, self.bags = units, bags
        self.anchors = [u.section.anchor for u in units]
        self.articles = [u.article.path for u in units]
        self.topics = [u.topic.key for u in units]
        self.df = Counter(t for bag in bags for t in bag)
        self.vectors: list[dict[str, float]] = []
        self.strong: list[list[str]] = []
        self.postings: dict[str, list[int]] = {}     # word -> the units that have it among their strongest
        self.capped: dict[str, list[int]] = {}       # the same, at most POSTING_CAP units per word
        self.best: list[list[tuple[float, str, int]]] = []
        self.stop: frozenset[str] = frozenset()

    def vectorise(self, last: "_Run | None") -> set[int]:
        """Each unit's vector and strongest words; the units whose vector is not the last
        run's (all of them when there is none)."""
        n = len(self.units)
        df = self.df
        changed = None if last is None else {t for t in df.keys() | last.df.keys() if df.get(t) != last.df.get(t)}
        moved = set()
        for i, bag in enumerate(self.bags):
            if changed is not None and bag is last.bags[i] and changed.isdisjoint(bag):
                self.vectors.append(last.vectors[i])
                self.strong.append(last.strong[i])
                continue
            vec = {t: (1 + math.log(c)) * math.log(1 + n / df[t]) for t, c in bag.items()}
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            self.vectors.append({t: v / norm for t, v in vec.items()})
            self.strong.append(sorted(vec, key=lambda t: (-vec[t], t))[:TOP_TERMS])
            moved.add(i)
        return moved

    def index(self) -> None:
        postings: dict[str, list[int]] = defaultdict(list)
        for j, terms in enumerate(self.strong):
            for t in terms:
                postings[t].append(j)
        self.postings = postings
        # Each word keeps the POSTING_CAP units where it weighs most: a word strong in
        # thousands of units says little about any pair of them, and an uncapped list makes
        # the comparison quadratic (10 000 headings of one article).
        vectors = self.vectors
        self.capped = {t: sorted(js, key=lambda j: (-vectors[j][t], j))[:POSTING_CAP] if len(js) > POSTING_CAP
                       else js for t, js in postings.items()}

    def carry(self, last: "_Run", moved: set[int]) -> list[int]:
        """Keep the last run's lists where nothing they depend on changed, merge in the
        candidates that came or moved; returns the units to compare in full."""
        moved = moved | {i for i, (a, b) in enumerate(zip(self.topics, last.topics)) if a != b}
        capped, old = self.capped, last.capped
        # Words whose candidate list changed, or holds a moved unit now or before.
        touched = {t for t in capped.keys() | old.keys()
                   if capped.get(t) != old.get(t) or not moved.isdisjoint(capped.get(t, ())) or
                   not moved.isdisjoint(old.get(t, ()))}
        affected = {i for t in touched for i in self.postings.get(t, ())} - moved
        # Per touched word, the units whose place in its list changed (came, left, or moved):
        # only they can change a candidate list through that word.
        delta = {}
        for t in touched:
            now, before = set(capped.get(t, ())), set(old.get(t, ()))
            delta[t] = (now ^ before) | (moved & (now | before))
        changing = set().union(*delta.values()) if delta else set()
        # The words whose list holds each such unit, now and before.
        words_now: dict[int, set[str]] = defaultdict(set)
        words_before: dict[int, set[str]] = defaultdict(set)
        for lists, words in ((capped, words_now), (old, words_before)):
            for t, js in lists.items():
                for j in changing.intersection(js):
                    words[j].add(t)
        self.best = list(last.best)
        full = sorted(moved)
        articles, topics = self.articles, self.topics
        for i in sorted(affected):
            strong = set(self.strong[i])
            held = {j for _, _, j in last.best[i]}
            merged, again = list(last.best[i]), False
            for j in sorted({j for t in strong & delta.keys() for j in delta[t]}):
                if articles[j] == articles[i]:
                    continue
                now = topics[j] != topics[i] and not strong.isdisjoint(words_now[j])
                if j in held and (j in moved or not now):
                    again = True            # a candidate of its list left, or its score changed
                    break
                was = last.topics[j] != topics[i] and not strong.isdisjoint(words_before[j])
                if now and j not in held and (j in moved or not was):
                    score = self.exact(self.vectors[i], j)
                    if score >= RELATED_MIN_SCORE:
                        merged.append((-round(score, 6), self.anchors[j], j))
            if again:
                full.append(i)
            else:
                self.best[i] = heapq.nsmallest(RELATED_PER_UNIT, merged)
        return sorted(full)

    def exact(self, a: dict[str, float], j: int) -> float:
        # Only the words both units have, multiplied and summed in C; fsum is exact, so
        # the score does not depend on the order the shared words come in.
        b = self.vectors[j]
        shared = a.keys() & b.keys()
        return math.fsum(map(operator.mul, map(a.__getitem__, shared), map(b.__getitem__, shared)))

    def rank(self, todo) -> None:
        """Compare each unit of `todo` with all its candidates. From PARALLEL_MIN_UNITS
        units (some 160 articles of about 50 sections), a forked process takes every other
        block, the blocks being independent: the comparison was half of such an import's
        wall time, on one core."""
        n = len(self.units)
        if len(self.best) != n:
            self.best = [[] for _ in range(n)]
        todo = list(todo)
        blocks = [todo[start:start + _Prefilter.BLOCK] for start in range(0, len(todo), _Prefilter.BLOCK)]
        ranking = _Ranking(self, _Prefilter(self.vectors) if n >= PREFILTER_MIN_UNITS and
                           len(todo) >= PREFILTER_MIN_UNITS else None)
        if len(todo) < PARALLEL_MIN_UNITS or len(blocks) < 2 or not context.may_fork():
            for block in blocks:
                ranking.block(block)
            return
        global _FORKED
        _FORKED = ranking                # what the forked process sees: no pickling of the run
        try:
            with context.worker_pool(1) as pool:
                theirs = pool.submit(_rank_blocks, blocks[1::2])
                for block in blocks[::2]:
                    ranking.block(block)
                for i, best in theirs.result().items():
                    self.best[i] = best
        finally:
            _FORKED = None


class _Ranking:
    """One _Run.rank: what every block needs, made once (and inherited by a forked process)."""

    def __init__(self, run: _Run, prefilter: "_Prefilter | None"):
        self.run, self.prefilter = run, prefilter
        self.of_article: dict[str, set[int]] = defaultdict(set)
        self.of_topic: dict[str, set[int]] = defaultdict(set)
        for j in range(len(run.units)):
            self.of_article[run.articles[j]].add(j)
            self.of_topic[run.topics[j]].add(j)

    def block(self, block: list[int]) -> None:
        """Each unit of the block's best candidates, into run.best."""
        run = self.run
        capped, anchors = run.capped, run.anchors
        # Candidates share one of their strongest words, and are on another article and
        # another topic page (set operations, in C); they are then scored in full.
        found = []
        for i in block:
            candidates = set().union(*map(capped.__getitem__, run.strong[i]))
            candidates -= self.of_article[run.articles[i]]
            candidates -= self.of_topic[run.topics[i]]
            found.append(candidates)
        if self.prefilter is not None:
            found = self.prefilter.contenders(block, found)
        for i, candidates in zip(block, found):
            a = run.vectors[i]
            scored = []
            for j in candidates:
                score = run.exact(a, j)
                if score >= RELATED_MIN_SCORE:
                    scored.append((-round(score, 6), anchors[j], j))
            run.best[i] = heapq.nsmallest(RELATED_PER_UNIT, scored)


_FORKED: _Ranking | None = None


def _rank_blocks(blocks: list[list[int]]) -> dict[int, list]:
    """In the forked process: rank these blocks; their units' lists."""
    for block in blocks:
        _FORKED.block(block)
    return {i: _FORKED.run.best[i] for block in blocks for i in block}


class _Prefilter:
    """The candidates that can be among a unit's RELATED_PER_UNIT best, found with NumPy.

    Past a few hundred units most time went on scoring every candidate exactly in Python
    (about 2000 per unit, each a set of shared words). NumPy scores them all at once, in
    floating point in another order than math.fsum, so within a tiny error; only the
    candidates within SLACK of the third best (and of RELATED_MIN_SCORE) are scored exactly
    after, and the result is the exact one: SLACK covers that error and the rounding to
    six places that ranks them (two scores rounded equal are ranked by anchor).

    A block of BLOCK units is scored one of two ways, whichever takes fewer products:
    every candidate's row gathered and multiplied by the unit's weights (a product per
    stored weight of every candidate), or one sparse matrix product (SciPy) of the block
    against every unit (a product per pair of units sharing a word). The second is the
    cheaper while units are few (rank at 50 articles: 0.51 -> 0.37 s CPU); past some
    thousands the shared words outnumber the capped candidates' weights."""

    SLACK = 2e-6
    BLOCK = 256          # units scored together: at most BLOCK × units floats (37 MB at 18 000 units)
    method: str | None = None      # "gather" or "product" for every block (tests); None: the cheaper

    def __init__(self, vectors: list[dict[str, float]]):
        import numpy as np

        self.np = np
        ids: dict[str, int] = {}
        indptr, indices, data = [0], [], []
        for vec in vectors:
            for t, v in vec.items():
                indices.append(ids.setdefault(t, len(ids)))
                data.append(v)
            indptr.append(len(indices))
        self.indptr = np.array(indptr, dtype=np.int64)
        self.indices = np.array(indices, dtype=np.int64)
        self.data = np.array(data, dtype=np.float64)
        self.dense = np.zeros(len(ids) + 1, dtype=np.float64)   # unit i's vector, word by word
        self.lengths = np.diff(self.indptr)                       # stored weights per unit
        # Products of a unit's row in the matrix product: the units that have each of its words.
        having = np.append(np.bincount(self.indices, minlength=len(ids) + 1)[self.indices], 0)
        self.shared = np.add.reduceat(having, self.indptr[:-1])
        self.shared[self.lengths == 0] = 0        # reduceat gives the next row's value for an empty row
        self.width = len(ids) + 1
        self.matrix = self.transposed = None

    def contenders(self, block: list[int], found: list[set[int]]) -> list:
        """For each unit of the block, its candidates that can be among its best."""
        np = self.np
        rows = [np.fromiter(c, dtype=np.int64, count=len(c)) for c in found]
        gathered = sum(int(self.lengths[r].sum()) for r in rows)
        method = self.method or ("product" if int(self.shared[block].sum()) < gathered else "gather")
        scores = self._product(block) if method == "product" else None
        out = []
        for k, (i, candidates, r) in enumerate(zip(block, found, rows)):
            if len(candidates) <= RELATED_PER_UNIT:
                out.append(list(candidates))
                continue
            s = scores[k][r] if scores is not None else self._gather(i, r)
            bar = max(RELATED_MIN_SCORE, float(np.partition(s, -RELATED_PER_UNIT)[-RELATED_PER_UNIT])) - self.SLACK
            out.append(r[s >= bar].tolist())
        return out

    def _product(self, block: list[int]):
        """The block's approximate scores with every unit (a row per unit of the block)."""
        if self.matrix is None:
            from scipy import sparse

            self.matrix = sparse.csr_matrix((self.data, self.indices, self.indptr), shape=(len(self.lengths), self.width))
            self.transposed = self.matrix.T.tocsr()
        return (self.matrix[block] @ self.transposed).toarray()

    def _gather(self, i: int, rows):
        """Unit i's approximate scores with the units `rows`."""
        np = self.np
        own = slice(self.indptr[i], self.indptr[i + 1])
        self.dense[self.indices[own]] = self.data[own]
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        lengths = ends - starts
        offsets = np.cumsum(lengths) - lengths
        # Every stored weight of every candidate, row after row, times unit i's weight of that word.
        at = np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(starts - offsets, lengths)
        products = self.data[at] * self.dense[self.indices[at]]
        self.dense[self.indices[own]] = 0.0
        scores = np.add.reduceat(products, offsets) if len(products) else np.zeros(len(rows))
        scores[lengths == 0] = 0.0            # reduceat gives the next row's value for an empty row
        return scores


_ALNUM = re.compile(r"[A-Za-z0-9]")
_NOT_AFTER_ALNUM = r"(?<![A-Za-z0-9])"
_NOT_BEFORE_ALNUM = r"(?![A-Za-z0-9])"


def _name_pattern(name: str) -> re.Pattern:
    """A name matches whole: Latin names not inside a longer Latin word."""
    escaped = re.escape(name)
    if _ALNUM.match(name[0]):
        escaped = _NOT_AFTER_ALNUM + escaped
    if _ALNUM.match(name[-1]):
        escaped += _NOT_BEFORE_ALNUM
    return re.compile(escaped)


@functools.lru_cache(maxsize=None)
def names_pattern(names: tuple[str, ...]) -> re.Pattern:
    """One pattern for all the names, a longer name hiding the shorter ones inside it;
    a single scan of the text, whatever its length.

    It matches what the alternation of every _name_pattern, longest first, matches, but
    is written as a trie (大模型|大数据 -> 大(?:模型|数据)): the alternation tries every
    name at every character that starts one (hundreds of glossary names, each page of
    the import), the trie only the names that continue the text."""
    trie: dict = {}
    for name in set(names):
        node = trie
        for ch in name:
            node = node.setdefault(ch, {})
        node[""] = {}
    return re.compile(_trie_pattern(trie, "") or "(?!)")


def _trie_pattern(node: dict, last: str) -> str:
    # Longer names first: every branch that continues the text, then the name ending here.
    branches = []
    for ch in sorted(k for k in node if k):
        start = _NOT_AFTER_ALNUM if not last and _ALNUM.match(ch) else ""
        branches.append(start + re.escape(ch) + _trie_pattern(node[ch], ch))
    if "" in node:
        branches.append(_NOT_BEFORE_ALNUM if _ALNUM.match(last) else "")
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"


def count_names(text: str, names: list[str]) -> int:
    """Mentions of any of the names, a longer name hiding the shorter ones inside it."""
    if not names:
        return 0
    return sum(1 for _ in names_pattern(tuple(names)).finditer(text))


def mentions(text: str, names: list[str]) -> bool:
    """Whether count_names(text, names) > 0, without counting: a plain substring test
    first, since most names are absent from most texts."""
    return any(name in text for name in names) and names_pattern(tuple(names)).search(text) is not None


@functools.lru_cache(maxsize=4096)
def by_first_character(names: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """A name's first character -> the names, longest first (百度飞桨 before 百度)."""
    out: dict[str, list[str]] = defaultdict(list)
    for name in sorted(set(names), key=lambda n: (-len(n), n)):
        out[name[0]].append(name)
    return {ch: tuple(names) for ch, names in out.items()}


def whole_words(text: str, first: dict[str, tuple[str, ...]], bounds: frozenset[int]) -> list[tuple[int, str]]:
    """(offset, name) of each name that is whole words of the text: it starts and ends
    where the segmenter's words do (`bounds`, kb.core.segment.boundaries), so never inside
    a longer word (量化 in 向量化, 大模型 in 强大模型, 众筹 in 公众筹集); the longest at each
    place, without overlaps."""
    out, end = [], 0
    for pos in sorted(bounds):
        if pos < end:
            continue
        for name in first.get(text[pos:pos + 1], ()):
            if pos + len(name) in bounds and text.startswith(name, pos):
                out.append((pos, name))
                end = pos + len(name)
                break
    return out


def entity_mentions(units: list[Unit], entities: list[Entity], seg: Segmenter) -> dict[str, list[Mention]]:
    """entity name -> every section that names it, as whole words (see whole_words)."""
    out: dict[str, list[Mention]] = {e.name: [] for e in entities}
    names = tuple(tuple(e.names) for e in entities)
    for unit in units:
        for section in unit.sections():
            if section.dropped:
                continue
            for i, n in _mentions_in(section_text(unit.article, section), names, seg):
                out[entities[i].name].append(Mention(unit, section, n))
    return out


# `kb serve` imports again on every edit; the sections of the other articles name the same.
@functools.lru_cache(maxsize=4096)
def _mentions_in(text: str, names: tuple[tuple[str, ...], ...], seg: Segmenter) -> tuple[tuple[int, int], ...]:
    """(entity index, mentions) of each entity the text names."""
    # A plain substring test first: most entities are absent from most sections, and the
    # text is cut into words only when one may be there.
    present = [i for i, entity_names in enumerate(names) if any(name in text for name in entity_names)]
    if not present:
        return ()
    # Only the lines that hold a name are cut into words (jieba never joins words across
    # a line break); entity by entity, AMD ROCm names AMD too (each is whole words), as
    # 百度飞桨 does not name 百度 (one word for jieba).
    found = Counter()
    for line in text.splitlines():
        here = [i for i in present if any(name in line for name in names[i])]
        if here:
            bounds = boundaries(seg, line)
            for i in here:
                found[i] += len(whole_words(line, by_first_character(names[i]), bounds))
    return tuple((i, n) for i, n in sorted(found.items()) if n)


@functools.lru_cache(maxsize=8)
def _flow_patterns(words: FlowWords) -> tuple[re.Pattern, re.Pattern]:
    """(a process word: 研发流程, 实施步骤, 训练过程 — not 关键步骤和策略;
    an intro that announces the sequence: "研发流程通常包括以下几个阶段"), from the labels' word lists."""
    def any_of(options: tuple[str, ...]) -> str:
        return "|".join(map(re.escape, options)) or "(?!)"

    exclude = f"(?!{any_of(words.not_process)})" if words.not_process else ""
    process = f"{exclude}(?:{any_of(words.process)})"
    intro = f"{process}.*(?:{any_of(words.intro_after)})|(?:{any_of(words.intro_before)}).*{process}"
    return re.compile(process), re.compile(intro)


_ITEM = re.compile(r"^(\d+)[.)]\s+(.*)$")
_LABEL = re.compile(r"^\*\*(.+?)\*\*")


def flow_steps(lines: list[str], heading: str, words: FlowWords) -> tuple[list[str], int] | None:
    """The steps of the first numbered list (3+ items) in a section about a process,
    and the index of the line after that list."""
    process, intro_flow = _flow_patterns(words)
    intro = ""
    for i, line in enumerate(lines):
        m = _ITEM.match(line)
        if not m or m.group(1) != "1":
            if line.strip():
                intro = line
            continue
        if not (process.search(heading) or intro_flow.search(intro)):
            return None
        steps, expected, end = [], 1, len(lines)
        for j in range(i, len(lines)):
            item = lines[j]
            m = _ITEM.match(item)
            if m and int(m.group(1)) == expected:
                label = _LABEL.match(m.group(2))
                text = label.group(1) if label else re.split(r"[：:，,。]", m.group(2))[0]
                steps.append(text.strip().rstrip("：:").strip())
                expected += 1
            elif item.strip() and not item.startswith((" ", "\t")):
                end = j
                break
        while end > i and not lines[end - 1].strip():
            end -= 1
        return (steps, end) if len(steps) >= 3 and all(0 < len(s) <= 20 for s in steps) else None
    return None


def mermaid_flow(title: str, steps: list[str]) -> list[str]:
    safe = [re.sub(r'["\[\]{}()<>|#;]', " ", s).strip() for s in steps]
    out = ["```mermaid", "flowchart LR", f"  accTitle: {_acc(title)}",
           f"  accDescr: {_acc(' → '.join(safe))}"]
    chain = " --> ".join(f'f{i}["{s}"]' for i, s in enumerate(safe, 1))
    out += [f"  {chain}", "```"]
    return out


def _acc(text: str) -> str:
    return re.sub(r"[\n:;<>&\"{}]", " ", text)


# --- glossary links -------------------------------------------------------------------------

def glossary_id(term: Term) -> str:
    slug = re.sub(r"[^0-9a-z\u4e00-\u9fff]+", "-", term.term.lower()).strip("-")
    return f"g-{slug}"


class TermLinker:
    """Links the first mention of each glossary term on one page to the 术语表.

    A mention is the term as whole words of `words` (the segmenter with the user
    dictionary, kb.core.segment.words_segmenter): never inside a longer word, so 量化 is
    not linked in 向量化. A term scoped to chapters (`chapters:` in the editorial file) is
    linked only on the pages of those chapters (`chapter`: this page's; None: every term).
    Code (fenced and indented), maths blocks, headings, tables, and code/links/maths/HTML
    inside a line (kb.core.text) are left alone. One linker per page: a term is linked
    once per page.
    """

    def __init__(self, terms: list[Term], href: str, words: Segmenter, chapter: str | None = None):
        terms = [t for t in terms if chapter is None or not t.chapters or chapter in t.chapters]
        self.by_name = {name: t for t in terms for name in t.names}
        # Candidates are found by one pattern (a scan in C); only a piece of text holding a
        # term not linked yet is cut into words, once, and the terms matched on its words.
        self.pattern = names_pattern(tuple(self.by_name)) if self.by_name else None
        self.first = by_first_character(tuple(self.by_name))
        self.words = words
        self.href = href
        self.done: set[str] = set()        # terms linked on this page
        self.seen: set[str] = set()        # terms named on this page, in headings and tables too
        self.total = len(terms)
        self.made = 0

    def __call__(self, lines: list[str]) -> list[str]:
        if self.pattern is None or len(self.seen) == self.total:
            return list(lines)
        out: list[str] = []
        for line, what in zip(lines, scan(lines)):
            # Headings, attribute lists and table rows are left as they are, like code and maths;
            # a term named in a heading or a table is still named on the page.
            if not what.is_prose or line.lstrip().startswith(("#", "{", "|")):
                if what.is_prose and line.lstrip().startswith(("#", "|")):
                    for piece, protected in split_protected(line):
                        if not protected:
                            self.see(piece)
                out.append(line)
                continue
            out.append("".join(p if protected else self._link(p) for p, protected in split_protected(line)))
        return out

    def see(self, text: str) -> None:
        """Note the terms a text the linker does not rewrite names (a section's heading)."""
        if self.pattern is not None:
            self._words(text, self.seen)

    def _words(self, text: str, skip: set[str]) -> list[tuple[int, str]]:
        """The terms as whole words of `text` (see whole_words), all marked seen; the text
        is cut into words only when it holds a term not in `skip`."""
        if not any(self.by_name[m.group(0)].term not in skip for m in self.pattern.finditer(text)):
            return []
        found = whole_words(text, self.first, boundaries(self.words, text))
        self.seen.update(self.by_name[name].term for _, name in found)
        return found

    def _link(self, text: str) -> str:
        out, pos = [], 0
        for start, name in self._words(text, self.done):
            term = self.by_name[name]
            if term.term in self.done:
                continue
            title = term.definition.replace('"', "“").replace("\n", " ")
            out += [text[pos:start], f'[{name}]({self.href}#{glossary_id(term)} "{title}")']
            pos = start + len(name)
            self.done.add(term.term)
            self.made += 1
        out.append(text[pos:])
        return "".join(out)


# --- entity discovery -----------------------------------------------------------------------

SUGGEST_MIN = 3             # mentions in placed prose before a name is suggested
SUGGEST_EXAMPLES = 2
# A Latin word: letters and digits; DeepSeek-R1 and text-generation-webui/LangChain give
# their parts (DeepSeek, LangChain), a word in a file name or address (llama.cpp) none.
_LATIN_WORD = re.compile(r"(?<![A-Za-z0-9_.@#$%&+=])[A-Za-z][A-Za-z0-9]*(?![A-Za-z0-9_@]|\.[A-Za-z0-9])")
_ADDRESS = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s)\]）>]*")
_LINK_TEXT = re.compile(r"^!?\[([^\]]*)\]\(")
_INNER_CAPITAL = re.compile(r"[a-z][A-Z]")          # DeepSeek, LangChain, LLaMA, ChatGLM, iPhone
_CAPITALISED = re.compile(r"[A-Z][a-z]{2,}[0-9]*")   # Claude, Qwen, Baichuan2
_HAN = re.compile(r"[\u4e00-\u9fff]")
_UPPER = re.compile(r"[A-Z]")
# 通义千问（Qwen）, Qwen（通义千问）: a name glossed in the other script, full-width or not.
_GLOSS = re.compile(r"([\u4e00-\u9fff]{2,8})\s*[（(]\s*([A-Za-z][A-Za-z0-9 .-]*?)\s*[）)]"
                    r"|([A-Za-z][A-Za-z0-9.-]*)\s*[（(]\s*([\u4e00-\u9fff]{2,8})\s*[）)]")
_SENTENCE_END = re.compile(r"[。！？；!?;]")


def name_shaped(word: str) -> bool:
    """Whether a Latin word is written the way product, company and model names are.

    Why these shapes: a capital after a lower-case letter (DeepSeek, LangChain, LLaMA,
    ChatGLM) is how names are spelt and ordinary words never are (less the as-a-service
    family, SaaS, PaaS, which are terms); a capitalised word (Claude, Qwen) is a name or an
    English word (Agent, Adapter), which suggest_entities tells apart by how the articles
    use it. Acronyms in capitals (API, GPU, LLM, BERT) are more often terms than names, and
    lower-case words are code or English: neither is suggested."""
    if word.endswith("aaS"):
        return False
    return bool(_INNER_CAPITAL.search(word) or _CAPITALISED.fullmatch(word))


def suggest_entities(kb: KnowledgeBase, cache: kbcache.Cache | None = None) -> list[Suggestion]:
    """Recurring names in the articles' Chinese prose that neither the entity index nor
    the glossary lists: what an editor may add to `entities:` in one line each.

    Counted in prose lines that hold Chinese (not code, maths, addresses, or English
    paragraphs; the text of links counts), SUGGEST_MIN times at least, once at least in a
    placed section. Every section counts towards recurring (a features list the clean
    stage took for a table of contents names models too).

    - A Latin word must be name-shaped (name_shaped). A capitalised word, which may be an
      English word, must also: never be written in lower case in the articles, code
      included (Attention/attention, Prompt/prompt); stand alone, not inside a run of
      Latin words (Feed Forward Layer, Prefix tuning, Hugging Face); and recur in two
      articles at least (one article's Agent or Starter is its own vocabulary, a name the
      field uses is named by several).
    - A Chinese word cannot be told from a common word by its shape, so only its company
      makes it a name: an item, twice at least, of a 、 list that also holds a name
      (ChatGPT、文心一言、通义千问; the entity index's names count), or the gloss of a
      suggested Latin name (通义千问（Qwen）), which becomes that name's alias."""
    # What each article holds (its name candidates, glosses, list items and the counts of
    # the Chinese candidates) is kept in `cache` (the run's, under build/cache/) keyed by
    # the article, its sections' placement and the code: an import reads again only the
    # articles that changed, and combines.
    editorial = kb.editorial
    known_names = {n for e in [*editorial.entities, *editorial.glossary] for n in e.names}
    entity_names = frozenset(n for e in editorial.entities for n in e.names)
    known = {n.lower() for n in known_names}
    known |= {part.lower() for name in list(known) for part in re.split(r"[\s/-]+", name)}
    memo = (cache or kbcache.Cache(None)).memo("suggest", sorted(known_names), sorted(entity_names),
                                               kbcache.source_digest(__file__, kbtext.__file__))
    keys = {a.path: _suggest_key(a) for a in kb.articles}
    prose: dict[str, list] = {}          # an article's prose lines, read only when a memo misses

    def lines_of(article: Article) -> list:
        if article.path not in prose:
            prose[article.path] = list(_chinese_prose(article))
        return prose[article.path]

    lower_words: set[str] = set()
    latin, han = _Tally(), _Tally()
    listed: Counter = Counter()
    glosses: dict[str, Counter] = defaultdict(Counter)
    for article in kb.articles:
        found = memo.get(keys[article.path])
        if found is None:
            found = _article_names(article, lines_of(article), known, known_names, entity_names)
            memo.put(keys[article.path], found)
        lower_words.update(found["lower"])
        for word, count, placed, examples in found["latin"]:
            latin.merge(word, count, article.shown, placed, examples)
        for word, name_han, n in found["glosses"]:
            glosses[word][name_han] += n
        for item, n in found["listed"]:
            listed[item] += n
    # A listed Chinese name's mentions: everywhere it is written, listed or not.
    candidates = [item for item, n in listed.items() if n >= 2]
    for article in kb.articles if candidates else ():
        for item in candidates:
            key = kbcache.digest(keys[article.path], item)
            found = memo.get(key)
            if found is None:
                found = _mentions_of(item, lines_of(article))
                memo.put(key, found)
            if found[0]:
                han.merge(item, *found[:1], article.shown, *found[1:])
    out = []
    for word, n in latin.counts.items():
        if n < SUGGEST_MIN or word not in latin.placed:
            continue
        if not _INNER_CAPITAL.search(word) and (word.lower() in lower_words or len(latin.articles[word]) < 2):
            continue
        aliases = tuple(h for h, _ in glosses.get(word, Counter()).most_common() if h not in known_names)
        out.append(latin.suggestion(word, aliases[:1]))
    for item, n in han.counts.items():
        if n >= SUGGEST_MIN and item in han.placed:
            out.append(han.suggestion(item))
    return sorted(out, key=lambda s: (-s.count, s.name.lower()))


def _suggest_key(article: Article) -> str:
    """What decides an article's part of the suggestions: its text, where it is shown, and
    which of its sections are placed."""
    return kbcache.digest(article.shown, hashlib.sha256("\n".join(article.lines).encode("utf-8")).hexdigest(),
                          [(s.start, s.end, not s.dropped) for s in article.sections()])


def _article_names(article: Article, prose_lines: list, known: set[str], known_names: set[str],
                   entity_names: frozenset[str]) -> dict:
    """One article's part of suggest_entities, as JSON-able data: its lower-case Latin
    words, its name-shaped Latin words (count, placed, examples), its glosses and the
    Chinese items of its 、 lists that hold a name."""
    latin = _Tally()
    listed: Counter = Counter()
    glosses: Counter = Counter()
    for where, line, prose, placed in prose_lines:
        for m in _GLOSS.finditer(prose):
            name_han, name_latin = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
            glosses[(name_latin.strip(), name_han)] += 1
        for m in _LATIN_WORD.finditer(prose):
            word = m.group(0)
            if not name_shaped(word) or word.lower() in known:
                continue
            if not _INNER_CAPITAL.search(word) and _in_latin_run(prose, m.start(), m.end()):
                continue
            latin.add(word, where, _sentence(line, word), placed)
        if "、" in prose:
            for item in _listed_names(prose, entity_names, known_names):
                listed[item] += 1
    lower = sorted({w for w in _LATIN_WORD.findall("\n".join(article.lines)) if w.islower()})
    return {"lower": lower,
            "latin": [[word, n, word in latin.placed, latin.examples[word]] for word, n in latin.counts.items()],
            "glosses": [[word, name_han, n] for (word, name_han), n in glosses.items()],
            "listed": [[item, n] for item, n in listed.items()]}


def _mentions_of(item: str, prose_lines: list) -> list:
    """[count, placed, examples] of a Chinese name in one article's prose lines."""
    tally = _Tally()
    for where, line, prose, placed in prose_lines:
        for _ in range(prose.count(item)):
            tally.add(item, where, _sentence(line, item), placed)
    return [tally.counts[item], item in tally.placed, tally.examples.get(item, [])]


class _Tally:
    """Mentions of candidate names: counts, articles, examples (placed sections first)."""

    def __init__(self):
        self.counts: Counter = Counter()
        self.articles: dict[str, set[str]] = defaultdict(set)
        self.placed: set[str] = set()
        self.examples: dict[str, list[tuple[bool, tuple[str, int, str]]]] = defaultdict(list)

    def add(self, name: str, where: tuple[str, int], sentence: str, placed: bool) -> None:
        self.merge(name, 1, where[0], placed, [(placed, (*where, sentence))])

    def merge(self, name: str, count: int, article: str, placed: bool, examples) -> None:
        """`count` mentions in `article`, with the examples a tally of them kept: the kept
        examples are the first SUGGEST_EXAMPLES of every mention, placed ones first, so a
        tally of tallies keeps what one tally of every mention keeps."""
        self.counts[name] += count
        self.articles[name].add(article)
        if placed:
            self.placed.add(name)
        kept = self.examples[name]
        for is_placed, example in examples:
            if len(kept) < SUGGEST_EXAMPLES or (is_placed and not all(p for p, _ in kept)):
                kept.append((bool(is_placed), tuple(example)))
                kept.sort(key=lambda e: not e[0])
                del kept[SUGGEST_EXAMPLES:]

    def suggestion(self, name: str, aliases: tuple[str, ...] = ()) -> Suggestion:
        return Suggestion(name, self.counts[name], len(self.articles[name]),
                          tuple(e for _, e in self.examples[name]), aliases)


def _chinese_prose(article: Article) -> Iterator[tuple[tuple[str, int], str, str, bool]]:
    """((sources/<path>, line), the line, the words readers see in it, whether its section
    is placed) for every prose line of the article that holds Chinese and either a
    capital letter or a 、 (a name may be there)."""
    for section in article.sections():
        is_placed = not section.dropped      # classify places every section it does not drop
        lines = article.text(section.start, section.end)
        for offset, (line, what) in enumerate(zip(lines, scan(lines))):
            if not what.is_prose or not (_UPPER.search(line) or "、" in line) or not _HAN.search(line):
                continue
            # The prose and the text of links, not code or addresses (a bare one included).
            prose = _ADDRESS.sub(" ", " ".join(p if not protected else (m.group(1) if (m := _LINK_TEXT.match(p)) else "")
                                               for p, protected in split_protected(line)))
            yield (article.shown, section.start + offset), line, prose, is_placed


_CLAUSE = re.compile(r"[，。；：！？;:!?（）()\[\]【】「」《》“”\n]")
_LIST_CUE = re.compile(r"^(?:例如|比如|包括|诸如|譬如|以及|如|像|及|和|与)")
_LIST_TAIL = re.compile(r"等.*$")
@functools.lru_cache(maxsize=8)
def _entity_pattern(entity_names: frozenset[str]) -> re.Pattern:
    return names_pattern(tuple(sorted(entity_names)))


_LAST_LATIN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9.+-]*$")
_HAN_ITEM = re.compile(r"[\u4e00-\u9fff]{2,6}")


def _listed_names(prose: str, entity_names: frozenset[str], known_names: set[str]) -> list[str]:
    """Chinese items (not in `known_names`) of each 、 list in the text that also holds a
    name: an entity index name or a name-shaped Latin word (a glossary term is no sign:
    lists of terms are lists of terms)."""
    out = []
    entity_pattern = _entity_pattern(entity_names)
    for clause in _CLAUSE.split(prose):
        # A list can hold a name only if the clause has a capital letter or an entity's name.
        if "、" not in clause or not (_UPPER.search(clause) or entity_pattern.search(clause)):
            continue
        items = [_LIST_TAIL.sub("", _LIST_CUE.sub("", part.replace("*", "").strip())).strip()
                 for part in clause.split("、")]
        # The first item may follow other words of its clause (国内有 ChatGPT): its last word counts.
        if not any(i in entity_names or ((m := _LAST_LATIN.search(i)) and (name_shaped(m.group(0))
                                                                            or m.group(0) in entity_names))
                   for i in items):
            continue
        out += [i for i in items if _HAN_ITEM.fullmatch(i) and i not in known_names]
    return out


def _in_latin_run(text: str, start: int, end: int) -> bool:
    """Whether the word at text[start:end] has a Latin word just before or after it,
    across spaces or a hyphen (C-Eval, Qwen3-VL)."""
    before, after = text[max(0, start - 8):start], text[end:end + 8]
    if re.search(r"[A-Za-z0-9]-$", before) or re.match(r"-[A-Za-z]", after):
        return True
    return (before != before.rstrip() and before.rstrip()[-1:].isascii() and before.rstrip()[-1:].isalpha()) or \
        (after != after.lstrip() and after.lstrip()[:1].isascii() and after.lstrip()[:1].isalpha())


def _sentence(line: str, word: str, width: int = 60) -> str:
    """The sentence of `line` around the first `word`, at most about `width` characters."""
    text = line.strip()
    at = max(text.find(word), 0)
    starts = [m.end() for m in _SENTENCE_END.finditer(text, 0, at)]
    start = starts[-1] if starts else 0
    end_match = _SENTENCE_END.search(text, at)
    end = end_match.end() if end_match else len(text)
    start, end = max(start, at - width // 2), min(end, at + width)
    return text[start:end].strip()
