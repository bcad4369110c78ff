"""link: cross-links between placed sections.

- related sections: jieba TF-IDF cosine similarity between units of different articles;
- entity mentions: every section that names a company, product, person or organisation;
- glossary links: the first mention of each term on a page links to the 术语表 with its
  definition as a tooltip (a pure text transform used by the writer);
- flows: numbered process lists (研发流程, 开发流程, 实施步骤 …) drawn as Mermaid flowcharts.
"""
from __future__ import annotations

import functools
import heapq
import math
import operator
import re
from collections import Counter, defaultdict

from kb.core.model import (
    Article,
    Entity,
    FlowWords,
    KnowledgeBase,
    Links,
    Mention,
    Related,
    Section,
    Term,
    Unit,
)
from kb.core.segment import Segmenter, Segmenters
from kb.core.text import scan, split_protected
from kb.importer.classify import unit_text

RELATED_PER_UNIT = 3
RELATED_MIN_SCORE = 0.12
TOP_TERMS = 40        # strongest words per unit that take part in the comparison
POSTING_CAP = 50      # units kept per strong word (see related_sections)
TEXT_CAP = 3000       # characters of a unit read for the comparison
_TOKEN_OK = re.compile(r"^(?:[\u4e00-\u9fff]{2,}|[A-Za-z][A-Za-z0-9+#./-]*)$")


# Glossary terms and entity names are added to the segmenter with one fixed frequency, to a
# fresh copy of jieba's dictionary (kb.segment): jieba.add_word on the shared tokenizer changes
# the dictionary's totals, so a second import in one process would segment differently.
WORD_FREQ = 100_000


def segmenter(segmenters: Segmenters, words: list[str]) -> Segmenter:
    return segmenters.get("related", words=words, word_freq=WORD_FREQ, hmm=False)


def tokens(text: str, seg: Segmenter, stop: frozenset[str]) -> list[str]:
    return [t for t in seg.cut(text) if _TOKEN_OK.match(t) and t not in stop]


def link(kb: KnowledgeBase, segmenters: Segmenters) -> KnowledgeBase:
    """Related sections and entity mentions of the placed units (KnowledgeBase.links)."""
    editorial = kb.editorial
    words = [n for t in editorial.glossary for n in t.names] + [n for e in editorial.entities for n in e.names]
    kb.links = Links(related=related_sections(kb.units, segmenter(segmenters, words),
                                              frozenset(editorial.labels.stop_words)),
                     mentions=entity_mentions(kb.units, editorial.entities))
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
    bags = [Counter(tokens(unit_text(u)[:TEXT_CAP], seg, stop)) for u in units]
    df = Counter(t for bag in bags for t in bag)
    n = len(units)
    vectors, strong = [], []
    for bag in bags:
        vec = {t: (1 + math.log(c)) * math.log(1 + n / df[t]) for t, c in bag.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vectors.append({t: v / norm for t, v in vec.items()})
        strong.append(sorted(vec, key=lambda t: (-vec[t], t))[:TOP_TERMS])
    postings: dict[str, list[int]] = defaultdict(list)
    for j, terms in enumerate(strong):
        for t in terms:
            postings[t].append(j)
    # Each word keeps the POSTING_CAP units where it weighs most: a word strong in
    # thousands of units says little about any pair of them, and an uncapped list makes
    # the comparison quadratic (10 000 headings of one article).
    for t, js in postings.items():
        if len(js) > POSTING_CAP:
            js.sort(key=lambda j: (-vectors[j][t], j))
            del js[POSTING_CAP:]
    of_article: dict[str, set[int]] = defaultdict(set)
    of_topic: dict[str, set[int]] = defaultdict(set)
    for j, unit in enumerate(units):
        of_article[unit.article.path].add(j)
        of_topic[unit.topic.key].add(j)
    anchor_of = [u.section.anchor for u in units]
    out: dict[str, list[Related]] = {}
    for i, unit in enumerate(units):
        # Candidates share one of their strongest words, and are on another article and
        # another topic page (set operations, in C); they are then scored in full.
        candidates = set().union(*map(postings.__getitem__, strong[i]))
        candidates -= of_article[unit.article.path]
        candidates -= of_topic[unit.topic.key]
        a = vectors[i]
        scored = []
        for j in candidates:
            # Only the words both units have, multiplied and summed in C; fsum is exact, so
            # the score does not depend on the order the shared words come in.
            b = vectors[j]
            shared = a.keys() & b.keys()
            score = math.fsum(map(operator.mul, map(a.__getitem__, shared), map(b.__getitem__, shared)))
            if score >= RELATED_MIN_SCORE:
                scored.append((-round(score, 6), anchor_of[j], j))
        best = heapq.nsmallest(RELATED_PER_UNIT, scored)
        out[unit.section.anchor] = [Related(units[j], -score) for score, _, j in best]
    return out


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


def entity_mentions(units: list[Unit], entities: list[Entity]) -> dict[str, list[Mention]]:
    out: dict[str, list[Mention]] = {e.name: [] for e in entities}
    names = tuple(tuple(e.names) for e in entities)
    for unit in units:
        for section in unit.sections():
            if section.dropped:
                continue
            for i, n in _mentions_in(section_text(unit.article, section), names):
                out[entities[i].name].append(Mention(unit, section, n))
    return out


# `kb serve` imports again on every edit; the sections of the other articles name the same.
@functools.lru_cache(maxsize=4096)
def _mentions_in(text: str, names: tuple[tuple[str, ...], ...]) -> tuple[tuple[int, int], ...]:
    """(entity index, mentions) of each entity the text names."""
    found = []
    for i, entity_names in enumerate(names):
        # A plain substring test first: most entities are absent from most sections.
        if any(name in text for name in entity_names):
            if n := count_names(text, list(entity_names)):
                found.append((i, n))
    return tuple(found)


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

    Code (fenced and indented), maths blocks, headings, tables, and code/links/maths/HTML
    inside a line (kb.core.text) are left alone. One linker per page: a term is linked
    once per page.
    """

    def __init__(self, terms: list[Term], href: str):
        self.by_name = {name: t for t in terms for name in t.names}
        # Longest names first, so 百度飞桨 wins over 飞桨 at the same place.
        self.pattern = names_pattern(tuple(self.by_name)) if self.by_name else None
        self.href = href
        self.done: set[str] = set()
        self.total = len(terms)
        self.made = 0

    def __call__(self, lines: list[str]) -> list[str]:
        if self.pattern is None or len(self.done) == self.total:
            return list(lines)
        out: list[str] = []
        for line, what in zip(lines, scan(lines)):
            # Headings, attribute lists and table rows are left as they are, like code and maths.
            if not what.is_prose or line.lstrip().startswith(("#", "{", "|")):
                out.append(line)
                continue
            out.append("".join(p if protected else self._link(p) for p, protected in split_protected(line)))
        return out

    def _link(self, text: str) -> str:
        out, pos = [], 0
        for m in self.pattern.finditer(text):
            term = self.by_name[m.group(0)]
            if term.term in self.done:
                continue
            title = term.definition.replace('"', "“").replace("\n", " ")
            out += [text[pos:m.start()], f'[{m.group(0)}]({self.href}#{glossary_id(term)} "{title}")']
            pos = m.end()
            self.done.add(term.term)
            self.made += 1
        out.append(text[pos:])
        return "".join(out)
