"""`kb build` and `kb export` killed with SIGKILL at chosen moments leave site/ and dist/ whole.

Each command runs as a real process in a scratch repository. The moment is exact, not a
guess from timing: a `sitecustomize.py` put on the process's PYTHONPATH watches its audit
events (every `open`, `shutil.rmtree`) and the process sends itself SIGKILL at the Nth
matching one, for example as it opens the 40th file of the new site for writing. A
process killed by the kernel runs no cleanup, whoever sent the signal.

Every attempt renames the site (mkdocs.yml `site_name`), which is in every page, so after
each kill every page must carry the name of one build: the last finished one or the
killed one, never some of each.
"""
from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from kb.site import linkcheck
from kbtest import make_root

KILLER = '''"""Written by tests/test_kill.py: SIGKILL at the Nth audit event that matches KB_TEST_KILL,
[event, regular expression of the path, "w" or "r" for open, N]."""
import os

if os.environ.get("KB_TEST_KILL"):
    import json
    import re
    import signal
    import sys

    _EVENT, _PATTERN, _MODE, _COUNT = json.loads(os.environ["KB_TEST_KILL"])
    _PATTERN = re.compile(_PATTERN.replace("{pid}", str(os.getpid())))
    _seen = 0

    def _writes(mode, flags):
        if isinstance(mode, str):
            return any(c in mode for c in "wax+")
        return bool(flags & (os.O_WRONLY | os.O_RDWR))

    def _hook(event, args):
        global _seen
        if event != _EVENT or not args or not isinstance(args[0], (str, bytes, os.PathLike)):
            return
        if not _PATTERN.search(os.fsdecode(args[0])):
            return
        if event == "open" and _MODE and (_MODE == "w") != _writes(args[1], args[2]):
            return
        _seen += 1
        if _seen == _COUNT:
            os.kill(os.getpid(), signal.SIGKILL)

    sys.addaudithook(_hook)
'''

