"""Paths shared by the tests (kept out of conftest.py so test modules can import them)."""
from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

SEED_NAMES = sorted(p.name for p in (REPO / "sources").glob("*.txt"))
