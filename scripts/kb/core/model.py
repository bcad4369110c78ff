"""Typed data passed between the pipeline stages.

The import stages take and return one KnowledgeBase:
read -> Article(lines) ; parse -> Article(sections, each with its editorial override) ;
clean -> Section.dropped ; classify -> KnowledgeBase.units (each with its topic) ;
link -> KnowledgeBase.links ; write -> files on disk (kb.importer.pages, from kb.core.plan).
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


@dataclass(frozen=True)
class Image:
    """An image an article shows (`![alt](src)` or `<img src=…>`), and what the import made of it."""

    line: int                    # 1-based line in the article
    markup: str                  # the image as written on that line
    src: str                     # its address as written
    alt: str                     # "" when the author gave none
    kind: str                    # markdown | html
    width: str = ""              # as written on an <img>, else ""
    height: str = ""
    file: str | None = None      # the image file, relative to sources/ (POSIX), when it resolves to one
    problem: str | None = None   # why it is not drawn: missing | outside | remote | None (drawn)
    definition: int = 0          # `![alt][ref]`: the 1-based line of `[ref]: src` (0: none)


@dataclass
class Article:
    path: str                    # POSIX path relative to sources/ ('tutorial/第一章/C1.md')
    key: str                     # short stable ASCII id used in anchors
    lines: list[str]             # decoded text, one entry per source line
    title: str = ""
    root: Section | None = None  # the title section; every other section descends from it
    page: str = ""               # its page under docs/sources/, without '.md' ('' : the key)
    images: list[Image] = field(default_factory=list)   # every image it shows, in line order (kb.importer.images)

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
    score: float = 0.0              # how well it fits the topic: the keyword score (reviewed articles), else
                                    # the mixed score of keywords and the learnt model (0 for an override)
    overridden: bool = False        # the editorial file chose the topic
    runner_up: "Topic | None" = None  # the second-best topic
    margin: float = 0.0             # how far the best score is ahead of the runner-up's (a share of it)
    uncertain: bool = False         # margin under classify.MARGIN_MIN, or nothing matched: worth an editor's look
    fallback: bool = False          # nothing matched at all: on the first topic for want of a better one
    why: str = ""                   # the words that decided, for the import report

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
    chapters: list[str] = field(default_factory=list)   # chapter ids where its sense holds (empty: all)

    @property
    def names(self) -> list[str]:
        return [self.term, *self.aliases]


@dataclass
class Entity:
    """A company, product, person or organisation, with every spelling the sources use."""

    name: str
    kind: str                    # company | product | person | org | other (an accepted suggestion, not yet sorted)
    aliases: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [self.name, *self.aliases]


# The kinds of editor's note (编者注), as editors write them in sources/editorial.yml.
NOTE_KINDS = ("事实错误", "已过时", "前后矛盾", "表述不清", "标记修正")
# A markup correction (a formula KaTeX cannot typeset) needs no reference: the note says what changed.
MARKUP_KIND = "标记修正"
CONTRADICTION_KIND = "前后矛盾"    # a note with `with:` (the other place) is of this kind


@dataclass(frozen=True)
class Place:
    """Words of one article: `claim` occurs exactly once in `source` (kb import checks)."""

    source: str                  # the article, relative to sources/ (POSIX), as in provenance.json
    claim: str                   # the exact words, on one line of the article


@dataclass(frozen=True)
class Note:
    """An editor's note (编者注): a correction of words an article gets wrong, with a
    reference a reader can check. The article itself is never changed."""

    place: Place
    kind: str                    # one of NOTE_KINDS
    correction: str              # what is right, in Chinese (inline Markdown)
    reference: str = ""          # publication, official page or paper, with a date ("" only for 标记修正)
    url: str = ""                # the reference's address, shown as a link (the site requests nothing)
    replacement: str | None = None   # words shown instead of the claim (broken markup); None: the claim as written
    other: Place | None = None   # 前后矛盾: the other place, which gets the same note, linked back
    line: int = 0                # where the note stands in the editorial file


@dataclass(frozen=True)
class NoteAt:
    """A note found in its article: where its words are, and the ids readers link to."""

    note: Note
    article: str                 # the article's path relative to sources/
    line: int                    # 1-based line of the claim
    start: int                   # the claim's columns on that line: [start, end)
    end: int
    id: str                      # 'claim-<key>-<line>' (the marked words); the note itself is 'note-<key>-<line>'
    pair: "str | None" = None    # a contradiction's other place: the other NoteAt's id

    @property
    def note_id(self) -> str:
        return "note-" + self.id.removeprefix("claim-")

    @property
    def text(self) -> str:
        """The words shown in the claim's place."""
        return self.note.place.claim if self.note.replacement is None else self.note.replacement


