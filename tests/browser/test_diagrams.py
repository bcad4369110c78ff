"""Every diagram is drawn as SVG and every formula typeset, from the site's own files."""
from __future__ import annotations

from urllib.parse import unquote

import pytest
from settle import typeset

# The one formula the sources get wrong (002: a stray \end{for}, no \begin{for}) is corrected
# by an editor's note (sources/editorial.yml), so no formula shows KaTeX's error box.


def _pages_with(site, marker: str) -> list[str]:
    pages = []
    for html in sorted(site.rglob("*.html")):
        if marker in html.read_text(encoding="utf-8"):
            rel = html.relative_to(site).as_posix()
            pages.append(rel[: -len("index.html")] if rel.endswith("index.html") else rel)
    return pages


# Each page is opened in a page of its own (new_page): navigating one page from URL to URL
# would abort what the last URL still loads (the search worker fetches its index and,
# for Traditional input, the converter lazily) and count it as a failed request, or not, depending on the machine's speed.

def test_every_page_with_a_diagram_draws_each_one_as_svg(new_page, built_site, site_server, outside_requests):
    pages = _pages_with(built_site, 'class="mermaid"')
    assert len(pages) >= 10  # home, chapter mindmaps, sources' own diagrams, flowcharts
    problems = []
    for rel in pages:
        page = new_page()
        page.goto(f"{site_server}/{rel}", wait_until="networkidle")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.mermaid')].every(d => d.querySelector('svg'))",
            timeout=15000)
        errors = page.locator(".mermaid", has_text="Syntax error").count()
        if errors:
            problems.append(f"{rel}: {errors} diagram(s) with a Mermaid error")
        problems += [f"{rel}: outside request {u}" for u in outside_requests(page, site_server)]
        problems += [f"{rel}: failed request {u}: {why}" for u, why in page.failed_requests]
        problems += [f"{rel}: console error {m}" for m in page.console_errors]
    assert problems == []


def test_every_formula_is_typeset_with_no_error_box(new_page, built_site, site_server):
    pages = _pages_with(built_site, 'class="arithmatex"')
    assert pages
    total = 0
    for rel in pages:
        page = new_page()
        page.goto(f"{site_server}/{rel}", wait_until="networkidle")
        typeset(page, timeout=10000)
        errors = page.eval_on_selector_all(".arithmatex .katex-error", "els => els.map(e => e.textContent)")
        assert errors == [], rel
        total += page.locator(".arithmatex").count()
        assert page.failed_requests == [], rel
    assert total >= 40


@pytest.mark.parametrize("rel", ["tech/math.html", "tech/process.html"])
def test_maths_and_mermaid_scripts_load_only_where_needed(page, site_server, rel):
    page.goto(f"{site_server}/{rel}", wait_until="networkidle")
    scripts = " ".join(page.requests_seen)
    assert ("katex.min.js" in scripts) == (rel == "tech/math.html")
    assert ("mermaid.min.js" in scripts)  # both pages have a diagram (tech/math: a flowchart)


def test_a_glossary_link_shows_the_definition_and_lands_on_the_term(page, site_server):
    page.goto(f"{site_server}/data/user-data.html")
    link = page.locator('a[href*="glossary.html#g-"]').first
    assert link.get_attribute("title")
    href = link.get_attribute("href")
    anchor = href.split("#", 1)[1]
    link.click()
    page.wait_for_url(lambda url: unquote(url).endswith("/glossary.html#" + anchor))
    assert page.locator(f'[id="{anchor}"]').count() == 1


def test_the_chapter_map_on_the_home_page_is_clickable(page, site_server):
    page.goto(f"{site_server}/", wait_until="networkidle")
    page.wait_for_selector(".mermaid svg")
    page.locator(".mermaid svg a", has_text="风险与应对").click()
    page.wait_for_url("**/risk/index.html")
    assert page.locator("h1").inner_text().rstrip("¶") == "风险与应对"
