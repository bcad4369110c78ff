"""kb export's pure stages: small HTML in, book/search/stylesheet/zip out."""
from __future__ import annotations

import json
import zipfile

import kbtest  # puts scripts/ on sys.path
import pytest
from kb.core.model import KbError
from kb.core.plan import Role
from kb.export.book import (
    BookPage,
    docs_path,
    Search,
    assemble,
    offline_search_note,
    search_data,
    katex_css,
    page_anchor,
    page_level,
    read_book,
    reading_order,
    zip_site,
)
from kb.importer.pipeline import plan as read_plan

# The real site's plan: tech/math.md is a topic page, sources/002.md an article's page.
PLAN = read_plan(kbtest.REPO / "sources")


def _page(body: str) -> str:
    return f'<html><body><article class="md-content__inner md-typeset">{body}</article></body></html>'


NAV = """<nav class="md-nav md-nav--primary">
<a class="md-nav__link" href="index.html">首页</a><a class="md-nav__link" href="#_1">章节</a>
<a class="md-nav__link" href="tech/index.html">技术与研发</a>
<a class="md-nav__link" href="tech/math.html">数学</a><a class="md-nav__link" href="tech/math.html">数学</a>
<a class="md-nav__link" href="sources/002.html">原文</a><a class="md-nav__link" href="https://example.org/">外部</a>
</nav>"""


def test_reading_order_follows_the_navigation_without_source_copies_or_anchors():
    assert reading_order(NAV, PLAN) == ["index.html", "tech/index.html", "tech/math.html"]


def test_reading_order_without_navigation_is_an_error():
    with pytest.raises(KbError, match="no primary navigation"):
        reading_order("<html><body></body></html>", PLAN)


@pytest.mark.parametrize("path, anchor, level", [
    ("index.html", "home", 0), ("tech/index.html", "tech", 1), ("glossary.html", "glossary", 1),
    ("tech/math.html", "tech-math", 2)])
def test_page_anchor_and_level(path, anchor, level):
    assert (page_anchor(path), page_level(PLAN.role(docs_path(path)))) == (anchor, level)


def _book():
    pages = {
        "tech/index.html": _page('<h1 id="_1">技术与研发</h1><p><a href="math.html">数学</a> '
                                 '<a href="math.html#s002-4-2">4.2</a></p>'),
        "tech/math.html": _page(
            '<h1 id="_1">数学<a class="headerlink" href="#_1">¶</a></h1>'
            '<h2 id="s002-4-2">4.2 公式</h2>'
            '<p class="kb-source">来源：<a href="../sources/002.html#s002-4-2">《原文》</a></p>'
            '<p><a href="#s002-4-2">本节</a> <a href="https://example.org/x">外部</a></p>'
            '<label for="t1">x</label><input id="t1">'),
    }
    return read_book(pages, list(pages), "知识库", PLAN)


def test_ids_are_prefixed_with_their_page():
    math = _book().pages[1].html
    assert 'id="tech-math--s002-4-2"' in math and 'id="tech-math--_1"' in math
    assert 'for="tech-math--t1"' in math and 'id="tech-math--t1"' in math


def test_links_between_pages_become_anchors_in_the_file():
    index_page, math = (p.html for p in _book().pages)
    assert 'href="#tech-math"' in index_page and 'href="#tech-math--s002-4-2"' in index_page
    assert 'href="#tech-math--s002-4-2"' in math        # same-page link
    assert 'href="#tech-math--_1"' in math              # permalink


def test_links_to_pages_not_in_the_file_keep_their_words_only():
    math = _book().pages[1].html
    assert "sources/002.html" not in math
    assert '<span class="kb-offline-ref"' in math and "《原文》" in math


def test_web_links_stay_web_links():
    assert 'href="https://example.org/x" rel="noopener noreferrer"' in _book().pages[1].html


def test_topic_pages_sit_one_heading_level_under_their_chapter():
    chapter, topic = _book().pages
    assert chapter.html.startswith("<h1") and topic.html.startswith("<h2")
    assert '<h3 id="tech-math--s002-4-2">' in topic.html
    assert topic.title == "数学"


def test_a_page_without_an_article_is_an_error():
    with pytest.raises(KbError, match="site/a.html"):
        read_book({"a.html": "<html><body><p>x</p></body></html>"}, ["a.html"], "t", PLAN)


