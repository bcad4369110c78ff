"""Properties of the import that hold for any article (tests/fuzz/articles.py makes them):
it imports or is refused with an error naming the file and line; every line lands in the
manifest exactly once; no page made from it runs a script, or links to a page or anchor
that is not there (which would fail the strict build); the same bytes in give the same
bytes out.

Each example is imported beside a small fixed article, as an editor's new file would be.
The normal test run tries a few derandomized examples per property; `make fuzz` many more
(tests/fuzz/conftest.py).
"""
from __future__ import annotations

import json
import posixpath
import re
import shutil
from urllib.parse import unquote, urlsplit

import html5lib
import markdown
import pytest
from hypothesis import assume, given

from fuzz.articles import article
from kb.core.model import KbError
from kb.importer.pipeline import generate
from kb.core.sanitize import sanitize_html
from kbtest import REPO

FILE = "fuzz.md"
COMPANION = "# 伙伴文章\n\n## 1.1 风险识别\n\n创业风险包括市场风险和技术风险。\n\n## 1.2 品牌建设\n\n品牌定位与品牌传播。\n"


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz") / "sources"
    folder.mkdir()
    shutil.copy(REPO / "sources" / "editorial.yml", folder / "editorial.yml")
    (folder / "companion.md").write_text(COMPANION, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def render():
    """Markdown -> page body HTML as the site makes it: its Markdown extensions and
    settings (mkdocs.yml), then the build's filter (kb.sanitize)."""
    from mkdocs.config import load_config

    config = load_config(str(REPO / "mkdocs.yml"))

    def render(text: str) -> str:
        md = markdown.Markdown(extensions=config["markdown_extensions"], extension_configs=config["mdx_configs"])
        return sanitize_html(md.convert(text))

    return render


def lines_of(data: bytes) -> list[str]:
    """The article's lines as an editor counts them: ended by \\n, \\r\\n or \\r."""
    lines = re.split(r"\r\n|\r|\n", data.decode("utf-8-sig"))
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def imported(sources, data: bytes) -> dict[str, str]:
    (sources / FILE).write_bytes(data)
    return generate(sources)[0]


def imported_or_none(sources, data: bytes) -> dict[str, str] | None:
    try:
        return imported(sources, data)
    except KbError:
        return None


# What could run or fetch in the reader's browser.
_LOADERS = {"script", "iframe", "frame", "object", "embed", "applet", "base", "meta", "link", "style", "portal"}
_URL_ATTRS = {"href", "src", "action", "formaction", "data", "background", "poster", "srcdoc", "srcset",
              "ping", "codebase", "cite"}
_IMAGE_DATA = re.compile(r"data:image/(?:png|gif|jpe?g|webp)[;,]")


def _runs(url: str, tag: str, attribute: str) -> bool:
    url = re.sub(r"[\x00-\x20]", "", url).lower()        # controls and spaces do not stop a scheme
    if url.startswith(("javascript:", "vbscript:")):
        return True
    return url.startswith("data:") and not (tag == "img" and attribute == "src" and _IMAGE_DATA.match(url))


def active(html: str) -> list[str]:
    """Elements, handlers and URLs that would run or fetch, read as a browser parses the
    HTML (html5lib follows the WHATWG parsing rules; the filter uses Python's parser)."""
    found = []
    for element in html5lib.parseFragment(html, namespaceHTMLElements=False).iter():
        if not isinstance(element.tag, str):             # a comment
            continue
        tag = element.tag.rsplit("}", 1)[-1].lower()
        if tag in _LOADERS:
            found.append(f"<{tag}>")
        for name, value in element.attrib.items():
            name = name.rsplit("}", 1)[-1].lower()
            if name.startswith("on"):
                found.append(f"<{tag} {name}>")
            elif name in _URL_ATTRS and _runs(value, tag, name):
                found.append(f"<{tag} {name}={value!r}>")
    return found


@given(data=article())
def test_an_article_imports_or_is_refused_with_an_error_naming_its_file_and_line(sources, data):
    try:
        imported(sources, data)
    except KbError as exc:
        assert exc.path == f"sources/{FILE}", str(exc)
        assert exc.line is not None and 1 <= exc.line <= max(1, len(lines_of(data))), str(exc)


@given(data=article())
def test_every_non_blank_line_of_an_article_is_in_exactly_one_manifest_entry(sources, data):
    files = imported_or_none(sources, data)
    assume(files is not None)
    entries = [e for e in json.loads(files["provenance.json"])["sections"] if e["source"] == FILE]
    lines = lines_of(data)
    covered: dict[int, dict] = {}
    for entry in entries:
        assert ("page" in entry) != bool(entry.get("dropped")), entry
        for n in range(entry["lines"][0], entry["lines"][1] + 1):
            assert n not in covered, f"line {n} in two entries: {covered[n]} and {entry}"
            covered[n] = entry
    assert [n for n, text in enumerate(lines, 1) if text.strip() and n not in covered] == []
    assert max(covered, default=0) <= len(lines)


@given(data=article())
def test_no_page_made_from_an_article_runs_a_script(sources, render, data):
    files = imported_or_none(sources, data)
    assume(files is not None)
    for path, text in sorted(files.items()):
        if path.endswith(".md"):
            assert active(render(text)) == [], path


def ids_and_links(html: str) -> tuple[set[str], list[str]]:
    """The ids of a page body and the URLs it links to."""
    ids, links = set(), []
    for element in html5lib.parseFragment(html, namespaceHTMLElements=False).iter():
        if isinstance(element.tag, str):
            ids.update(v for k, v in element.attrib.items() if k == "id")
            links += [v for k, v in element.attrib.items() if k in ("href", "src")]
    return ids, links


def links_to_nowhere(pages: dict[str, str]) -> list[str]:
    """Links between rendered pages ({path under docs/: body HTML}) whose page or anchor is
    missing, as `kb build` would find them; links to other sites are not followed."""
    read = {path: ids_and_links(html) for path, html in pages.items()}
    broken = []
    for path, (_, links) in read.items():
        for url in links:
            parts = urlsplit(url)
            if parts.scheme or url.startswith("//"):
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(path), unquote(parts.path))) \
                if parts.path else path
            fragment = unquote(parts.fragment)
            if target not in read or fragment not in ("", "top") and fragment not in read[target][0]:
                broken.append(f"{path}: {url}")
    return broken


