"""build: the MkDocs build, run in this process.

`kb build` used to start `python -m mkdocs build`: a second interpreter that imported
MkDocs, Material and the kb package again. In this process jieba is imported once, the
fast way (kb.core.segment), before Material's search plugin imports it.

Warnings are printed and counted: MkDocs' `--strict` fails the build on any warning, but
only when warnings are logged at all (its `--quiet` silences them, and with them the
strict check).
"""
from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from kb.core import segment
from kb.core.project import CONFIG_FILE
from kb.core.repro import build_epoch

log = logging.getLogger("kb.build")


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
            log.error(f"mkdocs: {exc}")
            return False
    return True