@dataclass(frozen=True)
class Fact:
    """A dated fact or a figure an article states about something (kb.importer.facts)."""

    subject: str                 # a model, company or event as the article names it ('GPT-3')
    attribute: str               # 'year' | 'founded' (a year of founding) | '参数' (a parameter count)
    value: str                   # '2018', '1750亿'
    article: str                 # relative to sources/
    line: int
    text: str                    # the clause that states it, as written


@dataclass(frozen=True)
class Contradiction:
    """Two articles stating different values of the same fact: a candidate for an editor."""

    subject: str
    attribute: str
    facts: tuple[Fact, ...]      # one per article and value, in article order
    status: str = "candidate"    # candidate | confirmed (a 前后矛盾 note at both places) | noted (some note at one)


@dataclass
class Editorial:
    chapters: list[Chapter]
    overrides: list[Override]
    path: str = ""
    glossary: list[Term] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    labels: "Labels" = field(default_factory=lambda: _default_labels())   # the site's words and word lists
    ignore: list[str] = field(default_factory=list)   # glob patterns (relative to sources/) that are not articles
    reviewed: list[str] = field(default_factory=list)  # glob patterns of articles whose placement an editor
                                                       # reviewed: the labelled examples classify learns from
    notes: list[Note] = field(default_factory=list)    # editor's notes (编者注), in file order
    words: list[str] = field(default_factory=list)    # more words jieba keeps whole (向量化, which holds 量化)

    def topics(self) -> list[Topic]:
        return [t for c in self.chapters for t in c.topics]

    def topic(self, key: str) -> Topic:
        return next(t for t in self.topics() if t.key == key)

    def chapter(self, chapter_id: str) -> Chapter | None:
        return next((c for c in self.chapters if c.id == chapter_id), None)


# --------------------------------------------------------------------------- labels

class Template(str):
    """A sentence with named fields ({articles}, {sections} …), filled with str.format.
    Which fields a template may use is declared on its label (`template(...)`), and
    checked when the labels are loaded."""


def template(*fields: str):
    """A label that is a Template with these fields."""
    return field(metadata={"fields": fields})


def _default_labels() -> "Labels":
    # The package's labels.yml, read by kb.core.editorial (which imports this module).
    from kb.core.editorial import default_labels

    return default_labels()


@dataclass(frozen=True)
class HomeLabels:
    nav: str                    # the home page's entry in the navigation
    intro: Template = template("articles", "chapters", "glossary", "entities")   # the opening paragraph
    map: str                    # heading of the chapter map (a diagram)
    map_title: str              # the diagram's accessible title
    chapters: str               # heading of the chapter list
    chapter_sections: Template = template("sections")    # after each chapter's description
    matrix: str                 # heading of the coverage matrix
    matrix_intro: str           # the sentence under it
    matrix_article: str         # the matrix's first column


@dataclass(frozen=True)
class ChapterLabels:
    topics: str                 # heading of a chapter page's topic list
    topic_sections: Template = template("sections", "titles")   # under each topic: how many sections, from where


@dataclass(frozen=True)
class TopicLabels:
    intro: Template = template("articles", "topic", "sections")   # a topic page's opening sentence
    source: str                 # before the link to a section's place in its article
    related: str                # before the related sections of a unit
    backlinks: str              # heading of the list of sections that point here
    backlinks_intro: str        # the sentence under it
    flow_note: str              # under a flowchart drawn from a numbered list


@dataclass(frozen=True)
class GlossaryLabels:
    title: str                  # the glossary page's title and navigation entry
    intro: Template = template("terms")
    aliases: str                # before a term's other names
    source: str                 # before the article a definition is taken from
    found_in: str               # before the topic pages that use the term


@dataclass(frozen=True)
class EntityLabels:
    title: str                  # the entity index's title and navigation entry
    intro: Template = template("entities", "mentions")
    kinds: dict[str, str]       # entity kind (company, product, person, org, other) -> heading of its group, in this order
    aliases: str                # before an entity's other names
    mentions: Template = template("mentions")            # before the list of places
    section_mentions: Template = template("mentions")    # after a place that names it more than once


