"""MkDocs hooks: the generated navigation, vendored front-end libraries, maths and diagrams on demand,
the search set-up (user dictionary, what is indexed, the worker's converter), and the work
kept in build/cache between builds (kb.cache: jieba's cuts, rendered pages, search
entries, compiled templates)."""
from __future__ import annotations

import functools
import inspect
from pathlib import Path

import jinja2
import yaml
from mkdocs.structure.files import File
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.utils import get_relative_url

from kb import atomic, cache, search, segment, site, vendor
from kb.model import KbError
from kb.sanitize import sanitize_html


def on_startup(**kwargs):
    # jieba (used by the search plugin for Chinese) prints its dictionary loading to stderr.
    segment.import_jieba()


# The segmenter that cuts the search index's text (None: the search plugin cuts it itself).
_index_segmenter: segment.Segmenter | None = None


# Before the search plugin's on_config, which loads `jieba_dict_user`.
@event_priority(100)
def on_config(config, **kwargs):
    root = Path(config["config_file_path"]).parent
    # Work on unchanged inputs is kept between builds (kb.cache).
    cache.use(root / cache.CACHE_DIR)
    _write_user_dictionary(config, root)
    # The navigation is written by `kb import` next to the pages it lists.
    nav_file = Path(config["docs_dir"]) / ".nav.yml"
    if nav_file.is_file():
        config["nav"] = yaml.safe_load(nav_file.read_text(encoding="utf-8"))["nav"]
    # The offline plugin adds Material's iframe-worker shim (search from file://) from unpkg;
    # serve the copy vendored from node_modules instead, whichever of us runs first.
    polyfills = [p for p in config["extra"].get("polyfills", []) if "iframe-worker" not in str(p)]
    config["extra"]["polyfills"] = [*polyfills, vendor.IFRAME_WORKER_JS]
    return config


def on_files(files, config, **kwargs):
    root = Path(config["config_file_path"]).parent
    for dest, src in vendor.vendor_files(root / "node_modules").items():
        files.append(File.generated(config, dest, abs_src_path=str(src)))
    # The search worker: our query rewrite and Material's worker in one script.
    material = [f for f in files if search.MATERIAL_WORKER.fullmatch(f.src_uri)]
    if len(material) != 1:
        raise PluginError(f"search worker: expected one Material search worker "
                          f"({search.MATERIAL_WORKER.pattern}) among the theme files, found "
                          f"{[f.src_uri for f in material]}; is mkdocs-material installed as pinned?")
    try:
        worker_files = search.worker_files(root / "node_modules", Path(material[0].abs_src_path))
    except KbError as exc:
        raise PluginError(str(exc)) from None
    for dest, src in worker_files.items():
        if isinstance(src, Path):
            files.append(File.generated(config, dest, abs_src_path=str(src)))
        else:
            files.append(File.generated(config, dest, content=src))
    return files


def _write_user_dictionary(config, root: Path) -> None:
    """Write the jieba user dictionary where mkdocs.yml's `jieba_dict_user` says, and
    decide who cuts the index's text with it."""
    from kb.editorial import load_editorial

    global _index_segmenter
    _index_segmenter = None
    plugin = next((p for name, p in config["plugins"].items() if name.endswith("search")), None)
    target = plugin and plugin.config.get("jieba_dict_user")
    if not target:
        return
    path = (root / target).resolve()
    try:
        text = search.user_dictionary(load_editorial(root / "sources"))
    except KbError as exc:
        raise PluginError(f"search dictionary: {exc}") from None
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        atomic.write_text(path, text)
    if _can_segment_for(plugin):
        # The plugin would load jieba's dictionary here, in every build, and cut every page
        # again; on_pre_build gives it a cached segmenter with the same dictionary instead.
        _index_segmenter = segment.segmenter("index", user_dictionary=text, hmm=True)
        plugin.config["jieba_dict_user"] = None
    else:
        # The plugin resolves a relative path against the working folder; make it absolute.
        plugin.config["jieba_dict_user"] = str(path)


