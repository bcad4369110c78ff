"""cache: work kept between runs under build/cache/, keyed by its inputs.

A `Memo` maps a key (a text, or a digest of a page's inputs) to a JSON value: the cut of
a text (kb.segment), a page's search entries (kb.search), the links and ids of a built
page (kb.linkcheck). Its file name is a digest of everything else that decides the values
(the code that computes them, versions, settings), so a change to any of them starts a
new file and a stale value is never read. A run writes back only the entries it used, so
a file holds the last run's work and does not grow. Deleting build/ is always safe.

The CLI (`kb import`, `kb check`) and the MkDocs hooks (`kb build`, `kb serve`) choose
the folder with `use(folder)` and call `save()` at the end; without a folder, memos live
in memory only (the tests' stages).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from . import atomic

# Where `kb` keeps its caches, under the repository root.
CACHE_DIR = "build/cache"

_FOLDER: Path | None = None
_MEMOS: dict[str, "Memo"] = {}
_HELD = False


def use(folder: Path | None) -> None:
    """Keep memos under `folder` between runs (None: in memory only)."""
    global _FOLDER
    if folder != _FOLDER:
        _FOLDER = folder
        _MEMOS.clear()


def folder() -> Path | None:
    return _FOLDER


def save(*, now: bool = False) -> None:
    """Write back every memo used since `use` (only the entries it used); after `hold()`,
    only when `now`."""
    if _HELD and not now:
        return
    for memo in _MEMOS.values():
        memo.save()


def hold() -> None:
    """Keep memos in memory until `save(now=True)`: `kb serve` updates the site on every
    edit and writes the caches once, when it stops."""
    global _HELD
    _HELD = True


_DIGEST = 16      # hex digits


def digest(*parts: object) -> str:
    """A short, stable digest of JSON-able parts."""
    text = json.dumps(parts, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:_DIGEST]


def source_digest(*paths: str | Path) -> str:
    """A digest of source files: the code that computes a memo's values."""
    h = hashlib.sha256()
    for path in paths:
        h.update(Path(path).read_bytes())
    return h.hexdigest()[:_DIGEST]


class Memo:
    """{key: JSON value} for one kind of work under one setting."""

    def __init__(self, kind: str, setting: str):
        self.kind = kind
        self.name = f"{kind}-{setting}"
        self._stored: dict = {}
        self._used: dict = {}
        self._file = _FOLDER / f"{self.name}.json" if _FOLDER is not None else None
        if self._file is not None and self._file.is_file():
            try:
                data = json.loads(self._file.read_text(encoding="utf-8"))
                if data.get("memo") == self.name and isinstance(data.get("entries"), dict):
                    self._stored = data["entries"]
            except ValueError:
                pass                    # a damaged file: compute again, write it again

    def get(self, key: str):
        """The stored value for `key`, or None."""
        value = self._used.get(key)
        if value is None:
            value = self._stored.get(key)
            if value is not None:
                self._used[key] = value
        return value

    def put(self, key: str, value) -> None:
        self._used[key] = value

    def save(self) -> None:
        if self._file is None or self._used == self._stored:
            return
        data = json.dumps({"memo": self.name, "entries": self._used}, ensure_ascii=False, separators=(",", ":"))
        atomic.write_file(self._file, data.encode("utf-8"))
        self._stored = dict(self._used)
        # A run uses one setting of each kind: files of the kind's other settings (an
        # older dictionary, older code) would never be read again.
        for old in self._file.parent.glob(f"{self.kind}-{'?' * _DIGEST}.json"):
            if old != self._file:
                old.unlink(missing_ok=True)


def memo(kind: str, *setting: object) -> Memo:
    """The process's memo of `kind` under `setting` (JSON-able parts, digested). One
    run uses one setting of a kind: saving a memo removes the kind's other files."""
    name = f"{kind}-{digest(*setting)}"
    if name not in _MEMOS:
        _MEMOS[name] = Memo(kind, digest(*setting))
    return _MEMOS[name]
