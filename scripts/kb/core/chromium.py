"""Debian's Chromium, launched the same way by `kb export`, `kb bench` and the browser tests.

Playwright's own browser download is not available here, so Playwright drives the system's
Chromium (`apt-get install chromium`); KB_CHROMIUM names another binary.
"""
from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = Path(os.environ.get("KB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
