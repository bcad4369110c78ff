"""The reference for build times: a plain mkdocs-material site of the raw articles.

Each article of sources/ becomes one page as it is, with mkdocs-material's search at its
Chinese defaults (`lang: zh`, jieba) and nothing else: no import, no hooks, no strict
mode, no diagrams. `kb bench` builds it with the same mkdocs in the same run as the
knowledge base, and reports the knowledge base's time as a multiple of this one.
(scripts/bench/plain_site.py uses the same site to show what plain search misses.)
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from kb.importer.source import SOURCE_SUFFIXES

PLAIN_CONFIG = """site_name: plain
theme:
  name: material
  language: zh
  font: false
plugins:
  - search:
      lang: zh
"""


def write_plain_site(work: Path, sources: Path) -> Path:
    """docs/ (one page per article, as written) and mkdocs.yml under work; returns the config."""
    docs = work / "docs"
    docs.mkdir(parents=True)
    articles = sorted(p for p in sources.iterdir() if p.suffix in SOURCE_SUFFIXES and not p.name.startswith("."))
    for i, article in enumerate(articles):
        shutil.copyfile(article, docs / f"article-{i}.md")
    (docs / "index.md").write_text("# plain\n", encoding="utf-8")
    config = work / "mkdocs.yml"
    config.write_text(PLAIN_CONFIG, encoding="utf-8")
    return config


def build_command(config: Path) -> list[str]:
    return [sys.executable, "-m", "mkdocs", "build", "--quiet", "-f", str(config)]


def build(config: Path) -> None:
    subprocess.run(build_command(config), cwd=config.parent, check=True, capture_output=True,
                   env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})


def build_plain_site(work: Path, sources: Path) -> Path:
    """Write and build the plain site under work; returns its site/ folder."""
    config = write_plain_site(work, sources)
    build(config)
    return work / "site"
