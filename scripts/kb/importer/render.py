"""Turn source lines (CommonMark, as the articles are written) into Python-Markdown text.

The articles are written for CommonMark renderers; MkDocs uses Python-Markdown, which
wants a blank line before a list and four spaces per nesting level. These adjustments
change layout only, never words.
"""
from __future__ import annotations

import functools
import re

from kb.core.sanitize import escape_body, escape_inline
from kb.core.text import LIST_ITEM, Kind, front_matter_end, indent, scan

_HR = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(?:=+|-{2,})\s*$")
_QUOTES = re.compile(r"^\s*(?:>[ ]?){2,}")
# Lists and quotes deeper than this are shown at this depth: Python-Markdown recurses once
# per level and fails at around 200, and no article needs more than a handful.
MAX_NESTING = 16


def body_lines(lines: list[str]) -> list[str]:
    """Adjust lines for Python-Markdown: list spacing and nesting, tabs; trim edges.

    `lines` start right after the heading: a first line of `=` or `-` is the heading's
    setext underline, which the heading already stands for. YAML front matter at the
    start is the article's metadata, not its text: left out here (the source page shows
    its fields, `kb.importer.pages`).
    """
    if lines and _SETEXT_UNDERLINE.match(lines[0]):
        lines = lines[1:]
    if (end := front_matter_end(lines)) is not None:
        return body_lines(lines[end + 1:])
    return list(_body_lines(tuple(lines)))


# `kb serve` imports again on every edit, and the sections of the other articles come out
# the same: each is adjusted once per process.
@functools.lru_cache(maxsize=4096)
def _body_lines(raw: tuple[str, ...]) -> tuple[str, ...]:
    lines = [line.replace("\t", "    ").rstrip() for line in raw]
    out: list[str] = []
    block_shift = 0
    in_list = False
    after_maths = False
    lift = 0
    for line, what in zip(lines, scan(lines)):
        # A section that starts inside a list begun before its heading: its items are
        # indented as in that list, which Python-Markdown would read as code. They move
        # to the margin (as the line scanner, and the glossary linker, read them already).
        if lift and line.strip():
            if indent(line) >= lift:
                line = line[lift:]
            else:
                lift = 0
        if not in_list and not what.in_block and indent(line) > 0 and LIST_ITEM.match(line):
            lift = indent(line)
            line = line[lift:]
        # Display maths is a paragraph of its own for arithmatex: blank lines around it.
        if after_maths and line.strip() and not (what.kind is Kind.MATHS and not what.first):
            out.append("")
        after_maths = what.kind is Kind.MATHS
        if what.kind is Kind.MATHS and what.first and out and out[-1].strip():
            out.append("")
        if what.in_block:
            # Fenced code and display maths are kept as written, moved with their first
            # line into the list they are in; one at the left margin ends the list.
            if what.first:
                in_list = in_list and indent(line) > 0
                block_shift = _shift(line) if in_list else 0
            if what.kind is Kind.FENCE_CLOSE:
                # superfences closes a block only on its opening fence, where CommonMark
                # also takes a longer one.
                line = " " * what.fence.indent + what.fence.marker
            out.append(" " * block_shift + line if block_shift and line else line)
            continue
        if not line.strip():
            out.append("")
            continue
        is_item = bool(LIST_ITEM.match(line))
        if is_item and out and out[-1].strip() and not in_list:
            out.append("")  # Python-Markdown needs a blank line before a list
        if is_item:
            in_list = True
        elif indent(line) == 0:
            in_list = False
        if in_list and 0 < indent(line):
            line = " " * _shift(line) + line
        out.append(_cap_nesting(line))
    while out and (not out[-1].strip() or _HR.match(out[-1])):
        out.pop()
    while out and not out[0].strip():
        out.pop(0)
    return tuple(escape_body(out))


def _cap_nesting(line: str) -> str:
    if indent(line) > 4 * MAX_NESTING:
        line = " " * (4 * MAX_NESTING) + line.lstrip(" ")
    if (m := _QUOTES.match(line)) and m.group(0).count(">") > MAX_NESTING:
        line = "> " * MAX_NESTING + line[m.end():]
    return line


def _shift(line: str) -> int:
    """Spaces to add so an indent of 1-3 (or 5-7, ...) becomes a multiple of four."""
    n = indent(line)
    return (-n) % 4 if n else 0


def heading_line(level: int, text: str, anchor: str, classes: str = "") -> str:
    attrs = f"#{anchor}" + (f" .{classes}" if classes else "")
    return f"{'#' * max(1, min(level, 6))} {escape_heading(text)} {{ {attrs} }}"


def escape_heading(text: str) -> str:
    """Keep heading text literal: no emphasis, links, attribute lists or raw HTML."""
    return escape_inline(text)


def code_span(text: str) -> str:
    """text as inline code, whatever backticks it holds."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"
