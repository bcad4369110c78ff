"""export: the built site -> dist/<name>-site.zip and one self-contained dist/<name>.html.

    site/ --read_book--> Book (pages in reading order, ids prefixed per page, links in-file)
          --render-----> diagrams as SVG and maths typeset, once, in headless Chromium
          --search-----> the site's own search: its index, worker and converter, inline
          --assemble---> one HTML string: every stylesheet, script and font inside it

`read_book`, `search_data` and `assemble` are pure (text in, text out); the browser and the disk
are touched only by `render` and `export`. `export` writes both outputs into a new folder
beside dist/ and swaps it in only when everything succeeded (kb.atomic), so a failed or
killed export leaves dist/ as it was.
"""
from __future__ import annotations

import base64
import json
import logging
import mimetypes
import os
import posixpath
import re
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlsplit

from kb.core import atomic
from kb.core.chromium import CHROMIUM, CHROMIUM_ARGS
from kb.core.clock import Clock
from kb.core.context import Context
from kb.core.model import KbError
from kb.core.plan import Role, SitePlan
from kb.importer.pipeline import plan as read_plan
from kb.site import linkcheck, pagefind
from kb.site.assets import MERMAID_SETTINGS
from kb.site.search import WORKER_TARGET, converter_file

NAME = "ai-startup-kb"

# The faithful copies of the source articles repeat every chapter's text word for word;
# the single file is the reading edition, so it leaves them out (the zip keeps them).
# Links to them become plain citations.
LEFT_OUT = frozenset({Role.SOURCES_INDEX, Role.SOURCE})

# Mermaid as the site configures it (kb.site.assets), plus ids that do not depend on the clock,
# so that the same input gives a byte-identical file.
MERMAID_CONFIG = {"startOnLoad": False, **MERMAID_SETTINGS, "deterministicIds": True,
                  "deterministicIDSeed": "kb", "fontFamily": "system-ui, -apple-system, 'Segoe UI', "
                  "'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif"}

_HEADING = re.compile(r"^h[1-6]$")

Progress = Callable[[str], None]


@dataclass
class BookPage:
    path: str                    # page in the site, e.g. "tech/math.html"
    anchor: str                  # id of the page in the book, e.g. "tech-math"
    title: str
    role: Role | None            # from the site plan (None: a page the import does not write)
    html: str                    # the article: ids prefixed, headings shifted, links in-file

    @property
    def level(self) -> int:
        return page_level(self.role)


@dataclass
class Book:
    title: str
    pages: list[BookPage]


@dataclass
class Rendered:
    """The book's pages after the browser ran KaTeX and Mermaid over them."""

    pages: list[BookPage]
    fonts: list[str]             # KaTeX font files the maths uses, e.g. "KaTeX_Main-Regular"
    diagrams: int
    formulas: int
    sizes: dict[str, int]        # bytes of rendered markup: "diagrams" (SVG), "maths" (KaTeX)


@dataclass
class Assets:
    """Everything the single file inlines, read from the built site and node_modules."""

    material_css: list[str]      # Material's main and palette stylesheets
    katex_css: str
    katex_fonts: dict[str, bytes]  # "KaTeX_Main-Regular" -> woff2 bytes
    book_css: str
    book_js: str


@dataclass
class Result:
    html_path: Path
    zip_path: Path
    html_bytes: int
    zip_bytes: int
    breakdown: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)   # seconds per step (zip, read, render, ...)


# --------------------------------------------------------------------------- read_book

