"""render: Markdown pages rendered once.

Python-Markdown is half of a build; most pages are the same as last time. The kb plugin
(on_pre_page) routes Page.render here: a page whose inputs were rendered before gives the
same results from the build's cache. The inputs are the page's Markdown and place, every
file of the site and its URL (links are resolved against them), the Markdown configuration
and link validation settings, and the versions and code of MkDocs, Python-Markdown, its
extensions and Pygments. A page whose render logged anything (a broken link: a warning) is
never kept, so its warnings come back in the next build.

A first build (the memo is empty) renders every other page in a worker process while this
one renders the rest (`Prerender`): each worker page comes back as the memo's record and is
taken from the memo, as in a later build, so the site is the same byte for byte.
"""
from __future__ import annotations

import json
import logging
import sys

from kb.core import cache, context
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


def _key(page) -> str:
    return cache.digest(page.file.src_uri, page.file.url, page.markdown)


def _debugging() -> bool:
    # With MkDocs' debug logging, render() keeps no anchor links: render, keep nothing.
    return logging.getLogger("mkdocs.structure.pages").getEffectiveLevel() <= logging.DEBUG


def _render(page, config, files, *, quiet: bool = False) -> dict | None:
    """Render the page; the memo's record of it, or None when the render logged anything.
    `quiet`: what it logs is not shown (a worker: this process renders the page again)."""
    from mkdocs.structure.pages import Page

    logger, records = logging.getLogger("mkdocs"), _Records()
    shown, logger.handlers = logger.handlers, ([records] if quiet else [*logger.handlers, records])
    propagate, logger.propagate = logger.propagate, logger.propagate and not quiet
    try:
        Page.render(page, config, files)
    finally:
        logger.handlers, logger.propagate = shown, propagate
    if records.records:
        return None

    def toc(items) -> list:
        return [{"name": i.title, "id": i.id, "level": i.level, "children": toc(i.children)} for i in items]

    return {"content": page.content, "toc": toc(page.toc), "title": mkdocs_compat.rendered_title(page),
            # mkdocs reads raw HTML from the Markdown source, code included: `<container-name/id>`
            # gives an `id` without a value (None), which no link can name.
            "anchors": sorted(a for a in page.present_anchor_ids or () if a is not None),
            "links": {f.src_uri: dict(v) for f, v in page.links_to_anchors.items()}}


def render_cached(page, config, files, *, memo: cache.Memo | None, prerender: "Prerender | None" = None) -> None:
    """`page.render(config, files)`, or what it gave before for the same inputs; `memo`
    is render_memo(config, files) (None: render); `prerender`: pages rendered elsewhere."""
    from mkdocs.structure.pages import Page
    from mkdocs.structure.toc import get_toc

    if memo is None or _debugging():
        Page.render(page, config, files)
        return
    key = _key(page)
    stored = memo.get(key)
    if stored is None and prerender is not None:
        stored = prerender.take(page.file.src_uri, key)
        if stored is not None:
            memo.put(key, stored)
    if stored is not None:
        page.content = stored["content"]
        page.toc = get_toc(stored["toc"])
        mkdocs_compat.set_rendered_title(page, stored["title"])
        page.present_anchor_ids = set(stored["anchors"])
        page.links_to_anchors = {files.get_file_from_path(uri): links for uri, links in stored["links"].items()}
        return
    stored = _render(page, config, files)
    if stored is not None:
        memo.put(key, stored)


_SHARED = None   # (config, files) in the worker process (forked: inherited)


def _render_elsewhere(src_uri: str) -> tuple[str, dict | None]:
    """In the worker: one page read and rendered as MkDocs would (without the plugins'
    on_page_markdown: a plugin that changes the Markdown makes the key differ, and this
    process renders the page itself)."""
    from mkdocs.structure.pages import Page

    config, files = _SHARED
    file = files.get_file_from_path(src_uri)
    page = file.page if file.page is not None else Page(None, file, config)
    page.read_source(config)
    return _key(page), _render(page, config, files, quiet=True)


class Prerender:
    """A first build's pages, every other one rendered in a worker process while MkDocs
    renders the rest here (each page of a site is rendered on its own). Only where forking
    is safe (no other thread) and there is another core; `close` when every page is read."""

    MIN_PAGES = 8      # fewer: not worth a process

    def __init__(self, config, files) -> None:
        global _SHARED
        self.pending: dict = {}                  # src_uri -> future
        self.pool = None
        pages = [f.src_uri for f in files.documentation_pages()]
        if len(pages) < self.MIN_PAGES or not context.may_fork() or _debugging():
            return
        _SHARED = (config, files)
        self.pool = context.worker_pool(1)
        # Every other page in the order MkDocs reads them: both processes move through
        # the site together, and a page here rarely waits for the worker's.
        self.pending = {uri: self.pool.submit(_render_elsewhere, uri) for uri in pages[1::2]}

    def take(self, src_uri: str, key: str) -> dict | None:
        """The worker's record of the page, if it rendered it for this key without a word logged."""
        future = self.pending.pop(src_uri, None)
        if future is None:
            return None
        try:
            worker_key, record = future.result()
        except Exception:          # the worker failed (or was killed): render the page here
            return None
        return record if worker_key == key else None

    def close(self) -> None:
        global _SHARED
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
        self.pool, self.pending, _SHARED = None, {}, None