@dataclass(frozen=True)
class SourceLabels:
    title: str                  # the source index's title; the navigation group and home section of the articles
    intro: str                  # the source index's opening sentence
    entry: Template = template("file", "lines")        # after each article's link on the source index
    page_intro: Template = template("file")            # a source page's opening sentence
    front_matter: str           # heading of the article's title section on its source page
    front_fields: dict[str, str]  # YAML front matter field (title, author, date, summary …) -> its name on the source page
    front_other: Template = template("fields")   # after them: the fields not shown (site settings), by name
    placed: str                 # before where a section now lives
    dropped: str                # before why a section was left out
    image_missing: str          # before the alt text of an image that cannot be shown (any page)


@dataclass(frozen=True)
class NoteLabels:
    title: str                  # the 勘误表 page's title and navigation entry
    intro: Template = template("notes", "articles")     # the 勘误表's opening sentence
    none: str                   # the 勘误表 when there is no note
    note: str                   # the title of a note (an admonition) after the words it corrects
    claim: str                  # before the words of the article a note is about (勘误表)
    replaced: str               # before the words shown in their place, for a note with a replacement
    reference: str              # before the reference
    other: str                  # before the other place of a contradiction
    in_source: str              # before the link from a note to its place in the article
    on_topic: str               # before the link from a source page's note to the note on its topic page
    line: Template = template("line")     # a line of an article, in a link's words


@dataclass(frozen=True)
class FlowWords:
    """When a numbered list is a process drawn as a flowchart (研发流程, 实施步骤 …)."""

    process: tuple[str, ...]        # words that name a process, in a heading or in the line before the list
    not_process: tuple[str, ...]    # phrases that start with such a word and are no process (步骤和策略)
    intro_after: tuple[str, ...]    # words after the process word that announce the list (流程**包括**以下)
    intro_before: tuple[str, ...]   # words before it that announce the list (**以下是**实施步骤)


@dataclass(frozen=True)
class Labels:
    """Every word the import writes for readers, and the word lists it decides with:
    kb/core/labels.yml, overridden key by key under `labels:` in sources/editorial.yml."""

    site_title: str             # the home page's title; the same as mkdocs.yml's site_name
    home: HomeLabels
    chapter: ChapterLabels
    topic: TopicLabels
    glossary: GlossaryLabels
    entities: EntityLabels
    sources: SourceLabels
    notes: NoteLabels
    drop_reasons: dict[str, str]    # why a section is left out (kb.importer.clean's reason ids), as readers see it
    stop_words: tuple[str, ...]     # words too common to tell sections apart (related sections ignore them)
    flow: FlowWords


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
    suggestions: list["Suggestion"] = field(default_factory=list)      # recurring names not in the editorial file


@dataclass(frozen=True)
class Suggestion:
    """A recurring name the editorial file does not list: an entity the editor may accept."""

    name: str
    count: int                                   # mentions in placed prose
    articles: int                                # articles that mention it
    examples: tuple[tuple[str, int, str], ...]   # (sources/<path>, line, the sentence), one or two
    aliases: tuple[str, ...] = ()                # a spelling in the other script, from a gloss like 通义千问（Qwen）


@dataclass
class Placement:
    topic: Topic                # the topic page the section is on
    unit: Unit                  # the unit it is placed with


@dataclass(frozen=True)
class Problem:
    """Something the import decided or could not do, for the editor: where, and what."""

    path: str                    # the file as the editor knows it: sources/<path>
    line: int | None             # 1-based, where it is in that file (None: the whole file)
    kind: str                    # image | html | maths | heading | front-matter | placement | source | override | note
    message: str                 # what happened and what to do, in English
    severity: str = "warning"    # warning (kb import --strict fails on it) | info

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass
class KnowledgeBase:
    """What the import stages take and return (read -> parse -> clean -> classify -> link),
    and everything the writer needs."""

    editorial: Editorial
    articles: list[Article]                             # in file-name order
    units: list[Unit] = field(default_factory=list)     # placed pieces of every article (classify)
    links: Links = field(default_factory=Links)         # related sections and entity mentions (link)
    problems: list["Problem"] = field(default_factory=list)  # what the stages tell the editor, in order
    notes: list[NoteAt] = field(default_factory=list)   # the editor's notes, found in their articles (kb.importer.notes)
    contradictions: list[Contradiction] = field(default_factory=list)   # candidates for 前后矛盾 notes (kb.importer.facts)

    def tell(self, path: str, line: int | None, kind: str, message: str, *, severity: str = "warning") -> None:
        """Record something a stage decided or could not do, for the editor (terminal and
        import report)."""
        self.problems.append(Problem(path, line, kind, message, severity))

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
