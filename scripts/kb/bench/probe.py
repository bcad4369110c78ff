"""Stage timings from inside the real `kb import`, `kb build` and `kb export` commands.

`kb bench` runs the commands as a user does, with PYTHONPATH pointing at a folder whose
`sitecustomize.py` calls `install()` below when KB_BENCH_PROBE names a file. Every Python
process the command starts (the `kb` command, and `python -m mkdocs` if the build runs
MkDocs in a second interpreter) then patches, as they are imported and before anything
uses them:

- kb.importer.pipeline.import_sources (or generate, in an older kb): given a kb.core.clock.Clock, so the pipeline reports read, parse,
  clean, classify, link and write (an older kb without the clock counts as one stage);
- kb.importer.pages.write_tree: the write to disk;
- mkdocs.commands.build.build: every plugin event handler is timed, and the build is
  split where MkDocs passes from one phase to the next (BUILD_PHASES);
- kb.site.linkcheck.check: the link check;
- kb.export.book.export: the steps it reports in Result.stages.

At exit each process appends one JSON line to the KB_BENCH_PROBE file. Nothing in the
commands changes; a process that imports none of these modules writes nothing.
"""
from __future__ import annotations

import atexit
import functools
import importlib.abc
import json
import os
import sys
import time

ENV = "KB_BENCH_PROBE"
SITECUSTOMIZE = '''"""Written by kb.bench.timing: stage timings for kb bench (see kb/bench/probe.py)."""
import os

if os.environ.get("KB_BENCH_PROBE"):
    from kb.bench import probe

    probe.install(os.environ["KB_BENCH_PROBE"])
'''

# MkDocs phases, each from one edge of a plugin event to an edge of a later one, in the
# order mkdocs.commands.build.build runs them ("call" is when build() was called).
BUILD_PHASES = [
    ("config", ("call", ""), ("end", "pre_build")),             # plugins' on_config (search: jieba)
    ("files+nav", ("end", "pre_build"), ("end", "nav")),
    ("markdown", ("end", "nav"), ("start", "env")),             # every page: Markdown -> HTML
    ("static", ("start", "env"), ("start", "page_context")),    # theme files, 404, sitemap
    ("pages", ("start", "page_context"), ("end", "post_page")),  # every page: template -> file
    ("anchors", ("end", "post_page"), ("start", "post_build")),
    ("post_build", ("start", "post_build"), ("end", "post_build")),  # search index, offline …
]

_record: dict = {"stages": {}, "handlers": {}}


def _add(name: str, seconds: float, table: str = "stages") -> None:
    _record[table][name] = _record[table].get(name, 0.0) + seconds


# --------------------------------------------------------------------------- patches

def _clock_class(pipeline):
    """kb's Clock, from the package the pipeline module belongs to (layered or flat)."""
    import importlib

    package = pipeline.__name__.rsplit(".", 1)[0]
    name = "kb.core.clock" if package == "kb.importer" else f"{package}.clock"
    return importlib.import_module(name).Clock


def _patch_pipeline(module) -> None:
    import inspect

    # kb import runs import_sources (generate goes through it too); older packages only generate.
    entry = "import_sources" if hasattr(module, "import_sources") else "generate"
    original = getattr(module, entry)
    takes_clock = "clock" in inspect.signature(original).parameters

    @functools.wraps(original)
    def generate(src_dir, *args, **kwargs):
        if not takes_clock:
            started = time.perf_counter()
            try:
                return original(src_dir, *args, **kwargs)
            finally:
                _add("pipeline", time.perf_counter() - started)
        clock = _clock_class(module)()
        kwargs.pop("clock", None)
        try:
            return original(src_dir, *args, clock=clock, **kwargs)
        finally:
            for name, seconds in clock.seconds.items():
                _add(name, seconds)

    setattr(module, entry, generate)


def _timed(name: str, function):
    @functools.wraps(function)
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            _add(name, time.perf_counter() - started)

    return timed


def _patch_write(module) -> None:
    module.write_tree = _timed("disk", module.write_tree)


def _patch_linkcheck(module) -> None:
    module.check = _timed("linkcheck", module.check)