NAME = "ai-startup-kb"
TITLE = re.compile(r"<title>[^<]*?(KILLTEST-\w+)")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A scratch repository with docs/, and the folder holding the killer sitecustomize.py."""
    root = make_root(tmp_path_factory.mktemp("kill") / "root", docs=True)
    hooks = tmp_path_factory.mktemp("killer")
    (hooks / "sitecustomize.py").write_text(KILLER, encoding="utf-8")
    return root, hooks


def _rename_site(root: Path, name: str) -> None:
    config = root / "mkdocs.yml"
    text = re.sub(r"^site_name: .*$", f"site_name: {name}", config.read_text(encoding="utf-8"), count=1, flags=re.M)
    config.write_text(text, encoding="utf-8")


def _kb(project, *args: str, kill: tuple | None = None) -> subprocess.CompletedProcess:
    root, hooks = project
    env = {**os.environ, "PYTHONPATH": str(hooks), "NO_MKDOCS_2_WARNING": "1"}
    env.pop("KB_TEST_KILL", None)
    if kill:
        event, pattern, mode, count = kill
        env["KB_TEST_KILL"] = json.dumps([event, pattern.replace("{root}", re.escape(str(root))), mode, count])
    proc = subprocess.Popen([sys.executable, "-m", "kb", "--root", str(root), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    out, err = proc.communicate(timeout=600)
    # Whatever the killed command had started (the export's Chromium) goes with it.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if ".kb-tmp-" in p.name)


def _site_names(site: Path) -> dict[str, int]:
    """How many pages of the site carry each site name."""
    names: dict[str, int] = {}
    for page in site.rglob("*.html"):
        m = TITLE.search(page.read_text(encoding="utf-8"))
        key = m.group(1) if m else "none"
        names[key] = names.get(key, 0) + 1
    return names


# (audit event, path, open mode, N): where each killed build stops. The first four name
# no part of how kb writes: any file of the repository but build/ (kb's caches).
_SITE_FILE = r"^{root}/(?!build/)"
BUILD_KILLS = [
    ("open", _SITE_FILE, "w", 1),           # the first file of the new site
    ("open", _SITE_FILE, "w", 40),          # static files being copied
    ("open", _SITE_FILE, "w", 130),         # pages being written
    ("open", _SITE_FILE + r".*\.html$", "r", 30),       # all written; the link check reads them
    ("shutil.rmtree", r"/\.site\.kb-tmp-{pid}-", "", 1),  # swapped in; the old site being removed
]


def test_a_build_killed_at_any_moment_leaves_a_whole_site_and_the_next_build_works(project):
    root, _ = project
    _rename_site(root, "KILLTEST-0")
    first = _kb(project, "build")
    assert first.returncode == 0, first.stderr[-3000:]
    pages = sum(_site_names(root / "site").values())
    assert _site_names(root / "site") == {"KILLTEST-0": pages} and pages > 50
    shown = "KILLTEST-0"
    for n, kill in enumerate(BUILD_KILLS, 1):
        name = f"KILLTEST-{n}"
        _rename_site(root, name)
        killed = _kb(project, "build", kill=kill)
        assert killed.returncode == -signal.SIGKILL, (kill, killed.stderr[-2000:])
        assert _leftovers(root), "the kill left nothing half-done: it came too late to prove anything"
        names = _site_names(root / "site")
        assert len(names) == 1 and sum(names.values()) == pages, (name, names)
        assert next(iter(names)) in (shown, name), (name, names)
        assert linkcheck.check(root / "site") == []
        shown = next(iter(names))
    # Only the kill after the swap shows the killed build's site.
    assert shown == f"KILLTEST-{len(BUILD_KILLS)}"
    _rename_site(root, "KILLTEST-final")
    final = _kb(project, "build")
    assert final.returncode == 0, final.stderr[-3000:]
    assert "waiting for another kb command" not in final.stderr      # the killed ones hold no lock
    assert _site_names(root / "site") == {"KILLTEST-final": pages}
    assert _leftovers(root) == []


def _dist_names(dist: Path) -> set[str]:
    """The site name in each edition of dist/, both checked whole."""
    html = (dist / f"{NAME}.html").read_text(encoding="utf-8")
    assert linkcheck.check(dist / f"{NAME}.html") == []
    with zipfile.ZipFile(dist / f"{NAME}-site.zip") as archive:
        assert archive.testzip() is None
        index = archive.read(f"{NAME}-site/index.html").decode("utf-8")
    return {TITLE.search(html).group(1), TITLE.search(index).group(1)}


# Where each killed export stops: the zip is written first, then the single file, which
# the link check then reads.
_DIST_FILE = r"^{root}/(?!build/)[^/]*dist[^/]*/"
EXPORT_KILLS = [
    ("open", _DIST_FILE, "w", 1),                       # the zip just opened
    ("open", r"^{root}/site/", "r", 60),                # the zip half written
    ("open", _DIST_FILE + r".*\.html$", "r", 1),       # both written; the link check reads
    ("shutil.rmtree", r"/\.dist\.kb-tmp-{pid}-", "", 1),  # swapped in; the old dist/ being removed
]


def test_an_export_killed_at_any_moment_leaves_a_whole_dist_and_the_next_export_works(project):
    root, _ = project
    _rename_site(root, "KILLTEST-old")
    assert _kb(project, "export").returncode == 0           # builds site/, then writes dist/
    assert _dist_names(root / "dist") == {"KILLTEST-old"}
    _rename_site(root, "KILLTEST-new")
    assert _kb(project, "build").returncode == 0
    shown = "KILLTEST-old"
    for kill in EXPORT_KILLS:
        killed = _kb(project, "export", "--site", str(root / "site"), kill=kill)
        assert killed.returncode == -signal.SIGKILL, (kill, killed.stderr[-2000:])
        assert _leftovers(root), "the kill left nothing half-done: it came too late to prove anything"
        names = _dist_names(root / "dist")
        assert len(names) == 1 and names <= {shown, "KILLTEST-new"}, names
        shown = next(iter(names))
    assert shown == "KILLTEST-new"
    again = _kb(project, "export", "--site", str(root / "site"))
    assert again.returncode == 0, again.stderr[-3000:]
    assert _dist_names(root / "dist") == {"KILLTEST-new"}
    assert _leftovers(root) == []


_POOL_SCRIPT = """
import os, signal
from kb.core.context import worker_pool
pool = worker_pool(2)
pids = {f.result() for f in [pool.submit(os.getpid) for _ in range(4)]}
print(" ".join(map(str, sorted(pids))), flush=True)
signal.pause()          # until the test kills it
"""


def _running(pid: int) -> bool:
    """Whether the process runs (a zombie waiting for its new parent to reap it does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def test_worker_processes_die_with_the_killed_command_that_started_them():
    # A worker left running holds the command's output pipes open: whoever waits for the
    # killed command's output (a CI step, the tests above) would wait for ever.
    proc = subprocess.Popen([sys.executable, "-c", _POOL_SCRIPT], stdout=subprocess.PIPE, text=True)
    workers = [int(pid) for pid in proc.stdout.readline().split()]
    assert workers and proc.pid not in workers and all(_running(pid) for pid in workers)
    # A pidfd becomes readable when its process ends: wait for that, not for a time.
    ends = [os.pidfd_open(pid) for pid in workers]
    try:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        for end in ends:
            select.select([end], [], [], 60)    # the bound only keeps a failing test from hanging
        assert not any(_running(pid) for pid in workers)
    finally:
        for end in ends:
            os.close(end)
        proc.stdout.close()
