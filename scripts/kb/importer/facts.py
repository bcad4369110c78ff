"""facts: dated facts and figures the articles state, compared across articles.

A fact is a subject (a model, company or event: a Latin name such as GPT-3 or AlexNet,
an entity or a glossary term of the editorial file) with a year (2018年) or a figure
(1750亿参数) in the same clause. Two articles that give a subject values with nothing
in common (GPT-3: 2018 in one, 2020 in the other) are a candidate contradiction, listed
in the import report for an editor to confirm. An editor confirms one with a 前后矛盾
note whose `with:` names the other place (kb.importer.notes), which puts the note on
both places; the report then shows it as confirmed.

Only candidates: a subject can have several dated events (Hinton: 1986 and 2006), so an
article's values are compared as a set, and the editor decides. Articles that state the
same values are one side: the candidates are grouped by subject and the two sets of values,
so a hundred copies of two articles are one candidate with their places, not ten thousand.

Each article's facts are kept under build/cache/ (kb.core.cache), keyed by its text, under
the editorial file's names and the code: an import reads them again only for an article
that changed, and only compares.
"""
from __future__ import annotations

import functools
import hashlib
import re
from collections import defaultdict
from itertools import combinations

from kb.core import cache as kbcache
from kb.core import text as kbtext
from kb.core.model import CONTRADICTION_KIND, Article, Contradiction, Fact, KnowledgeBase
from kb.core.text import scan

_SENTENCE = re.compile(r"[^。；;！？!?]+")
_CLAUSE = re.compile(r"[^，,]+")
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)\s*年(?!代)")
_PARAMS = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(亿|万)?\s*个?参数")
_LATIN = re.compile(r"(?<![A-Za-z0-9])[A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*(?![A-Za-z0-9-])")
# A year of founding is another fact than a year of a release (OpenAI: 成立于2015年, 2020年发布GPT-3).
_FOUNDED = re.compile(r"成立|创立|创办|创建|founded", re.I)
# A Latin word that names a model or company rather than being an English word: a digit,
# a capital inside (AlexNet), or all capitals (BERT); others count when the editorial file
# names them (entities, glossary).
_NAME_LIKE = re.compile(r"\d|.[A-Z]")
_MARKUP = re.compile(r"\*\*|__|`")
_LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def facts(kb: KnowledgeBase, cache: kbcache.Cache | None = None) -> list[Fact]:
    """Every dated fact and parameter count of every article, in article and line order.
    `cache`: the run's (an article's facts are read again only when its text changed)."""
    names = _names(kb)
    stop = {w.lower() for w in kb.editorial.labels.stop_words}
    memo = _memo(cache, names, stop) if cache is not None else None
    out = []
    for article in kb.articles:
        key = _article_key(article) if memo is not None else ""
        stored = memo.get(key) if memo is not None else None
        if stored is not None:
            found = [Fact(*f) for f in stored]
        else:
            found = article_facts(article, names, stop)
            if memo is not None:
                memo.put(key, [[f.subject, f.attribute, f.value, f.article, f.line, f.text] for f in found])
        out += found
    return out


def article_facts(article: Article, names: dict[str, str], stop: set[str]) -> list[Fact]:
    """The dated facts and parameter counts of one article, in line order."""
    out = []
    for i, (line, what) in enumerate(zip(article.lines, scan(article.lines))):
        if not what.is_prose or not re.search(r"\d", line):
            continue
        for sentence in _SENTENCE.findall(line):
            # Most sentences with a digit state no year and no parameter count: their
            # subjects are not looked for (a clause's values are matched within the sentence).
            plain = _MARKUP.sub("", sentence)
            if _YEAR.search(plain) or _PARAMS.search(plain):
                out += _sentence_facts(sentence, article, i + 1, names, stop)
    return out


def _memo(cache: kbcache.Cache, names: dict[str, str], stop: set[str]) -> kbcache.Memo:
    # Everything that decides an article's facts besides its text: the names, the stop
    # words and the code (this module and the line scanner).
    return cache.memo("facts", sorted(names.items()), sorted(stop), kbcache.source_digest(__file__, kbtext.__file__))


def _article_key(article: Article) -> str:
    return hashlib.sha256("\n".join([article.path, *article.lines]).encode("utf-8")).hexdigest()


def _sentence_facts(sentence: str, article: Article, line: int, names: dict[str, str], stop: set[str]) -> list[Fact]:
    clauses = [(raw, _MARKUP.sub("", raw)) for raw in _CLAUSE.findall(sentence)]
    subjects = [_subjects(clause, names, stop) for _, clause in clauses]
    out = []
    for k, (raw, clause) in enumerate(clauses):
        mine = subjects[k]
        if not mine:
            # A clause with a year and no subject is about the nearest clause's subject,
            # the previous first (OpenAI是一家研究公司，成立于2015年; 特别是2012年，AlexNet…).
            near = [subjects[j] for j in (*range(k - 1, -1, -1), *range(k + 1, len(clauses))) if subjects[j]]
            mine = [(0, name) for _, name in near[0]] if near else []
            raw = sentence                  # the words that state the fact: the whole sentence
        out += _clause_facts(raw, clause, mine, article, line)
    return out


def _names(kb: KnowledgeBase) -> dict[str, str]:
    """Every name of an entity or glossary term -> its main name."""
    out = {}
    for entry in [*kb.editorial.entities, *kb.editorial.glossary]:
        for name in entry.names:
            out.setdefault(name, entry.names[0])
    return out


