"""sanitize: text from sources is shown, never executed.

Two layers, at the two trust boundaries:

1. Import (`escape_body`, `escape_inline`, `html_text`): source text is written into the
   generated Markdown so that Python-Markdown cannot read any of it as markup that acts in
   a browser. Raw HTML outside code and maths is escaped (`<` -> `&lt;`), so
   `<script>` shows as the text the author wrote; `{` is escaped so a line ending in
   `{: onclick=... }` is not an attribute list. Code (fenced, indented, inline) and maths
   (`$$ ... $$`, `$ ... $`, `\\( ... \\)`) are left alone: Markdown and arithmatex escape
   those themselves (which lines and spans those are is `kb.core.text`'s to say). Markup
   that `kb import` itself writes around the text is trusted.

2. Build (`sanitize_html`, from the MkDocs `on_page_content` hook): the HTML of each page
   body is filtered, whatever made it: elements that run or fetch (script, style, iframe,
   object, embed, base, meta, link, SVG animation) are removed with their content, event
   handler attributes (`on*`) are removed, URLs other than http(s), mailto, relative and
   fragment links are removed, and images on other hosts become links (the site makes no
   request to any other host). Content without any of these comes out byte-identical, so
   this layer never changes legitimate pages; `tests/hostile/test_sanitize.py` holds that.

If a later feature needs a script in page bodies, it belongs in `extra_javascript`
(theme level, not filtered here), not in the Markdown.
"""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from kb.core.text import backtick_run_end, code_span_end, escape_end, inline_maths_end, scan

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
# A reference definition (`[r]: other.md`, used by `[text][r]`), in a quote or list item too.
_REFERENCE = re.compile(r"^((?:[ \t]*(?:>|[-*+][ \t]|\d{1,9}[.)][ \t]))*[ \t]*)\[[^\[\]]{1,500}\]:[ \t]*<?([^\s>]*)")
_HR_LINE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")


def escape_line(line: str) -> str:
    """Escape raw HTML and attribute lists in one line of prose, leaving code and maths.

    Links to paths or anchors (`[text](other.md)`, `![图](pic.png)`) point into the site the
    article came from, which is not this one: they are kept as their words; a reference
    definition to such a path (`[r]: other.md`) is kept as text.

    Runs of four or more `*` or `_` are escaped too: they are never emphasis, and
    thousands of them make Python-Markdown recurse until it fails.
    """
    if _HR_LINE.match(line) or not _SPECIAL.search(line):
        return line
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
            end = inline_maths_end(line, k) or k + 1
        elif token == "<":
            if auto := _AUTOLINK.match(line, k):
                end = auto.end()
            else:
                out.append("&lt;")
                i = k + 1
                continue
        elif token == "{":
            out.append("\\{")
            i = k + 1
            continue
        elif token.endswith("["):
            link = _LINK.match(line, k)
            target = link.group(3).strip().lstrip("<") if link else ""
            if link and not _EXTERNAL_URL.match(target):
                # A path or #anchor of the article's own site means nothing here: keep the words.
                out.append(escape_line(link.group(2)))
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
        out.append(line[k:end])
        i = end
    out.append(line[i:])
    return "".join(out)


def escape_body(lines: list[str]) -> list[str]:
    """Lines of Python-Markdown body text with raw HTML from the source made inert."""
    return [escape_line(line) if what.is_prose else line for line, what in zip(lines, scan(lines))]


def escape_inline(text: str) -> str:
    """One line of source text (a heading, a title) as literal inline Markdown."""
    text = re.sub(r"([\\`*_{}\[\]#])", r"\\\1", text)
    text = _ENTITY_AMP.sub("&amp;", text)
    return text.replace("<", "&lt;")


def html_text(text: str) -> str:
    """Source text for places the theme inserts as HTML unchanged (navigation titles)."""
    return html.escape(text, quote=True)


# --- 2. build: filter the HTML of page bodies ----------------------------------------------

# Elements removed together with everything inside them.
_DROP = {"script", "style", "iframe", "frame", "frameset", "object", "embed", "applet",
         "noscript", "noembed", "noframes", "template", "base", "meta", "link", "portal",
         "animate", "animatemotion", "animatetransform", "set", "handler", "listener"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
         "param", "source", "track", "wbr"}
