"""linkcheck: every internal link and anchor in built HTML resolves.

Takes a directory (the built site/) or one HTML file (a single-file export). For each
HTML file it reads every `href`/`src` that stays on the site (relative paths, `#anchor`
fragments; http(s), mailto and data: URLs are not followed: the check runs offline) and
reports the ones whose file is missing, or whose `#fragment` is not an `id` (or `<a name>`)
in the target page. Directory URLs resolve to their `index.html`, as MkDocs writes them.
"""
from __future__ import annotations

import functools
import hashlib
import html
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from kb.core import cache

_LINK_ATTRS = {"href", "src"}
_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.\-]*:|//)", re.I)
# Fragments that need no element: the top of the page (HTML standard, "scroll to the fragment").
_TOP = {"", "top"}


@dataclass(frozen=True)
class Broken:
    page: str          # the page holding the link, relative to the checked directory
    line: int
    url: str
    problem: str

    def __str__(self) -> str:
        return f"{self.page}:{self.line}: {self.url!r}: {self.problem}"


@dataclass
class _Page:
    ids: set[str]
    links: list[tuple[int, str]]


# One pass of C-level regex over the page instead of an HTMLParser callback per tag: the
# check reads every page of the site, ~4 MB, and only needs a few attributes. Comments and
# the text of <script>/<style> hold no elements (as for the browser and HTMLParser); a start
# tag's attribute values may hold '>' when quoted. Names and values are read as HTMLParser
# reads them (names lower-cased, character references in values decoded);
# tests/test_build_output.py holds the two to the same result on every page of the site.
_MARKUP = re.compile(r"""
    <!--.*?(?:-->|\Z)
  | <(?P<tag>[a-zA-Z][^\t\n\r\f />\x00]*)
     (?P<attrs>[^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*)>
""", re.S | re.X)
_RAW_TEXT = {"script": re.compile(r"</script[\t\n\r\f />]", re.I), "style": re.compile(r"</style[\t\n\r\f />]", re.I)}
_WANTED = re.compile(r"\b(?:id|href|src|name)\b", re.I)
_ATTR = re.compile(r"""((?<=['"\s/])[^\s/>][^\s/=>]*)(?:\s*=+\s*('[^']*'|"[^"]*"|(?!['"])[^>\s]*))?""")


def scan_html(text: str) -> _Page:
    """The ids (and <a name>s) of a page, and its href/src values with their line numbers."""
    page = _Page(set(), [])
    line, counted = 1, 0              # line number at offset `counted`
    pos, end = 0, len(text)
    while pos < end:
        m = _MARKUP.search(text, pos)
        if m is None:
            break
        pos = m.end()
        tag = m.group("tag")
        if tag is None:               # a comment
            continue
        tag = tag.lower()
        attrs = m.group("attrs")
        if attrs and _WANTED.search(attrs):
            for a in _ATTR.finditer(" " + attrs):
                name, value = a.group(1).lower(), a.group(2)
                if value is None:
                    continue
                if value[:1] in ("'", '"'):
                    value = value[1:-1]
                value = html.unescape(value) if "&" in value else value
                if name == "id" or (name == "name" and tag == "a"):
                    page.ids.add(value)
                elif name in _LINK_ATTRS and tag != "base":
                    line += text.count("\n", counted, m.start())
                    counted = m.start()
                    page.links.append((line, value))
        if tag in _RAW_TEXT:
            close = _RAW_TEXT[tag].search(text, pos)
            pos = close.start() if close else end
    return page


def scan(path: Path, memo: cache.Memo | None = None) -> _Page:
    """scan_html of a file; with a memo (`kb build`: build/cache/), a page whose bytes
    were scanned before (by this code) is not scanned again."""
    data = path.read_bytes()
    if memo is None:
        return scan_html(data.decode("utf-8", errors="replace"))
    key = hashlib.sha256(data).hexdigest()
    stored = memo.get(key)
    if stored is not None:
        return _Page(set(stored["ids"]), [(line, url) for line, url in stored["links"]])
    page = scan_html(data.decode("utf-8", errors="replace"))
    memo.put(key, {"ids": sorted(page.ids), "links": page.links})
    return page


def _target(root: Path, folder: Path, path: str) -> Path | None:
    """The file a link path in a page in `folder` points to, or None when it leaves the
    checked tree."""
    base = root if path.startswith("/") else folder
    target = (base / unquote(path.lstrip("/"))).resolve()
    if not target.is_relative_to(root):
        return None
    if target.is_dir() or path.endswith("/"):
        target = target / "index.html"
    return target


def check(target: Path, memos: cache.Cache | None = None) -> list[Broken]:
    """Broken internal links and anchors under a site directory or in one HTML file;
    `memos`: the run's cache, where each page's scan is kept (None: scan every page)."""
    memo = memos.memo("linkcheck", cache.source_digest(__file__)) if memos is not None else None
    target = target.resolve()
    root = target if target.is_dir() else target.parent
    pages = sorted(target.rglob("*.html")) if target.is_dir() else [target]
    scanned: dict[Path, _Page] = {}

    def page_of(path: Path) -> _Page:
        if path not in scanned:
            scanned[path] = scan(path, memo)
        return scanned[path]

    # Every page repeats the navigation: resolve each (folder, path) once, and judge each
    # (folder, URL) once, not once per link.
    @functools.cache
    def destination(folder: Path, path: str) -> tuple[Path | None, bool]:
        dest = _target(root, folder, path)
        return dest, dest is not None and dest.is_file()

    @functools.cache
    def judge(folder: Path, url: str) -> tuple[str | None, Path | None, str | None]:
        """(problem, None, None) for a broken path; (None, page, fragment) when the fragment
        must be an id of that page (None: the linking page); (None, None, None): nothing to check."""
        if _EXTERNAL.match(url.strip()):
            return None, None, None
        parts = urlsplit(url.strip())
        dest = None
        if parts.path:
            dest, exists = destination(folder, parts.path)
            if dest is None:
                return "points outside the checked folder", None, None
            if not exists:
                return f"no such file: {dest.relative_to(root).as_posix()}", None, None
        if unquote(parts.fragment) in _TOP or (dest is not None and dest.suffix != ".html"):
            return None, None, None
        return None, dest, parts.fragment

    broken: list[Broken] = []
    for page in pages:
        shown = page.relative_to(root).as_posix()
        for line, url in page_of(page).links:
            problem, dest, raw = judge(page.parent, url)
            if problem is not None:
                broken.append(Broken(shown, line, url, problem))
            if raw is None:
                continue
            dest = dest or page
            if dest.suffix != ".html":
                continue
            fragment = unquote(raw)
            ids = page_of(dest).ids
            if fragment not in ids and raw not in ids:
                where = "this page" if dest == page else dest.relative_to(root).as_posix()
                broken.append(Broken(shown, line, url, f"no element with id {fragment!r} in {where}"))
    return broken
