"""kb serve in Chromium: an edit to an article shows in the open page, and search finds it.

No time limit is asserted (a loaded machine makes timed tests flaky); the figure is
measured separately (see the issue-7 report).
"""
from __future__ import annotations

import subprocess
import threading

import pytest
from kb.bench.browser import free_port
from kb.bench.search import SearchBox
from kb.bench.timing import kb_command
from kbtest import make_root

ARTICLE = "001_03f5ad9a677c0859.txt"
SENTENCE = "AI 大模型的发展历程可以分为几个阶段："


class Log:
    """kb serve's stderr, read as it comes; `wait_for` blocks until a line holds some words."""

    def __init__(self, stream):
        self.lines: list[str] = []
        self._changed = threading.Condition()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self.lines.append(None)            # the end: kb serve stopped
            self._changed.notify_all()

    def wait_for(self, words: str, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(
                lambda: any(line is None or words in line for line in self.lines), timeout=timeout) \
                and any(line is not None and words in line for line in self.lines)

    def tail(self) -> str:
        return "".join(line for line in self.lines[-40:] if line)


@pytest.fixture
def served(tmp_path):
    """`kb serve` on a free port in a scratch repository: (base URL, root, its log)."""
    root = make_root(tmp_path / "root", docs=True)
    port = free_port()
    proc = subprocess.Popen([kb_command(), "--root", str(root), "serve", "--port", str(port)],
                            stderr=subprocess.PIPE, text=True)
    log = Log(proc.stderr)
    if not log.wait_for("Serving on", timeout=300):
        proc.kill()
        pytest.fail("kb serve did not start:\n" + log.tail(), pytrace=False)
    try:
        yield f"http://127.0.0.1:{port}", root, log
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_an_edit_to_an_article_shows_in_the_open_page_and_in_search(browser, page, served):
    base, root, log = served
    page.goto(f"{base}/overview/history.html", wait_until="load")
    assert "编辑预览" not in page.inner_text("article")
    article = root / "sources" / ARTICLE
    article.write_text(article.read_text(encoding="utf-8").replace(SENTENCE, SENTENCE + "编辑预览鲲鹏句。", 1),
                       encoding="utf-8")
    # The live-reload script reloads the page once the site is updated.
    page.wait_for_function("() => document.querySelector('article')?.innerText.includes('编辑预览鲲鹏句')",
                           timeout=60_000)
    assert log.wait_for("rebuilt overview/history.md", timeout=60), log.tail()
    assert page.console_errors == []
    box = SearchBox(browser, base)
    try:
        ranking, _ = box.search("鲲鹏")
    finally:
        box.close()
    assert any(key.startswith("overview/history.md#") for key in ranking[:3]), ranking[:5]