@given(data=article())
def test_no_page_made_from_an_article_links_to_nowhere(sources, render, data):
    files = imported_or_none(sources, data)
    assume(files is not None)
    assert links_to_nowhere({path: render(text) for path, text in files.items() if path.endswith(".md")}) == []


@given(data=article())
def test_the_same_article_gives_the_same_bytes(sources, data):
    first = imported_or_none(sources, data)
    assume(first is not None)
    assert imported(sources, data) == first


def test_the_link_checker_passes_the_real_docs_and_sees_a_link_to_nowhere(render):
    docs = REPO / "docs"
    pages = {p.relative_to(docs).as_posix(): render(p.read_text(encoding="utf-8")) for p in docs.rglob("*.md")}
    assert len(pages) > 50 and links_to_nowhere(pages) == []
    pages["risk/identification.md"] += '<a href="other.md">x</a><a href="#nowhere">y</a>'
    assert links_to_nowhere(pages) == ["risk/identification.md: other.md", "risk/identification.md: #nowhere"]


def test_the_checker_sees_what_would_run():
    # The properties above are only as good as this.
    for html in ('<script>x</script>', '<p onclick="x">a</p>', '<a href=" java\tscript:x">a</a>',
                 '<svg><a xlink:href="javascript:x"><text>a</text></a></svg>', '<iframe srcdoc="x">',
                 '<img src="data:text/html,x">', '<math><mtext><table><mglyph><style><img src=x onerror=y>'):
        assert active(html), html
    assert active('<p><a href="../x.html#y">a</a><img src="data:image/png;base64,AA" alt="" /></p>') == []


# -- Found by these properties, each with its smallest article --------------------------

def _pages(sources, render, text: str) -> dict[str, str]:
    files = imported(sources, text.encode("utf-8"))
    return {path: render(page) for path, page in files.items() if path.endswith(".md")}


def test_a_link_whose_colon_is_written_as_an_escaped_reference_runs_nothing(sources, render):
    # The filter decoded `&amp;colon;` once and wrote `&colon;` back: the browser read javascript:.
    pages = _pages(sources, render, "[创业](javascript&amp;colon;<)\n")
    assert [f"{path}: {found}" for path, html in pages.items() for found in active(html)] == []
    assert links_to_nowhere(pages) == []


def test_a_reference_definition_to_a_path_of_the_articles_site_is_kept_as_text(sources, render):
    pages = _pages(sources, render, "看[说明][r]。\n\n[r]: other.md\n")
    assert links_to_nowhere(pages) == []
    assert "[r]: other.md" in pages["sources/fuzz.md"]


def test_raw_html_in_a_sections_first_sentence_is_left_out_of_its_quote_on_the_chapter_page(sources, render):
    # The chapter page quotes each topic's first sentence; it was written unescaped. Since
    # issue 14 allowed HTML renders in the sections themselves; the quote keeps the words.
    pages = _pages(sources, render, "## 1.1 风险\n\n创业<img src=x>\n")
    assert "创业" in pages["overview/index.md"] and "img" not in pages["overview/index.md"]
    assert links_to_nowhere(pages) == []


def test_a_setext_heading_over_several_lines_keeps_its_anchor(sources, render):
    # Its text kept the line break, which cut the heading line and its { #anchor } apart.
    pages = _pages(sources, render, "# 标题\n\n创业\n风险\n===\n\n正文。\n")
    assert links_to_nowhere(pages) == []


def test_display_maths_inside_a_paragraph_is_escaped_as_prose(sources, render):
    # Python-Markdown reads `$$` as maths only where a block starts; here it is prose.
    pages = _pages(sources, render, "创业\n$$\n<img src=x>\n$$\n")
    assert links_to_nowhere(pages) == []


def test_a_link_whose_destination_holds_spaces_or_angle_brackets_is_kept_as_its_words(sources, render):
    pages = _pages(sources, render, "[创业](<java\tscript:x>)[风险](a<b>.md)\n")
    assert links_to_nowhere(pages) == []
