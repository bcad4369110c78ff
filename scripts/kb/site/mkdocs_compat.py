"""mkdocs_compat: every place kb relies on a private name of MkDocs or Material.

kb extends MkDocs through its plugin API (kb.site.plugin). Three things that API does not
offer need private names: rendering one page of a built site again (`kb serve` keeps the
site in memory and rebuilds only the pages that changed), telling the live-reload server
that an update showed nothing new, serving mermaid2's library from a file that is not
under docs/, and cutting the search index's Chinese text with kb's
own cached segmenter (Material has no hook for it: a subclass overrides its method). Each
is here, and `tests/test_mkdocs_compat.py` holds them against the pinned versions, so an
upgrade that breaks one fails there, loudly, not somewhere in a build.
"""
from __future__ import annotations

import functools
import threading
import types
from collections.abc import Callable
from pathlib import Path

from kb.core import context
from kb.core.cache import digest

# The versions these touchpoints were written against (pyproject.toml pins them).
MKDOCS_VERSION = "1.6.1"
MATERIAL_VERSION = "9.8.1"
MERMAID2_VERSION = "1.2.3"


# -- MkDocs' build steps, one page or template at a time (mkdocs.commands.build) --------

def populate_page(page, config, files) -> None:
    """Read one page's Markdown and render it (events on_pre_page .. on_page_content)."""
    from mkdocs.commands.build import _populate_page

    _populate_page(page, config, files)


def build_page(page, config, doc_files, nav, env, *, excluded: bool) -> None:
    """Write one rendered page through its template (on_page_context .. on_post_page)."""
    from mkdocs.commands.build import _build_page

    _build_page(page, config, doc_files, nav, env, excluded=excluded)


def build_theme_template(name: str, env, files, config, nav) -> None:
    from mkdocs.commands.build import _build_theme_template

    _build_theme_template(name, env, files, config, nav)


def build_extra_template(name: str, files, config, nav) -> None:
    from mkdocs.commands.build import _build_extra_template

    _build_extra_template(name, files, config, nav)


# -- A page rendered before ---------------------------------------------------------------

def render_page_with(page, render: Callable[..., None]) -> None:
    """Have MkDocs render `page` by calling `render(config, files)` in place of
    `page.render(config, files)` (which _populate_page calls after on_pre_page)."""
    page.render = render


def rendered_title(page) -> str | None:
    """The title MkDocs found in the page's first heading while rendering it."""
    return page._title_from_render


def set_rendered_title(page, title: str | None) -> None:
    """Give a page taken from the render cache the title its render found."""
    page._title_from_render = title


# -- The live-reload server ----------------------------------------------------------------

def keep_browsers_page(server) -> None:
    """After an update that changed nothing the browsers show: do not reload them
    (LiveReloadServer publishes `_wanted_epoch` after its builder returns)."""
    server._wanted_epoch = server._visible_epoch


# -- mkdocs-mermaid2-plugin -----------------------------------------------------------------

def serve_mermaid_from(mermaid2_plugin, site_path: str) -> None:
    """mermaid2's `javascript` option, checked as a file under docs/ or a URL it fetches;
    the library is a file the kb plugin adds to the site from node_modules, so take the
    path as it is (mermaid2 keeps the checked value in `_javascript`)."""
    mermaid2_plugin._javascript = site_path


def memoize_post_page(plugins, plugin, memo, deferred: "DeferredPages | None" = None) -> bool:
    """Run `plugin`'s on_post_page through `memo`, keyed by the page's URL and output: the
    same page in gives the same page out (mermaid2 parses and re-serialises every page
    with a diagram, the largest part of a build). With `deferred`, a page not in the memo
    is handed to another process and written again when the build ends (DeferredPages).
    False if the handler is not found."""
    events = plugins.events["post_page"]
    for i, handler in enumerate(events):
        if handler == plugin.on_post_page or getattr(handler, "__wrapped__", None) == plugin.on_post_page:
            break
    else:
        return False

    @functools.wraps(handler)
    def memoized(output, *, page, config):
        key = digest(page.url, output)
        stored = memo.get(key)
        if stored is None:
            if deferred is not None and deferred.take(handler, key, output, page):
                return output
            stored = handler(output, page=page, config=config)
            memo.put(key, stored)
        return stored

    events[i] = memoized
    if deferred is not None:
        deferred.memo, deferred.after = memo, lambda: plugins.events["post_page"][i + 1:]
    return True


_HANDLER = None   # the deferred handler, in the worker processes (forked: inherited)


def _deferred_post_page(output: str, title, url) -> str:
    # mermaid2's on_post_page reads the page's title and URL only, and not the config.
    return _HANDLER(output, page=types.SimpleNamespace(title=title, url=url), config=None)


class DeferredPages:
    """A first build's mermaid2 pages, done on the other cores while this process renders
    the rest: each page is written as MkDocs writes it, then again, whole, by `finish` (at
    on_post_build), with what mermaid2 and the post_page handlers after it make of it,
    byte for byte what a build without deferral writes. Only where forking is safe (no
    other thread) and there is another core."""

    def __init__(self) -> None:
        self.pool = None
        self.pages: list = []           # (memo key, future, page)
        self.memo = None
        self.after: Callable[[], list] = list

    def take(self, handler, key: str, output: str, page) -> bool:
        global _HANDLER
        if self.pool is None:
            # As many workers as cores: this process is done before them (mermaid2 is the larger part).
            workers = context.workers()
            if workers < 2 or threading.active_count() != 1:
                return False
            _HANDLER = handler
            self.pool = context.worker_pool(workers)
        self.pages.append((key, self.pool.submit(_deferred_post_page, output, page.title, page.url), page))
        return True

    def finish(self, config) -> None:
        try:
            for key, future, page in self.pages:
                output = future.result()
                self.memo.put(key, output)
                for handler in self.after():
                    output = handler(output, page=page, config=config)
                if output.strip():
                    Path(page.file.abs_dest_path).write_bytes(output.encode("utf-8", errors="xmlcharrefreplace"))
        finally:
            self.pages = []
            if self.pool is not None:
                self.pool.shutdown()
                self.pool = None


# -- Material's search index -----------------------------------------------------------------

def can_segment_for(search_plugin) -> bool:
    """Whether kb can cut the index's text in place of Material's search plugin: its index
    has the one method that cuts, and no other main dictionary is configured."""
    from material.plugins.search.plugin import SearchIndex

    return callable(getattr(SearchIndex, "_segment_chinese", None)) and not search_plugin.config.get("jieba_dict")


def search_index_config(search_plugin) -> dict:
    """The `config` Material writes at the top of search_index.json (its search plugin's
    `generate_search_index`): what its search box and worker read besides the entries."""
    return {key: search_plugin.config[key] for key in ("lang", "separator", "pipeline", "fields")}


def search_index(search_plugin, *, segment: Callable[[str], str], add_entries: Callable) -> object:
    """Material's search index, cutting Han text with `segment` and adding each page's
    entries through `add_entries(page, index, add)` (`add`: Material's own)."""
    from material.plugins.search.plugin import SearchIndex

    class KbSearchIndex(SearchIndex):
        def _segment_chinese(self, data):
            return segment(data)

        def add_entry_from_context(self, page):
            add_entries(page, self, super().add_entry_from_context)

    return KbSearchIndex(**search_plugin.config)
