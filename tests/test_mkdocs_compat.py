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


def test_materials_bundle_draws_only_pre_mermaid_so_kbs_diagram_divs_are_left_to_kbs_mermaid():
    # Material's integration would load Mermaid from unpkg and draw into closed shadow roots.
    bundle = mkdocs_compat.material_bundle().read_text(encoding="utf-8")
    selectors = set(re.findall(r'"([^"\n]*\.mermaid[^"\n]*)"', bundle))
    assert selectors == {mkdocs_compat.MATERIAL_MERMAID_SELECTOR, "pre:not(.mermaid) > code"}
    assert "https://unpkg.com/mermaid" in bundle       # what a `pre.mermaid` would fetch


def test_a_diagram_fence_is_written_as_a_div_not_as_materials_pre():
    import markdown
    from mkdocs.utils import yaml_load

    config = yaml_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    fences = next(e["pymdownx.superfences"] for e in config["markdown_extensions"]
                  if isinstance(e, dict) and "pymdownx.superfences" in e)
    html = markdown.markdown("```mermaid\ngraph TD\n  A --> B\n```", extensions=["pymdownx.superfences"],
                             extension_configs={"pymdownx.superfences": fences})
    assert html.startswith('<div class="mermaid">') and "A --&gt; B" in html
    assert not html.startswith("<pre")
