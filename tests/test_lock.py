"""One writer at a time: a second `kb import`/`kb build`/`kb export` in the same repository
waits for the first (saying so), or stops with a clear message after KB_LOCK_TIMEOUT.

The first writer is a real process holding the lock as every writing kb command does
(kb.core.lock.one_writer) until the test tells it to let go, so the second always meets it.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from kbtest import lock_held

SAMPLE = "# 测试文章\n\n## 1.1 风险识别\n\n创业风险包括市场风险和技术风险。\n"


@pytest.fixture
def root(empty_scratch):
    (empty_scratch / "sources" / "x.txt").write_text(SAMPLE, encoding="utf-8")
    return empty_scratch


@pytest.fixture
def holder(root):
    """A process holding the repository's lock; write a line to its stdin to release it."""
    with lock_held(root) as proc:
        yield proc


def _kb(root, *args, **env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "kb", "--root", str(root), *args],
                            env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_second_writer_waits_for_the_first_says_so_and_then_runs(root, holder):
    second = _kb(root, "import")
    line = second.stderr.readline()
    assert line == f"kb import: waiting for another kb command (pid {holder.pid}: kb import) to finish…\n"
    assert not (root / "docs").exists()          # nothing written while it waits
    holder.stdin.write("done\n")
    holder.stdin.flush()
    assert holder.wait() == 0
    assert second.wait(timeout=300) == 0, second.stderr.read()
    assert (root / "docs" / "provenance.json").is_file()


def test_a_writer_stops_with_a_clear_message_when_the_wait_times_out(root, holder):
    second = _kb(root, "build", KB_LOCK_TIMEOUT="0.5")
    out, err = second.communicate(timeout=300)
    assert second.returncode == 2
    assert f"error: build/kb.lock: another kb command (pid {holder.pid}: kb import) still runs after 0.5 s" in err
    assert "KB_LOCK_TIMEOUT" in err
    assert not (root / "site").exists()
    assert holder.poll() is None                 # the first one is untouched


def test_a_killed_writer_does_not_keep_the_lock(root, holder):
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    second = _kb(root, "import")
    out, err = second.communicate(timeout=300)
    assert second.returncode == 0, err
    assert "waiting" not in err


def test_commands_that_only_read_do_not_wait(root, holder):
    check = _kb(root, "check")
    out, err = check.communicate(timeout=300)
    assert "waiting" not in err
    assert check.returncode == 1 and "docs/ is out of date" in err     # it ran: there is no docs/ yet
