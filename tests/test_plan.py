"""The site plan: every page of docs/ with its role, the same from the import and from sources/ alone."""
from __future__ import annotations

import yaml
from kb.core.plan import NAV_FILE, Role, site_plan
from kb.importer.pages import pages
from kb.importer.pipeline import plan as read_plan
from kbtest import REPO

CHAPTERS = ["overview", "strategy", "tech", "data", "product", "marketing", "risk", "cases", "appendix"]


def _expected_role(path: str) -> Role:
    """What each page of the five-article site is, as a reader would say it."""
    if path == "index.md":
        return Role.HOME
    if path in ("glossary.md", "entities.md", "errata.md"):
        return {"glossary.md": Role.GLOSSARY, "entities.md": Role.ENTITIES, "errata.md": Role.ERRATA}[path]
    folder, name = path.split("/")
    if folder == "sources":
        return Role.SOURCES_INDEX if name == "index.md" else Role.SOURCE
    assert folder in CHAPTERS, path
    return Role.CHAPTER if name == "index.md" else Role.TOPIC


def _docs_pages() -> list[str]:
    return sorted(p.relative_to(REPO / "docs").as_posix() for p in (REPO / "docs").rglob("*.md"))


def test_the_import_plans_every_page_of_the_five_article_site_with_its_role(kb):
    plan = site_plan(kb.editorial, kb.articles, kb.topic_units())
    assert sorted(page.path for page in plan.pages) == _docs_pages()
    for page in plan.pages:
        assert page.role is _expected_role(page.path), page
    assert [p.path for p in plan.of_role(Role.SOURCE)] == [f"sources/00{i}.md" for i in range(5)]
    assert len(plan.of_role(Role.CHAPTER)) == 9


def test_the_site_side_plan_from_sources_gives_every_page_the_same_role(kb):
    imported = site_plan(kb.editorial, kb.articles, kb.topic_units())
    from_sources = read_plan(REPO / "sources")
    for path in _docs_pages():
        assert from_sources.role(path) is imported.role(path), path
    assert from_sources.role("sources/000.md") is Role.SOURCE
    assert from_sources.role("no/such.md") is None


def test_the_site_side_plan_does_not_know_the_article_titles_but_the_import_does(kb):
    imported = site_plan(kb.editorial, kb.articles, kb.topic_units())
    from_sources = read_plan(REPO / "sources")
    assert all(p.title for p in imported.of_role(Role.SOURCE))
    assert all(p.title is None for p in from_sources.of_role(Role.SOURCE))
    assert from_sources.page("sources/002.md").article == "002_e776048416465ebb.txt"


def test_pages_are_planned_in_reading_order_and_the_navigation_follows_it(kb):
    plan = site_plan(kb.editorial, kb.articles, kb.topic_units())
    assert [p.order for p in plan.pages] == list(range(len(plan.pages)))
    assert plan.pages[0].path == "index.md" and plan.pages[1].path == "overview/index.md"
    nav = yaml.safe_load(pages(kb)[NAV_FILE])["nav"]

    def paths(entries):
        for entry in entries:
            value = entry if isinstance(entry, str) else next(iter(entry.values()))
            yield from paths(value) if isinstance(value, list) else [value]

    assert list(paths(nav)) == [p.path for p in plan.pages]


def test_a_topic_page_knows_its_chapter_and_topic(kb):
    page = site_plan(kb.editorial, kb.articles, kb.topic_units()).page("risk/identification.md")
    assert (page.role, page.chapter, page.topic, page.title) == (Role.TOPIC, "risk", "risk/identification", "风险识别")