def _soup(html: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser")


def docs_path(site_path: str) -> str:
    """'tech/math.html' -> 'tech/math.md': the page's path in docs/, as the site plan has it."""
    return site_path.removesuffix(".html") + ".md"


def reading_order(index_html: str, plan: SitePlan) -> list[str]:
    """Site paths of the pages in the primary navigation, in order, left-out pages dropped."""
    nav = _soup(index_html).select_one("nav.md-nav--primary")
    if nav is None:
        raise KbError("site/index.html", None, "no primary navigation found",
                      "build the site with `kb build` (mkdocs-material theme) before exporting")
    out: list[str] = []
    for link in nav.select("a.md-nav__link[href]"):
        href = link["href"]
        if href.startswith("#") or urlsplit(href).scheme:
            continue
        path = posixpath.normpath(unquote(urlsplit(href).path))
        if path not in out and plan.role(docs_path(path)) not in LEFT_OUT:
            out.append(path)
    return out


def page_anchor(path: str) -> str:
    """'index.html' -> 'home', 'tech/index.html' -> 'tech', 'tech/math.html' -> 'tech-math'."""
    stem = path[: -len(".html")] if path.endswith(".html") else path
    parts = [p for p in stem.split("/") if p]
    if parts and parts[-1] == "index":
        parts.pop()
    return "-".join(parts) or "home"


def page_level(role: Role | None) -> int:
    """0 the home page, 2 a topic (under its chapter), 1 any other page."""
    return {Role.HOME: 0, Role.TOPIC: 2}.get(role, 1)


def read_book(pages: dict[str, str], order: list[str], title: str, plan: SitePlan,
              site: Path | None = None) -> Book:
    """Book from {site path: page HTML}: each page's <article>, made to live in one file.
    `site`: the built site, where the images the pages draw are read from (inlined)."""
    anchors = {path: page_anchor(path) for path in order}
    book = []
    for path in order:
        article = _article(pages[path])
        if article is None:
            raise KbError(f"site/{path}", None, "no <article class=\"md-content__inner\"> in the page",
                          "rebuild the site with `kb build`")
        role = plan.role(docs_path(path))
        _prefix_ids(article, anchors[path])
        _rewrite_links(article, path, anchors)
        _inline_images(article, path, site)
        if role is Role.TOPIC:
            _shift_headings(article)
        h1 = article.find(["h1", "h2"])
        page_title = _heading_text(h1) if h1 else path
        book.append(BookPage(path, anchors[path], page_title, role, article.decode_contents().strip()))
    return Book(title, book)


_ARTICLE_START = re.compile(r'<article\b[^>]*\bclass="md-content__inner\b[^>]*>')


def _article(html: str):
    """The page's <article class="md-content__inner"> as a tree, or None.

    Only the article is parsed: the navigation and table of contents around it are most
    of a page, and parsing them for nothing was most of the time of read_book. (Page text
    cannot close the article early: raw HTML in sources is escaped at import.)"""
    start = _ARTICLE_START.search(html)
    end = html.rfind("</article>")
    if start and end > start.start():
        return _soup(html[start.start():end + len("</article>")]).select_one("article.md-content__inner")
    return _soup(html).select_one("article.md-content__inner")


def _prefix_ids(article, prefix: str) -> None:
    """Ids are unique per page; in the book they are '<page>--<id>'."""
    for el in article.find_all(id=True):
        el["id"] = f"{prefix}--{el['id']}"
    for el in article.find_all(attrs={"for": True}):
        el["for"] = f"{prefix}--{el['for']}"
    for attr in ("aria-labelledby", "aria-describedby", "aria-controls"):
        for el in article.find_all(attrs={attr: True}):
            el[attr] = " ".join(f"{prefix}--{v}" for v in str(el[attr]).split())


def _rewrite_links(article, path: str, anchors: dict[str, str]) -> None:
    """Links to pages in the book become in-file anchors; other site links become text."""
    for link in article.find_all("a", href=True):
        href = link["href"]
        parts = urlsplit(href)
        if parts.scheme or href.startswith("//"):
            link["rel"] = "noopener noreferrer"   # a real web link: leaves the file on click only
            continue
        if not parts.path:                        # '#id' on the same page
            target = anchors[path], parts.fragment
        else:
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), unquote(parts.path)))
            if resolved not in anchors:
                # e.g. the faithful source articles: keep the words, drop the link
                link.name = "span"
                link.attrs = {"class": ["kb-offline-ref"], "title": "原文页面不在单文件版中，见在线站点"}
                continue
            target = anchors[resolved], parts.fragment
        page, fragment = target
        link["href"] = f"#{page}--{fragment}" if fragment else f"#{page}"


