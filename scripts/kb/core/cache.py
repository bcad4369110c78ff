"""cache: work kept between runs under build/cache/, keyed by its inputs.

A `Memo` maps a key (a text, or a digest of a page's inputs) to a JSON value: the cut of
a text (kb.core.segment), a page's search entries (kb.site.search), the links and ids of a
built page (kb.site.linkcheck). Its file name is a digest of everything else that decides
the values (the code that computes them, versions, settings), so a change to any of them
starts a new file and a stale value is never read. A run writes back only the entries it
used, so a file holds the last run's work and does not grow. Deleting build/ is always safe.

A `Cache` is the memos of one run: the CLI and the MkDocs plugin each make one for the
project's cache folder and pass it to the stages (kb.core.context); `Cache(None)` keeps
memos in memory only (the tests' stages). Nothing here is process-wide.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from kb.core import atomic

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

    def __init__(self, kind: str, setting: str, folder: Path | None):
        self.kind = kind
        self.name = f"{kind}-{setting}"
        self._stored: dict = {}
        self._used: dict = {}
        self._file = folder / f"{self.name}.json" if folder is not None else None
        if self._file is not None and self._file.is_file():
            try:
                data = json.loads(self._file.read_text(encoding="utf-8"))
                if data.get("memo") == self.name and isinstance(data.get("entries"), dict):
                    self._stored = data["entries"]
            except ValueError:
                pass                    # a damaged file: compute again, write it again

    @property
    def empty(self) -> bool:
        """Nothing stored nor put yet (a first run with this setting)."""
        return not self._stored and not self._used

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


class Cache:
    """The memos of one run, kept under `folder` between runs (None: in memory only)."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self._memos: dict[str, Memo] = {}
        self._held = False

    def memo(self, kind: str, *setting: object) -> Memo:
        """The memo of `kind` under `setting` (JSON-able parts, digested). One run uses
        one setting of a kind: saving a memo removes the kind's other files."""
        key = digest(*setting)
        name = f"{kind}-{key}"
        if name not in self._memos:
            self._memos[name] = Memo(kind, key, self.folder)
        return self._memos[name]

    def hold(self) -> None:
        """Keep memos in memory until `save(now=True)`: `kb serve` updates the site on
        every edit and writes the caches once, when it stops."""
        self._held = True

    def save(self, *, now: bool = False) -> None:
        """Write back every memo used (only the entries it used); after `hold()`, only
        when `now`."""
        if self._held and not now:
            return
        for memo in self._memos.values():
            memo.save()
