"""Paths shared by the tests (kept out of conftest.py so test modules can import them)."""
from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

# The one formula of the five articles KaTeX cannot typeset (tests/browser/test_diagrams.py):
# `kb import` says so.
KNOWN_BAD_TEX_WARNING = ("sources/002_e776048416465ebb.txt:403: \\end{for} does not close an open \\begin: "
                         "KaTeX cannot typeset the formula, readers see its source")


def only_the_known_bad_formula(warnings: list[str]) -> bool:
    """Whether every warning is the known bad formula (in the article or a copy of it)."""
    return all(w.split(":", 2)[2] == KNOWN_BAD_TEX_WARNING.split(":", 2)[2] for w in warnings)


SEED_NAMES = sorted(p.name for p in (REPO / "sources").glob("*.txt"))


def make_root(dest: Path, *, sources: bool = True, docs: bool = False) -> Path:
    """A repository root at dest that `kb import` and `kb build` can run in: the config,
    theme overrides and front-end libraries, with a copy of sources/ (only the editorial
    file when `sources` is False) and, if asked, of docs/."""
    from kb.core.project import scratch_copy

    articles = sorted(p for p in (REPO / "sources").iterdir() if p.name != "editorial.yml") if sources else []
    scratch_copy(REPO, dest, articles=articles, docs=docs)
    return dest