def _inline_images(article, path: str, site: Path | None) -> None:
    """Images the page draws from the site go into the file as data: URIs (the file may
    load nothing); one whose file is not in the site keeps its alt text, as a placeholder."""
    for img in article.find_all("img", src=True):
        src = str(img["src"])
        parts = urlsplit(src)
        if parts.scheme or src.startswith("//"):
            continue
        file = None
        if site is not None:
            file = site / posixpath.normpath(posixpath.join(posixpath.dirname(path), unquote(parts.path)))
        if file is None or not file.is_file() or site.resolve() not in file.resolve().parents:
            img.name = "span"
            img.attrs = {"class": ["kb-image-missing"], "role": "img", "aria-label": str(img.get("alt", ""))}
            img.string = str(img.get("alt", "")) or posixpath.basename(parts.path)
            continue
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        img["src"] = f"data:{kind};base64,{base64.b64encode(file.read_bytes()).decode('ascii')}"
        img.attrs.pop("loading", None)        # nothing to wait for: the image is in the file


def _shift_headings(article) -> None:
    """Topic pages sit under their chapter: h1 -> h2, h2 -> h3, ... (h6 stays h6)."""
    for heading in sorted(article.find_all(_HEADING), key=lambda h: -int(h.name[1])):
        heading.name = f"h{min(6, int(heading.name[1]) + 1)}"


def _heading_text(heading) -> str:
    return "".join(s for s in heading.find_all(string=True)
                   if not (s.parent.name == "a" and "headerlink" in s.parent.get("class", []))).strip()


def book_body(book: Book) -> str:
    """The pages one after another, each in a <section> that links can scroll to."""
    out = []
    for page in book.pages:
        cls = ["kb-page", f"kb-level-{page.level}"]
        out.append(f'<section class="{" ".join(cls)}" id="{page.anchor}" data-title="{_attr(page.title)}">'
                   f"\n{page.html}\n</section>")
    return "\n".join(out)


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --------------------------------------------------------------------------- render

_RENDER_JS = """
async () => {
  const out = {errors: []};
  // Maths: the site's own katex-init.js has run on DOMContentLoaded; count what it left.
  out.formulas = document.querySelectorAll('.arithmatex').length;
  out.untypeset = [...document.querySelectorAll('.arithmatex')]
    .filter(el => !el.querySelector('.katex, .katex-error')).map(el => el.textContent.slice(0, 80));
  // Diagrams: parse each first, so that an error names its diagram; then draw them all in
  // one run, so that the ids mermaid gives their parts are unique in the file.
  const diagrams = [...document.querySelectorAll('div.mermaid')];
  out.diagrams = diagrams.length;
  for (const [i, el] of diagrams.entries()) {
    try { await mermaid.parse(el.textContent); }
    catch (e) {
      const page = el.closest('section.kb-page');
      out.errors.push({page: page ? page.id : '', index: i, message: String(e && e.message || e)});
    }
  }
  if (out.errors.length) return out;
  await mermaid.run({nodes: diagrams, suppressErrors: false});
  await document.fonts.ready;
  out.fonts = [...document.fonts].filter(f => f.status === 'loaded')
    .map(f => [f.family.replace(/["']/g, ''), String(f.weight), f.style]);
  out.pages = [...document.querySelectorAll('section.kb-page')].map(s => s.innerHTML);
  out.unrendered = diagrams.filter(el => !el.querySelector('svg')).length;
  const bytes = sel => [...document.querySelectorAll(sel)]
    .reduce((n, el) => n + new TextEncoder().encode(el.outerHTML).length, 0);
  out.sizes = {diagrams: bytes('div.mermaid'), maths: bytes('.arithmatex')};
  return out;
}
"""