def _patch_export(module) -> None:
    original = module.export

    @functools.wraps(original)
    def export(*args, **kwargs):
        started = time.perf_counter()
        result = original(*args, **kwargs)
        # An older kb reports no steps: the export counts as one.
        for name, seconds in (getattr(result, "stages", None) or {"export": time.perf_counter() - started}).items():
            _add(name, seconds)
        _record["export"] = {"html_bytes": result.html_bytes, "zip_bytes": result.zip_bytes,
                             "breakdown": result.breakdown}
        return result

    module.export = export


class _EventTimes:
    """First start and last end of each plugin event, and the time of each handler."""

    def __init__(self) -> None:
        self.first: dict[str, float] = {"": time.perf_counter()}
        self.last: dict[str, float] = {}

    def wrap(self, plugins) -> None:
        run_event = plugins.run_event

        def timed_run_event(name, *args, **kwargs):
            self.first.setdefault(name, time.perf_counter())
            try:
                return run_event(name, *args, **kwargs)
            finally:
                self.last[name] = time.perf_counter()

        plugins.run_event = timed_run_event
        for event, methods in plugins.events.items():
            for i, method in enumerate(methods):
                origin = plugins._event_origins.get(method, getattr(method, "__module__", "?"))
                methods[i] = self._handler(f"{origin}.on_{event}", method)

    @staticmethod
    def _handler(key: str, method):
        # wraps: a plugin that looks for another plugin's handler in the event list finds
        # it through __wrapped__.
        @functools.wraps(method)
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                _add(key, time.perf_counter() - started, "handlers")

        timed.mkdocs_priority = getattr(method, "mkdocs_priority", 0)
        return timed

    def phases(self) -> dict[str, float]:
        out = {}
        for name, (edge0, event0), (edge1, event1) in BUILD_PHASES:
            table0 = self.first if edge0 in ("start", "call") else self.last
            table1 = self.first if edge1 == "start" else self.last
            if event0 in table0 and event1 in table1:
                out[name] = table1[event1] - table0[event0]
        return out


def _patch_mkdocs_build(module) -> None:
    original = module.build

    @functools.wraps(original)
    def build(config, *args, **kwargs):
        times = _EventTimes()
        times.wrap(config.plugins)
        try:
            return original(config, *args, **kwargs)
        finally:
            for name, seconds in times.phases().items():
                _add(name, seconds)

    module.build = build


PATCHES = {
    "kb.importer.pipeline": _patch_pipeline,
    "kb.importer.pages": _patch_write,
    "kb.site.linkcheck": _patch_linkcheck,
    "kb.export.book": _patch_export,
    # The flat package before the layers (`kb bench --compare-with` an older kb).
    "kb.pipeline": _patch_pipeline,
    "kb.write": _patch_write,
    "kb.linkcheck": _patch_linkcheck,
    "kb.export": _patch_export,
    "mkdocs.commands.build": _patch_mkdocs_build,
}


# --------------------------------------------------------------------------- import hook

class _PatchingLoader(importlib.abc.Loader):
    def __init__(self, inner, patch):
        self.inner, self.patch = inner, patch

    def create_module(self, spec):
        return self.inner.create_module(spec)

    def exec_module(self, module):
        self.inner.exec_module(module)
        self.patch(module)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds the modules of PATCHES as usual, and patches each once it has run."""

    def find_spec(self, name, path, target=None):
        patch = PATCHES.get(name)
        if patch is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            # kb.export is a module in the flat package and a package in the layered one.
            if spec is not None and spec.loader is not None and spec.submodule_search_locations is None:
                spec.loader = _PatchingLoader(spec.loader, patch)
                return spec
        return None


def install(out: str) -> None:
    """Patch the modules of PATCHES when they are imported; append the record at exit."""
    started = time.perf_counter()
    sys.meta_path.insert(0, _Finder())

    def dump() -> None:
        if not (_record["stages"] or _record["handlers"]):
            return
        line = {"pid": os.getpid(), "argv": sys.argv[:3], "alive": time.perf_counter() - started, **_record}
        with open(out, "a", encoding="utf-8") as f:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")

    atexit.register(dump)


def read(path) -> dict:
    """The records of all processes of one command, added up."""
    out: dict = {"stages": {}, "handlers": {}, "processes": 0}
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            out["processes"] += 1
            for table in ("stages", "handlers"):
                for name, seconds in record[table].items():
                    out[table][name] = out[table].get(name, 0.0) + seconds
            if "export" in record:
                out["export"] = record["export"]
    return out
