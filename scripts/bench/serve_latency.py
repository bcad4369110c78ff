"""Measure: an edit to an article in sources/ -> the open page in `kb serve` shows it.

    .venv/bin/python scripts/bench/serve_latency.py [EDITS]

Copies the repository's inputs to a temporary folder (sources/, docs/, mkdocs.yml,
overrides/, the hook file, node_modules as a link), starts `kb serve` there on a free
port, opens a topic page in headless Chromium (Debian's, /usr/bin/chromium), then EDITS
times (default 10) appends a new phrase to a sentence of an article and measures the time
from writing the file to the phrase being in the page's text, checked on every animation
frame. Also prints when the server reported the site updated, so the browser's share
(reload and first paint) shows. The repository itself is not changed.
"""
from __future__ import annotations

import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = "001_03f5ad9a677c0859.txt"
SENTENCE = "AI 大模型的发展历程可以分为几个阶段："
PAGE = "overview/history.html"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def _copy_inputs(dest: Path) -> Path:
    for name in ("sources", "docs", "overrides"):
        shutil.copytree(ROOT / name, dest / name)
    shutil.copy(ROOT / "mkdocs.yml", dest / "mkdocs.yml")
    (dest / "scripts" / "kb").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "kb" / "mkdocs_hooks.py", dest / "scripts" / "kb" / "mkdocs_hooks.py")
    (dest / "node_modules").symlink_to(ROOT / "node_modules")
    return dest


def main() -> int:
    from playwright.sync_api import sync_playwright

    edits = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    with tempfile.TemporaryDirectory(prefix="kb-serve-latency-") as tmp:
        root = _copy_inputs(Path(tmp))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        kb = Path(sys.executable).parent / "kb"
        proc = subprocess.Popen([str(kb), "--root", str(root), "serve", "--port", str(port)],
                                stderr=subprocess.PIPE, text=True)
        log: list[tuple[float, str]] = []
        threading.Thread(target=lambda: log.extend((time.perf_counter(), line) for line in proc.stderr),
                         daemon=True).start()
        try:
            while not any("Serving on" in line for _, line in log):
                if proc.poll() is not None:
                    print("".join(line for _, line in log), file=sys.stderr)
                    return 1
                time.sleep(0.1)
            article = root / "sources" / ARTICLE
            original = article.read_text(encoding="utf-8")
            totals, updated = [], []
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{port}/{PAGE}", wait_until="load")
                time.sleep(1)
                for i in range(edits):
                    phrase = f"测量编辑{i}号"
                    started = time.perf_counter()
                    article.write_text(original.replace(SENTENCE, SENTENCE + phrase, 1), encoding="utf-8")
                    page.wait_for_function(f"() => document.body && document.body.innerText.includes({phrase!r})",
                                           polling="raf", timeout=60_000)
                    totals.append(time.perf_counter() - started)
                    done = [t for t, line in log if t > started and "rebuilt" in line]
                    updated.append(done[0] - started if done else float("nan"))
                    print(f"edit {i}: shown after {totals[-1]:.3f}s (site updated after {updated[-1]:.3f}s)", flush=True)
                    time.sleep(1.0)
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(f"edit -> page shows it: median {statistics.median(totals):.3f}s, min {min(totals):.3f}s, "
          f"max {max(totals):.3f}s (n={len(totals)}); site updated: median {statistics.median(updated):.3f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