def render(book: Book, node_modules: Path, katex_init: Path, css: str) -> Rendered:
    """Typeset maths and draw diagrams in headless Chromium; the pages come back as HTML."""
    if not CHROMIUM.exists():
        raise KbError(str(CHROMIUM), None, "Chromium is not installed; kb export draws diagrams and typesets maths with it",
                      "run `make setup` as root, or `apt-get install -y chromium` (or set KB_CHROMIUM)")
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise KbError("playwright", None, f"Python package missing: {exc}", "run `make setup`") from exc
    scripts = [node_modules / "katex/dist/katex.min.js", katex_init, node_modules / "mermaid/dist/mermaid.min.js"]
    for script in scripts:
        if not script.is_file():
            raise KbError(str(script), None, "file missing", "run `make setup` (npm ci) in the repository root")
    with tempfile.TemporaryDirectory(prefix="kb-export-") as tmp:
        page_file = Path(tmp) / "render.html"
        tags = "".join(f'<script src="{s.resolve().as_uri()}"></script>' for s in scripts)
        # Configure mermaid before its own load handler would draw the diagrams.
        tags += f"<script>mermaid.initialize({json.dumps(MERMAID_CONFIG)})</script>"
        katex_css = (node_modules / "katex/dist/katex.min.css").resolve().as_uri()
        page_file.write_text(
            '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<style>{css}</style><link rel="stylesheet" href="{katex_css}"></head><body><main class="md-typeset">{book_body(book)}</main>'
            f"{tags}</body></html>", encoding="utf-8")
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
                try:
                    context = browser.new_context(viewport={"width": 1200, "height": 900})
                    # Nothing outside the temporary folder and node_modules may load.
                    context.route("**/*", lambda route: route.continue_()
                                  if route.request.url.startswith("file:") else route.abort())
                    page = context.new_page()
                    page.goto(page_file.as_uri(), wait_until="load", timeout=120_000)
                    result = page.evaluate(_RENDER_JS)
                finally:
                    browser.close()
        except PlaywrightError as exc:
            raise KbError(str(CHROMIUM), None, f"headless Chromium failed: {str(exc).splitlines()[0]}",
                          "check that Chromium starts: /usr/bin/chromium --headless --no-sandbox --dump-dom about:blank") from exc
    if result["errors"]:
        first = result["errors"][0]
        page = next(p for p in book.pages if p.anchor == first["page"]) if first["page"] else None
        where = f"site/{page.path}" if page else "site/"
        raise KbError(where, None, f"diagram {first['index'] + 1} does not render: {first['message']}",
                      "fix the ```mermaid block in the page's Markdown under docs/")
    if result["untypeset"] or result["unrendered"]:
        raise KbError("site/", None, f"{len(result['untypeset'])} formulas and {result['unrendered']} diagrams were "
                      "left unrendered", "check that node_modules holds katex and mermaid (`make setup`)")
    pages = [BookPage(p.path, p.anchor, p.title, p.role, html.strip())
             for p, html in zip(book.pages, result["pages"])]
    return Rendered(pages, _katex_files(result["fonts"]), result["diagrams"], result["formulas"], result["sizes"])


def _katex_files(loaded: list[list[str]]) -> list[str]:
    """KaTeX font files for the faces the browser loaded ('KaTeX_Main', '700', 'normal' -> Main-Bold)."""
    out = set()
    for family, weight, style in loaded:
        if not family.startswith("KaTeX_"):
            continue
        variant = ("Bold" if weight in ("700", "bold") else "") + ("Italic" if style == "italic" else "")
        out.add(f"{family}-{variant or 'Regular'}")
    return sorted(out)


# --------------------------------------------------------------------------- search

@dataclass
class Search:
    """What the single file's search runs on: the site's own, so that every edition
    finds the same sections in the same order (see kb/site/worker/kb-search.js)."""

    index: str                   # the site's search/search_index.json, as it is
    worker: str                  # the site's search worker script (table and engine)
    converter: str               # opencc-js's Traditional-to-Simplified converter


def search_data(site: Path, node_modules: Path, pages: list[str]) -> Search:
    """The site's search index, worker and converter, for the single file to start its
    search worker from (a Blob worker). Every page the index points to must be in the
    file (`pages`: site paths of the book's pages)."""
    index_file, worker_file = site / "search" / "search_index.json", site / WORKER_TARGET
    for file in (index_file, worker_file):
        if not file.is_file():
            raise KbError(str(file), None, "the site's search is missing", "rebuild the site with `kb build`")
    index = index_file.read_text(encoding="utf-8")
    outside = sorted({doc["location"].split("#")[0] for doc in json.loads(index)["docs"]} - set(pages))
    if outside:
        raise KbError(str(index_file), None, f"the search index points to pages the single file leaves out: "
                      f"{', '.join(outside[:3])}", "keep those pages in the navigation, or out of search")
    return Search(index, worker_file.read_text(encoding="utf-8"),
                  converter_file(node_modules).read_text(encoding="utf-8"))


