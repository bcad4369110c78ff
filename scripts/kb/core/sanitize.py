"""sanitize: text from sources is shown, never executed.

Two layers, at the two trust boundaries:

1. Import (`escape_body`, `escape_inline`, `html_text`): source text is written into the
   generated Markdown so that Python-Markdown cannot read any of it as markup that acts in
   a browser. Raw HTML outside code and maths goes through nh3 (Ammonia) tag by tag: a tag
   on the allowlist below, every attribute of which nh3 keeps (figures, images, alignment
   wrappers, tables, details, line breaks, sub/sup, kbd, emphasis, web links), is written
   as nh3 serialises it; any other tag is escaped (`<` -> `&lt;`), so `<script>` or
   `<div onclick=...>` shows as the text the author wrote. A closing tag is kept only when
   it closes a kept one. `{` is escaped so a line ending in
   `{: onclick=... }` is not an attribute list. Code (fenced, indented, inline) and maths
   (`$$ ... $$`, `$ ... $`, `\\( ... \\)`) are left alone: Markdown and arithmatex escape
   those themselves (which lines and spans those are is `kb.core.text`'s to say);
   `$$ ... $$` inside a sentence is written as arithmatex reads maths there. Markup
   that `kb import` itself writes around the text is trusted.

2. Build (`sanitize_html`, from the MkDocs `on_page_content` hook): the HTML of each page
   body goes through nh3 again, whatever made it, with the import's allowlist plus what
   Python-Markdown and kb write (`BUILD_ATTRIBUTES`): elements that run or fetch (script,
   style, iframe, object, embed, base, meta, link, SVG animation) are removed with their
   content, event handler attributes and URLs other than http(s), mailto, relative and
   fragment links are removed, and images on other hosts become links (the site makes no
   request to any other host). Content nh3 takes nothing from comes out byte-identical,
   so this layer never changes legitimate pages; `tests/hostile/test_sanitize.py` holds
   that.

If a later feature needs a script in page bodies, it belongs in `extra_javascript`
(theme level, not filtered here), not in the Markdown.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import nh3

from kb.core.text import backtick_run_end, code_span_end, escape_end, inline_display, inline_maths_end, scan

# --- 1. import: escape source text for Python-Markdown -------------------------------------

# What Python-Markdown turns into links on its own (autolink, automail): kept as written.
_AUTOLINK = re.compile(r"<(?:(?:https?|ftp)://[^<>\s]*|[^<>\s!]+@[^@<>\s]+)>", re.I)
_ENTITY_AMP = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_EXTERNAL_URL = re.compile(r"^(?:https?|ftp|mailto):", re.I)


# Where escape_line has something to look at; everything between is copied as it is.
_SPECIAL = re.compile(r"[\\`$<{]|\*{4,}|_{4,}|!?\[")
# An inline link or image, read as Python-Markdown reads it: everything up to the matching
# ')' is the destination (and title), spaces and '<' included; bounded so that a line of
# unclosed '[' stays linear.
_LINK = re.compile(r"(!?)\[([^\]\n`]{0,500})\]\(((?:[^()\n]|\([^()\n]{0,200}\)){0,2000})\)")
# When that does not match: words that hold code spans, escapes or brackets in pairs (a `]`
# in them does not end the words): [`tidb_x`](/vars.md#x), [KILL [TIDB]](/kill.md),
# [SHOW \[FULL\] PROCESSLIST](/show.md). Possessive: each part has one reading.
_RICH_LINK = re.compile(r"(!?)\[((?:[^\[\]\n`\\]|\\.|`[^`\n]{0,200}+`|\[[^\[\]\n]{0,200}+\]){0,500}+)\]"
                        r"\(((?:[^()\n]|\([^()\n]{0,200}\)){0,2000})\)")
# A reference definition (`[r]: other.md`, used by `[text][r]`), in a quote or list item too.
_REFERENCE = re.compile(r"^((?:[ \t]*(?:>|[-*+][ \t]|\d{1,9}[.)][ \t]))*[ \t]*)\[[^\[\]]{1,500}\]:[ \t]*<?([^\s>]*)")
_HR_LINE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")


# --- raw HTML the articles may use: the allowlist nh3 applies ------------------------------

_ALIGN = {"align"}
_CELL = {"colspan", "rowspan", "align"}
# `markdown` is md_in_html's switch (Python-Markdown removes it); `open` shows a details' body.
HTML_ATTRIBUTES: dict[str, set[str]] = {
    "figure": set(), "figcaption": set(),
    "img": {"src", "alt", "width", "height", "loading"},
    "div": _ALIGN | {"markdown"}, "p": _ALIGN | {"markdown"}, "center": {"markdown"},
    "br": set(), "sub": set(), "sup": set(), "kbd": set(),
    "table": _ALIGN, "thead": set(), "tbody": set(), "tr": _ALIGN,
    "th": _CELL, "td": _CELL,
    "details": {"open", "markdown"}, "summary": set(),
    "b": set(), "i": set(), "strong": set(), "em": set(), "code": set(), "pre": set(),
    "a": {"href", "title"},
}
HTML_TAGS = frozenset(HTML_ATTRIBUTES)
HTML_URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Attributes that change only looks or window handling: dropped, the tag kept (`style`
# never survives either way).
_QUIET_ATTRIBUTES = frozenset({"valign", "nowrap", "style", "target", "rel", "class", "id"})
_QUIET = re.compile(r"""\s+(?:valign|nowrap|style|target|rel|class|id)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?""",
                    re.I)
# Tags that start a raw HTML block in Python-Markdown when a line starts with them.
BLOCK_TAGS = frozenset({"figure", "div", "p", "center", "table", "details"})

_CONTEXT = {"thead": "<table>", "tbody": "<table>", "tr": "<table><tbody>",
            "td": "<table><tbody><tr>", "th": "<table><tbody><tr>"}
_LOCAL_HREF = re.compile(r"""\s+href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.I)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)((?:\s+[^\s\"'>/=]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*)"
                  r"\s*(/?)>")
_ATTR_NAME = re.compile(r"""\s+([^\s"'>/=]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")


def _clean(fragment: str) -> str:
    return nh3.clean(fragment, tags=set(HTML_TAGS), attributes=HTML_ATTRIBUTES,
                     url_schemes=set(HTML_URL_SCHEMES), link_rel=None, strip_comments=True)


@dataclass
class HtmlTags:
    """The raw HTML tags of one body so far: a closing tag is kept for a kept opening tag,
    shown as text for one shown as text, and dropped when it closes nothing here (its
    opening tag is in another section)."""
    open: list[str] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)
    # Opened after text on its line (inside a paragraph or a table cell): the browser closes
    # it with its paragraph or cell, so it is forgotten at the end of the line.
    inline: list[bool] = field(default_factory=list)
    at_line_start: bool = True
    # False: every tag is left out, its words kept (a sentence quoted out of its article,
    # where an image, a link or a block would not make sense).
    keep: bool = True

    def end_line(self) -> None:
        keep = [n for n, (name, inline) in enumerate(zip(self.open, self.inline)) if not inline]
        self.open = [self.open[n] for n in keep]
        self.inline = [False] * len(self.open)
        self.at_line_start = True

    def tag(self, line: str, k: int) -> tuple[str, int] | None:
        """The tag at line[k] as nh3 writes it and where it ends, or None to show it as text."""
        m = _TAG.match(line, k)
        if not m:
            return None
        if not self.keep:
            return "", m.end()
        closing, name, attrs = m.group(1), m.group(2).lower(), m.group(3)
        if name not in HTML_TAGS:
            return None
        if closing:
            if name == "br":                  # `</br>` is read as `<br>` by browsers
                return "<br>", m.end()
            if name in self.open:
                while self.open.pop() != name:
                    self.inline.pop()
                self.inline.pop()
                return f"</{name}>", m.end()
            if name in self.shown:
                self.shown.remove(name)
                return None
            return "", m.end()
        if name == "a":
            # A link into the article's own site means nothing here: keep the words.
            attrs = _LOCAL_HREF.sub(lambda h: "" if _url_kind(html.unescape(h.group(1) or h.group(2) or h.group(3)
                                                                            or "")) == "local" else h.group(0), attrs)
        given = {a.lower() for a in _ATTR_NAME.findall(attrs)} - _QUIET_ATTRIBUTES
        # nh3 parses as a browser does, so a table part is checked inside a table.
        cleaned = _clean(_CONTEXT.get(name, "") + f"<{name}{_QUIET.sub('', attrs)}>")
        start = re.compile(f"<{name}[\\s>]").search(cleaned)
        start = start and _TAG.match(cleaned, start.start())
        if not start or {a.lower() for a in _ATTR_NAME.findall(start.group(3))} != given:
            self.shown.append(name)           # nh3 took something out: show what was written
            return None
        if name not in ("br", "img"):
            self.open.append(name)
            self.inline.append(not self.at_line_start)
        return start.group(0), m.end()


_MARKDOWN_INSIDE = re.compile(r"^(\s*<(?:details|div|center)\b)(?![^>]*\smarkdown=)")


def starts_html_block(line: str) -> bool:
    """Whether a (kept) line starts with a tag that opens a raw HTML block."""
    m = _TAG.match(line.lstrip(" ")) if indent_of(line) < 4 else None
    return bool(m and not m.group(1) and m.group(2).lower() in BLOCK_TAGS)


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def escape_line(line: str, tags: HtmlTags | None = None, *, whole_line: bool = True) -> str:
    """Escape raw HTML and attribute lists in one line of prose, leaving code and maths.

    Links to paths or anchors (`[text](other.md)`, `![图](pic.png)`) point into the site the
    article came from, which is not this one: they are kept as their words; a reference
    definition to such a path (`[r]: other.md`) is kept as text.

    Runs of four or more `*` or `_` are escaped too: they are never emphasis, and
    thousands of them make Python-Markdown recurse until it fails.
    """
    if _HR_LINE.match(line) or not _SPECIAL.search(line):
        if tags is not None and whole_line and line.strip():
            tags.end_line()
        return line
    tags = tags if tags is not None else HtmlTags()
    if whole_line:
        tags.at_line_start = True
    out: list[str] = []
    i = 0
    if (ref := _REFERENCE.match(line)) and not _EXTERNAL_URL.match(ref.group(2)):
        # Its target is a path of the article's own site (or on the next line): shown as
        # written, not a definition, so `[text][r]` stays text too.
        out.append(ref.group(1) + "\\[")
        i = ref.end(1) + 1
    while (m := _SPECIAL.search(line, i)) is not None:
        k = m.start()
        out.append(line[i:k])
        if line[i:k].strip():
            tags.at_line_start = False
        token = m.group(0)
        end = None
        if token == "\\":
            if line.startswith("\\(", k):
                end = inline_maths_end(line, k)
            if end is None:                   # an escape stays an escape
                end = escape_end(line, k) or k + 1
        elif token == "`":
            end = code_span_end(line, k)
            if end is None:                   # no closing run: the backticks are text
                end = backtick_run_end(line, k)
        elif token == "$":
            if (end := inline_maths_end(line, k)) is not None and line.startswith("$$", k):
                tags.at_line_start = False
                out.append(inline_display(line[k:end]))
                i = end
                continue
            end = end or k + 1
        elif token == "<":
            if auto := _AUTOLINK.match(line, k):
                end = auto.end()
            elif kept := tags.tag(line, k):
                out.append(kept[0])
                i = kept[1]
                continue
            else:
                out.append("&lt;")
                tags.at_line_start = False
                i = k + 1
                continue
        elif token == "{":
            tags.at_line_start = False
            out.append("\\{")
            i = k + 1
            continue
        elif token.endswith("["):
            link = _LINK.match(line, k) or _RICH_LINK.match(line, k)
            target = link.group(3).strip().lstrip("<") if link else ""
            if link and not _EXTERNAL_URL.match(target):
                # A path or #anchor of the article's own site means nothing here: keep the words.
                tags.at_line_start = False
                out.append(escape_line(link.group(2), tags, whole_line=False))
                i = link.end()
            elif link:
                # A link to another site: its words escaped, its destination as written
                # (Python-Markdown puts it in an attribute).
                out.append(f"{link.group(1)}[{escape_line(link.group(2))}]({link.group(3)})")
                i = link.end()
            else:
                out.append(token)
                i = m.end()
            continue
        else:                                 # a long run of * or _
            out.append("".join("\\" + ch for ch in token))
            i = m.end()
            continue
        tags.at_line_start = False
        out.append(line[k:end])
        i = end
    out.append(line[i:])
    if whole_line:
        tags.end_line()
    return "".join(out)


def escape_body(lines: list[str]) -> list[str]:
    """Lines of Python-Markdown body text with raw HTML from the source made inert.

    Allowed tags are kept (see `HtmlTags`); a line that starts a raw HTML block gets the
    blank line before it that Python-Markdown needs, and the blank line after the line
    that closes it.
    """
    tags = HtmlTags()
    out: list[str] = []
    close_after = False
    for line, what in zip(lines, scan(lines)):
        if not what.is_prose:
            if close_after and line.strip():
                out.append("")
            close_after = False
            out.append(line)
            continue
        depth = len(tags.open)
        escaped = escape_line(line, tags)
        opens = depth == 0 and starts_html_block(escaped)
        if opens:
            # md_in_html: the Markdown inside a details or an alignment wrapper is rendered.
            escaped = _MARKDOWN_INSIDE.sub(r'\1 markdown="1"', escaped, count=1)
        if (opens or close_after) and out and out[-1].strip():
            out.append("")
        close_after = False
        out.append(escaped)
        if (opens or depth) and not tags.open:
            close_after = True
    if tags.open:                             # closed in a later section: close it here
        out += ["", "".join(f"</{name}>" for name in reversed(tags.open))]
    return out


def escape_inline(text: str) -> str:
    """One line of source text (a heading, a title) as literal inline Markdown."""
    text = re.sub(r"([\\`*_{}\[\]#])", r"\\\1", text)
    text = _ENTITY_AMP.sub("&amp;", text)
    return text.replace("<", "&lt;")


def html_text(text: str) -> str:
    """Source text for places the theme inserts as HTML unchanged (navigation titles)."""
    return html.escape(text, quote=True)


# --- 2. build: filter the HTML of page bodies through nh3 -----------------------------------

# What a page body may hold: what the import keeps from articles (HTML_ATTRIBUTES above),
# what Python-Markdown and its extensions write (headings with ids, code highlighting,
# tables with aligned cells, admonitions, abbreviations, footnotes) and what kb writes
# around the text (classes, figures, anchors), plus plain inline SVG drawings.
_EVERYWHERE = {"class", "id", "title"}
BUILD_ATTRIBUTES: dict[str, set[str]] = {
    **{tag: set(attrs) - {"markdown"} for tag, attrs in HTML_ATTRIBUTES.items()},
    **{tag: set() for tag in ("h1", "h2", "h3", "h4", "h5", "h6", "hr", "blockquote", "ul", "li", "dl", "dt",
                              "dd", "abbr", "del", "ins", "mark", "small", "s", "u", "q", "caption",
                              "colgroup", "col", "tfoot", "svg", "g", "path", "circle", "rect", "line",
                              "polyline", "polygon", "text", "tspan")},
    "*": _EVERYWHERE,
    "ol": {"start", "type"},
    "span": {"role", "aria-label"},           # kb's image placeholders
    "td": _CELL | {"style"}, "th": _CELL | {"style"},
}
BUILD_URL_SCHEMES = HTML_URL_SCHEMES | {"data"}
# Elements removed together with everything inside them (any other tag not allowed above
# is removed and its content kept).
_DROP = {"script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "noscript", "noembed",
         "noframes", "template", "base", "meta", "link", "portal", "animate", "animatemotion",
         "animatetransform", "set", "handler", "listener", "title", "textarea", "select", "math"}
_SAFE_SCHEMES = HTML_URL_SCHEMES
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_SAFE_STYLE = re.compile(r"^\s*text-align:\s*(?:left|right|center|justify);?\s*$", re.I)
_DATA_IMAGE = re.compile(r"data:image/(?:png|gif|jpe?g|webp)[;,]", re.I)
# nh3 writes every attribute value in double quotes with `"` escaped, so in its output a
# tag is exactly this.
_CLEAN_IMG = re.compile(r'<img((?:\s+[^\s"\'>/=]+(?:="[^"]*")?)*)\s*/?>')
_CLEAN_ATTR = re.compile(r'\s+([^\s"\'>/=]+)(?:="([^"]*)")?')
_CLEAN_VOID = re.compile(r'<(br|hr|img|col|wbr)((?:\s+[^\s"\'>/=]+(?:="[^"]*")?)*)>')
# For the unfiltered pass: every tag and attribute name and every URL scheme written.
# Possessive runs, and a scheme looked for only where a run of scheme characters starts
# (then from its first letter): the same matches as the plain patterns
# (`[\s"'/]([^\s"'<>/=]+)(?=\s*=|[\s/>])`, `([A-Za-z][A-Za-z0-9+.\-]*)\s*:`), which
# tried again from every character of a long word; tests/hostile/test_sanitize.py.
_ANY_TAG = re.compile(r"</?([A-Za-z][^\s/>]*)")
_ANY_ATTR = re.compile(r"""[\s"'/]([^\s"'<>/=]++)(?=\s*=|[\s/>])""")
_ANY_SCHEME = re.compile(r"(?<![A-Za-z0-9+.\-])[0-9+.\-]*+([A-Za-z][A-Za-z0-9+.\-]*+)\s*+:")
# Content nh3 rewrites even when everything is allowed (SVG and MathML are checked for
# namespace tricks, a template's content is dropped): no unfiltered reference for it.
_REWRITTEN_ANYWAY = re.compile(r"<(?:svg|math|template)[\s/>]", re.I)


def _url_kind(value: str) -> str:
    """'local' (relative, fragment, same site), 'remote' (http/https/mailto) or 'unsafe'."""
    compact = re.sub(r"[\x00-\x20\x7f]+", "", value).lower()
    if compact.startswith("//"):
        return "remote"
    m = _SCHEME.match(compact)
    if not m:
        return "local"
    return "remote" if m.group(1) in _SAFE_SCHEMES else "unsafe"


def _attribute(tag: str, name: str, value: str) -> str | None:
    # nh3 has checked the URL scheme; what it cannot say: only alignment as a style, and
    # data: only as a raster image's source.
    if name == "style":
        return value if _SAFE_STYLE.match(value) else None
    if value.lstrip().lower().startswith("data:") and not (tag == "img" and name == "src" and _DATA_IMAGE.match(value.lstrip())):
        return None
    return value


def _remote_images_as_links(clean: str) -> str:
    """An image on another host would be fetched by every reader: a link to it instead."""
    def link(m: re.Match) -> str:
        attrs = {name: html.unescape(value or "") for name, value in _CLEAN_ATTR.findall(m.group(1))}
        src = attrs.get("src", "")
        if _url_kind(src) != "remote":
            return m.group(0)
        return (f'<a class="kb-remote-image" href="{_attr_html(src)}">'
                f'{html.escape(attrs.get("alt") or src, quote=False)}</a>')
    return _CLEAN_IMG.sub(link, clean)


def _attr_html(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _unfiltered(text: str) -> str:
    """The HTML parsed and written by nh3 with nothing taken out: every tag, attribute
    and URL scheme it holds allowed (schemes read as a browser reads them, references
    decoded and tabs and newlines left out), comments kept."""
    decoded = re.sub(r"[\t\n\r]", "", html.unescape(text))
    tags = {t.lower() for t in _ANY_TAG.findall(text)}
    names = {a.lower() for a in _ANY_ATTR.findall(text)}
    schemes = {s.lower() for s in _ANY_SCHEME.findall(decoded)}
    return nh3.clean(text, tags=tags, clean_content_tags=set(), attributes={"*": names},
                     url_schemes=schemes, link_rel=None, strip_comments=False)


def sanitize_html(text: str) -> str:
    """The page body HTML with everything that could run or fetch removed, by nh3.

    Elements that run or fetch (script, style, iframe, object, embed, base, meta, link,
    SVG animation) go with their content, tags not allowed lose their markup, event
    handlers and attributes not allowed go, URLs other than http(s), mailto, relative and
    fragment links go, and images on other hosts become links (the site makes no request
    to any other host). A body from which nh3 takes nothing comes out byte-identical (so
    this layer never changes legitimate pages, `tests/hostile/test_sanitize.py`): it is
    the same document as nh3 writes it with everything allowed. Otherwise nh3's output is
    given, void elements written as Python-Markdown writes them (`<br />`).
    """
    clean = nh3.clean(text, tags=set(BUILD_ATTRIBUTES) - {"*"}, clean_content_tags=_DROP,
                      attributes=BUILD_ATTRIBUTES, url_schemes=set(BUILD_URL_SCHEMES),
                      attribute_filter=_attribute, link_rel=None, strip_comments=True)
    clean = _remote_images_as_links(clean)
    if not _REWRITTEN_ANYWAY.search(text) and clean == _unfiltered(text):
        return text
    return _CLEAN_VOID.sub(r"<\1\2 />", clean)
