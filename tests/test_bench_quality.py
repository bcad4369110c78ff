"""kb bench import-quality: each measure counts what a reader would see, on small pages."""
from __future__ import annotations

from kb.bench import quality
from kbtest import REPO

PAGE = """<html><head><title>页</title></head><body><article>
<h2 id="a">[**自注意力**]</h2><p class="kb-source">现位于：x</p>
<p>&lt;div align="center"&gt; 与 <code>&lt;b&gt;</code> 与 $$x$$ 与 <span class="arithmatex">\\(\\begin{x}\\)</span></p>
<div class="arithmatex">\\[a^2\\]</div><span class="arithmatex">\\(\\frac{1}\\)</span>
<img src="img/a.png"><img src="img/missing.png"><img src="https://e.org/b.png">
</article></body></html>"""


def _page(tmp_path):
    site = tmp_path / "site"
    (site / "img").mkdir(parents=True)
    (site / "img" / "a.png").write_bytes(b"A")
    page = site / "p.html"
    page.write_text(PAGE, encoding="utf-8")
    return site, page


def test_tag_text_and_display_maths_left_as_text_are_counted_outside_code_and_maths(tmp_path):
    _, page = _page(tmp_path)
    seen = [text for text, in_code in quality.visible_text(quality.soup(page), headings=False) if not in_code]
    assert sum(len(quality.TAG_TEXT.findall(t)) for t in seen) == 1
    assert sum(len(quality.MATHS_AS_TEXT.findall(t)) for t in seen) == 1


def test_headings_with_markup_residue_are_found():
    from bs4 import BeautifulSoup

    found = quality.heading_texts(BeautifulSoup(PAGE, "html.parser"))
    assert [h for h in found if quality.HEADING_RESIDUE.search(h)] == ["[**自注意力**]"]


def test_an_image_is_drawn_only_when_the_page_shows_a_site_file_with_its_bytes(tmp_path):
    site, page = _page(tmp_path)
    (tmp_path / "a.png").write_bytes(b"A")
    (tmp_path / "b.png").write_bytes(b"B")
    assert quality._drawn(quality.soup(page), page, site, [tmp_path / "a.png", tmp_path / "b.png"]) == 1


def test_katex_typesets_a_formula_and_reports_one_it_cannot(tmp_path):
    _, page = _page(tmp_path)
    formulas = quality._maths(quality.soup(page))
    assert formulas == [("\\begin{x}", False), ("a^2", True), ("\\frac{1}", False)]
    errors = quality.katex_errors(formulas, REPO / "node_modules")
    assert [e is None for e in errors] == [False, True, False]