def offline_search_note(site: Path, index_bytes: int) -> str | None:
    """What an editor exporting a site that searches with Pagefind over http should know:
    the two offline editions (file://, where Pagefind cannot load its files) keep the
    one-file index, which grows with the site and answers slowly past a few dozen articles."""
    if not (site / pagefind.FOLDER).is_dir():
        return None
    return (f"note: over http this site searches with Pagefind (more than {pagefind.PAGEFIND_MIN_ARTICLES} "
            f"articles), but the zip and the single file search one index of {index_bytes / 1e6:.1f} MB, loaded "
            "whole: slow past a few dozen articles (5.8 s per keystroke at 500, bench/report.md); "
            "for fast search, read the site over http")


def _json_in_script(value) -> str:
    """JSON text safe inside <script type="application/json">: no `</` can end it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


# --------------------------------------------------------------------------- assemble

def read_assets(site: Path, node_modules: Path) -> Assets:
    css_dir = site / "assets" / "stylesheets"
    main = sorted(css_dir.glob("main.*.min.css"))
    palette = sorted(css_dir.glob("palette.*.min.css"))
    if not main or not palette:
        raise KbError(str(css_dir), None, "Material's stylesheets are missing from the built site",
                      "rebuild the site with `kb build`")
    katex = node_modules / "katex" / "dist"
    if not (katex / "katex.min.css").is_file():
        raise KbError(str(katex), None, "KaTeX is not installed", "run `make setup` (npm ci)")
    fonts = {p.stem: p.read_bytes() for p in sorted((katex / "fonts").glob("*.woff2"))}
    book = resources.files("kb.export") / "book"
    return Assets(
        material_css=[main[-1].read_text(encoding="utf-8"), palette[-1].read_text(encoding="utf-8")],
        katex_css=(katex / "katex.min.css").read_text(encoding="utf-8"),
        katex_fonts=fonts,
        book_css=(book / "book.css").read_text(encoding="utf-8"),
        book_js=(book / "book.js").read_text(encoding="utf-8"),
    )


_FONT_FACE = re.compile(r"@font-face\{[^}]*\}")
_FONT_FILE = re.compile(r"url\(fonts/(KaTeX_[\w-]+)\.woff2\)")


def katex_css(css: str, fonts: dict[str, bytes], used: list[str]) -> str:
    """KaTeX's stylesheet with the used fonts inside it as data: URIs and the rest left out."""
    def face(match: re.Match) -> str:
        found = _FONT_FILE.search(match.group(0))
        if not found or found.group(1) not in used:
            return ""
        data = base64.b64encode(fonts[found.group(1)]).decode("ascii")
        return re.sub(r"src:[^;}]*", f'src:url(data:font/woff2;base64,{data}) format("woff2")', match.group(0))

    missing = [name for name in used if name not in fonts]
    if missing:
        raise KbError("node_modules/katex/dist/fonts", None, f"font file missing: {missing[0]}.woff2",
                      "run `npm ci` again")
    return _FONT_FACE.sub(face, css)


# Nothing in the file may load anything: inline styles, scripts, fonts and images only,
# and the search worker, which the page makes from its own text as a blob: URL.
CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
       "worker-src blob:; img-src data:; font-src data:")


