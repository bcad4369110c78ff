"""notes: the editor's notes (编者注) found in their articles, and drawn on the pages.

`locate` finds each note's words (`claim`) in its article, exactly once, or fails with
the note's line in the editorial file. The article stays as it was: a note with a
`replacement` changes only what the pages show (`corrected`), and says so.

On a page, `Marks` works like `Figures` (kb.importer.pages): `mark` wraps the claim of
each note in the source lines with private-use characters that escaping and the glossary
linker leave alone; `place` turns them into a <mark> with the claim's id and puts the
note, an admonition titled 编者注, after the paragraph, list item or block that holds it.
A claim inside code, maths, a link or another span is not wrapped (a tag there would
break it); its note still follows its block.
"""
from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from dataclasses import dataclass

from kb.core.model import MARKUP_KIND, Article, KbError, KnowledgeBase, Labels, Note, NoteAt, Place, Section
from kb.core.sanitize import escape_inline
from kb.core.text import LIST_ITEM, Kind, indent, protected_spans, scan

# Private-use characters: no source text the import keeps has them around a number.
_START, _END, _LOCATE, _STOP = "\ue000", "\ue001", "\ue002", "\ue003"
_MARKER = re.compile(f"([{_START}{_END}{_LOCATE}])(\\d+){_STOP}")


# --------------------------------------------------------------------------- locate

def locate(kb: KnowledgeBase) -> KnowledgeBase:
    """KnowledgeBase.notes: every note of the editorial file at its place (a 前后矛盾 note
    with `with:` at both of its places), in article and line order. Needs the sections
    (after parse): a claim in a heading is noted at the top of its section."""
    editorial = kb.editorial
    articles = {a.path: a for a in kb.articles}
    found: list[tuple[Note, Article, int, int, int]] = []   # (note, article, line, start, which place)
    for note in editorial.notes:
        places = [p for p in (note.place, note.other) if p is not None]
        missing = [p.source for p in places if p.source not in articles]
        if missing:
            # A note kept for an article that is gone (or not in this project, which shares
            # the editorial file): told in the report, left out, nothing to fix in the text.
            kb.tell(editorial.path, note.line, "note", f"note for {missing[0]}, which is not in sources/, ignored",
                    severity="info")
            continue
        for which, place in enumerate((note.place, note.other)):
            if place is None:
                continue
            article, line, start = _find(place, articles, editorial.path, note.line)
            found.append((note, article, line, start, which))
    order = {a.path: i for i, a in enumerate(kb.articles)}
    found.sort(key=lambda f: (order[f[1].path], f[2], f[3], f[0].line, f[4]))
    ids, used = {}, {}
    for note, article, line, start, which in found:
        base = f"claim-{article.key}-{line}"
        used[base] = used.get(base, 0) + 1
        ids[(note.line, which)] = base if used[base] == 1 else f"{base}-{used[base]}"
    out = []
    for note, article, line, start, which in found:
        place = note.other if which else note.place
        pair = ids.get((note.line, 1 - which)) if note.other else None
        out.append(NoteAt(note, article.path, line, start, start + len(place.claim), ids[(note.line, which)], pair))
    kb.notes = out
    return kb


def _find(place: Place, articles: dict[str, Article], shown: str, line: int) -> tuple[Article, int, int]:
    article = articles[place.source]
    hits = [(i + 1, k) for i, text in enumerate(article.lines) for k in _occurrences(text, place.claim)]
    if not hits:
        raise KbError(shown, line, f"the claim {place.claim!r} is not in {article.shown}",
                      "copy the words exactly as the article writes them (with any ** or `), from one line")
    if len(hits) > 1:
        where = " and ".join(f"{article.shown}:{n}" for n, _ in hits[:5]) + (" …" if len(hits) > 5 else "")
        raise KbError(shown, line, f"the claim {place.claim!r} occurs {len(hits)} times in {article.shown} "
                      f"({where})", "quote more of the sentence, so that the words occur once")
    return article, hits[0][0], hits[0][1]


def _occurrences(text: str, words: str) -> list[int]:
    out, k = [], text.find(words)
    while k >= 0:
        out.append(k)
        k = text.find(words, k + 1)
    return out


def of_article(kb: KnowledgeBase, article: Article) -> list[NoteAt]:
    return [n for n in kb.notes if n.article == article.path]


def corrected(lines: list[str], notes: list[NoteAt], first: int = 1) -> list[str]:
    """`lines` (the article's from line `first`) with each note's replacement in place of its claim."""
    out = list(lines)
    for at in sorted(notes, key=lambda n: (n.line, -n.start)):
        i = at.line - first
        if at.note.replacement is not None and 0 <= i < len(out) and out[i][at.start:at.end] == at.note.place.claim:
            out[i] = out[i][:at.start] + at.note.replacement + out[i][at.end:]
    return out


