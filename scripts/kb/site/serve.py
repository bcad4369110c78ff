"""serve: `kb serve`, a preview that shows an edit as soon as the browser reloads.

`mkdocs serve` builds the whole site again on every change (seconds), and its `--dirty`
mode leaves the other pages' navigation and the search index stale. An editor here edits
an article in sources/ (docs/ is what `kb import` makes of them), so `kb serve` watches
sources/ as well as docs/, and keeps the built site's state in memory: configuration,
files, navigation, templates, and each page's search entries. On a change:

- an article in sources/: the import runs in this process (jieba, the segmentation memo
  and the unchanged articles' tokens stay loaded) and writes the docs/ files it changes;
- pages in docs/ whose Markdown changed: only those pages are rendered again; the search
  index is put together again from every page's entries, in site order, so it is the
  index a full build writes; anchors are checked on every page;
- anything else (mkdocs.yml, overrides/, sources/editorial.yml, a page added or removed,
  the navigation or a page title changed): the whole site is built again, in this process.

`tests/test_serve.py` holds an updated site to be the site a full build makes.
"""
from __future__ import annotations

import gc
import logging
import os
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from kb.core.context import Context
from kb.core.lock import one_writer
from kb.core.model import KbError
from kb.core.plan import NAV_FILE
from kb.core.project import CONFIG_FILE, Project
from kb.importer.incremental import Importer
from kb.importer.pages import read_tree, update_tree
from kb.site import build as site
from kb.site import mkdocs_compat

log = logging.getLogger("kb.serve")

# A change to one of these builds the whole site again.
_CONFIG_PATHS = (CONFIG_FILE, "overrides")
_EDITORIAL = "editorial.yml"


@dataclass
class Update:
    """What one update did."""

    full: bool = False                                   # built the whole site again
    pages: list[str] = field(default_factory=list)       # or rendered these pages again
    images: list[str] = field(default_factory=list)      # and copied these image files (site paths)
    imported: bool = False                               # after importing sources/
    seconds: float = 0.0
    import_seconds: float = 0.0                          # of which the import
    cpu_seconds: float = 0.0                             # the process's CPU time meanwhile (a busy machine
                                                         # stretches the wall time, not this)

    @property
    def changed(self) -> bool:
        return self.full or bool(self.pages) or bool(self.images)

    def __str__(self) -> str:
        what = "the whole site" if self.full else ", ".join(self.pages + self.images) or "nothing (no page changed)"
        imported = f"imported sources/ in {self.import_seconds:.2f}s, " if self.imported else ""
        return f"{imported}rebuilt {what} in {self.seconds:.2f}s (CPU {self.cpu_seconds:.2f}s)"


def _snapshot(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.startswith(".") or p.name == NAV_FILE}


def _stamps(root: Path) -> dict[str, tuple[int, int]]:
    """(modification time, size) of the configuration and theme files."""
    out = {}
    for name in _CONFIG_PATHS:
        path = root / name
        for p in [path] if path.is_file() else sorted(path.rglob("*")) if path.is_dir() else []:
            if p.is_file():
                stat = p.stat()
                out[p.relative_to(root).as_posix()] = (stat.st_mtime_ns, stat.st_size)
    return out