def assemble(book: Book, rendered: Rendered, search: Search, assets: Assets) -> tuple[str, dict[str, int]]:
    """The single HTML file, and its size in bytes by kind."""
    pages = Book(book.title, rendered.pages)
    body = book_body(pages)
    toc = _toc(pages)
    styles = "".join(f"<style>{css}</style>" for css in [*assets.material_css, assets.book_css])
    fonts_css = katex_css(assets.katex_css, assets.katex_fonts, rendered.fonts)
    # The index as the site has it (JSON already), the worker and converter as JSON strings.
    index_json = search.index.strip().replace("</", "<\\/")
    engine_json = _json_in_script({"worker": search.worker, "converter": search.converter})
    html = (
        "<!doctype html>\n"
        '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width,initial-scale=1">\n'
        '<meta name="generator" content="kb export">\n'
        f"<title>{_text(book.title)}</title>\n{styles}\n<style>{fonts_css}</style>\n</head>\n"
        '<body data-md-color-scheme="default" data-md-color-primary="indigo" data-md-color-accent="indigo">\n'
        "<script>(function(){var s=null;try{s=localStorage.getItem('kb-scheme')}catch(e){}"
        "if(!s&&window.matchMedia&&matchMedia('(prefers-color-scheme: dark)').matches)s='slate';"
        "if(s)document.body.setAttribute('data-md-color-scheme',s)})()</script>\n"
        '<header class="kb-bar">\n'
        '<button class="kb-bar__toc" type="button" aria-controls="kb-toc" aria-expanded="false" title="目录">☰</button>\n'
        f'<a class="kb-bar__title" href="#home">{_text(book.title)}</a>\n'
        '<div class="kb-search" role="search">\n'
        '<input id="kb-search-input" type="search" placeholder="搜索（如：梯度下降）" aria-label="搜索全文" '
        'autocomplete="off" spellcheck="false" aria-controls="kb-results">\n'
        '<div id="kb-results" class="kb-results md-typeset" hidden></div>\n</div>\n'
        '<button class="kb-bar__scheme" type="button" title="切换浅色/深色模式" aria-label="切换浅色/深色模式">◐</button>\n'
        "</header>\n"
        f'<nav id="kb-toc" class="kb-toc" aria-label="目录">\n<h2 class="kb-toc__title">目录</h2>\n{toc}\n</nav>\n'
        f'<main id="kb-book" class="kb-book md-typeset">\n{body}\n</main>\n'
        f'<script type="application/json" id="kb-search-index">{index_json}</script>\n'
        f'<script type="application/json" id="kb-search-engine">{engine_json}</script>\n'
        f"<script>{assets.book_js}</script>\n"
        "</body>\n</html>\n"
    )
    return html, _breakdown(html, rendered.sizes, styles, fonts_css, index_json, engine_json, assets.book_js)


def _toc(book: Book) -> str:
    """Chapters and their topic pages as nested lists."""
    out = ["<ol>"]
    open_chapter = False
    for page in book.pages:
        link = f'<a href="#{page.anchor}">{_text(page.title)}</a>'
        if page.level == 2:
            if not open_chapter:
                out.append("<ol>")
                open_chapter = True
            out.append(f"<li>{link}</li>")
            continue
        if open_chapter:
            out.append("</ol></li>")
            open_chapter = False
        elif len(out) > 1:
            out.append("</li>")
        out.append(f'<li class="kb-toc__{"home" if page.level == 0 else "chapter"}">{link}')
    out.append("</ol></li>" if open_chapter else "</li>")
    out.append("</ol>")
    return "\n".join(out)


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _breakdown(html: str, rendered: dict[str, int], styles: str, fonts_css: str, index_json: str,
               engine_json: str, js: str) -> dict[str, int]:
    font_bytes = sum(_size(m.group(0)) for m in re.finditer(r"url\(data:font/woff2;base64,[^)]*\)", fonts_css))
    parts = {
        "diagrams (inline SVG)": rendered["diagrams"],
        "maths (KaTeX markup)": rendered["maths"],
        "fonts (KaTeX woff2, base64)": font_bytes,
        "stylesheets (Material, KaTeX, book)": _size(styles) + _size(fonts_css) - font_bytes,
        "scripts (search box, colour scheme)": _size(js),
        "search worker and converter (JSON strings)": _size(engine_json),
        "search index (JSON)": _size(index_json),
    }
    parts["text (content, contents list, page frame)"] = _size(html) - sum(parts.values())
    return dict(sorted(parts.items(), key=lambda kv: -kv[1]))


# --------------------------------------------------------------------------- zip

