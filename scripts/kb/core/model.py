"""Typed data passed between the pipeline stages.

The import stages take and return one KnowledgeBase:
read -> Article(lines) ; parse -> Article(sections, each with its editorial override) ;
clean -> Section.dropped ; classify -> KnowledgeBase.units (each with its topic) ;
link -> KnowledgeBase.links ; write -> files on disk (kb.importer.pages).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


class KbError(Exception):
    """An error the user can act on: it names the file (and line) and what to do."""

    def __init__(self, path: str, line: int | None, message: str, hint: str = ""):
        self.path = path
        self.line = line
        self.message = message
        self.hint = hint
        where = f"{path}:{line}" if line else path
        text = f"{where}: {message}"
        if hint:
            text += f" ({hint})"
        super().__init__(text)


@dataclass
class Section:
    """One heading of a source article and the lines it owns.

    `start`..`end` (1-based, inclusive) are the section's own lines: its heading line
    and the text up to the next heading. Children hold the nested sections.
    """

    heading: str                 # as the source writes it, markup and '#' removed
    kind: str                    # title | toc | part | chapter | appendix | numbered | plain | author | trailer
    number: str | None           # '7.1', 'A.1', '3' (chapter), 'A' (appendix), None
    depth: int                   # semantic depth: title -1, part 0, chapter 1, section 2, ...
    md_level: int                # the '#' count as written (0 for plain-line headings)
    start: int
    end: int = 0
    anchor: str = ""
    parent: "Section | None" = field(default=None, repr=False)
    children: list["Section"] = field(default_factory=list, repr=False)
    override: "Override | None" = None   # what the editorial file decides for it (attached after parse)
    dropped: str | None = None           # why it is not knowledge (set by clean); None: it is placed

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def subtree_end(self) -> int:
        last = self
        while last.children:
            last = last.children[-1]
        return last.end

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


@dataclass
class Article:
    path: str                    # file name inside sources/
    key: str                     # short stable id used in anchors and page names
    lines: list[str]             # decoded text, one entry per source line
    title: str = ""
    root: Section | None = None  # the title section; every other section descends from it

    @property
    def shown(self) -> str:
        """How errors name the file."""
        return f"sources/{self.path}"

    def sections(self) -> list[Section]:
        """Every section in source order."""
        return sorted(self.root.walk(), key=lambda s: s.start) if self.root else []

    def text(self, start: int, end: int) -> list[str]:
        return self.lines[start - 1:end]


@dataclass
class Unit:
    """A placeable piece: one section, with its subsections unless `own_only`."""

    article: Article
    section: Section
    own_only: bool = False          # the section's own text only: its subsections are units of their own
    topic: "Topic | None" = None    # where classify put it
    score: float = 0.0              # how well the topic's keywords matched (0 for an override)
    overridden: bool = False        # the editorial file chose the topic

    def sections(self) -> list[Section]:
        return [self.section] if self.own_only else list(self.section.walk())


@dataclass
class Topic:
    id: str
    chapter: str
    title: str
    keywords: list[str]
    summary: str = ""
    default: bool = False

    @property
    def key(self) -> str:
        return f"{self.chapter}/{self.id}"

    @property
    def page(self) -> str:
        return f"{self.chapter}/{self.id}.md"


@dataclass
class Chapter:
    id: str
    title: str
    description: str
    topics: list[Topic] = field(default_factory=list)


@dataclass
class Override:
    source: str
    heading: str
    line: int = 0                # where it stands in the editorial file
    topic: str | None = None     # '<chapter>/<topic>'
    drop: str | None = None      # a reason; the section is dropped with it
    unit: bool = False           # keep the section and its subsections on one page


@dataclass
class Term:
    """A glossary entry: the first mention on each page links to it with a tooltip."""

    term: str
    definition: str
    aliases: list[str] = field(default_factory=list)
    source: str = ""             # the source file the definition is taken from

    @property
    def names(self) -> list[str]:
        return [self.term, *self.aliases]


@dataclass
class Entity:
    """A company, product, person or organisation, with every spelling the sources use."""

    name: str
    kind: str                    # company | product | person | org
    aliases: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [self.name, *self.aliases]


@dataclass
class Editorial:
    chapters: list[Chapter]
    overrides: list[Override]
    path: str = ""
    glossary: list[Term] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)

    def topics(self) -> list[Topic]:
        return [t for c in self.chapters for t in c.topics]

    def topic(self, key: str) -> Topic:
        return next(t for t in self.topics() if t.key == key)

    def chapter(self, chapter_id: str) -> Chapter | None:
        return next((c for c in self.chapters if c.id == chapter_id), None)


# --------------------------------------------------------------------------- the knowledge base

@dataclass
class Related:
    unit: Unit                  # a unit of another article, on another topic page
    score: float                # cosine similarity of the two units' words


class Mention(NamedTuple):
    unit: Unit                  # the unit the mention is in
    section: Section            # the section (of that unit) that names the entity
    count: int                  # how many times it names it


@dataclass
class Links:
    related: dict[str, list[Related]] = field(default_factory=dict)    # unit anchor -> related units
    mentions: dict[str, list[Mention]] = field(default_factory=dict)   # entity name -> places, in unit order


@dataclass
class Placement:
    topic: Topic                # the topic page the section is on
    unit: Unit                  # the unit it is placed with


@dataclass
class KnowledgeBase:
    """What the import stages take and return (read -> parse -> clean -> classify -> link),
    and everything the writer needs."""

    editorial: Editorial
    articles: list[Article]                             # in file-name order
    units: list[Unit] = field(default_factory=list)     # placed pieces of every article (classify)
    links: Links = field(default_factory=Links)         # related sections and entity mentions (link)

    def placement(self) -> dict[tuple[str, str], Placement]:
        """(article path, section anchor) -> where that section now lives."""
        out = {}
        for unit in self.units:
            for section in unit.sections():
                if not section.dropped:
                    out[(unit.article.path, section.anchor)] = Placement(unit.topic, unit)
        return out

    def topic_units(self) -> dict[str, list[Unit]]:
        """topic key -> its units, in article order then source order."""
        out: dict[str, list[Unit]] = {}
        order = {a.path: i for i, a in enumerate(self.articles)}
        for unit in sorted(self.units, key=lambda u: (order[u.article.path], u.section.start)):
            out.setdefault(unit.topic.key, []).append(unit)
        return out
