"""Accessibility: axe-core (from npm, node_modules/axe-core) in Chromium on each kind of page.

Zero serious or critical violations; the document language is Chinese. The glossary page
is in PAGES.

axe reads colours as they are drawn at the moment it runs: while search results fade in
(opacity .4 s) their text is lighter than it will be, and a slow machine reports a
contrast failure that a fast one never sees. So pages are opened as a reader who asked
for reduced motion sees them (Material then turns transitions off), and axe runs once
the page is at rest.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from search_cases import search_in_page
from settle import settle

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

PAGES = {
    "home": "/",
    "chapter": "/risk/index.html",
    "topic": "/risk/identification.html",
    "topic with a diagram and maths": "/tech/architecture.html",
    "source article": "/sources/002.html",
    "glossary": "/glossary.html",
    "entity index": "/entities.html",
    "topic with maths": "/tech/math.html",
    "topic with editor's notes": "/cases/failure.html",
    "errata": "/errata.html",
}
SEARCH_QUERY = "风险"

_RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}));
}"""


@pytest.fixture
def calm_page(browser):
    """A page in a context that prefers reduced motion."""
    context = browser.new_context(reduced_motion="reduce")
    try:
        yield context.new_page()
    finally:
        context.close()


def _axe(page) -> list[dict]:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make setup` (npm ci installs axe-core)", pytrace=False)
    settle(page)
    page.add_script_tag(path=str(AXE))
    return page.evaluate(_RUN_AXE)


def _assert_accessible(name: str, violations: list[dict]) -> None:
    print(f"\naxe {name}: " + (", ".join(f"{v['id']} ({v['impact']})" for v in violations) or "no violations"))
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == [], f"{name}: " + json.dumps(serious, ensure_ascii=False, indent=1)


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_serious_accessibility_violations(calm_page, site_server, name):
    calm_page.goto(site_server + PAGES[name], wait_until="networkidle")
    assert (calm_page.get_attribute("html", "lang") or "").startswith("zh")
    _assert_accessible(name, _axe(calm_page))


def test_search_results_have_no_serious_accessibility_violations(calm_page, site_server):
    calm_page.goto(site_server + "/", wait_until="networkidle")
    search_in_page(calm_page, SEARCH_QUERY)
    assert calm_page.locator(".md-search-result__item").count() > 0
    # The results as they end up: shown in full.
    calm_page.wait_for_function("() => getComputedStyle(document.querySelector('.md-search__output')).opacity === '1'")
    _assert_accessible("search results", _axe(calm_page))