def test_katex_stylesheet_keeps_only_the_used_fonts_as_data_uris():
    css = ('.katex{font:1em KaTeX_Main}'
           '@font-face{font-family:KaTeX_Main;src:url(fonts/KaTeX_Main-Regular.woff2) format("woff2"),'
           'url(fonts/KaTeX_Main-Regular.woff) format("woff")}'
           '@font-face{font-family:KaTeX_AMS;src:url(fonts/KaTeX_AMS-Regular.woff2) format("woff2")}')
    out = katex_css(css, {"KaTeX_Main-Regular": b"main", "KaTeX_AMS-Regular": b"ams"}, ["KaTeX_Main-Regular"])
    assert "data:font/woff2;base64,bWFpbg==" in out
    assert "KaTeX_AMS" not in out and "fonts/" not in out and ".katex{" in out


def test_katex_stylesheet_with_a_missing_font_is_an_error():
    with pytest.raises(KbError, match="KaTeX_Main-Bold.woff2"):
        katex_css("", {}, ["KaTeX_Main-Bold"])


def test_site_zip_is_byte_identical_for_the_same_site(tmp_path):
    site = tmp_path / "site"
    (site / "b").mkdir(parents=True)
    (site / "index.html").write_text("首页", encoding="utf-8")
    (site / "b" / "page.html").write_text("页", encoding="utf-8")
    first, second = tmp_path / "1.zip", tmp_path / "2.zip"
    zip_site(site, first, "kb-site")
    (site / "index.html").touch()                       # a newer mtime changes nothing
    zip_site(site, second, "kb-site")
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert archive.namelist() == ["kb-site/b/page.html", "kb-site/index.html"]


def _site_with_search(tmp_path, locations: list[str]):
    site = tmp_path / "site"
    (site / "search").mkdir(parents=True)
    (site / "assets/javascripts/workers").mkdir(parents=True)
    docs = [{"location": loc, "title": "风险\u200b识别", "text": "<p>识别</p>"} for loc in locations]
    (site / "search/search_index.json").write_text(
        json.dumps({"config": {"separator": "[\\s]+"}, "docs": docs}, ensure_ascii=False), encoding="utf-8")
    (site / "assets/javascripts/workers/kb-search.js").write_text("self.KB = '</script>'", encoding="utf-8")
    return site


def test_the_single_file_searches_the_sites_own_index_with_the_sites_own_worker(tmp_path):
    site = _site_with_search(tmp_path, ["risk/id.html", "risk/id.html#a"])
    search = search_data(site, kbtest.REPO / "node_modules", ["index.html", "risk/id.html"])
    assert search.index == (site / "search/search_index.json").read_text(encoding="utf-8")
    assert search.worker == "self.KB = '</script>'"
    assert "OpenCC" in search.converter


def test_a_search_index_pointing_outside_the_single_file_is_an_error(tmp_path):
    site = _site_with_search(tmp_path, ["risk/id.html#a", "sources/000.html#a"])
    with pytest.raises(KbError, match="sources/000.html"):
        search_data(site, kbtest.REPO / "node_modules", ["risk/id.html"])


def test_no_script_text_in_the_file_can_end_its_script_element():
    from kb.export.book import Assets, Book, Rendered

    page = BookPage("risk/id.html", "risk-id", "风险", Role.TOPIC, "<h2 id=\"risk-id--a\">风险</h2>")
    rendered = Rendered([page], [], 0, 0, {"diagrams": 0, "maths": 0})
    assets = Assets(["", ""], "", {}, "", "")
    plain, _ = assemble(Book("t", [page]), rendered, Search('{"docs":[]}', "x", "y"), assets)
    hostile = Search('{"docs":[{"text":"</script><script>alert(1)</script>"}]}', "x = '</script>'", "</script>")
    html, _ = assemble(Book("t", [page]), rendered, hostile, assets)
    assert html.count("</script") == plain.count("</script")


def test_an_export_of_a_site_searching_with_pagefind_says_the_offline_editions_search_one_slow_file(tmp_path):
    site = _site_with_search(tmp_path, ["risk/id.html"])
    assert offline_search_note(site, 7_300_000) is None           # the site's own search is the one file
    (site / "pagefind").mkdir()
    note = offline_search_note(site, 7_300_000)
    assert "Pagefind" in note and "7.3 MB" in note and "over http" in note
