"""Raw HTML in real articles renders as HTML; what is not allowed stays visible text."""
from __future__ import annotations

import realworld


def test_no_html_tag_text_is_visible_outside_code_on_any_page(realworld_site):
    seen = []
    for page in sorted(realworld_site.rglob("*.html")):
        if "assets" in page.parts:
            continue
        for text, in_code in realworld.visible_text(page):
            if not in_code:
                seen += [f"{page.relative_to(realworld_site)}: {tag}" for tag in realworld.TAG_TEXT.findall(text)]
    assert seen == []


def test_html_figures_tables_and_details_of_the_corpus_are_elements(realworld_site):
    html = "\n".join(p.read_text(encoding="utf-8") for p in (realworld_site / "sources").glob("*.html"))
    for element in ('<div align="center">', '<p align="center">', "<center>", "<details>", "<summary>",
                    '<table align="center">', "<td>", "<br>", "<sup>"):
        assert element in html, element


def test_no_heading_of_the_corpus_keeps_markup_residue(realworld_site):
    residue = []
    for page in sorted(realworld_site.rglob("*.html")):
        if "assets" not in page.parts:
            residue += [f"{page.relative_to(realworld_site)}: {h}" for h in realworld.headings(page)
                        if realworld.HEADING_RESIDUE.search(h)]
    assert residue == []


def test_every_page_of_the_corpus_passes_the_build_filter_byte_identical(realworld_site):
    # nh3 takes nothing out of what the import kept: the allowlists agree.
    import markdown
    from kb.core.sanitize import sanitize_html
    from mkdocs.config import load_config

    root = realworld_site.parent
    config = load_config(str(root / "mkdocs.yml"))
    changed = []
    for page in sorted((root / "docs").rglob("*.md")):
        md = markdown.Markdown(extensions=config["markdown_extensions"], extension_configs=config["mdx_configs"])
        html = md.convert(page.read_text(encoding="utf-8"))
        if sanitize_html(html) != html:
            changed.append(page.relative_to(root).as_posix())
    assert changed == []
