"""Shared fixtures: the five real articles, and scratch copies of the repository."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kbtest import REPO, SEED_NAMES
from kb.pipeline import load


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def kb():
    """The knowledge base made from the real sources/."""
    base, warnings = load(REPO / "sources")
    assert warnings == []
    return base


@pytest.fixture
def scratch(tmp_path) -> Path:
    """A repository root with a copy of sources/ (five articles + editorial file)."""
    shutil.copytree(REPO / "sources", tmp_path / "sources")
    shutil.copy(REPO / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(REPO / "overrides", tmp_path / "overrides")
    (tmp_path / "scripts" / "kb").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "kb" / "mkdocs_hooks.py", tmp_path / "scripts" / "kb" / "mkdocs_hooks.py")
    (tmp_path / "node_modules").symlink_to(REPO / "node_modules")
    return tmp_path


@pytest.fixture
def empty_scratch(scratch) -> Path:
    """A repository root whose sources/ holds only the editorial file."""
    for name in SEED_NAMES:
        (scratch / "sources" / name).unlink()
    return scratch
