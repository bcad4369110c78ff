"""kb export's pure stages: small HTML in, book/index/stylesheet/zip out."""
from __future__ import annotations

import zipfile

import kbtest  # puts scripts/ on sys.path
import pytest
from kb.core.model import KbError
from kb.core.plan import Role
from kb.export.book import (
    BookPage,
    docs_path,
    index,
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


def test_index_weights_titles_above_text_and_skips_single_characters_and_tex():
    page = BookPage("tech/math.html", "tech-math", "数学", Role.TOPIC,
                    '<h2 id="tech-math--a">优化算法</h2><p>梯度下降是一种迭代优化算法。梯度下降很常用。</p>'
                    '<div class="arithmatex">\\[\\theta_{t+1}\\]</div>'
                    '<h2 id="tech-math--b">其他</h2><p>没有提到。</p>')
    result = index([page])
    assert result["sections"] == [["tech-math--a", "优化算法", "数学"], ["tech-math--b", "其他", "数学"]]
    terms = result["terms"]
    assert terms["梯度"] == [0, 2] and terms["下降"] == [0, 2]
    assert terms["优化"][0] == 0 and terms["优化"][1] >= 10   # in the title
    assert not any(len(t) == 1 for t in terms)
    assert "theta" not in terms


def test_index_cut_with_the_sites_user_dictionary_keeps_a_term_whole_and_its_words_findable():
    from kb.core.context import Context

    page = BookPage("risk/privacy.html", "risk-privacy", "隐私", Role.TOPIC,
                    '<h2 id="risk-privacy--a">数据保护</h2><p>联邦学习与差分隐私保护用户数据。</p>')
    seg = Context.in_memory().segmenters.get("index", user_dictionary="联邦学习 nz\n差分隐私 nz\n", hmm=True)
    terms = index([page], seg=seg)["terms"]
    assert "联邦学习" in terms and "差分隐私" in terms
    assert "联邦" in terms and "学习" in terms and "隐私" in terms


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


def test_index_carries_the_traditional_characters_whose_simplified_form_the_text_uses():
    page = BookPage("risk/id.html", "risk-id", "风险", Role.TOPIC, '<h2 id="risk-id--a">风险识别</h2><p>识别风险。</p>')
    result = index([page], {"風": "风", "險": "险", "識": "识", "別": "别", "聯": "联"})
    assert result["t2s"] == "別别識识險险風风"   # in code-point order; 聯 -> 联: the text has no 联


def test_index_leaves_out_the_reference_pages_like_the_site_search():
    glossary = BookPage("glossary.html", "glossary", "术语表", Role.GLOSSARY,
                        '<h2 id="glossary--g-梯度下降">梯度下降</h2><p>一种优化算法。</p>')
    chapter = BookPage("tech/index.html", "tech", "技术与研发", Role.CHAPTER, '<h2 id="tech--t">优化</h2><p>梯度下降</p>')
    topic = BookPage("tech/math.html", "tech-math", "数学", Role.TOPIC, '<h2 id="tech-math--a">优化算法</h2><p>梯度下降。</p>')
    result = index([glossary, chapter, topic])
    assert result["sections"] == [["tech-math--a", "优化算法", "数学"]]
