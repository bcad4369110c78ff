"""classify: cut each article into placeable units and put each on a topic page.

A unit is a section at depth 2 or deeper (a `1.1`-level section) together with its
subsections, or a shallower section with no subsections; a part or chapter heading that
has text of its own before its subsections is a unit of that text alone.

Each unit goes to the topic whose keywords best match its heading (weight 10), the
headings above it (weight 3) and its text (weight 1, capped), a keyword counting by its
length so that specific phrases beat single words. Overrides in the editorial file win.
"""
from __future__ import annotations

import functools

from kb.core.model import Article, Editorial, KnowledgeBase, Section, Topic, Unit
from kb.importer.clean import UNIT_DEPTH

HEADING_WEIGHT = 10.0
ANCESTOR_WEIGHT = 3.0
TEXT_WEIGHT = 1.0
TEXT_HITS_CAP = 3


def classify(kb: KnowledgeBase) -> KnowledgeBase:
    """Every article cut into units, each unit on its topic (KnowledgeBase.units)."""
    kb.units = [unit for article in kb.articles for unit in place(units(article), kb.editorial)]
    return kb


def units(article: Article) -> list[Unit]:
    out: list[Unit] = []

    def visit(section: Section) -> None:
        if section.dropped:
            for child in section.children:
                visit(child)
            return
        whole = section.override is not None and section.override.unit
        if section.depth >= UNIT_DEPTH or not section.children or whole:
            out.append(Unit(article, section))
            return
        out.append(Unit(article, section, own_only=True))
        for child in section.children:
            visit(child)

    visit(article.root)
    return out


def _hits(text: str, keyword: str) -> int:
    return text.count(keyword)


def score(topic: Topic, heading: str, ancestors: str, text: str) -> float:
    return _score(topic.keywords, heading, ancestors, text)


def _score(keywords, heading: str, ancestors: str, text: str) -> float:
    total = 0.0
    for kw in keywords:
        weight = len(kw)
        total += HEADING_WEIGHT * weight * min(_hits(heading, kw), 1)
        total += ANCESTOR_WEIGHT * weight * min(_hits(ancestors, kw), 1)
        total += TEXT_WEIGHT * weight * min(_hits(text, kw), TEXT_HITS_CAP)
    return total


# `kb serve` imports again on every edit; the units of the other articles score the same.
@functools.lru_cache(maxsize=2048)
def _scores(keywords: tuple[tuple[str, ...], ...], heading: str, ancestors: str, text: str) -> tuple[float, ...]:
    return tuple(_score(kws, heading, ancestors, text) for kws in keywords)


def unit_text(unit: Unit) -> str:
    """The text of the unit's sections that are not dropped."""
    article = unit.article
    parts = []
    for section in unit.sections():
        if not section.dropped:
            parts.extend(article.text(section.start, section.end))
    return "\n".join(parts)


def place(unit_list: list[Unit], editorial: Editorial) -> list[Unit]:
    """Each unit on the topic its override names, else on the best-scoring topic."""
    all_topics = editorial.topics()
    appendix_topics = [t for t in all_topics if t.chapter == "appendix"]
    all_keywords = tuple(tuple(t.keywords) for t in all_topics)
    appendix_keywords = tuple(tuple(t.keywords) for t in appendix_topics)
    for unit in unit_list:
        section = unit.section
        if section.override is not None and section.override.topic:
            unit.topic = editorial.topic(section.override.topic)
            unit.overridden = True
            continue
        # What an article files under its appendix stays in the appendix chapter.
        in_appendix = any(s.kind == "appendix" for s in (section, *section.ancestors()))
        topics = appendix_topics if in_appendix else all_topics
        ancestors = " ".join(a.heading for a in section.ancestors() if a.kind != "title")
        text = unit_text(unit)
        keywords = appendix_keywords if in_appendix else all_keywords
        scores = _scores(keywords, section.heading, ancestors, text)
        scored = [(s, -i, t) for i, (s, t) in enumerate(zip(scores, topics))]
        best, _, topic = max(scored, key=lambda s: (s[0], s[1]))
        unit.topic = topic if best > 0 else topics[0]
        unit.score = best
    return unit_list
