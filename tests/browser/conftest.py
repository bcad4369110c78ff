"""Fixtures for tests that open the built site in headless Chromium.

The site is built once per session with `kb build` (or taken from $KB_SITE_DIR
when that is set), served from 127.0.0.1 on a free port, and opened with
Playwright driving Debian's Chromium at /usr/bin/chromium.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from kb.bench.browser import serve
from kb.core.chromium import CHROMIUM, CHROMIUM_ARGS

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
KB = Path(sys.executable).parent / "kb"
# The name `kb export` gives both editions (kb.export.book.NAME).
NAME = "ai-startup-kb"



def pytest_collection_modifyitems(config, items):
    """Mark every test under tests/browser with `browser`."""
    for item in items:
        if Path(item.path).resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


def _kb_command() -> str:
    # Prefer the console script next to the running interpreter (the venv's),
    # since `.venv/bin/python -m pytest` does not put .venv/bin on PATH.
    sibling = Path(sys.executable).parent / "kb"
    if sibling.exists():
        return str(sibling)
    found = shutil.which("kb")
    if found:
        return found
    pytest.fail(f"cannot find the `kb` console script (looked at {sibling} and PATH)")


@pytest.fixture(scope="session")
def built_site() -> Path:
    """Directory of the built site: $KB_SITE_DIR if set, else `kb build` into site/."""
    override = os.environ.get("KB_SITE_DIR")
    if override:
        site = Path(override).resolve()
    else:
        proc = subprocess.run(
            [_kb_command(), "build"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=900,
        )
        if proc.returncode != 0:
            pytest.fail(
                f"`kb build` failed with exit code {proc.returncode}\n"
                f"--- stderr ---\n{proc.stderr[-8000:]}\n"
                f"--- stdout ---\n{proc.stdout[-4000:]}",
                pytrace=False,
            )
        site = REPO_ROOT / "site"
    if not (site / "index.html").is_file():
        pytest.fail(f"no index.html in the built site at {site}", pytrace=False)
    return site


@pytest.fixture(scope="session")
def site_server(built_site: Path):
    """Serve the built site on 127.0.0.1; yields the base URL without a trailing slash."""
    with serve(built_site) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: browser tests need Debian's Chromium "
            "(run `make setup` as root, or `apt-get install -y chromium`)",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


def _instrumented_page(context):
    """A page that records its traffic and errors.

    Attributes added to the Playwright page:
      requests_seen   - every requested URL, in order
      failed_requests - (url, reason) for network failures and HTTP status >= 400
      console_errors  - console.error messages and uncaught page exceptions
    """
    pg = context.new_page()
    pg.requests_seen = []
    pg.failed_requests = []
    pg.console_errors = []

    pg.on("request", lambda req: pg.requests_seen.append(req.url))
    pg.on("requestfailed", lambda req: pg.failed_requests.append((req.url, req.failure or "failed")))
    pg.on(
        "response",
        lambda resp: resp.status >= 400
        and pg.failed_requests.append((resp.url, f"HTTP {resp.status}")),
    )
    pg.on("console", lambda msg: msg.type == "error" and pg.console_errors.append(msg.text))
    pg.on("pageerror", lambda exc: pg.console_errors.append(f"uncaught: {exc}"))
    return pg


@pytest.fixture
def page(browser):
    """A page in a fresh context that records its traffic and errors (_instrumented_page)."""
    context = browser.new_context()
    try:
        yield _instrumented_page(context)
    finally:
        context.close()


@pytest.fixture
def new_page(browser):
    """Opens instrumented pages, each in a fresh context, so that a request the previous
    page left pending (a favicon) is not aborted by the next navigation and counted there."""
    contexts = []

    def make():
        contexts.append(browser.new_context())
        return _instrumented_page(contexts[-1])

    try:
        yield make
    finally:
        for context in contexts:
            context.close()


def outside_requests(page, base_url: str) -> list[str]:
    """URLs the page requested that are not under base_url (data:, blob:, about: ignored)."""
    base = base_url.rstrip("/")
    return [
        url
        for url in page.requests_seen
        if not (url == base or url.startswith(base + "/"))
        and not url.startswith(("data:", "blob:", "about:"))
    ]


@pytest.fixture(name="outside_requests")
def _outside_requests_fixture():
    """The helper above as a fixture, so tests need not import conftest by name."""
    return outside_requests


# ---------------------------------------------------------------- the offline editions

def _export(site: Path, dist: Path, **env) -> subprocess.CompletedProcess:
    return subprocess.run([str(KB), "export", "--site", str(site), "--dist", str(dist)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, **env})


@pytest.fixture(scope="session")
def exported(built_site, tmp_path_factory) -> Path:
    """dist/ as `kb export` writes it from the built site."""
    dist = tmp_path_factory.mktemp("dist")
    proc = _export(built_site, dist)
    if proc.returncode != 0:
        pytest.fail(f"kb export failed ({proc.returncode})\n{proc.stderr[-4000:]}\n{proc.stdout[-2000:]}",
                    pytrace=False)
    return dist


@pytest.fixture(scope="session")
def unzipped_site(exported, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("unzipped")
    with zipfile.ZipFile(exported / f"{NAME}-site.zip") as archive:
        archive.extractall(target)
    return target / f"{NAME}-site"


@pytest.fixture(scope="session")
def single_file(exported, tmp_path_factory) -> Path:
    stick = tmp_path_factory.mktemp("usb-stick")
    return Path(shutil.copy(exported / f"{NAME}.html", stick / f"{NAME}.html"))
