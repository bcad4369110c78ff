"""site: the MkDocs build, run in this process.

`kb build` used to start `python -m mkdocs build`: a second interpreter that imported
MkDocs, Material and the kb package again. In this process the hooks also share its
jieba dictionary and segmentation memo (kb.segment), which `kb serve` keeps between
rebuilds.

Warnings are printed and counted: MkDocs' `--strict` fails the build on any warning, but
only when warnings are logged at all (its `--quiet` silences them, and with them the
strict check).
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from . import cache, segment
from .repro import build_epoch

CONFIG_FILE = "mkdocs.yml"


@contextlib.contextmanager
def mkdocs_logging(level: int = logging.WARNING) -> Iterator[None]:
    """MkDocs' messages from `level` up on stderr, as the `mkdocs` command prints them."""
    logger = logging.getLogger("mkdocs")
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(levelname)-8s-  %(message)s"))
    saved = logger.level, logger.propagate
    logger.setLevel(level)
    logger.propagate = False
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


@contextlib.contextmanager
def build_date(root: Path) -> Iterator[None]:
    """The same inputs give the same site: the build date comes from the inputs, not the
    clock (MkDocs reads SOURCE_DATE_EPOCH; a value the user set wins)."""
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    if saved is None:
        os.environ["SOURCE_DATE_EPOCH"] = str(build_epoch(root))
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)


def load_config(root: Path, **options):
    """mkdocs.yml of the repository at `root`, strict, with `options` overriding it."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from mkdocs.config import load_config as mkdocs_load_config

    segment.import_jieba()       # before the search plugin imports it, the slow way

    return mkdocs_load_config(config_file=str(root / CONFIG_FILE), strict=True, **options)


def build(root: Path, site_dir: Path | None = None) -> bool:
    """`mkdocs build --strict` of the repository at `root` into `site_dir` (default: the
    configuration's, site/); False (with the warnings or the error printed) when it failed."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.exceptions import MkDocsException

    with mkdocs_logging(), build_date(root):
        try:
            config = load_config(root, **({"site_dir": str(site_dir)} if site_dir else {}))
            config.plugins.on_startup(command="build", dirty=False)
            try:
                mkdocs_build(config)
            finally:
                config.plugins.on_shutdown()
        except MkDocsException as exc:
            print(f"mkdocs: {exc}", file=sys.stderr)
            return False
    return True


# -- Markdown pages rendered once ------------------------------------------------------
#
# Python-Markdown is half of a build; most pages are the same as last time. The hooks
# (on_pre_page) route Page.render here: a page whose inputs were rendered before gives
# the same results from kb.cache. The inputs are the page's Markdown and place, every
# file of the site and its URL (links are resolved against them), the Markdown
# configuration and link validation settings, and the versions and code of MkDocs,
# Python-Markdown, its extensions and Pygments. A page whose render logged anything (a
# broken link: a warning) is never kept, so its warnings come back in the next build.

def _stable(value) -> str:
    """A JSON stand-in for a configuration value JSON cannot hold (a fence formatter)."""
    if callable(value):
        return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', type(value).__name__)}"
    return repr(value)


def render_memo(config, files) -> cache.Memo:
    """The memo of rendered pages for this configuration and these files (once per build)."""
    import markdown
    import mkdocs
    import mkdocs.structure.pages
    import pygments
    import pymdownx

    settings = json.dumps([config["markdown_extensions"], config["mdx_configs"], config["use_directory_urls"],
                           config["site_url"], config["validation"]], default=_stable, sort_keys=True)
    site_files = sorted((f.src_uri, f.dest_uri, f.url) for f in files)
    return cache.memo("render", sys.version_info[:2], mkdocs.__version__, markdown.__version__,
                      pymdownx.__version__, pygments.__version__,
                      cache.source_digest(mkdocs.structure.pages.__file__), settings, site_files)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def render_cached(page, config, files, *, memo: cache.Memo | None) -> None:
    """`page.render(config, files)`, or what it gave before for the same inputs; `memo`
    is render_memo(config, files) (None: render)."""
    from mkdocs.structure.pages import Page
    from mkdocs.structure.toc import get_toc

    # With MkDocs' debug logging, render() keeps no anchor links: render, keep nothing.
    if memo is None or logging.getLogger("mkdocs.structure.pages").getEffectiveLevel() <= logging.DEBUG:
        Page.render(page, config, files)
        return
    key = cache.digest(page.file.src_uri, page.file.url, page.markdown)
    stored = memo.get(key)
    if stored is not None:
        page.content = stored["content"]
        page.toc = get_toc(stored["toc"])
        page._title_from_render = stored["title"]
        page.present_anchor_ids = set(stored["anchors"])
        page.links_to_anchors = {files.get_file_from_path(uri): links for uri, links in stored["links"].items()}
        return
    logger, records = logging.getLogger("mkdocs"), _Records()
    logger.addHandler(records)
    try:
        Page.render(page, config, files)
    finally:
        logger.removeHandler(records)
    if records.records:
        return

    def toc(items) -> list:
        return [{"name": i.title, "id": i.id, "level": i.level, "children": toc(i.children)} for i in items]

    memo.put(key, {"content": page.content, "toc": toc(page.toc), "title": page._title_from_render,
                   "anchors": sorted(page.present_anchor_ids or ()),
                   "links": {f.src_uri: dict(v) for f, v in page.links_to_anchors.items()}})
