"""The private MkDocs and Material names kb relies on (kb.site.mkdocs_compat) are there,
with the shapes it calls them with, in the versions pyproject.toml pins.

An upgrade of MkDocs or Material fails here first, naming the touchpoint, instead of
somewhere inside `kb serve` or the search index."""
from __future__ import annotations

import inspect
import re
from importlib import metadata
from types import SimpleNamespace

from kb.site import mkdocs_compat
from kbtest import REPO


def _pinned(package: str) -> str:
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    return re.search(rf'"{re.escape(package)}==([^"]+)"', text).group(1)


def test_the_installed_versions_are_the_ones_the_touchpoints_were_written_for():
    assert metadata.version("mkdocs") == _pinned("mkdocs") == mkdocs_compat.MKDOCS_VERSION
    assert metadata.version("mkdocs-material") == _pinned("mkdocs-material") == mkdocs_compat.MATERIAL_VERSION


def test_mkdocs_build_steps_take_the_arguments_kb_serve_passes():
    from mkdocs.commands import build

    assert list(inspect.signature(build._populate_page).parameters) == ["page", "config", "files", "dirty"]
    assert list(inspect.signature(build._build_page).parameters)[:5] == ["page", "config", "doc_files", "nav", "env"]
    assert "excluded" in inspect.signature(build._build_page).parameters
    assert list(inspect.signature(build._build_theme_template).parameters) == ["template_name", "env", "files",
                                                                                "config", "nav"]
    assert list(inspect.signature(build._build_extra_template).parameters) == ["template_name", "files", "config",
                                                                                "nav"]


def test_a_page_keeps_the_title_its_render_found_in_the_attribute_kb_restores():
    from mkdocs.structure.pages import Page

    page = Page.__new__(Page)
    mkdocs_compat.set_rendered_title(page, "标题")
    assert mkdocs_compat.rendered_title(page) == "标题"
    assert "_title_from_render" in inspect.getsource(Page)


def test_the_page_render_call_kb_routes_is_the_one_mkdocs_makes():
    from mkdocs.commands import build

    assert "page.render(config, files)" in inspect.getsource(build._populate_page)


def test_the_live_reload_server_publishes_the_epoch_kb_sets():
    from mkdocs.livereload import LiveReloadServer

    source = inspect.getsource(LiveReloadServer)
    assert "self._wanted_epoch" in source and "self._visible_epoch" in source
    server = SimpleNamespace(_wanted_epoch=2, _visible_epoch=1)
    mkdocs_compat.keep_browsers_page(server)
    assert server._wanted_epoch == 1


def test_materials_search_index_cuts_chinese_through_the_method_kb_overrides():
    from material.plugins.search.plugin import SearchIndex

    assert "self._segment_chinese(" in inspect.getsource(SearchIndex.create_entry_for_section)
    plugin = SimpleNamespace(config={"jieba_dict": None})
    assert mkdocs_compat.can_segment_for(plugin)
    added = []
    index = mkdocs_compat.search_index(plugin, segment=lambda text: f"<{text}>",
                                       add_entries=lambda page, index, add: added.append(page))
    assert isinstance(index, SearchIndex)
    assert index._segment_chinese("大模型") == "<大模型>"
    index.add_entry_from_context("page")
    assert added == ["page"]


def test_mermaid2_keeps_its_checked_library_path_where_kb_sets_it():
    import mermaid2.plugin

    assert metadata.version("mkdocs-mermaid2-plugin") == _pinned("mkdocs-mermaid2-plugin") == \
        mkdocs_compat.MERMAID2_VERSION
    source = inspect.getsource(mermaid2.plugin.MarkdownMermaidPlugin.javascript.fget)
    assert "hasattr(self, '_javascript')" in source and "return self._javascript" in source
    plugin = mermaid2.plugin.MarkdownMermaidPlugin()
    mkdocs_compat.serve_mermaid_from(plugin, "assets/vendor/mermaid/mermaid.min.js")
    assert plugin.javascript == "assets/vendor/mermaid/mermaid.min.js"


def test_a_memoized_post_page_handler_runs_once_per_page_output():
    from kb.core.cache import Cache
    from mkdocs.plugins import PluginCollection

    class Plugin:
        calls = 0

        def on_post_page(self, output, *, page, config):
            Plugin.calls += 1
            return output + "!"

    plugin, plugins = Plugin(), PluginCollection()
    plugins.events["post_page"].append(plugin.on_post_page)
    assert mkdocs_compat.memoize_post_page(plugins, plugin, Cache(None).memo("test", 1))
    page = SimpleNamespace(url="a.html")
    outputs = [plugins.run_event("post_page", text, page=page, config=None) for text in ("x", "x", "y")]
    assert outputs == ["x!", "x!", "y!"] and Plugin.calls == 2


def test_a_deferred_post_page_handler_gives_each_page_what_it_gives_in_line(tmp_path, monkeypatch):
    # A first kb build hands mermaid2's pages to another process; at the end each page is
    # written again with the handler's output and the post_page handlers after it.
    from kb.core import context
    from kb.core.cache import Cache
    from mkdocs.plugins import PluginCollection

    class Plugin:
        def on_post_page(self, output, *, page, config):
            return f"{output}<{page.title}@{page.url}>"

    def after(output, *, page, config):
        return output + "!"

    monkeypatch.setattr(context.os, "cpu_count", lambda: 2)
    # Deferral needs no other thread running; in this test process, other tests' servers may.
    monkeypatch.setattr(mkdocs_compat.threading, "active_count", lambda: 1)
    plugin, plugins, deferred = Plugin(), PluginCollection(), mkdocs_compat.DeferredPages()
    plugins.events["post_page"] += [plugin.on_post_page, after]
    memo = Cache(None).memo("test", 1)
    assert mkdocs_compat.memoize_post_page(plugins, plugin, memo, deferred)
    pages = [SimpleNamespace(title=t, url=f"{t}.html", file=SimpleNamespace(abs_dest_path=str(tmp_path / f"{t}.html")))
             for t in ("a", "b")]
    written = [plugins.run_event("post_page", "x", page=page, config=None) for page in pages]
    assert written == ["x!", "x!"] and deferred.pool is not None      # as MkDocs writes them first
    deferred.finish(None)
    assert [(tmp_path / f"{t}.html").read_text() for t in ("a", "b")] == ["x<a@a.html>!", "x<b@b.html>!"]
    # The memo holds the handler's own output: the next build takes it in line.
    assert plugins.run_event("post_page", "x", page=pages[0], config=None) == "x<a@a.html>!"
