"""One writer at a time in a repository: the commands that write docs/, site/, dist/ or
build/ hold build/kb.lock while they write (kb import, build and export for their whole
run; kb serve only while an update of its own writes docs/ or its caches)."""
from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from kb.core import atomic
from kb.core.model import KbError

LOCK_FILE = "build/kb.lock"     # under the project root
LOCK_TIMEOUT = 600.0         # seconds a writer waits for another; KB_LOCK_TIMEOUT overrides


@contextlib.contextmanager
def one_writer(root: Path, command: str):
    """Hold the repository's lock (build/kb.lock) while `command` writes; wait for another
    kb command that holds it, saying so, and give up after KB_LOCK_TIMEOUT seconds. The
    lock is the kernel's (flock), so a killed command releases it."""
    from filelock import FileLock, Timeout

    path = root / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    # Who holds the lock, for the message of the one who waits (beside the lock file,
    # whose contents are filelock's).
    owner = path.with_name(path.name + ".owner")
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        timeout = _lock_timeout()
        holder = _read_owner(owner)
        print(f"kb {command}: waiting for another kb command ({holder}) to finish…", file=sys.stderr, flush=True)
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            raise KbError(LOCK_FILE, None, f"another kb command ({holder}) still runs after {timeout:g} s",
                          "let it finish or stop it, then run this again; KB_LOCK_TIMEOUT=SECONDS waits longer") from None
    try:
        atomic.write_text(owner, f"pid {os.getpid()}: kb {command}")
        yield
    finally:
        owner.unlink(missing_ok=True)
        lock.release()


def _lock_timeout() -> float:
    value = os.environ.get("KB_LOCK_TIMEOUT", str(LOCK_TIMEOUT))
    try:
        return float(value)
    except ValueError:
        raise KbError("KB_LOCK_TIMEOUT", None, f"not a number of seconds: {value!r}", "set it to, say, 600") from None


def _read_owner(owner: Path) -> str:
    try:
        return owner.read_text(encoding="utf-8").strip() or "pid unknown"
    except OSError:
        return "pid unknown"
