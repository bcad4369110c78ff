"""Shared fixtures: the five real articles, and scratch copies of the repository."""
from __future__ import annotations

from pathlib import Path

import pytest
from kb.importer.pipeline import load
from kbtest import REPO, make_root


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
    return make_root(tmp_path)


@pytest.fixture
def empty_scratch(tmp_path) -> Path:
    """A repository root whose sources/ holds only the editorial file."""
    return make_root(tmp_path, sources=False)


@pytest.fixture(scope="session")
def realworld_site(tmp_path_factory) -> Path:
    """The real-world corpus (tests/fixtures/realworld/) built once per session."""
    import realworld

    return realworld.build(tmp_path_factory.mktemp("realworld"))
