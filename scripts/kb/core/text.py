"""text: what each line of Markdown is, and which parts of a prose line are not prose.

One scanner for everything that rewrites article text line by line: the renderer
(`kb.importer.render`: list layout), the escaper (`kb.core.sanitize`: raw HTML made inert)
and the glossary linker (`kb.importer.link.TermLinker`). Each asks the same questions, so
each gets the same answers:

- `scan(lines)`: for each line, whether it opens, is inside or closes a fenced code block
  (with the fence), is display maths, indented code, blank, or prose.
- `protected_spans(line)`: in a prose line, the parts that are code, maths, links, HTML
  or attribute lists, which a rewrite of the words must leave alone; `code_span_end`,
  `inline_maths_end` and `escape_end` are its pieces, for the escaper's own walk.

The rules:

- Fences follow CommonMark: three or more ``` ` ``` or `~`; a backtick fence's info string
  holds no backtick; the closer is the same character, at least as long, with nothing
  after it but spaces, indented less than four spaces past the opening fence; an
  unclosed fence runs to the last line. An opening fence may be indented any amount: the
  scanner does not follow list items (so the opening fence stands for the edge of the
  container CommonMark measures from), and pymdownx.superfences, which renders fences,
  takes them at any depth.
- Maths follows pymdownx.arithmatex, which renders it: a `$$` block is one paragraph
  (never crosses a blank line) that starts with `$$` and ends with `$$`, `\\[` ... `\\]`,
  or `\\begin{env}` ... `\\end{env}`, whether or not blank lines surround it (the
  renderer adds them); inline maths is `$x$` (no space inside either `$`, so
  "$5 和 $10" is not maths) or `\\( ... \\)`.
- Code spans follow CommonMark: a run of backticks closes at the next run of the same
  length; a run that never closes is text.
- Indented code follows Python-Markdown, for the Markdown kb writes: after a blank line,
  four spaces, or eight inside a list.
"""
from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

LIST_ITEM = re.compile(r"^(\s*)([-*+]|\d+[.)])\s+")
_FENCE_OPEN = re.compile(r"^([ \t]*)(`{3,}|~{3,})(.*)$")
_MATHS_ENV = re.compile(r"\\begin\{([A-Za-z*]+)\}")
_TICKS = re.compile(r"`+")
# Characters a backslash escapes in Python-Markdown ('<' is not one of them), and '$',
# which pymdownx.arithmatex adds.
MD_ESCAPABLE = frozenset("\\`*_{}[]()>#+-.!$")


class Kind(enum.Enum):
    BLANK = "blank"
    PROSE = "prose"
    FENCE_OPEN = "fence open"
    CODE = "code"                    # inside a fenced code block
    FENCE_CLOSE = "fence close"
    MATHS = "maths"                  # a line of a display-maths block
    INDENTED_CODE = "indented code"


@dataclass(frozen=True)
class Fence:
    """The opening line of a fenced code block."""
    indent: int       # spaces (or tabs) before the fence
    char: str         # "`" or "~"
    length: int       # how many of them, three or more

    @property
    def marker(self) -> str:
        return self.char * self.length

    def closed_by(self, line: str) -> bool:
        """Whether the line closes this fence: the same character, at least as many, and
        indented less than four spaces past the opening fence (more is code)."""
        run = line.lstrip(" \t")
        if len(line) - len(run) >= self.indent + 4:
            return False
        run = run.rstrip(" \t")
        return len(run) >= self.length and run == self.char * len(run)


@dataclass(frozen=True)
class Line:
    """What one line is."""
    kind: Kind
    fence: Fence | None = None   # fenced code: the block's opening fence (opener, code and closer)
    first: bool = False          # the first line of a fenced code or display-maths block

    @property
    def is_prose(self) -> bool:
        return self.kind is Kind.PROSE

    @property
    def in_block(self) -> bool:
        """Part of a fenced code or display-maths block: written as it is."""
        return self.kind in _BLOCK


_BLOCK = {Kind.FENCE_OPEN, Kind.CODE, Kind.FENCE_CLOSE, Kind.MATHS}
# Most lines are one of these: shared, not made again for every line.
_BLANK, _PROSE, _MATHS, _MATHS_FIRST, _INDENTED = (
    Line(Kind.BLANK), Line(Kind.PROSE), Line(Kind.MATHS), Line(Kind.MATHS, first=True), Line(Kind.INDENTED_CODE))


def indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def fence_opener(line: str) -> Fence | None:
    """The fence this line opens, if it opens one."""
    m = _FENCE_OPEN.match(line)
    if m is None or (m.group(2)[0] == "`" and "`" in m.group(3)):
        return None
    return Fence(len(m.group(1)), m.group(2)[0], len(m.group(2)))


def scan(lines: Sequence[str]) -> list[Line]:
    """What each line is: fenced code (before anything else), display maths, blank,
    indented code or prose."""
    out: list[Line] = []
    fence: Fence | None = None
    maths_until = -1
    in_list = in_code = False
    item = 0                         # indent of the list item the text is in (0, 4, 8 …)
    for i, line in enumerate(lines):
        if fence is not None:
            if fence.closed_by(line):
                out.append(Line(Kind.FENCE_CLOSE, fence))
                fence = None
            else:
                out.append(Line(Kind.CODE, fence))
            continue
        if (fence := fence_opener(line)) is not None:
            out.append(Line(Kind.FENCE_OPEN, fence, first=True))
            continue
        if i <= maths_until:
            out.append(_MATHS)
            continue
        if not line.strip():
            out.append(_BLANK)
            continue
        previous_blank = i == 0 or not lines[i - 1].strip()
        # Display maths anywhere, also inside a paragraph: render sets it apart with blank
        # lines, so arithmatex reads it as a block.
        if (end := _maths_block_end(lines, i)) is not None:
            maths_until = end
            out.append(_MATHS_FIRST)
            continue
        # Indented code: Python-Markdown's rule, with list items nesting four spaces deep:
        # text in an item at indent d is at d + 4, its code at d + 8 (an item at 4 holds
        # paragraphs at 8); a paragraph after a blank line at less than d + 4 is back in an
        # outer item.
        is_item = LIST_ITEM.match(line) is not None
        if is_item:
            in_list, item = True, indent(line) // 4 * 4
        elif indent(line) == 0:
            in_list, item = False, 0
        in_code = indent(line) >= (item + 8 if in_list else 4) and (previous_blank or in_code)
        if in_list and not (is_item or in_code) and previous_blank and indent(line) < item + 4:
            item = max(indent(line) // 4 * 4 - 4, 0)
        out.append(_INDENTED if in_code else _PROSE)
    return out


def _maths_block_end(lines: Sequence[str], i: int) -> int | None:
    """If lines[i] opens a display-maths block that closes, the index of its last line."""
    text = lines[i].strip()
    if text.startswith("$$"):
        if len(text) > 4 and text.endswith("$$"):
            return i
        for j in range(i + 1, len(lines)):
            if not lines[j].strip():
                return None          # arithmatex maths never spans a blank line
            if lines[j].strip().endswith("$$"):
                return j
        return None
    if text.startswith("\\["):
        for j in range(i, len(lines)):
            if j > i and not lines[j].strip():
                return None
            if lines[j].rstrip().endswith("\\]") and (j > i or len(text) > 3):
                return j
        return None
    if m := _MATHS_ENV.match(text):
        end = f"\\end{{{m.group(1)}}}"
        for j in range(i, len(lines)):
            if end in lines[j]:
                return j
            if j > i and not lines[j].strip():
                return None
    return None


# --- inside a prose line -------------------------------------------------------------------

def escape_end(line: str, i: int) -> int | None:
    """line[i] is a backslash; the index after the escape, if it escapes something."""
    return i + 2 if line[i + 1:i + 2] in MD_ESCAPABLE else None


def code_span_end(line: str, i: int) -> int | None:
    """line[i] starts a run of backticks; the index after the matching closing run."""
    j = _TICKS.match(line, i).end()
    run = j - i
    while (k := line.find("`" * run, j)) != -1:
        after = _TICKS.match(line, k).end()
        if after - k == run:
            return after
        j = after
    return None


def backtick_run_end(line: str, i: int) -> int:
    """line[i] starts a run of backticks; the index after it."""
    return _TICKS.match(line, i).end()


def inline_maths_end(line: str, i: int) -> int | None:
    """line[i] is '$' or the '\\' of '\\('; the index after the closing delimiter.
    `$$…$$` inside a sentence is maths too (display maths written inline)."""
    if line.startswith("\\(", i):
        k = line.find("\\)", i + 2)
        return k + 2 if k != -1 else None
    if line.startswith("$$", i):
        k = line.find("$$", i + 2)
        return k + 2 if k != -1 and line[i + 2:k].strip() and line[k - 1] != "\\" else None
    if i + 1 >= len(line) or line[i + 1].isspace() or line[i + 1] == "$":
        return None
    j = i + 1
    while j < len(line):
        if line[j] == "\\":
            j += 2
            continue
        if line[j] == "$":
            return j + 1 if not line[j - 1].isspace() else None
        j += 1
    return None


# Where a protected span can start; links, tags and attribute lists as the linker has
# always kept them whole.
_SPAN_START = re.compile(r"[\\`$<{]|!?\[")
_LINK = re.compile(r"!?\[[^\]]*\]\([^)]*\)")
_TAG = re.compile(r"<[^>]+>")
_ATTRS = re.compile(r"\{[^}]*\}")


def protected_spans(line: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each part of a prose line that is not plain words: code spans,
    inline maths, links and images, HTML tags and autolinks, attribute lists."""
    i = 0
    while (m := _SPAN_START.search(line, i)) is not None:
        k = m.start()
        token = m.group(0)
        end: int | None = None
        if token == "\\":
            end = inline_maths_end(line, k) if line.startswith("\\(", k) else None
            if end is None:                  # an escaped character is a character
                i = escape_end(line, k) or k + 1
                continue
        elif token == "`":
            end = code_span_end(line, k)
            if end is None:                  # no closing run: the backticks are text
                i = backtick_run_end(line, k)
                continue
        elif token == "$":
            end = inline_maths_end(line, k)
        elif token == "<":
            end = _end(_TAG.match(line, k))
        elif token == "{":
            end = _end(_ATTRS.match(line, k))
        else:
            end = _end(_LINK.match(line, k))
        if end is None:
            i = k + 1
            continue
        yield k, end
        i = end


def _end(m: re.Match | None) -> int | None:
    return m.end() if m else None


def split_protected(line: str) -> list[tuple[str, bool]]:
    """The line cut into (text, protected) pieces, in order, by protected_spans."""
    pieces, pos = [], 0
    for start, end in protected_spans(line):
        if start > pos:
            pieces.append((line[pos:start], False))
        pieces.append((line[start:end], True))
        pos = end
    if pos < len(line):
        pieces.append((line[pos:], False))
    return pieces


_BEGIN_END = re.compile(r"\\(begin|end)\{([A-Za-z*]+)\}")


def maths_problems(lines: Sequence[str]) -> list[tuple[int, str]]:
    """(0-based line, what is wrong) for display maths KaTeX cannot typeset as written:
    a `$$` that never closes, and `\\begin`/`\\end` that do not pair up."""
    out: list[tuple[int, str]] = []
    kinds = scan(lines)
    i = 0
    while i < len(lines):
        what = kinds[i]
        if what.kind is Kind.MATHS and what.first:
            j = i + 1
            while j < len(lines) and kinds[j] is _MATHS:
                j += 1
            stack: list[str] = []
            for k in range(i, j):
                for m in _BEGIN_END.finditer(lines[k]):
                    if m.group(1) == "begin":
                        stack.append(m.group(2))
                    elif not stack or stack.pop() != m.group(2):
                        out.append((k, f"\\end{{{m.group(2)}}} does not close an open \\begin"))
                        stack = []
                        break
            if stack:
                out.append((i, f"\\begin{{{stack[-1]}}} is never closed by \\end{{{stack[-1]}}}"))
            i = j
            continue
        if what.is_prose and lines[i].strip().startswith("$$") and lines[i].strip().count("$$") == 1:
            out.append((i, "display maths opened with $$ here is never closed (a blank line ends it)"))
        i += 1
    return out


def maths_warnings(lines: Sequence[str]) -> list[tuple[int, str]]:
    """`maths_problems` in the words the editor is told them, by `kb import` (the article's
    line) and by `kb build` (the page's line)."""
    return [(index, f"{message}: KaTeX cannot typeset the formula, readers see its source")
            for index, message in maths_problems(lines)]


def inline_display(span: str) -> str:
    """`$$…$$` written inside a sentence, as arithmatex reads maths there: `$…$`, in
    display style (arithmatex reads `$$` only as a block of its own)."""
    if span.startswith("$$") and span.endswith("$$") and len(span) > 4:
        return f"$\\displaystyle {span[2:-2].strip()}$"
    return span


_YAML_KEY = re.compile(r"^[A-Za-z_][\w-]*\s*:(?:\s|$)")


def front_matter_end(lines: Sequence[str]) -> int | None:
    """If the lines open with YAML front matter (`---`, `key: value` lines, `---` or
    `...`), the index of its closing line."""
    if not lines or lines[0].rstrip() != "---" or len(lines) < 3 or not _YAML_KEY.match(lines[1]):
        return None
    for j in range(2, min(len(lines), 200)):
        if lines[j].rstrip() in ("---", "..."):
            return j
    return None
