"""render: Markdown pages rendered once.

Python-Markdown is half of a build; most pages are the same as last time. The kb plugin
(on_pre_page) routes Page.render here: a page whose inputs were rendered before gives the
same results from the build's cache. The inputs are the page's Markdown and place, every
file of the site and its URL (links are resolved against them), the Markdown configuration
and link validation settings, and the versions and code of MkDocs, Python-Markdown, its
extensions and Pygments. A page whose render logged anything (a broken link: a warning) is
never kept, so its warnings come back in the next build.
"""
from __future__ import annotations

import json
import logging
import sys

from kb.core import cache
from kb.site import mkdocs_compat


def _stable(value) -> str:
    """A JSON stand-in for a configuration value JSON cannot hold (a fence formatter)."""
    if callable(value):
        return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', type(value).__name__)}"
    return repr(value)


def render_memo(memos: cache.Cache, config, files) -> cache.Memo:
    """The memo of rendered pages for this configuration and these files (once per build)."""
    import markdown
    import mkdocs
    import mkdocs.structure.pages
    import pygments
    import pymdownx

    settings = json.dumps([config["markdown_extensions"], config["mdx_configs"], config["use_directory_urls"],
                           config["site_url"], config["validation"]], default=_stable, sort_keys=True)
    site_files = sorted((f.src_uri, f.dest_uri, f.url) for f in files)
    return memos.memo("render", sys.version_info[:2], mkdocs.__version__, markdown.__version__,
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
        mkdocs_compat.set_rendered_title(page, stored["title"])
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

    memo.put(key, {"content": page.content, "toc": toc(page.toc), "title": mkdocs_compat.rendered_title(page),
                   "anchors": sorted(page.present_anchor_ids or ()),
                   "links": {f.src_uri: dict(v) for f, v in page.links_to_anchors.items()}})