@functools.lru_cache(maxsize=64)
def _kinds(lines: tuple[str, ...]):
    return scan(lines)


def marked(article: Article, at: NoteAt, notes: list[NoteAt]) -> bool:
    """Whether the claim can be wrapped in a <mark>: on a prose line, not in or across a
    code span, inline maths, link or tag, and not over another note's words."""
    kinds = _kinds(tuple(article.lines))
    if not kinds[at.line - 1].is_prose or article.lines[at.line - 1].lstrip().startswith(("#", "|")):
        return False
    if any(s < at.end and at.start < e for s, e in protected_spans(article.lines[at.line - 1])):
        return False
    # Words that cut through emphasis (`2018年**：GPT-3`): a tag around them would not nest.
    claim = article.lines[at.line - 1][at.start:at.end]
    if claim.count("**") % 2 or claim.replace("**", "").count("*") % 2:
        return False
    earlier = [n for n in notes if n.line == at.line and n is not at and (n.start, n.id) < (at.start, at.id)]
    return not any(n.start < at.end and at.start < n.end for n in earlier)


# --------------------------------------------------------------------------- where a note lives

@dataclass(frozen=True)
class Where:
    """Where a note is shown: the topic page of its section (None: the section is left
    out, so only its article's page shows it) and its article's page."""

    at: NoteAt
    article: Article
    section: Section
    topic_page: str | None
    topic_title: str             # '章 › 主题' ('' with no topic page)
    source_page: str
    marked: bool

    @property
    def target(self) -> str:
        """Where readers are sent (from the 勘误表, from the other place of a contradiction):
        the note, right after its claim, which every page that shows the claim has (a claim
        is tagged only where the page can hold a tag)."""
        return f"{self.topic_page or self.source_page}#{self.at.note_id}"


def where(kb: KnowledgeBase, source_page: Callable[[Article], str], placement: dict | None = None) -> dict[str, Where]:
    """claim id -> Where, for every note. `placement`: kb.placement(), when the caller has it."""
    placement = kb.placement() if placement is None else placement
    articles = {a.path: a for a in kb.articles}
    out = {}
    for at in kb.notes:
        article = articles[at.article]
        section = section_of(article, at.line)
        placed = placement.get((article.path, section.anchor)) if not section.dropped else None
        # Words of a heading are not tagged (the heading is written apart): the note opens its section.
        heading = at.line == section.start and not (section.kind == "title" and section.md_level == 0)
        title = f"{kb.editorial.chapter(placed.topic.chapter).title} › {placed.topic.title}" if placed else ""
        out[at.id] = Where(at, article, section, placed.topic.page if placed else None, title, source_page(article),
                           not heading and marked(article, at, of_article(kb, article)))
    return out


def section_of(article: Article, line: int) -> Section:
    """The section whose own lines hold `line`."""
    return next((s for s in reversed(article.sections()) if s.start <= line), article.root)


# --------------------------------------------------------------------------- on a page

def _rel(from_page: str, target: str) -> str:
    path, _, anchor = target.partition("#")
    rel = os.path.relpath(path, os.path.dirname(from_page) or ".").replace(os.sep, "/")
    return f"{rel}#{anchor}" if anchor else rel