_URL_ATTRS = {"href", "src", "xlink:href", "action", "formaction", "background", "poster",
              "cite", "data", "codebase", "longdesc", "lowsrc", "dynsrc", "usemap", "manifest"}
_ALWAYS_DROP_ATTRS = {"srcdoc", "srcset", "ping", "formaction", "http-equiv"}
_SAFE_SCHEMES = {"http", "https", "mailto"}
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_SAFE_STYLE = re.compile(r"^\s*text-align:\s*(?:left|right|center|justify);?\s*$", re.I)
_FETCHING_HREF = {"use", "image", "feimage"}      # SVG elements that load their href
_DATA_IMAGE = re.compile(r"data:image/(?:png|gif|jpe?g|webp)[;,]", re.I)


def _url_kind(value: str) -> str:
    """'local' (relative, fragment, same site), 'remote' (http/https/mailto) or 'unsafe'."""
    compact = re.sub(r"[\x00-\x20\x7f]+", "", value).lower()
    if compact.startswith("//"):
        return "remote"
    m = _SCHEME.match(compact)
    if not m:
        return "local"
    return "remote" if m.group(1) in _SAFE_SCHEMES else "unsafe"


def _attr_html(value: str) -> str:
    # The parser gave the value with its character references decoded: encode every '&'
    # again. Keeping the ones that look like references would decode them twice:
    # href="javascript&amp;colon;x" would come out as href="javascript&colon;x", which the
    # browser reads as javascript:x.
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


class _Filter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.skipping: list[str] = []      # stack of dropped elements we are inside

    # Each start tag is written back from what was parsed, in Python-Markdown's own
    # format, so what the browser reads is what was checked here.
    def _tag(self, tag: str, attrs, closing: bool) -> None:
        if self.skipping:
            if tag == self.skipping[-1] and not closing and tag not in _VOID:
                self.skipping.append(tag)
            return
        if tag in _DROP:
            if not closing and tag not in _VOID:
                self.skipping.append(tag)
            return
        kept: list[tuple[str, str | None]] = []
        remote = None
        for name, value in attrs:
            if name.startswith("on") or name in _ALWAYS_DROP_ATTRS:
                continue
            if name == "style" and not _SAFE_STYLE.match(value or ""):
                continue
            if name in _URL_ATTRS and value is not None:
                kind = _url_kind(value)
                if kind == "unsafe" and not (tag == "img" and name == "src" and _DATA_IMAGE.match(value)):
                    continue
                fetches = name in ("src", "background", "poster") or tag in _FETCHING_HREF
                if kind == "remote" and fetches:
                    remote = value
                    continue
            kept.append((name, value))
        if remote is not None and tag == "img":
            # An image on another host would be fetched by every reader: link to it instead.
            alt = dict(attrs).get("alt") or remote
            self.out.append(f'<a class="kb-remote-image" href="{_attr_html(remote)}">'
                            f'{html.escape(alt, quote=False)}</a>')
            return
        text = "".join(f' {n}="{_attr_html(v)}"' if v is not None else f" {n}" for n, v in kept)
        self.out.append(f"<{tag}{text}{' /' if closing else ''}>")

    def handle_starttag(self, tag, attrs):
        self._tag(tag, attrs, closing=False)

    def handle_startendtag(self, tag, attrs):
        self._tag(tag, attrs, closing=True)

    def handle_endtag(self, tag):
        if self.skipping:
            if tag == self.skipping[-1]:
                self.skipping.pop()
            return
        if tag in _DROP:
            return
        self.out.append(f"</{tag}>")

    def _text(self, text: str) -> None:
        if not self.skipping:
            self.out.append(text)

    def handle_data(self, data):
        self._text(data.replace("<", "&lt;"))

    def handle_entityref(self, name):
        self._text(f"&{name};")

    def handle_charref(self, name):
        self._text(f"&#{name};")

    # Comments, declarations and processing instructions are dropped: nothing to show.
    def handle_comment(self, data):
        pass

    def handle_decl(self, decl):
        pass

    def handle_pi(self, data):
        pass

    def unknown_decl(self, data):
        pass


def sanitize_html(text: str) -> str:
    """The page body HTML with everything that could run or fetch removed."""
    parser = _Filter()
    parser.feed(text)
    parser.close()
    return "".join(parser.out)