class Preview:
    """The site `kb serve` shows, built into `site_dir` and kept up to date."""

    def __init__(self, root: Path, site_dir: Path, site_url: str):
        project = Project(root)
        self.root, self.site_dir, self.site_url = root, site_dir, site_url
        self.docs_dir, self.sources_dir = project.docs, project.sources
        # The import's caches and segmenters, kept while serving (written when it stops).
        self.context: Context = project.context()
        self.context.cache.hold()
        self.importer = Importer(self.sources_dir, self.context)
        self.sources = _snapshot(self.sources_dir)
        self.docs: dict[str, bytes] = {}
        self.stamps: dict[str, tuple[int, int]] = {}
        self.config = None           # of the last full build, with its files, navigation, templates
        self._files = self._nav = self._env = None
        self._entries: dict[str, list] = {}      # page src_uri -> its search entries
        self._started = False

    # -- the whole site -------------------------------------------------------------

    def build(self) -> None:
        """Build the whole site, step by step as `mkdocs build` does, keeping the state
        that later updates need."""
        from mkdocs import utils
        from mkdocs.structure.files import InclusionLevel, get_files, set_exclusions
        from mkdocs.structure.nav import get_navigation
        from mkdocs.structure.pages import Page

        self.docs, self.stamps = _snapshot(self.docs_dir), _stamps(self.root)
        self.config = None
        config = site.load_config(self.root, site_dir=str(self.site_dir))
        config.site_url = self.site_url
        config.plugins["kb"].keep_across_builds(self.context)
        if not self._started:
            config.plugins.on_startup(command="serve", dirty=False)
            self._started = True
        with site.build_date(self.root):
            try:
                config = config.plugins.on_config(config)
                config.plugins.on_pre_build(config=config)
                utils.clean_directory(config.site_dir)
                files = get_files(config)
                env = config.theme.get_env()
                files.add_files_from_theme(env, config)
                files = config.plugins.on_files(files, config=config)
                set_exclusions(files, config)
                nav = get_navigation(files, config)
                nav = config.plugins.on_nav(nav, config=config, files=files)
                for file in files.documentation_pages(inclusion=InclusionLevel.is_in_serve):
                    if file.page is None and file.inclusion.is_not_in_nav():
                        Page(None, file, config)
                    mkdocs_compat.populate_page(file.page, config, files)
                env = config.plugins.on_env(env, config=config, files=files)
                files.copy_static_files(inclusion=InclusionLevel.is_in_serve)
                for template in config.theme.static_templates:
                    mkdocs_compat.build_theme_template(template, env, files, config, nav)
                for template in config.extra_templates:
                    mkdocs_compat.build_extra_template(template, files, config, nav)
                self.config, self._files, self._nav, self._env = config, files, nav, env
                self._entries = {}
                for file in self._doc_files():
                    self._build_page(file)
                self._finish()
            except Exception as exc:
                self.config = None
                config.plugins.on_build_error(error=exc)
                raise

    def warm_up(self) -> None:
        """Import once without writing, so that the first edit finds jieba loaded and the
        last import kept (kb.importer.incremental); say so when docs/ is not what sources/
        make."""
        try:
            files, _ = self.importer.generate()
        except KbError as exc:
            log.warning(f"kb serve: sources/ do not import: {exc}")
            return
        self.context.segmenters.warm_up()
        self.importer.warm_up()
        if files != read_tree(self.docs_dir):
            log.warning("kb serve: docs/ is not what `kb import` makes of sources/ now; the next edit to "
                        "sources/ rewrites it")

    def shutdown(self) -> None:
        if self.config is not None:
            self.config.plugins.on_shutdown()
        self.context.cache.save(now=True)

    # -- one change -----------------------------------------------------------------

    def update(self) -> Update:
        """Bring the site up to date with sources/, docs/ and the configuration."""
        started, cpu = time.perf_counter(), time.process_time()
        result = Update()
        sources = _snapshot(self.sources_dir)
        if sources != self.sources:
            changed = {p for p in sources.keys() | self.sources.keys() if sources.get(p) != self.sources.get(p)}
            editorial = _EDITORIAL in changed
            self.sources = sources
            result.imported = self._import(changed)
            result.import_seconds = time.perf_counter() - started
            # The editorial file also makes the search dictionary, used on every page.
            result.full = result.imported and editorial
        docs = _snapshot(self.docs_dir)
        changed = sorted(p for p in docs.keys() | self.docs.keys() if docs.get(p) != self.docs.get(p))
        if self.config is None or _stamps(self.root) != self.stamps:
            result.full = True
        elif any(p not in docs or p not in self.docs or p == NAV_FILE for p in changed):
            result.full = True              # a page added or removed, or the navigation
        if changed and not result.full:
            pages = [p for p in changed if p.endswith(".md")]
            if self._rebuild(pages, [p for p in changed if not p.endswith(".md")]):
                self.docs, result.pages = docs, pages
            else:
                result.full = True          # a page title changed: it is in every page's navigation
        if result.full:
            self.build()
        elif result.imported:
            # A full build copies the images the articles draw (the kb plugin's on_files);
            # here a page may draw one it did not, or an image file was replaced.
            result.images = self.config.plugins["kb"].copy_new_images(self.config, self.importer.drawn())
        result.seconds = time.perf_counter() - started
        result.cpu_seconds = time.process_time() - cpu
        return result

    def _import(self, changed: set[str] | None = None) -> bool:
        """sources/ -> docs/ in this process, again only for what `changed` (paths under
        sources/) touches; False (the error printed) when it fails."""
        try:
            files, warnings = self.importer.generate(changed)
        except KbError as exc:     # the importer keeps its last import: nothing of this one
            log.error(f"kb serve: the import failed, the site stays as it was: {exc}")
            return False
        for warning in warnings:
            log.warning(f"warning: {warning}")
        try:
            # `kb import`, `kb build` or `kb export` in another terminal may be writing
            # docs/ or build/: write after it, as they wait for each other.
            with one_writer(self.root, "serve"):
                update_tree(files, self.docs_dir)
        except KbError as exc:
            log.error(f"kb serve: docs/ was not updated: {exc}; save the article again to retry")
            self.importer.forget()
            self.sources = {}
            return False
        return True

    def _rebuild(self, pages: list[str], others: list[str]) -> bool:
        """Render `pages` again and copy `others` into the site; False, having changed
        nothing in the site, when a page's title changed."""
        wanted = [file for file in self._doc_files() if file.src_uri in set(pages)]
        with site.build_date(self.root):
            for file in wanted:
                title = file.page.title
                mkdocs_compat.populate_page(file.page, self.config, self._files)
                if file.page.title != title:
                    return False
            for file in wanted:
                self._build_page(file)
            for path in others:
                file = self._files.get_file_from_path(path)
                if file is not None:            # not a file excluded from the site
                    file.copy_file()
            self._finish()
        return True

    # -- the steps both share -------------------------------------------------------

    def _doc_files(self):
        from mkdocs.structure.files import InclusionLevel

        return self._files.documentation_pages(inclusion=InclusionLevel.is_in_serve)

    def _search_index(self):
        plugin = next((p for name, p in self.config.plugins.items() if name.endswith("search")), None)
        return getattr(plugin, "search_index", None)

    def _build_page(self, file) -> None:
        """Render one page into the site, keeping the search entries it makes."""
        index = self._search_index()
        if index is not None:
            index.entries = []
        mkdocs_compat.build_page(file.page, self.config, self._doc_files(), self._nav, self._env,
                                 excluded=file.inclusion.is_excluded())
        self._entries[file.src_uri] = index.entries if index is not None else []

    def _finish(self) -> None:
        """After the pages, as a build: the search index from every page's entries in site
        order, the anchor check on every page, the post-build events (which write the index)."""
        index = self._search_index()
        if index is not None:
            index.entries = [entry for file in self._doc_files() for entry in self._entries.get(file.src_uri, [])]
        for file in self._doc_files():
            file.page.validate_anchor_links(files=self._files, log_level=self.config.validation.links.anchors)
        self.config.plugins.on_post_build(config=self.config)


