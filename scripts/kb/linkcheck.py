"""linkcheck: every internal link and anchor in built HTML resolves.

Takes a directory (the built site/) or one HTML file (a single-file export). For each
HTML file it reads every `href`/`src` that stays on the site (relative paths, `#anchor`
fragments; http(s), mailto and data: URLs are not followed: the check runs offline) and
reports the ones whose file is missing, or whose `#fragment` is not an `id` (or `<a name>`)
in the target page. Directory URLs resolve to their `index.html`, as MkDocs writes them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

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


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = _Page(set(), [])

    def _scan(self, tag, attrs) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (name == "name" and tag == "a"):
                self.page.ids.add(value)
            elif name in _LINK_ATTRS and tag not in ("base",):
                self.page.links.append((self.getpos()[0], value))

    handle_starttag = _scan
    handle_startendtag = _scan


def scan(path: Path) -> _Page:
    scanner = _Scanner()
    scanner.feed(path.read_text(encoding="utf-8", errors="replace"))
    scanner.close()
    return scanner.page


def _target(root: Path, page: Path, path: str) -> Path | None:
    """The file a link path points to, or None when it leaves the checked tree."""
    base = root if path.startswith("/") else page.parent
    target = (base / unquote(path.lstrip("/"))).resolve()
    if not target.is_relative_to(root.resolve()):
        return None
    if target.is_dir() or path.endswith("/"):
        target = target / "index.html"
    return target


def check(target: Path) -> list[Broken]:
    """Broken internal links and anchors under a site directory or in one HTML file."""
    target = target.resolve()
    root = target if target.is_dir() else target.parent
    pages = sorted(target.rglob("*.html")) if target.is_dir() else [target]
    cache: dict[Path, _Page] = {}

    def page_of(path: Path) -> _Page:
        if path not in cache:
            cache[path] = scan(path)
        return cache[path]

    broken: list[Broken] = []
    for page in pages:
        shown = page.relative_to(root).as_posix()
        for line, url in page_of(page).links:
            if _EXTERNAL.match(url.strip()):
                continue
            parts = urlsplit(url.strip())
            if parts.path:
                dest = _target(root, page, parts.path)
                if dest is None:
                    broken.append(Broken(shown, line, url, "points outside the checked folder"))
                    continue
                if not dest.is_file():
                    broken.append(Broken(shown, line, url, f"no such file: {dest.relative_to(root.resolve()).as_posix()}"))
                    continue
            else:
                dest = page
            fragment = unquote(parts.fragment)
            if fragment in _TOP or dest.suffix != ".html":
                continue
            ids = page_of(dest).ids
            if fragment not in ids and parts.fragment not in ids:
                where = "this page" if dest == page else dest.relative_to(root).as_posix()
                broken.append(Broken(shown, line, url, f"no element with id {fragment!r} in {where}"))
    return broken
