"""Typed data passed between the pipeline stages.

read -> Article(lines) ; parse -> Article(sections) ; clean -> drops ;
classify -> placements ; write -> files on disk.
"""
from __future__ import annotations

from dataclasses import dataclass, field


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
    own_only: bool = False
    topic: "Topic | None" = None
    score: float = 0.0
    overridden: bool = False

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
