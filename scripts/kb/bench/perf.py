"""`kb bench all | build | weight | serve`: build speed, page weight, search and serve
latency, for corpora of 5, 50 (and, when asked, 500) articles.

    kb bench all                       # everything, 5 and 50 articles (~15 min on 2 quiet cores)
    kb bench all --sizes 500           # add the 500-article figures to the same report
    kb bench build --sizes 5 --runs 9  # only the build timings, more runs

For each size, a scratch root under bench/tmp/perf/ gets the corpus (kb.bench.corpus: the
real five articles first, then shuffled, retitled copies; with `--corpus distinct`, then
different real articles), the repository's mkdocs.yml,
overrides, hook file and node_modules, and a plain mkdocs-material site of the same raw
articles as the reference. Then, as the target asks:

- build:  kb import / kb build / export steps, stage by stage, against plain (kb.bench.timing);
- weight: bytes transferred to open three pages with a cold cache, search index size
          (kb.bench.weight), and search latency in Chromium (kb.bench.search);
- serve:  edit -> shown in the browser under `kb serve` (kb.bench.edit).

Figures are merged into bench/report.json (a later run at another size or of another
target replaces only what it measured; the distinct corpus's under its "distinct" key),
and bench/report.md and bench/report.svg are made again from the whole JSON.
"""
from __future__ import annotations

import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

from . import corpus, edit, plain, report, timing, weight
from .browser import chromium, serve
from .search import Query, search_timing, timing_summary

REPORT_DIR = Path("bench")
WORK_DIR = REPORT_DIR / "tmp" / "perf"
QUERIES = Path("scripts/bench/search_queries.yml")
PARTS = {"all": ("build", "weight", "serve"), "build": ("build",), "weight": ("weight",), "serve": ("serve",)}


def add_arguments(parser) -> None:
    parser.add_argument("--sizes", default="5,50", help="corpus sizes in articles, comma-separated (default: 5,50)")
    corpus.add_corpus_option(parser)
    parser.add_argument("--runs", type=int, help="runs per size for the build timings "
                        "(default: 5 for 5 articles, 3 up to 50, 1 above)")
    parser.add_argument("--export-max", type=int, default=50,
                        help="time the export steps only up to this many articles (default: 50)")
    parser.add_argument("--queries", type=int, help="search latency: the first N queries of the query set "
                        "(default: all up to 50 articles, 20 above)")
    parser.add_argument("--edits", type=int, help="kb serve: edits of docs/ per size (default: 5, 3 at 50, 1 above)")
    parser.add_argument("--source-edits", type=int,
                        help="kb serve: edits of an article in sources/ per size (default: 2, 1 at 50, 0 above)")
    parser.add_argument("--compare-with", metavar="DIR",
                        help="also time `kb import` once with the kb package found in DIR (an older checkout's "
                             "scripts/ folder), for a before/after table")
    parser.add_argument("--out", default=str(REPORT_DIR), help="folder for report.json, report.md, report.svg")


def _default(size: int, small: int, medium: int, large: int) -> int:
    return small if size <= 5 else (medium if size <= 50 else large)


def _meta(load_before: float) -> dict:
    return {"when": time.strftime("%Y-%m-%d %H:%M"), "load": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "cpus": os.cpu_count(), "python": platform.python_version()}


def _commit(root: Path) -> str:
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=30).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "scripts", "mkdocs.yml",
                                "overrides"], capture_output=True, text=True, timeout=30).stdout.strip()
        return head + ("+uncommitted" if dirty else "") if head else "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def _queries(root: Path, limit: int) -> list[Query]:
    """The query strings of the query set (answers are not needed to time them)."""
    raw = yaml.safe_load((root / QUERIES).read_text(encoding="utf-8"))["queries"]
    return [Query(str(q["q"]), str(q["kind"]), []) for q in raw][:limit]


def _corpus_figures(work: Path) -> dict:
    sections = json.loads((work / "docs" / "provenance.json").read_text(encoding="utf-8"))["sections"]
    articles = {s["source"] for s in sections}
    pages = sum(1 for p in (work / "docs").rglob("*.md"))
    return {"articles": len(articles), "sections": sum(1 for s in sections if "page" in s), "pages": pages}


