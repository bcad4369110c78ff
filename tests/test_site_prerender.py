"""A first `kb build` renders every other page in a worker process (kb.site.render.Prerender)
and writes the same site, byte for byte, as a build that renders every page itself; a page
whose render logs a warning is rendered again here, so the warning is told once."""
from __future__ import annotations

import logging
import shutil

import pytest
from kb.cli import main
from kb.core import context
from kb.core.repro import differences
from kb.site import render


@pytest.fixture
def counted(monkeypatch):
    """Prerender engaged in this test process (two cores; the other tests' threads not
    counted), with what it hands over: [(page, record given?)]."""
    monkeypatch.setattr(context.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(context.threading, "active_count", lambda: 1)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.delenv(context.WORKERS_ENV, raising=False)
    taken = []
    take = render.Prerender.take

    def counting(self, src_uri, key):
        record = take(self, src_uri, key)
        taken.append((src_uri, record is not None))
        return record

    monkeypatch.setattr(render.Prerender, "take", counting)
    return taken


def test_a_first_build_takes_every_other_page_from_the_worker_and_writes_the_same_site(tmp_path, counted,
                                                                                        monkeypatch):
    from kbtest import make_root

    root = make_root(tmp_path / "kb", docs=True)
    assert main(["--root", str(root), "build"]) == 0
    given = [uri for uri, got in counted if got]
    assert len(given) >= 20 and len(given) >= len(counted) // 2 - 1
    parallel = tmp_path / "parallel"
    shutil.copytree(root / "site", parallel)

    counted.clear()
    shutil.rmtree(root / "build")
    monkeypatch.setenv(context.WORKERS_ENV, "1")
    assert main(["--root", str(root), "build"]) == 0
    assert not any(got for _, got in counted)    # one process: no worker
    assert differences(parallel, root / "site") == []


class _Told(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_a_page_whose_render_warns_is_rendered_again_here_and_warned_once(tmp_path, counted, capfd):
    from kbtest import make_root

    root = make_root(tmp_path / "kb", docs=True)
    pages = sorted((root / "docs" / "tech").glob("*.md"))
    for page in pages:                           # both processes' pages
        with page.open("a", encoding="utf-8") as f:
            f.write(f"\n[坏链接](nowhere-{page.stem}.md)\n")
    told, logger = _Told(), logging.getLogger("mkdocs")       # MkDocs' logger does not propagate
    logger.addHandler(told)
    try:
        assert main(["--root", str(root), "build"]) != 0
    finally:
        logger.removeHandler(told)
    warned = [m for m in told.messages if "nowhere-" in m]
    assert sorted(warned) == sorted(set(warned)) and len(warned) == len(pages)
    # Printed once each, by this process: nothing from the worker (its stderr is this one's).
    printed = capfd.readouterr().err
    assert all(printed.count(f"a link 'nowhere-{page.stem}.md'") == 1 for page in pages), printed[-3000:]
    # The worker rendered its share of these pages, and handed none of them over.
    assert {uri for uri, _ in counted} >= {f"tech/{p.name}" for p in pages}
    assert not any(got for uri, got in counted if uri.startswith("tech/"))