def _can_segment_for(plugin) -> bool:
    """Whether the hooks can cut the index's text in place of Material's search plugin:
    its index has the one method that cuts, and no other main dictionary is configured."""
    from material.plugins.search.plugin import SearchIndex

    return callable(getattr(SearchIndex, "_segment_chinese", None)) and not plugin.config.get("jieba_dict")


def on_pre_build(config, **kwargs):
    # After every on_config: the search plugin has made its index by now. It cuts with
    # the cached segmenter, and a page whose inputs it indexed before (with this code and
    # this dictionary) gets the same entries from build/cache without being read again.
    if _index_segmenter is not None:
        plugin = next(p for name, p in config["plugins"].items() if name.endswith("search"))
        index = plugin.search_index
        index._segment_chinese = functools.partial(search.index_text, seg=_index_segmenter)
        memo = cache.memo("index-entries", _index_segmenter.memo.name,
                          cache.source_digest(inspect.getfile(type(index)), search.__file__))
        index.add_entry_from_context = functools.partial(search.add_entries, index=index, memo=memo,
                                                         add=index.add_entry_from_context)


def on_env(env, config, **kwargs):
    # Compiling Material's templates takes a tenth of the build; keep the compiled code
    # between builds. Jinja keys each entry by template name and a checksum of its source
    # (and its own and Python's version), so an edited template is compiled again.
    folder = Path(config["config_file_path"]).parent / cache.CACHE_DIR / "jinja"
    folder.mkdir(parents=True, exist_ok=True)
    env.bytecode_cache = _BytecodeCache(str(folder))
    return env


class _BytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's file cache, each entry written through kb.atomic like every other file kb
    writes (temporary names it knows how to clean up after a kill)."""

    def dump_bytecode(self, bucket):
        atomic.write_file(Path(self.directory) / (self.pattern % (bucket.key,)), bucket.bytecode_to_string())


def on_post_build(config, **kwargs):
    cache.save()


# Rendered pages kept for this configuration and these files (on_nav, once per build).
_rendered: cache.Memo | None = None


def on_nav(nav, config, files, **kwargs):
    global _rendered
    _rendered = site.render_memo(config, files)
    return nav


def on_pre_page(page, config, files, **kwargs):
    # Python-Markdown runs only for pages whose inputs changed since the last build.
    page.render = functools.partial(site.render_cached, page, memo=_rendered)
    return page


def on_serve(server, config, builder, **kwargs):
    # The query rewrite lives in the package, outside the folders `mkdocs serve` watches.
    server.watch(str(search.REWRITE_SOURCE))
    return server


def on_page_markdown(markdown, page, **kwargs):
    # The faithful source pages repeat every section of the topic pages under the same
    # anchors; searching them too would list each answer twice.
    if page.file.src_uri.startswith("sources/"):
        page.meta["search"] = {**(page.meta.get("search") or {}), "exclude": True}
    return markdown


def on_page_content(html, page, **kwargs):
    # Page bodies come from articles the site's owners did not write: remove anything
    # that could run or fetch in the reader's browser (see kb.sanitize). Then mark what
    # search skips, before the search plugin reads the page (on_page_context).
    html = sanitize_html(html)
    return search.mark_unsearchable(html, reference_page=search.is_reference_page(page.file.src_uri))


def on_post_page(output, page, config, **kwargs):
    # KaTeX only on pages that have maths, Mermaid only on pages that have diagrams.
    maths, diagrams = vendor.has_maths(output), vendor.has_diagrams(output)
    if not (maths or diagrams):
        return output
    base = get_relative_url(".", page.url or ".")
    base = "" if base == "." else base.rstrip("/") + "/"
    head, body = vendor.maths_tags(base) if maths else ("", "")
    if diagrams:
        body += vendor.diagram_tags(base)
    output = output.replace("</head>", head + "</head>", 1)
    before, end, after = output.rpartition("</body>")
    return before + body + end + after if end else output + body