def serve(root: Path, host: str, port: int) -> int:
    """Serve the site on host:port until interrupted, updating it on every change."""
    from mkdocs.livereload import LiveReloadServer

    site_dir = Path(tempfile.mkdtemp(prefix="kb-serve-"))
    preview = Preview(root, site_dir, f"http://{host}:{port}/")
    # MkDocs' development server serves site_dir, adds the live-reload script to pages, and
    # calls the builder when a watched path changes. Paths are polled every 0.1 s, and the
    # changes of one poll arrive together: waiting 20 ms for more (mkdocs: 100 ms) is enough.
    server = LiveReloadServer(builder=lambda: None, host=host, port=port, root=str(site_dir),
                              polling_interval=0.1)
    server.build_delay = 0.02
    docs = root / "docs"
    docs_folder = os.stat(docs).st_ino if docs.is_dir() else None

    def rebuild() -> None:
        nonlocal docs_folder
        try:
            result = preview.update()
        except Exception as exc:  # keep serving the last site: the editor fixes it and saves again
            log.error(f"kb serve: the update failed: {type(exc).__name__}: {exc}")
            result = Update()
        if result.imported or result.changed:
            log.info(f"kb serve: {result}")
        if not result.changed:
            # Nothing new to show (the change was our own write to docs/, or it failed):
            # the browsers keep their page.
            mkdocs_compat.keep_browsers_page(server)
        # `kb import` in another terminal swaps docs/ for a new folder, which the watcher
        # loses: watch the new one.
        folder = os.stat(docs).st_ino if docs.is_dir() else None
        if folder != docs_folder:
            docs_folder = folder
            server.unwatch(str(docs))
            server.watch(str(docs))

    server.builder = rebuild

    def error_page(code: int) -> bytes | None:
        page = site_dir / f"{code}.html"
        return page.read_bytes() if code in (404, 500) and page.is_file() else None

    server.error_handler = error_page

    # Stopped by a signal as by Ctrl-C: remove the site folder, write the caches.
    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    with site.mkdocs_logging(level=logging.INFO):
        try:
            started = time.perf_counter()
            preview.build()
            preview.warm_up()
            # The site's state and the import's memos live as long as the server: the
            # collector need not walk them again on every edit (a full pass over them took
            # a quarter of a second of an update at 50 articles).
            gc.freeze()
            log.info(f"kb serve: site built in {time.perf_counter() - started:.2f}s")
            for path in (root / "sources", docs, root / CONFIG_FILE, root / "overrides"):
                if path.exists():
                    server.watch(str(path))
            server.serve()
        except KeyboardInterrupt:
            log.info("kb serve: stopped")
        finally:
            server.shutdown()
            preview.shutdown()
            shutil.rmtree(site_dir, ignore_errors=True)
    return 0

