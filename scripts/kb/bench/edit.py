"""`kb serve`: how long from saving an edit to the reader's browser showing it.

`kb serve` runs on a free port in a scratch root; Chromium opens a topic page; then a
line of that page changes and the clock runs until the open page shows the new words
(MkDocs' live reload rebuilds and reloads the page). Two kinds of edit:

- docs: the page's Markdown under docs/ is changed (what `kb serve` watches);
- source: the article under sources/ is changed, as an editor does; `kb serve` watches
  sources/ and imports the change itself, so the time includes the import.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

from .browser import chromium, free_port
from .timing import kb_command

PAGE = "risk/identification"
_NOT_PROSE = ("#", "{", "|", "`", "-", "*", ">", "$", "来源", "相关章节")


def _wait_http(url: str, timeout: float, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"kb serve exited with {proc.returncode} before serving {url}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"kb serve did not answer {url} within {timeout:.0f}s")


def _shows(page, marker: str) -> bool:
    try:
        return bool(page.evaluate("m => !!document.body && document.body.innerText.includes(m)", marker))
    except Exception:  # the page is reloading: its context went away mid-call
        return False


def _wait_shown(page, marker: str, timeout: float) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if _shows(page, marker):
            return time.perf_counter() - started
        page.wait_for_timeout(20)
    raise TimeoutError(f"the edit did not show within {timeout:.0f}s")


def _prose_line(lines: list[str], first: int = 0, last: int | None = None) -> int:
    for i in range(first, len(lines) if last is None else last):
        stripped = lines[i].strip()
        if stripped and not stripped.startswith(_NOT_PROSE) and not stripped[0].isdigit():
            return i
    raise ValueError("no prose line to edit")


def _append(path: Path, index: int, marker: str) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[index] = lines[index].rstrip() + marker
    path.write_text("\n".join(lines), encoding="utf-8")


def _source_line(root: Path) -> tuple[Path, int]:
    """A prose line of an article that `kb import` puts on PAGE: (file, 0-based line)."""
    sections = json.loads((root / "docs" / "provenance.json").read_text(encoding="utf-8"))["sections"]
    for entry in sections:
        if entry.get("page") == f"{PAGE}.md":
            path = root / "sources" / entry["source"]
            lines = path.read_text(encoding="utf-8").split("\n")
            start, end = entry["lines"]
            try:
                return path, _prose_line(lines, start, end)     # after the heading line
            except ValueError:
                continue
    raise ValueError(f"no source section placed on {PAGE}.md has a prose line")


_UPDATE = re.compile(r"kb serve: imported sources/ in ([0-9.]+)s, rebuilt .* in ([0-9.]+)s \(CPU ([0-9.]+)s\)")


def _last_update(serve_log: Path) -> dict | None:
    """kb serve's own account of its last update after an edit of sources/: seconds of the
    import, of the whole update, and the CPU seconds it used (on a busy machine, the wall
    time says more about the neighbours)."""
    found = _UPDATE.findall(serve_log.read_text(encoding="utf-8"))
    if not found:
        return None
    imported, whole, cpu = map(float, found[-1])
    return {"import_s": imported, "update_s": whole, "cpu_s": cpu}


def measure(root: Path, edits: int, source_edits: int, start_timeout: float = 1800, browser=None) -> dict:
    """Seconds from each edit to the open page showing it, for docs/ edits and sources/ edits
    (and how long `kb serve` took to answer at all). Uses `browser` or starts Chromium."""
    port = free_port()
    log = open(root / "serve.log", "w", encoding="utf-8")
    started = time.perf_counter()
    proc = subprocess.Popen([kb_command(), "--root", str(root), "serve", "--port", str(port)], cwd=root,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    out: dict = {"docs": [], "source": []}
    try:
        url = f"http://127.0.0.1:{port}/{PAGE}.html"
        _wait_http(url, start_timeout, proc)
        out["first_build"] = time.perf_counter() - started
        with contextlib.nullcontext(browser) if browser else chromium() as browser:
            context = browser.new_context()
            try:
                page = context.new_page()
                page.goto(url, wait_until="load")
                doc = root / "docs" / f"{PAGE}.md"
                for n in range(edits):
                    marker = f"KBBENCHDOCS{n}Z"
                    t0 = time.perf_counter()
                    _append(doc, _prose_line(doc.read_text(encoding="utf-8").split("\n")), marker)
                    _wait_shown(page, marker, start_timeout)
                    out["docs"].append(time.perf_counter() - t0)
                for n in range(source_edits):
                    marker = f"KBBENCHSRC{n}Z"
                    source, index = _source_line(root)
                    t0 = time.perf_counter()
                    _append(source, index, marker)
                    _wait_shown(page, marker, start_timeout)
                    out["source"].append(time.perf_counter() - t0)
                    out.setdefault("source_update", []).append(_last_update(root / "serve.log"))
            finally:
                context.close()
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
    return out
