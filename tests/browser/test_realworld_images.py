"""Images of the real-world corpus (tests/fixtures/realworld/) are copied into the site
and drawn in Chromium, on the article's source page and on the topic pages, and inlined
in the single-file edition."""
from __future__ import annotations

import json
import posixpath
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from kb.bench.browser import serve
from kb.core.plan import Role
from kb.importer.pipeline import plan
from kbtest import realworld_images, realworld_root

from conftest import _kb_command
from settle import loaded_images

IMAGES = realworld_images()


def _run(root: Path, *args: str) -> None:
    proc = subprocess.run([_kb_command(), *args], cwd=root, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        pytest.fail(f"`kb {' '.join(args)}` failed in {root}\n{proc.stderr[-6000:]}\n{proc.stdout[-2000:]}",
                    pytrace=False)


@pytest.fixture(scope="session")
def realworld_project(tmp_path_factory) -> Path:
    """The corpus imported, built and exported once per session."""
    root = realworld_root(tmp_path_factory.mktemp("realworld-site"))
    _run(root, "import")
    _run(root, "export", "--dist", str(root / "dist"))
    return root


@pytest.fixture(scope="session")
def realworld_server(realworld_project: Path):
    with serve(realworld_project / "site") as base:
        yield base


def _html(page: str) -> str:
    stem, _ = posixpath.splitext(page)
    head, name = posixpath.split(stem)
    return posixpath.join(head, "index.html" if name == "README" else name + ".html")


def _source_pages(root: Path) -> dict[str, str]:
    return {p.article: _html(p.path) for p in plan(root / "sources").of_role(Role.SOURCE)}


def _drawn(page, url: str) -> dict[str, int]:
    """site path of each image on the page -> its naturalWidth once loaded."""
    page.goto(url, wait_until="load")
    return {unquote(urlsplit(src).path): width for src, _, width in loaded_images(page)}


def _expect_drawn(drawn: dict[str, int], files: list[str], where: str) -> None:
    missing = [f for f in files if not any(path.endswith("/assets/sources/" + f) and width > 0
                                           for path, width in drawn.items())]
    assert missing == [], f"{where}: not drawn: {missing}"


def test_every_existing_image_is_copied_into_the_built_site(realworld_project):
    site = realworld_project / "site"
    files = [i["file"] for images in IMAGES.values() for i in images]
    assert files and [f for f in files if not (site / "assets" / "sources" / f).is_file()] == []


def test_every_existing_image_is_drawn_on_its_article_page(realworld_project, realworld_server,
                                                           new_page, outside_requests):
    pages = _source_pages(realworld_project)
    for article, images in IMAGES.items():
        page = new_page()
        _expect_drawn(_drawn(page, f"{realworld_server}/{pages[article]}"), [i["file"] for i in images], article)
        assert outside_requests(page, realworld_server) == [], article


def test_every_existing_image_in_a_placed_section_is_drawn_on_its_topic_page(realworld_project, realworld_server,
                                                                            new_page):
    manifest = json.loads((realworld_project / "docs" / "provenance.json").read_text(encoding="utf-8"))["sections"]
    by_page: dict[str, list[str]] = {}
    for article, images in IMAGES.items():
        for image in images:
            entry = next(e for e in manifest if e["source"] == article
                         and e["lines"][0] <= image["line"] <= e["lines"][1])
            if "page" in entry:
                by_page.setdefault(_html(entry["page"]), []).append(image["file"])
    assert by_page
    for url, files in sorted(by_page.items()):
        _expect_drawn(_drawn(new_page(), f"{realworld_server}/{url}"), files, url)


def test_the_single_file_edition_draws_its_images_from_data_uris(realworld_project, page):
    book = next((realworld_project / "dist").glob("*.html"))
    page.goto(book.as_uri(), wait_until="load")
    images = page.evaluate("""async () => {
        const imgs = [...document.querySelectorAll('img')];
        await Promise.all(imgs.map(i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; })));
        return imgs.map(i => [i.getAttribute('src').slice(0, 5), i.naturalWidth]);
    }""")
    assert images, "no image in the single file"
    assert [src for src, _ in images if src != "data:"] == []
    assert [w for _, w in images if w == 0] == []


def test_an_article_with_yaml_front_matter_builds_strictly_with_its_heading_anchors(realworld_project):
    # pingcap's front matter was once read as a setext heading whose anchor the strict
    # build rejected; the fixture's `kb export` builds strictly with it now.
    site = realworld_project / "site"
    page = site / "sources" / "pingcap-docs-cn" / "ai" / "guides" / "vector-search-hybrid-search.html"
    text = page.read_text(encoding="utf-8")
    assert 'id="vector-search-hybrid-sea-h1"' in text and "aliases: [" not in text
