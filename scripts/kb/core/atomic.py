"""atomic: files and folders replaced whole.

Everything `kb import`, `kb build` and `kb export` write (docs/, site/, dist/, build/) is
written beside its final name and then renamed over it, so a reader, or the next run
after a crash or a kill, finds the old version or the new one, never half of one.

- `write_file(path, data)`: a temporary file in the same folder, then `os.replace`.
- `staged(target)`: a fresh folder beside `target` to fill; `commit()` swaps it in. On
  Linux the swap is one `renameat2(RENAME_EXCHANGE)` call, so `target` exists at every
  moment; elsewhere it is two renames, with a moment between them without `target`.

Temporary names are `.<name>.kb-tmp-<pid>-<random>`, beside what they replace. A process
killed before it cleaned up leaves one behind; whatever next writes in that folder removes
those whose process is gone (`clean`).
"""
from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import secrets
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

_MARK = ".kb-tmp-"
_LEFTOVER = re.compile(rf"^\..+{re.escape(_MARK)}(\d+)-[0-9a-f]+$")


def _temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}{_MARK}{os.getpid()}-{secrets.token_hex(4)}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:         # someone else's process
        return True
    return True


def clean(folder: Path, name: str | None = None) -> list[Path]:
    """Remove the temporary files and folders in `folder` (only those for `name`, if
    given) left by processes that are gone; returns what was removed."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return removed
    for entry in entries:
        m = _LEFTOVER.match(entry.name)
        if name is not None and not entry.name.startswith(f".{name}{_MARK}"):
            continue
        if m and int(m.group(1)) != os.getpid() and not _alive(int(m.group(1))):
            path = Path(entry.path)
            _remove(path)
            removed.append(path)
    return removed


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def write_file(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file beside it: a reader sees the old
    file or the new, never a part of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    clean(path.parent, path.name)
    tmp = _temp_name(path)
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    """write_file of UTF-8 text, line ends as given."""
    write_file(path, text.encode("utf-8"))


# -- swapping folders -----------------------------------------------------------------

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _load_renameat2():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        function = libc.renameat2                      # glibc 2.28 and later
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_renameat2 = _load_renameat2()


def exchange(a: Path, b: Path) -> bool:
    """Swap the two existing paths in one step (Linux renameat2 RENAME_EXCHANGE); False,
    having changed nothing, where the system or the file system cannot."""
    if _renameat2 is None:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(a), None, str(b))


def swap_in(new: Path, target: Path) -> None:
    """Put the folder `new` at `target`; whatever was at `target` is left at `new`."""
    if not target.exists() and not target.is_symlink():
        os.rename(new, target)
        return
    if exchange(new, target):
        return
    # Two renames: for a moment there is no `target`; a kill in it leaves the old folder
    # under a temporary name, and the next run builds `target` anew.
    old = _temp_name(target)
    os.rename(target, old)
    os.rename(new, target)
    os.rename(old, new)


class Staging:
    """A folder beside `target` to write the new version into (`path`)."""

    def __init__(self, target: Path):
        self.target = target
        self.path = _temp_name(target)
        self.committed = False

    def commit(self) -> None:
        """Swap the new folder in for `target` (the old one is removed when the block ends)."""
        swap_in(self.path, self.target)
        self.committed = True


@contextlib.contextmanager
def staged(target: Path) -> Iterator[Staging]:
    """A new, empty folder beside `target`; `commit()` makes it `target`. When the block
    ends, whatever is left at the temporary name (the old `target` after a commit, the
    unfinished new one otherwise) is removed: without a commit, `target` is untouched."""
    target.parent.mkdir(parents=True, exist_ok=True)
    clean(target.parent)
    staging = Staging(target)
    staging.path.mkdir()
    try:
        yield staging
    finally:
        _remove(staging.path)
