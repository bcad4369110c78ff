"""The `kb` MkDocs plugin: what the knowledge base adds to a mkdocs-material build.

- the navigation `kb import` wrote (docs/.nav.yml);
- front-end libraries served from node_modules, never from a CDN (kb.site.assets): KaTeX
  on the pages that have maths, Mermaid on the pages that have diagrams;
- search tuned for Chinese (kb.site.search): the jieba user dictionary from the editorial
  file, the index's text cut by kb's cached segmenter, what is left out of the index, the
  search worker with the query rewrite;
- page bodies filtered, since the articles are untrusted (kb.core.sanitize);
- work kept between builds in the project's cache folder: rendered pages (kb.site.render),
  search entries, jieba's cuts, compiled templates.

Registered as `kb` (pyproject.toml entry point), configured in mkdocs.yml (kb.site.config).
The plugin's state lives on the instance, made again for each build in on_config.
"""
from __future__ import annotations

import filecmp
import functools
import inspect
import logging
from pathlib import Path

import jinja2
import yaml
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

from kb.core import atomic, cache, segment
from kb.core.context import Context
from kb.core.editorial import load_editorial
from kb.core.model import Editorial, KbError
from kb.core.plan import NAV_FILE, SitePlan, site_plan
from kb.core import sanitize
from kb.core.sanitize import sanitize_html
from kb.core.text import maths_warnings
from kb.importer import images
from kb.importer.source import read_sources
from kb.site import assets, mkdocs_compat, pagefind, render, search
from kb.site.config import KbConfig


# Outside MkDocs' loggers: told on stderr, not counted by --strict (a formula KaTeX cannot
# typeset does not fail the build: readers see its source).
log = logging.getLogger("kb.site")


