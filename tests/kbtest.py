"""Paths shared by the tests (kept out of conftest.py so test modules can import them)."""
from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

SEED_NAMES = sorted(p.name for p in (REPO / "sources").glob("*.txt"))


def make_root(dest: Path, *, sources: bool = True, docs: bool = False) -> Path:
    """A repository root at dest that `kb import` and `kb build` can run in: the config,
    theme overrides, hook file and front-end libraries, with a copy of sources/ (only the
    editorial file when `sources` is False) and, if asked, of docs/."""
    import shutil

    (dest / "sources").mkdir(parents=True, exist_ok=True)
    for path in (REPO / "sources").iterdir():
        if sources or path.name == "editorial.yml":
            shutil.copy(path, dest / "sources" / path.name)
    if docs:
        shutil.copytree(REPO / "docs", dest / "docs")
    shutil.copy(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    shutil.copytree(REPO / "overrides", dest / "overrides")
    (dest / "scripts" / "kb" / "site").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "kb" / "site" / "plugin.py", dest / "scripts" / "kb" / "site" / "plugin.py")
    (dest / "node_modules").symlink_to(REPO / "node_modules")
    return dest