def _clause_facts(raw: str, clause: str, subjects: list[tuple[int, str]], article: Article, line: int) -> list[Fact]:
    year = "founded" if _FOUNDED.search(clause) else "year"
    values = [(m.start(), year, m.group(1)) for m in _YEAR.finditer(clause)]
    values += [(m.start(), "参数", _figure(m)) for m in _PARAMS.finditer(clause)]
    if not values:
        return []
    out = []
    for attribute in ("year", "founded", "参数"):
        of_kind = [(pos, value) for pos, kind, value in values if kind == attribute]
        if not of_kind:
            continue
        for pos, subject in subjects:
            # The value before the subject that is nearest to it (2012年的AlexNet和2014年的LSTM),
            # else the first at or after it (OpenAI成立于2015年; a subject taken from the
            # nearest clause stands at 0, where this clause's year may start: 1997年，…GroupLens实验室创建了).
            before = [v for p, v in of_kind if p < pos]
            value = before[-1] if before else next(v for p, v in of_kind if p >= pos)
            out.append(Fact(subject, attribute, value, article.path, line, _claim(raw)))
    return out


def _subjects(clause: str, names: dict[str, str], stop: set[str]) -> list[tuple[int, str]]:
    """(position, main name) of each subject the clause names, longest names first, once each."""
    taken: list[tuple[int, int]] = []
    out: dict[str, int] = {}
    found = [(m.start(), m.group(0)) for m in _LATIN.finditer(clause) if m.group(0) in names or _NAME_LIKE.search(m.group(0))]
    # The Chinese names that start with a character of the clause, then a substring test
    # (in C): most clauses name none of the hundreds of names.
    by_first = _chinese(tuple(names))
    found += [(m.start(), name) for ch in set(clause) for name in by_first.get(ch, ()) if name in clause
              for m in re.finditer(re.escape(name), clause)]
    for pos, name in sorted(found, key=lambda f: (-len(f[1]), f[0])):
        end = pos + len(name)
        main = names.get(name, name)
        if len(name) < 2 or {name.lower(), main.lower()} & stop or any(s < end and pos < e for s, e in taken):
            continue
        taken.append((pos, end))
        out.setdefault(main, pos)
    return sorted((pos, name) for name, pos in out.items())


@functools.lru_cache(maxsize=8)
def _chinese(names: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """The names that are not ASCII, by their first character."""
    out: dict[str, list[str]] = defaultdict(list)
    for name in names:
        if not name.isascii():
            out[name[0]].append(name)
    return {ch: tuple(found) for ch, found in out.items()}


def _figure(m: re.Match) -> str:
    return m.group(1) + (m.group(2) or "")


def _claim(raw: str) -> str:
    return _LIST_MARK.sub("", raw).strip()


def compare(kb: KnowledgeBase, cache: kbcache.Cache | None = None) -> KnowledgeBase:
    """KnowledgeBase.contradictions: each subject and attribute that articles give values
    with nothing in common, with its status from the editor's notes. The articles that give
    the same values are one side, so there is one candidate per subject, attribute and two
    sets of values, with the places of every article on either side. `cache` as for facts."""
    by_subject: dict[tuple[str, str], dict[str, list[Fact]]] = defaultdict(lambda: defaultdict(list))
    for fact in facts(kb, cache):
        by_subject[(fact.subject, fact.attribute)][fact.article].append(fact)
    notes: dict[tuple[str, int], set[str]] = defaultdict(set)
    for n in kb.notes:
        notes[(n.article, n.line)].add(n.note.kind)
    order = {a.path: i for i, a in enumerate(kb.articles)}
    out = []
    for (subject, attribute), per_article in by_subject.items():
        sides: dict[frozenset[str], list[str]] = defaultdict(list)
        for article, found in per_article.items():
            sides[frozenset(f.value for f in found)].append(article)
        for a, b in combinations(sides, 2):
            if a & b:
                continue
            chosen = tuple(f for article in sorted(sides[a] + sides[b], key=order.__getitem__)
                           for f in _first_per_value(per_article[article]))
            out.append(Contradiction(subject, attribute, chosen, _status(chosen, notes)))
    out.sort(key=lambda c: [(order[f.article], f.line) for f in c.facts])
    kb.contradictions = out
    return kb


def sides(contradiction: Contradiction) -> tuple[list[Fact], list[Fact]]:
    """The places of a candidate on each side: those of the articles that give the values
    its first place's article gives, and the others."""
    values: dict[str, set[str]] = defaultdict(set)
    for f in contradiction.facts:
        values[f.article].add(f.value)
    first = values[contradiction.facts[0].article]
    one = [f for f in contradiction.facts if values[f.article] == first]
    return one, [f for f in contradiction.facts if values[f.article] != first]


def _first_per_value(facts_: list[Fact]) -> list[Fact]:
    seen, out = set(), []
    for fact in facts_:
        if fact.value not in seen:
            seen.add(fact.value)
            out.append(fact)
    return out


def _status(facts_: tuple[Fact, ...], notes: dict) -> str:
    """confirmed: a 前后矛盾 note on every place; noted: some note on one; else candidate."""
    at = [notes.get((f.article, f.line), set()) for f in facts_]
    if all(CONTRADICTION_KIND in kinds for kinds in at):
        return "confirmed"
    return "noted" if any(at) else "candidate"
