"""`kb bench all`'s browser parts on small inputs: page weight, search timing, serve edits.

They check that the harness measures what it says (the requests a page makes, the edit
showing in the open page), not how fast anything is.
"""
from __future__ import annotations

import subprocess

from kb.bench import corpus, edit, timing, weight
from kb.bench.browser import serve
from kb.bench.search import Query, search_timing
from kbtest import REPO


def test_page_weight_counts_every_request_of_a_cold_page_and_the_index_apart(browser, built_site):
    with serve(built_site, compress=True) as base:
        topic = weight.open_cold(browser, base, "risk/identification.html")
        diagram = weight.open_cold(browser, base, "tech/process.html")
    assert topic["failed"] == [] and diagram["failed"] == []
    urls = [f["url"] for f in topic["files"]]
    assert "/risk/identification.html" in urls
    assert any(u.startswith("/search/search_index.") for u in urls), "Material fetches its index on every page"
    assert topic["index_bytes"] > 0 and topic["bytes"] == topic["bytes_without_index"] + topic["index_bytes"]
    assert {"html", "css", "js", "search index"} <= set(topic["by_kind"])
    # Text came gzip-compressed, as from a server with compression on.
    page = next(f for f in topic["files"] if f["url"] == "/risk/identification.html")
    assert page["encoding"] == "gzip"
    # Mermaid only where there is a diagram.
    assert "mermaid" not in topic["by_kind"] and diagram["by_kind"]["mermaid"] > 100_000
    sizes = weight.index_size(built_site)["search/search_index.json"]
    assert 0 < sizes["gzip"] < sizes["raw"]


def test_search_timing_times_each_query_and_the_box_getting_ready(browser, site_server):
    times, ready = search_timing(browser, site_server, [Query("风险识别", "keyword", []), Query("CNN", "latin", [])])
    assert len(times) == 2 and all(t > 0 for t in times)
    assert ready > 0


def test_an_edit_under_kb_serve_is_timed_until_the_open_page_shows_it(browser, tmp_path):
    root = corpus.scratch_root(REPO, tmp_path / "root", 1)
    subprocess.run([timing.kb_command(), "--root", str(root), "import"], check=True, capture_output=True)
    found = edit.measure(root, edits=1, source_edits=1, start_timeout=600, browser=browser)
    assert len(found["docs"]) == 1 and len(found["source"]) == 1
    assert all(seconds > 0 for seconds in found["docs"] + found["source"]) and found["first_build"] > 0
    # kb serve imported the source edit itself and rewrote docs/ (replacing the direct edit there).
    page = (root / "docs" / f"{edit.PAGE}.md").read_text(encoding="utf-8")
    assert "KBBENCHSRC0Z" in page and "KBBENCHDOCS0Z" not in page