def measure_size(root: Path, size: int, parts: tuple[str, ...], args, log) -> dict:
    kind = args.corpus
    work = corpus.work_folder(root / WORK_DIR, size, kind)
    log(f"kb bench: {size} articles ({kind}) in {work}")
    corpus.scratch_root(root, work, size, kind=kind)
    figures: dict = {}
    kb = [timing.kb_command(), "--root", str(work)]
    if "build" in parts:
        plain_config = plain.write_plain_site(work / "plain", work / "sources")
        runs = args.runs or _default(size, 5, 3, 1)
        load = os.getloadavg()[0]
        log(f"  build timings: {runs} runs (plain, kb import, kb build"
            + (", kb export --site)" if size <= args.export_max else ")"))
        figures["build"] = {**timing.measure(work, plain_config, runs, size <= args.export_max,
                                             progress=log), "meta": _meta(load)}
        if args.compare_with:
            log(f"  kb import{' and export steps' if size <= args.export_max else ''} "
                f"with the kb package in {args.compare_with}")
            figures["before"] = timing.before(work, str(Path(args.compare_with).resolve()), size <= args.export_max)
    else:  # what the other parts need: docs/ (kb serve builds by itself), and site/ to weigh
        subprocess.run([*kb, "import"], check=True, capture_output=True)
        if "weight" in parts:
            subprocess.run([*kb, "build"], check=True, capture_output=True)
    figures["corpus"] = _corpus_figures(work)
    if "weight" in parts:
        load = os.getloadavg()[0]
        site = work / "site"
        limit = args.queries or _default(size, 10_000, 10_000, 20)
        queries = _queries(root, limit)
        timeout_ms = _default(size, 180_000, 300_000, 900_000)
        with chromium() as browser, serve(site, compress=True) as base:
            log("  page weight (cold cache, gzip)")
            figures["weight"] = {**weight.measure(browser, base, site), "meta": _meta(load)}
            log(f"  search latency: {len(queries)} queries")
            try:
                times, ready = search_timing(browser, base, queries, timeout_ms)
                figures["search"] = {**timing_summary(times), "ready_s": round(ready, 2), "meta": _meta(load)}
            except Exception as exc:  # an index too large to load is a finding, not a crash
                figures["search"] = {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}",
                                     "meta": _meta(load)}
            log("  Pagefind on a copy of the site: index size, bytes and time per query")
            figures["pagefind"] = {**weight.pagefind(browser, site, work / "pagefind-site", [q.q for q in queries]),
                                   "meta": _meta(load)}
            shutil.rmtree(work / "pagefind-site", ignore_errors=True)
    if "serve" in parts:
        load = os.getloadavg()[0]
        edits = args.edits or _default(size, 5, 3, 1)
        source_edits = args.source_edits if args.source_edits is not None else _default(size, 2, 1, 0)
        log(f"  kb serve: {edits} edits of docs/, {source_edits} of sources/")
        figures["serve"] = {**edit.measure(work, edits, source_edits), "meta": _meta(load)}
    return figures


def run(root: Path, args) -> int:
    parts = PARTS[args.target]
    sizes = [int(s) for s in str(args.sizes).split(",") if s.strip()]
    out = root / args.out
    out.mkdir(parents=True, exist_ok=True)
    path = out / "report.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    data.setdefault("sizes", {})
    command = ("kb bench " + " ".join(shlex.quote(a) for a in sys.argv[sys.argv.index("bench") + 1:])
               if "bench" in sys.argv else f"kb bench {args.target}")
    commit = _commit(root)
    if args.compare_with:
        data["before_label"] = args.compare_with
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.0f}s] {message}", flush=True)

    kind = args.corpus
    # The copies corpus's figures at the top (as before); another corpus's under its name.
    target = data["sizes"] if kind == "copies" else data.setdefault(kind, {}).setdefault("sizes", {})
    for size in sizes:
        figures = measure_size(root, size, parts, args, log)
        for part in parts:
            if part in figures:
                figures[part]["meta"].update(command=command, commit=commit, corpus=kind)
        target.setdefault(str(size), {}).update(figures)
        write(out, data)
    log(f"kb bench: wrote {out / 'report.md'}, {out / 'report.json'} and {out / 'report.svg'}")
    return 0


def write(out: Path, data: dict) -> None:
    for sizes in (data["sizes"], *(data[k]["sizes"] for k in corpus.KINDS if k in data)):
        sorted_sizes = dict(sorted(sizes.items(), key=lambda kv: int(kv[0])))
        sizes.clear()
        sizes.update(sorted_sizes)
    (out / "report.json").write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (out / "report.md").write_text(report.markdown(data), encoding="utf-8")
    (out / "report.svg").write_text(report.svg(data), encoding="utf-8")
