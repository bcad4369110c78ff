"""kb: the command line. Thin: parse arguments, call a stage, report."""
from __future__ import annotations

import argparse
import sys
import time
from importlib import import_module
from pathlib import Path

from kb.bench import TARGETS as BENCH_TARGETS
from kb.core import atomic
from kb.core.cache import Cache
from kb.core.lock import one_writer
from kb.core.model import KbError
from kb.core.project import Project
from kb.importer.pages import read_tree, write_tree
from kb.core.plan import source_page
from kb.importer import report
from kb.importer.pipeline import generate, import_sources
from kb.site import linkcheck


# Commands that write docs/, site/, dist/ or build/ run one at a time in a repository.
WRITERS = ("import", "build", "export")


def _project(args) -> Project:
    project = Project(Path(args.root).resolve())
    if not project.sources.is_dir():
        raise KbError(str(project.root), None, "no sources/ folder here", "run kb from the repository root or pass --root")
    return project


def cmd_import(args) -> int:
    project = _project(args)
    started = time.perf_counter()
    context = project.context()
    before = read_tree(project.docs) if project.docs.is_dir() else {}
    kb, files, warnings = import_sources(project.sources, context)
    told = {str(p) for p in kb.problems}
    for w in warnings:
        if w not in told:                      # the problems are summed up below and in the report
            print(f"warning: {w}", file=sys.stderr)
    write_tree(files, project.docs)
    context.cache.save()
    # What changed for the editor: the articles whose page under docs/sources/ is new or differs.
    changed = {a.path for a in kb.articles if files.get(source_page(a)) != before.get(source_page(a))}
    for line in report.summary(kb, changed):
        print(line)
    review = project.root / report.REPORT_FILE
    review.parent.mkdir(parents=True, exist_ok=True)
    review.write_text(report.review(kb), encoding="utf-8")
    pages = sum(1 for f in files if f.endswith(".md"))
    print(f"kb import: {pages} pages written to docs/ in {time.perf_counter() - started:.2f}s")
    if line := report.contradictions_line(kb):
        print(line)
    problems = report.warnings(kb)
    if problems:
        print(f"kb import: {problems} warnings ({report.counts_line(kb)}); the full review is in "
              f"{report.REPORT_FILE}", file=sys.stderr)
    if args.strict and (problems or len(warnings) > len(told & set(warnings))):
        print("kb import --strict: failing on the warnings above", file=sys.stderr)
        return 1
    return 0


def cmd_check(args) -> int:
    project = _project(args)
    files, _ = generate(project.sources, project.context())
    current = read_tree(project.docs) if project.docs.is_dir() else {}
    stale = sorted(p for p in set(files) | set(current) if files.get(p) != current.get(p))
    if stale:
        print("docs/ is out of date with sources/; run `kb import` and commit the result. Differs:", file=sys.stderr)
        for path in stale[:20]:
            print(f"  docs/{path}", file=sys.stderr)
        return 1
    print(f"kb check: docs/ is up to date ({len(files)} files)")
    return 0


def cmd_build(args) -> int:
    from kb.site import build as site

    project = _project(args)
    started = time.perf_counter()
    # Built beside site/ and swapped in whole when it passed: a failed or killed build
    # leaves the previous site/.
    with atomic.staged(project.site) as staging:
        if not site.build(project.root, staging.path):
            print("kb build: mkdocs build --strict failed (see the warnings above); site/ is as it was",
                  file=sys.stderr)
            return 1
        memos = Cache(project.cache_dir)
        broken = _report_links(staging.path, "kb build", memos, shown="site")
        memos.save()
        if broken:
            print("kb build: site/ is as it was", file=sys.stderr)
            return 1
        staging.commit()
    print(f"kb build: site/ built in {time.perf_counter() - started:.2f}s: {project.site / 'index.html'}")
    return 0


