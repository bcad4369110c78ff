"""The site plan: every page `kb import` writes under docs/, with its role, title and place.

One function, `site_plan`, makes it on both sides. The importer passes the whole
knowledge base (the topics that received sections, the articles' titles); the site side
(the MkDocs plugin, search, export) passes the editorial file and the articles listed in
sources/ (kb.importer.pipeline.plan), so every topic is listed and the articles' titles
are unknown. Either way a page's role is read here, not guessed from its path.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from enum import Enum

from kb.core.model import Article, Editorial

SOURCES_DIR = "sources"              # the faithful article pages, under docs/
NAV_FILE = ".nav.yml"                # the navigation, read by the site
MANIFEST = "provenance.json"         # where every section of every article went
HOME_PAGE = "index.md"
GLOSSARY_PAGE = "glossary.md"
ENTITIES_PAGE = "entities.md"
ERRATA_PAGE = "errata.md"
SOURCES_INDEX = f"{SOURCES_DIR}/index.md"
# Every page of the site carries the whole navigation, so one entry per article under 原文
# makes the site grow with the square of the articles (500 articles: 110 KB of every page,
# a third of the site). Past this many articles the navigation lists only the 原文 index
# page, which links to each article (mkdocs.yml's `not_in_nav` lets them out of the nav).
NAV_SOURCES_MAX = 20


class Role(Enum):
    """What a page is for."""

    HOME = "home"                    # the site's front page: chapter map, coverage matrix
    CHAPTER = "chapter"              # a chapter's index: its topics
    TOPIC = "topic"                  # the sections of every article on one topic
    GLOSSARY = "glossary"            # 术语表
    ENTITIES = "entities"            # 案例与机构索引
    ERRATA = "errata"                # 勘误表: every editor's note, with a link to its place
    SOURCES_INDEX = "sources_index"  # the list of articles
    SOURCE = "source"                # one article as written, saying where each section went


@dataclass(frozen=True)
class Page:
    path: str                   # relative to docs/, e.g. "risk/identification.md"
    role: Role
    title: str | None           # as the reader sees it; None when not known (an article before parse)
    order: int                  # place in reading order (the navigation's), from 0
    chapter: str = ""           # the chapter id of a chapter or topic page
    topic: str = ""             # the topic key of a topic page, e.g. "risk/identification"
    article: str = ""           # the article file of a source page, relative to sources/


@dataclass
class SitePlan:
    pages: list[Page]           # in reading order
    _by_path: dict[str, Page] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_path = {page.path: page for page in self.pages}

    def page(self, path: str) -> Page | None:
        """The page at `path` (relative to docs/), or None for a page the import does not write."""
        return self._by_path.get(path)

    def role(self, path: str) -> Role | None:
        page = self._by_path.get(path)
        return page.role if page else None

    def of_role(self, role: Role) -> list[Page]:
        return [page for page in self.pages if page.role is role]


def chapter_page(chapter_id: str) -> str:
    return f"{chapter_id}/index.md"


def source_page(article: Article) -> str:
    return f"{SOURCES_DIR}/{article.page or article.key}.md"


def site_plan(editorial: Editorial, articles: Sequence[Article], topics: Collection[str] | None = None) -> SitePlan:
    """Every page of the site, in reading order.

    `topics`: the keys of the topics that have sections (a chapter with none has no page);
    None for every topic of the editorial file (the site side, which places nothing)."""
    labels = editorial.labels
    pages: list[Page] = []

    def add(path: str, role: Role, title: str | None, **about: str) -> None:
        pages.append(Page(path, role, title, len(pages), **about))

    add(HOME_PAGE, Role.HOME, labels.site_title)
    for chapter in editorial.chapters:
        used = [t for t in chapter.topics if topics is None or t.key in topics]
        if not used:
            continue
        add(chapter_page(chapter.id), Role.CHAPTER, chapter.title, chapter=chapter.id)
        for topic in used:
            add(topic.page, Role.TOPIC, topic.title, chapter=chapter.id, topic=topic.key)
    add(GLOSSARY_PAGE, Role.GLOSSARY, labels.glossary.title)
    add(ENTITIES_PAGE, Role.ENTITIES, labels.entities.title)
    # With the other reference pages: the notes correct words of every chapter.
    add(ERRATA_PAGE, Role.ERRATA, labels.notes.title)
    add(SOURCES_INDEX, Role.SOURCES_INDEX, labels.sources.title)
    for article in articles:
        add(source_page(article), Role.SOURCE, article.title or None, article=article.path)
    return SitePlan(pages)
