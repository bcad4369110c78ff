"""mkdocs_compat: every place kb relies on a private name of MkDocs or Material.

kb extends MkDocs through its plugin API (kb.site.plugin). Three things that API does not
offer need private names: rendering one page of a built site again (`kb serve` keeps the
site in memory and rebuilds only the pages that changed), telling the live-reload server
that an update showed nothing new, and cutting the search index's Chinese text with kb's
own cached segmenter (Material has no hook for it: a subclass overrides its method). And
one behaviour of Material's bundle keeps kb's diagrams out of its own Mermaid integration.
Each is here, and `tests/test_mkdocs_compat.py` holds them against the pinned versions, so
an upgrade that breaks one fails there, loudly, not somewhere in a build.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

# The versions these touchpoints were written against (pyproject.toml pins them).
MKDOCS_VERSION = "1.6.1"
MATERIAL_VERSION = "9.8.1"


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


# -- Material's own Mermaid integration --------------------------------------------------------

# Material's bundle draws the elements this selector finds, with Mermaid from unpkg when the
# page has none, into closed shadow roots; kb's diagrams are `div.mermaid` (kb.site.assets),
# which it must leave alone.
MATERIAL_MERMAID_SELECTOR = "pre.mermaid"


def material_bundle() -> Path:
    """Material's JavaScript bundle, as the site serves it."""
    import material

    bundles = sorted(Path(material.__file__).parent.glob("templates/assets/javascripts/bundle.*.min.js"))
    if len(bundles) != 1:
        raise RuntimeError(f"expected one Material bundle, found {[b.name for b in bundles]}")
    return bundles[0]


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


def search_index(search_plugin, *, segment: Callable[[str], str], add_entries: Callable,
                 fold: Callable[[list], list] | None = None) -> object:
    """Material's search index, cutting Han text with `segment` and adding each page's
    entries through `add_entries(page, index, add)` (`add`: Material's own); the entries
    written to search_index.json go through `fold` (its `entries` stay as they were made)."""
    from material.plugins.search.plugin import SearchIndex

    class KbSearchIndex(SearchIndex):
        def _segment_chinese(self, data):
            return segment(data)

        def add_entry_from_context(self, page):
            add_entries(page, self, super().add_entry_from_context)

        def generate_search_index(self, prev):
            if fold is None:
                return super().generate_search_index(prev)
            entries = self.entries
            self.entries = fold(entries)
            try:
                return super().generate_search_index(prev)
            finally:
                self.entries = entries

    return KbSearchIndex(**search_plugin.config)