class KbPlugin(BasePlugin[KbConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        super().__init__()
        self.serving = False                    # mkdocs serve: caches written at shutdown
        self.root: Path | None = None           # the folder of mkdocs.yml
        self.given: Context | None = None       # kb serve's context, kept from one build to the next
        self.context: Context | None = None     # this build's memos and segmenters
        self.plan: SitePlan | None = None       # every page kb import writes, with its role
        self.images: dict[str, Path] = {}       # site path -> image file in sources/ that a page draws
        self.index_segmenter: segment.Segmenter | None = None   # None: Material cuts the index itself
        self.search_engine = "index"                              # or "pagefind" (kb.site.pagefind)
        self.rendered: cache.Memo | None = None                  # rendered pages, for this config and files
        self.prerender: render.Prerender | None = None           # a first build's pages rendered on another core
        self.filtered: cache.Memo | None = None                  # page bodies through the HTML filter

    def keep_across_builds(self, context: Context) -> None:
        """Build with `context` (kb serve: its caches stay loaded from one build to the
        next, and are written once, when it stops)."""
        self.given = context

    @property
    def cache(self) -> cache.Cache:
        return self.context.cache

    def on_startup(self, *, command, dirty):
        self.serving = command == "serve"
        # MkDocs keeps a plugin with on_startup from one configuration to the next in a
        # process: a build after a kb serve in the same process must not keep its context.
        if not self.serving:
            self.given = None
        # Before Material's search plugin imports jieba (the slow way, with pkg_resources).
        segment.import_jieba()

    # Before the search plugin's on_config, which would load `jieba_dict_user`.
    @event_priority(100)
    def on_config(self, config):
        self.root = Path(config.config_file_path).parent
        self.context = self.given or Context.at(self.root / self.config.cache_dir)
        if self.serving:
            self.cache.hold()
        sources = self.root / self.config.sources
        try:
            editorial = load_editorial(sources)
            articles = read_sources(sources, editorial.ignore)[0]
            self.plan = site_plan(editorial, articles)
            self.images = _drawn_images(sources, articles)
        except KbError as exc:
            raise PluginError(str(exc)) from None
        self.search_engine = pagefind.engine(self.config.search_engine, len(articles), serving=self.serving)
        self._set_up_search(config, editorial)
        # The navigation is written by `kb import` next to the pages it lists.
        nav_file = Path(config.docs_dir) / NAV_FILE
        if nav_file.is_file():
            config.nav = yaml.safe_load(nav_file.read_text(encoding="utf-8"))["nav"]
        # The offline plugin adds Material's iframe-worker shim (search from file://) from
        # unpkg; serve the copy from node_modules instead, whichever of us runs first.
        polyfills = [p for p in config.extra.get("polyfills", []) if "iframe-worker" not in str(p)]
        config.extra["polyfills"] = [*polyfills, assets.IFRAME_WORKER_JS]
        return config

    def _set_up_search(self, config, editorial: Editorial) -> None:
        """Write the jieba user dictionary, and decide who cuts the index's text with it."""
        self.index_segmenter = None
        plugin = _search_plugin(config)
        if plugin is None:
            return
        text = search.user_dictionary(editorial)
        path = self.root / self.config.search_dictionary
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            atomic.write_text(path, text)
        if mkdocs_compat.can_segment_for(plugin):
            # Material would load jieba's dictionary in every build and cut every page
            # again; kb's segmenter, with the same dictionary, keeps its cuts in the cache.
            self.index_segmenter = search.index_segmenter(self.context.segmenters, text)
            plugin.config.jieba_dict_user = None
        else:
            plugin.config.jieba_dict_user = str(path)

    def on_pre_build(self, *, config):
        # What overrides/main.html needs to send the page to Pagefind's index over http:
        # the engine, and the settings of Material's index (its `config`), which the page
        # then gives Material in place of downloading search_index.json.
        plugin = _search_plugin(config)
        config.extra["kb_search"] = {
            "engine": self.search_engine if plugin is not None else "index",
            "config": mkdocs_compat.search_index_config(plugin) if plugin is not None else {},
        }
        # After every on_config: Material's search plugin has made its index by now. Give
        # it one that cuts with kb's segmenter and takes a page's entries from the cache
        # when the page's inputs were indexed before (with this code and dictionary).
        if self.index_segmenter is None:
            return
        plugin = _search_plugin(config)
        memo = self.cache.memo("index-entries", self.index_segmenter.memo.name,
                               cache.source_digest(inspect.getfile(type(plugin.search_index)), search.__file__))
        plugin.search_index = mkdocs_compat.search_index(
            plugin, segment=functools.partial(search.index_text, seg=self.index_segmenter),
            add_entries=lambda page, index, add: search.add_entries(page, index=index, memo=memo, add=add),
            fold=self.folded)

    def folded(self, entries: list[dict]) -> list[dict]:
        """Search entries as both engines index them: sections that say the same thing as
        one (kb.site.search.fold), when the one-file index is kb's (Material's own, kept for
        a custom `jieba_dict`, cannot fold), so that both list the same sections."""
        return search.fold(entries) if self.config.search_fold and self.index_segmenter is not None else entries

    def on_files(self, files, *, config):
        node_modules = self.root / self.config.node_modules
        try:
            vendored = assets.vendor_files(node_modules)
            worker = search.worker_files(node_modules, pagefind_engine=self.search_engine == "pagefind")
        except KbError as exc:
            raise PluginError(str(exc)) from None
        # The images the articles draw, from sources/ (kb.importer.images says which).
        for dest, src in sorted(self.images.items()):
            files.append(File.generated(config, dest, abs_src_path=str(src)))
        for dest, src in [*vendored.items(), *worker.items()]:
            if isinstance(src, Path):
                files.append(File.generated(config, dest, abs_src_path=str(src)))
            else:
                files.append(File.generated(config, dest, content=src))
        return files

    def on_nav(self, nav, *, config, files):
        # Chosen once per build: the key covers the configuration and every file's URL.
        self.rendered = render.render_memo(self.cache, config, files)
        # A first `kb build` renders every other page on another core (kb serve: in line).
        if self.rendered.empty and self.given is None and not self.serving:
            self.prerender = render.Prerender(config, files)
        # The filter is a pure function of a page's HTML and its own code.
        self.filtered = self.cache.memo("filtered", cache.source_digest(sanitize.__file__))
        return nav

    def on_env(self, env, *, config, files):
        # Every page is rendered by now.
        self._close_prerender()
        # Compiling Material's templates takes a tenth of the build; keep the compiled code
        # between builds. Jinja keys each entry by template name and a checksum of its
        # source (and its own and Python's version), so an edited template compiles again.
        folder = self.root / self.config.cache_dir / "jinja"
        folder.mkdir(parents=True, exist_ok=True)
        env.bytecode_cache = _BytecodeCache(str(folder))
        return env

    def on_pre_page(self, page, *, config, files):
        # Python-Markdown runs only for pages whose inputs changed since the last build.
        mkdocs_compat.render_page_with(page, functools.partial(render.render_cached, page, memo=self.rendered,
                                                               prerender=self.prerender))
        return page

    def on_page_markdown(self, markdown, *, page, config, files):
        # The faithful source pages repeat every section of the topic pages under the same
        # anchors; searching them too would list each answer twice.
        if search.is_unsearched(self.plan.role(page.file.src_uri)):
            page.meta["search"] = {**(page.meta.get("search") or {}), "exclude": True}
        # What kb import tells about an article's maths, told about the page that shows it
        # (kb import writes pages without YAML meta: the lines are the file's).
        for index, message in maths_warnings(markdown.split("\n")):
            where = Path(config.docs_dir, page.file.src_uri).relative_to(self.root).as_posix()
            log.warning(f"kb build: warning: {where}:{index + 1}: {message}")
        return markdown

    def on_page_content(self, html, *, page, config, files):
        # Page bodies come from articles the site's owners did not write: remove anything
        # that could run or fetch in the reader's browser. Then mark what search skips,
        # before the search plugin reads the page (on_page_context).
        key = cache.digest(html)
        filtered = self.filtered.get(key)
        if filtered is None:
            filtered = sanitize_html(html)
            self.filtered.put(key, filtered)
        html = filtered
        return search.mark_unsearchable(html, reference_page=search.is_reference(self.plan.role(page.file.src_uri)))

    def on_post_page(self, output, *, page, config):
        # KaTeX only on pages that have maths, Mermaid only on pages that have diagrams.
        base = get_relative_url(".", page.url or ".")
        base = "" if base == "." else base.rstrip("/") + "/"
        return assets.add_page_tags(output, base)

    def on_serve(self, server, *, config, builder):
        # The search worker's scripts live in the package, outside the folders `mkdocs serve` watches.
        server.watch(str(search.ENGINE_SOURCE.parent))
        return server

    def copy_new_images(self, config, drawn: dict[str, Path]) -> list[str]:
        """kb serve, after an import that rendered some pages again: copy into the site the
        image files the articles draw now that it does not hold as they are (a newly
        referenced image, an image file replaced); their site paths. `drawn`: site path ->
        image file, as the import found them (kb.importer.incremental)."""
        self.images = drawn
        copied = []
        for dest, src in sorted(self.images.items()):
            target = Path(config.site_dir, dest)
            if not (target.is_file() and filecmp.cmp(src, target, shallow=False)):
                atomic.write_file(target, src.read_bytes())
                copied.append(dest)
        return copied

    def _close_prerender(self) -> None:
        if self.prerender is not None:
            self.prerender.close()
            self.prerender = None

    def on_build_error(self, *, error):
        self._close_prerender()

    def on_post_build(self, *, config):
        self._close_prerender()
        plugin = _search_plugin(config)
        if self.search_engine == "pagefind" and plugin is not None:
            # Pagefind's index from Material's entries (their text already cut by kb's
            # segmenter); search_index.json stays for the file:// editions.
            entries = plugin.search_index.entries
            pagefind.write(Path(config.site_dir), self.folded(entries),
                           kept=self.root / self.config.cache_dir / "pagefind")
        self.cache.save()

    def on_shutdown(self):
        if self.context is not None:
            self.cache.save(now=True)


def _drawn_images(sources: Path, articles) -> dict[str, Path]:
    """site path -> image file in sources/, for every image the articles draw."""
    return {images.asset_path(image): sources / image.file
            for article in articles for image in images.scan(article, sources) if image.file is not None}


class _BytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's file cache, each entry written through kb.core.atomic like every other file
    kb writes (temporary names it knows how to clean up after a kill)."""

    def dump_bytecode(self, bucket):
        atomic.write_file(Path(self.directory) / (self.pattern % (bucket.key,)), bucket.bytecode_to_string())


def _search_plugin(config):
    """Material's search plugin, as mkdocs.yml names it (`search` or `material/search`)."""
    return next((p for name, p in config.plugins.items() if name.endswith("search")), None)