def zip_site(site: Path, dest: Path, root_name: str) -> int:
    """Every file of site/ under <root_name>/, in name order, with fixed timestamps; not
    Pagefind's index (a large site's, kb.site.pagefind), which a browser cannot fetch from
    file://: the unzipped site searches the one-file index."""
    stamp = time.gmtime(int(os.environ.get("SOURCE_DATE_EPOCH", "315532800")))
    date_time = tuple(max(v, lo) for v, lo in zip(stamp[:6], (1980, 1, 1, 0, 0, 0)))
    files = sorted(p for p in site.rglob("*") if p.is_file() and p.relative_to(site).parts[0] != pagefind.FOLDER)
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in files:
            info = zipfile.ZipInfo(f"{root_name}/{path.relative_to(site).as_posix()}", date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    return len(files)


# --------------------------------------------------------------------------- export

def export(root: Path, site: Path, dist: Path, progress: Progress = print, name: str = NAME,
           context: Context | None = None) -> Result:
    """Write dist/<name>-site.zip and dist/<name>.html from the built site. (`context` is
    no longer used: the single file takes the site's search as it is.)"""
    started = time.perf_counter()
    if not (site / "index.html").is_file():
        raise KbError(str(site), None, "no built site here (index.html missing)", "run `kb build` first")
    if not (site / "search" / "search_index.js").is_file():
        raise KbError(str(site), None, "the site was not built for offline use (search/search_index.js missing)",
                      "keep the `offline` plugin in mkdocs.yml and rebuild with `kb build`")
    node_modules = root / "node_modules"
    html_path, zip_path = dist / f"{name}.html", dist / f"{name}-site.zip"
    _check_export_folder(dist, {html_path.name, zip_path.name})
    clock = Clock()
    # Both files are written into a new folder beside dist/, which replaces dist/ whole
    # when everything succeeded: a failed or killed export leaves dist/ as it was, and
    # the two editions in it always come from the same export.
    with atomic.staged(dist) as staging:
        new_html, new_zip = staging.path / html_path.name, staging.path / zip_path.name
        with clock.stage("zip"):
            progress(f"zipping {site.name}/ into {zip_path.name}")
            count = zip_site(site, new_zip, f"{name}-site")
            progress(f"  {count} files, {new_zip.stat().st_size / 1e6:.1f} MB")

        with clock.stage("read"):
            plan = read_plan(root / "sources")
            order = reading_order((site / "index.html").read_text(encoding="utf-8"), plan)
            missing = [p for p in order if not (site / p).is_file()]
            if missing:
                raise KbError(f"site/{missing[0]}", None, "page in the navigation but not in the site",
                              "rebuild with `kb build`")
            pages = {p: (site / p).read_text(encoding="utf-8") for p in order}
            book = read_book(pages, order, _site_title(pages.get("index.html", "")), plan, site)
            progress(f"collected {len(book.pages)} pages in reading order")

        with clock.stage("render"):
            assets = read_assets(site, node_modules)
            progress("rendering diagrams and maths in headless Chromium")
            rendered = render(book, node_modules, site / "assets" / "javascripts" / "katex-init.js",
                              assets.material_css[0] + assets.book_css)
            progress(f"  {rendered.diagrams} diagrams drawn as SVG, {rendered.formulas} formulas typeset")

        with clock.stage("index"):
            # The site's own search: its index, worker and converter.
            search = search_data(site, node_modules, order)
            progress(f"search: the site's index ({_size(search.index) / 1e3:.0f} kB), worker and converter")
            if note := offline_search_note(site, _size(search.index)):
                progress(note)

        with clock.stage("assemble"):
            html, breakdown = assemble(book, rendered, search, assets)
            new_html.write_text(html, encoding="utf-8")

        with clock.stage("linkcheck"):
            progress("checking every link and anchor inside the file")
            broken = linkcheck.check(new_html)
            if broken:
                raise KbError(html_path.name, broken[0].line,
                              f"{len(broken)} links inside the file lead nowhere, first: {broken[0].url!r} ({broken[0].problem})",
                              "the page or template that writes the link, or export.py's link rewriting, needs fixing")
            staging.commit()
    return Result(html_path, zip_path, html_path.stat().st_size, zip_path.stat().st_size, breakdown,
                  time.perf_counter() - started, clock.seconds)


def _check_export_folder(dist: Path, outputs: set[str]) -> None:
    """dist/ is replaced whole: refuse a folder that holds anything kb export did not write."""
    if not dist.exists():
        return
    if not dist.is_dir():
        raise KbError(str(dist), None, "not a folder", "pass a folder to --dist")
    foreign = sorted(p.name for p in dist.iterdir() if p.name not in outputs)
    if foreign:
        raise KbError(str(dist / foreign[0]), None,
                      f"the export folder also holds what kb export did not write ({', '.join(foreign[:3])}"
                      f"{', …' if len(foreign) > 3 else ''}), and an export replaces the folder whole",
                      "move those away, or export into a new folder with --dist")


def _site_title(index_html: str) -> str:
    title = _soup(index_html).find("title") if index_html else None
    text = title.get_text(strip=True) if title else ""
    return text or "AI大模型创业知识库"
