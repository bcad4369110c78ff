"""One search in every edition: the site over http, the site unzipped from file:// and the
single HTML file run the same worker on the same index, so every query of the benchmark's
query set shows the same five sections first, in the same order, in all three."""
from __future__ import annotations

import pytest
from kb.bench.search import QUERIES, BookBox, SearchBox, _pages, load_queries

from conftest import REPO_ROOT

PROVENANCE = REPO_ROOT / "docs" / "provenance.json"


@pytest.fixture(scope="module")
def queries():
    return load_queries(REPO_ROOT / QUERIES, PROVENANCE)


def _top5(box, queries) -> dict[str, list[str]]:
    try:
        return {q.q: box.search(q.q)[0][:5] for q in queries}
    finally:
        box.close()


def test_the_three_editions_show_the_same_top_five_for_every_query(browser, site_server, unzipped_site,
                                                                   single_file, queries):
    http = _top5(SearchBox(browser, site_server), queries)
    files = _top5(SearchBox(browser, unzipped_site.as_uri()), queries)
    single = _top5(BookBox(browser, single_file.as_uri(), _pages(PROVENANCE)), queries)
    assert all(http.values()), [q for q, top in http.items() if not top]
    differ = {q: (http[q], files[q], single[q]) for q in http if not http[q] == files[q] == single[q]}
    assert differ == {}


def test_the_single_file_opens_a_result_with_the_query_words_highlighted(browser, single_file):
    box = BookBox(browser, single_file.as_uri(), _pages(PROVENANCE))
    try:
        ranking, _ = box.search("差分隐私")
        assert ranking[0] == "risk/challenges.md#s000-1-3"
        box.page.locator("#kb-results a.kb-result").first.click()
        assert box.page.evaluate("() => decodeURIComponent(location.hash)") == "#risk-challenges--s000-1-3"
        marks = box.page.eval_on_selector_all("mark.kb-highlight", "els => els.map(e => e.textContent)")
        assert marks and set(marks) == {"差分隐私"}
        assert box.console_errors == []
    finally:
        box.close()