def _report_links(target: Path, who: str, memos: Cache | None = None, shown: str | None = None) -> int:
    broken = linkcheck.check(target, memos)
    for problem in broken[:50]:
        print(f"{shown or target.name}/{problem}" if target.is_dir() else str(problem), file=sys.stderr)
    if broken:
        more = " (first 50 shown)" if len(broken) > 50 else ""
        print(f"{who}: {len(broken)} broken internal links or anchors{more}; fix the page or the "
              "template that writes them, then build again", file=sys.stderr)
    return len(broken)


def cmd_linkcheck(args) -> int:
    target = Path(args.path) if args.path else _project(args).site
    if not target.exists():
        raise KbError(str(target), None, "nothing to check: no such folder or file", "run `kb build` first")
    if _report_links(target, "kb linkcheck"):
        return 1
    print(f"kb linkcheck: every internal link and anchor in {target} resolves")
    return 0


def cmd_serve(args) -> int:
    from kb.site.serve import serve

    return serve(_project(args).root, "127.0.0.1", args.port)


def cmd_bench(args) -> int:
    from kb.bench import target

    return target(args.target).run(_project(args).root, args)


def cmd_export(args) -> int:
    from kb.export.book import export

    project = _project(args)
    started = time.perf_counter()

    def progress(message: str) -> None:
        print(f"kb export [{time.perf_counter() - started:5.1f}s] {message}", flush=True)

    if args.site:
        site = Path(args.site).resolve()
    else:
        progress("building site/ (mkdocs build --strict)")
        code = cmd_build(args)
        if code:
            return code
        site = project.site
    result = export(project.root, site, Path(args.dist).resolve() if args.dist else project.dist, progress)
    print(f"kb export: {result.html_path} ({result.html_bytes / 1e6:.2f} MB)")
    for kind, size in result.breakdown.items():
        print(f"  {size / 1e3:9.1f} kB  {kind}")
    print(f"kb export: {result.zip_path} ({result.zip_bytes / 1e6:.2f} MB)")
    print(f"kb export: done in {time.perf_counter() - started:.1f}s")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kb", description="AI大模型创业知识库 tooling")
    parser.add_argument("--root", default=".", help="repository root (default: current folder)")
    sub = parser.add_subparsers(dest="command", required=True)
    p_import = sub.add_parser("import", help="sources/ -> docs/ (topic chapters and provenance manifest)")
    p_import.add_argument("--strict", action="store_true",
                          help="exit 1 when the import has any warning (for CI); docs/ is written all the same")
    sub.add_parser("check", help="fail when docs/ is out of date with sources/")
    sub.add_parser("build", help="docs/ -> site/ with mkdocs build --strict")
    serve = sub.add_parser("serve", help="preview the site on 127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    links = sub.add_parser("linkcheck", help="fail when an internal link or anchor in built HTML does not resolve")
    links.add_argument("path", nargs="?", help="a built site folder or one HTML file (default: site/)")
    bench = sub.add_parser("bench", help="measurements too slow for the tests; reports go to bench/")
    targets = bench.add_subparsers(dest="target", required=True)
    # A target's options come from its module, and the bench modules import much (Playwright,
    # the corpus, the report): only `kb bench` pays for that, not every kb import and build.
    words = sys.argv[1:] if argv is None else argv
    for name, (_, help_text) in BENCH_TARGETS.items():
        target_parser = targets.add_parser(name, help=help_text)
        if "bench" in words:
            import_module(BENCH_TARGETS[name][0]).add_arguments(target_parser)
    export = sub.add_parser("export", help="site/ -> dist/: one self-contained HTML file and a zip of the site")
    export.add_argument("--site", help="export this already-built site instead of running kb build first")
    export.add_argument("--dist", help="output folder (default: dist/)")
    args = parser.parse_args(argv)
    handler = {"import": cmd_import, "check": cmd_check, "build": cmd_build, "serve": cmd_serve,
               "linkcheck": cmd_linkcheck, "bench": cmd_bench, "export": cmd_export}[args.command]
    try:
        if args.command in WRITERS:
            with one_writer(_project(args).root, args.command):
                return handler(args)
        return handler(args)
    except KbError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
