"""A script payload in a source does not run in the reader's browser: no dialog, no request."""
from __future__ import annotations

import json

import pytest
from hostile.corpus import BUILDABLE, make_root
from kb.bench.browser import serve
from kb.cli import main
from search_cases import search_in_page
from settle import settle


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    """The hostile corpus, imported, built and served on 127.0.0.1: (base URL, root)."""
    raw = [a for a in BUILDABLE if a.file == "raw-html.txt"]
    root = make_root(tmp_path_factory.mktemp("hostile-site"), raw)
    assert main(["--root", str(root), "import"]) == 0
    assert main(["--root", str(root), "build"]) == 0
    with serve(root / "site") as base:
        yield base, root


def _pages_showing_the_article(root) -> list[str]:
    manifest = json.loads((root / "docs" / "provenance.json").read_text(encoding="utf-8"))["sections"]
    pages = {e["page"] for e in manifest if e["source"] == "raw-html.txt" and e.get("page")}
    source = next(p for p in (root / "docs" / "sources").glob("*.md")
                  if "sources/raw-html.txt" in p.read_text(encoding="utf-8"))
    pages.add(f"sources/{source.name}")
    return ["/" + p.removesuffix(".md") + ".html" for p in sorted(pages)]


def test_script_payloads_in_a_source_do_not_run(page, hostile_server, outside_requests):
    base, root = hostile_server
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    urls = ["/"] + _pages_showing_the_article(root)
    assert len(urls) >= 3
    for url in urls:
        response = page.goto(base + url, wait_until="networkidle")
        assert response is not None and response.ok, url
        # Hover everything a payload could hang on; then wait until every image has
        # loaded or failed (its onerror would have run) and the network is quiet.
        for element in page.locator("article p, article a, article img, article h2").all()[:60]:
            element.hover()
        settle(page)
    assert "恶意标题" in page.title() and "</title><script>" in page.title()
    assert dialogs == []
    assert [u for u in page.requests_seen if "pwned" in u] == []
    assert outside_requests(page, base) == []


def test_searching_for_the_payload_runs_nothing(page, hostile_server, outside_requests):
    base, _ = hostile_server
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(base + "/", wait_until="networkidle")
    search_in_page(page, "创业风险")
    # Shown to the reader as text, once the results are drawn.
    page.wait_for_function("""() => document.querySelector('.md-search-result').innerText
        .replaceAll('\\u200b', '').includes("<script>fetch('/pwned-inline')")""")
    settle(page)
    assert dialogs == []
    assert [u for u in page.requests_seen if "pwned" in u] == []
    assert outside_requests(page, base) == []