class Marks:
    """The notes of one page (a topic page, or an article's page when `source` is set)."""

    def __init__(self, page: str, places: dict[str, Where], labels: Labels, *, source: bool = False):
        self.page = page
        self.places = places
        self.labels = labels.notes
        self.source = source
        self.shown: list[Where] = []

    def mark(self, article: Article, section: Section, first: int, lines: list[str]) -> list[str]:
        """`lines` (the article's from line `first`, all of `section`'s body) with the
        claims of the notes in `section` marked and their replacements made."""
        notes = [w for w in self.places.values() if w.article is article and w.section is section]
        if not notes:
            return lines
        out = list(lines)
        before: list[str] = []
        for w in sorted(notes, key=lambda w: (w.at.line, -w.at.start)):
            number = len(self.shown)
            self.shown.append(w)
            i = w.at.line - first
            if not 0 <= i < len(out):              # the heading's words: noted at the top of the section
                before.append(f"{_LOCATE}{number}{_STOP}")
                continue
            text, at = out[i], w.at
            if w.marked:
                words = f"{_START}{number}{_STOP}{at.text}{_END}{number}{_STOP}"
                out[i] = text[:at.start] + words + text[at.end:]
            else:
                if text[at.start:at.end] == at.note.place.claim:    # not already another note's words
                    text = text[:at.start] + at.text + text[at.end:]
                out[i] = text + f"{_LOCATE}{number}{_STOP}"
        return before + ([""] if before else []) + out

    def place(self, body: list[str]) -> list[str]:
        """The body with each claim's <mark> and each note after the block that holds it."""
        lines = list(body)
        kinds = scan(lines)
        after: dict[int, list[tuple[int, int]]] = {}
        seen: set[int] = set()
        for idx, line in enumerate(lines):
            # The first place of a note's words holds it: a flowchart drawn from a list
            # repeats the list's words further down, in a code block.
            for m in _MARKER.finditer(line):
                if m.group(1) != _START and int(m.group(2)) not in seen:
                    seen.add(int(m.group(2)))
                    end, ind = _block_end(lines, kinds, idx)
                    after.setdefault(end, []).append((ind, int(m.group(2))))
        out: list[str] = []
        for idx, line in enumerate(lines):
            # No tags in code or maths, which show their text as it is (a section that
            # starts inside an indented list can be indented code on its page).
            out.append(_MARKER.sub(self._tag, line) if kinds[idx].is_prose else _MARKER.sub("", line))
            for ind, number in after.get(idx, []):
                out += ["", *(" " * ind + n if n else "" for n in self._note(self.shown[number])), ""]
        return out

    def _tag(self, m: re.Match) -> str:
        w = self.shown[int(m.group(2))]
        if m.group(1) == _START:
            return f'<mark class="kb-claim" id="{w.at.id}">'
        return "</mark>" if m.group(1) == _END else ""

    def _note(self, w: Where) -> list[str]:
        labels, note = self.labels, w.at.note
        out = [f'!!! note kb-note "{labels.note}"', ""]
        out += [f"    **{note.kind}**：{note.correction}", f"    {{ #{w.at.note_id} }}", ""]
        if note.replacement is not None:
            out += [f"    {labels.claim}{claim_words(note)}；{labels.replaced}{claim_words(note, note.replacement)}", ""]
        if note.reference:
            out += [f"    {labels.reference}{reference(note)}", ""]
        if w.at.pair:
            other = self.places[w.at.pair]
            out += [f"    {labels.other}[{place_words(other, labels)}]({_rel(self.page, other.target)})", ""]
        if self.source:
            if w.topic_page:
                out += [f"    {labels.on_topic}[{w.topic_title}]"
                        f"({_rel(self.page, w.topic_page + '#' + w.at.note_id)})", ""]
        else:
            out += [f"    {labels.in_source}[{place_words(w, labels)}]({_rel(self.page, w.source_page)}#{w.at.note_id})",
                    ""]
        return out[:-1]


def _block_end(lines: list[str], kinds, idx: int) -> tuple[int, int]:
    """(the last line of the paragraph, list item or block holding line idx, the indent
    a note after it needs to stay inside the same list item)."""
    j = idx
    if kinds[j].in_block:
        k = idx
        while k > 0 and not kinds[k].first:
            k -= 1
        while j + 1 < len(lines) and kinds[j + 1].in_block and not kinds[j + 1].first:
            j += 1
        return j, indent(lines[k]) // 4 * 4
    if not _MARKER.sub("", lines[idx]).strip():      # a note on its own (a heading's words)
        return idx, 0
    if kinds[j].kind is Kind.INDENTED_CODE:          # after the code, at the margin
        while j + 1 < len(lines) and (kinds[j + 1].kind is Kind.INDENTED_CODE or not lines[j + 1].strip()):
            j += 1
        while not lines[j].strip():
            j -= 1
        return j, 0
    k = idx
    while k > 0 and not LIST_ITEM.match(lines[k]) and lines[k - 1].strip() and not kinds[k - 1].in_block:
        k -= 1
    while j + 1 < len(lines) and lines[j + 1].strip() and not LIST_ITEM.match(lines[j + 1]) \
            and not kinds[j + 1].in_block:
        j += 1
    if lines[k].lstrip().startswith((">", "|")):
        return j, 0
    item = LIST_ITEM.match(lines[k])
    return j, indent(lines[k]) // 4 * 4 + (4 if item else 0)


def _code(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def reference(note: Note) -> str:
    """The reference, a link when it has an address."""
    words = escape_inline(note.reference)
    return f"[{words}]({note.url})" if note.url else words


def claim_words(note: Note, words: str | None = None) -> str:
    """The claim (or other `words` of the note) as readers see it quoted: markup as
    code for a markup correction; else emphasis markers left out, the rest literal."""
    words = note.place.claim if words is None else words
    if note.kind == MARKUP_KIND:
        return _code(words)
    return "「" + escape_inline(re.sub(r"\*\*|__", "", words)) + "」"


def place_words(w: Where, labels) -> str:
    """《article》第 N 行, the words of a link to a note's place."""
    return f"《{escape_inline(w.article.title)}》{labels.line.format(line=w.at.line)}"
