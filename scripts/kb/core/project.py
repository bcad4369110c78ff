"""project: where a knowledge base keeps its folders, in one place.

A project is a folder with mkdocs.yml, the articles (sources/), the Markdown `kb import`
writes (docs/), the built site (site/), the offline editions (dist/) and the work kept
between runs (build/). The CLI makes a `Project` for its --root; the MkDocs plugin takes
the same defaults for its options (kb.site.config).
"""
from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kb.core.clock import OFF, Clock
from kb.core.context import Context
from kb.core.editorial import EDITORIAL_FILE

CONFIG_FILE = "mkdocs.yml"
SOURCES = "sources"
DOCS = "docs"
SITE = "site"
DIST = "dist"
CACHE_DIR = "build/cache"
SEARCH_DICTIONARY = "build/search/jieba_user_dict.txt"
NODE_MODULES = "node_modules"


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def config_file(self) -> Path:
        return self.root / CONFIG_FILE

    @property
    def sources(self) -> Path:
        return self.root / SOURCES

    @property
    def editorial(self) -> Path:
        return self.sources / EDITORIAL_FILE

    @property
    def docs(self) -> Path:
        return self.root / DOCS

    @property
    def site(self) -> Path:
        return self.root / SITE

    @property
    def dist(self) -> Path:
        return self.root / DIST

    @property
    def cache_dir(self) -> Path:
        return self.root / CACHE_DIR

    @property
    def node_modules(self) -> Path:
        return self.root / NODE_MODULES

    def context(self, clock: Clock = OFF) -> Context:
        """A run's context, its memos kept under the project's cache folder."""
        return Context.at(self.cache_dir, clock)


# What a project needs, besides its articles, for `kb import`, `kb build` and `kb serve`.
_CONFIG_DIRS = ("overrides",)


def scratch_copy(root: Path, dest: Path, *, articles: Iterable[Path] = (), docs: bool = False) -> Project:
    """A copy of the project at `root` in `dest` to import and build in: its
    configuration, theme overrides and editorial file, the given `articles` (files to copy
    into sources/), docs/ when asked, and node_modules linked. The tests and kb bench
    build scratch projects this way."""
    source, copy = Project(root), Project(dest)
    copy.sources.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source.editorial, copy.editorial)
    for article in articles:
        shutil.copyfile(article, copy.sources / article.name)
    if docs:
        shutil.copytree(source.docs, copy.docs)
    shutil.copyfile(source.config_file, copy.config_file)
    for name in _CONFIG_DIRS:
        shutil.copytree(root / name, dest / name)
    copy.node_modules.symlink_to(source.node_modules.resolve())
    return copy
