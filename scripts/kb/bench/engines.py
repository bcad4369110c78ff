"""`kb bench engines`: the served site's two search engines side by side, at 5, 50 and 500
articles: the one-file index (kb-search.js over search/search_index.json) and Pagefind's
split index (kb-pagefind.js, kb.site.pagefind).

    kb bench engines                          # 5 and 50 articles, both engines
    kb bench engines --sizes 500 --engines pagefind

For each size, a scratch root under bench/tmp/engines/ gets the corpus (kb.bench.corpus),
is imported once and built once per engine (the kb plugin's `search_engine` option set in
its mkdocs.yml). Each site is served gzipped on 127.0.0.1 and, in headless Chromium:

- quality and latency: the project's query set (scripts/bench/search_queries.yml) typed
  into one page's search box, one query after the other (kb.bench.search.SearchBox):
  hit@1, hit@5, MRR, and the time from the last keystroke to the results drawn. In the
  larger `copies` corpora (the default) each article after the fifth is a retitled,
  reshuffled copy of one of the five, so a copy of an answer section (same article, same
  heading without its number, same page) counts as that answer. In the `distinct` corpus
  (`--corpus distinct`) the other articles are different real text, so the answers are the
  five articles' own sections only: hit@5 says whether they stay in the top five among
  that many articles.
- bytes: each query typed into a page of its own with an empty cache: what the page and its
  workers download for search when the page opens (the index, or Pagefind's script, wasm
  and entry files), and what they download from the first keystroke of the query to its
  results drawn (Pagefind's index chunks, the words files, the fragments shown).

Writes bench/engines.json and bench/engines.md (a later run replaces only the sizes,
engines and corpus it measured; a row measured on the distinct corpus is keyed
`<engine>@distinct` and says so).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import time
from pathlib import Path

from . import corpus
from .browser import chromium, serve
from .search import (EngineResult, Outcome, Query, SearchBox, _percentile, first_answer_rank, load_queries,
                     timing_summary)
from .timing import kb_command

REPORT_DIR = Path("bench")
WORK_DIR = REPORT_DIR / "tmp" / "engines"
QUERIES = Path("scripts/bench/search_queries.yml")
# An engine name with UNFOLDED after it: the site built with `search_fold: false`, every
# copy of a section its own result (kb.site.search.fold), to measure the engine over as
# many records as a site of that size without repeated sections has.
UNFOLDED = "-unfolded"
ENGINES = ("index", "pagefind", "index" + UNFOLDED, "pagefind" + UNFOLDED)
LABELS = {"index": "单文件索引（search_index.json + kb-search.js）", "pagefind": "Pagefind 分片索引（kb-pagefind.js）"}
LABELS.update({name + UNFOLDED: label + "，相同节不合并" for name, label in list(LABELS.items())})

_NUMBER = re.compile(r"^\s*(?:第[0-9一二三四五六七八九十]+[部分章]|[0-9]+(?:\.[0-9]+)*)\.?\s*")


def add_arguments(parser) -> None:
    parser.add_argument("--sizes", default="5,50", help="corpus sizes in articles, comma-separated (default: 5,50)")
    parser.add_argument("--engines", default="index,pagefind",
                        help="engines to measure (default: index,pagefind); an engine with -unfolded after it "
                             "(pagefind-unfolded) is measured on the site built with search_fold: false")
    corpus.add_corpus_option(parser)
    parser.add_argument("--bytes-queries", type=int, help="how many queries get a page of their own for the "
                        "bytes they download (default: all)")
    parser.add_argument("--out", default=str(REPORT_DIR), help="folder for engines.json and engines.md")


def _kb(work: Path, *args: str) -> None:
    proc = subprocess.run([kb_command(), "--root", str(work), *args], capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"kb {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")


def set_engine(mkdocs_yml: Path, engine: str, fold: bool = True) -> None:
    """Set the kb plugin's `search_engine` (and `search_fold`) in a scratch root's mkdocs.yml."""
    text = mkdocs_yml.read_text(encoding="utf-8")
    text = re.sub(r"\n      search_(?:engine|fold): \w+", "", text)
    text, n = re.subn(r"(\n  - kb:\n)", rf"\1      search_engine: {engine}\n      search_fold: {str(fold).lower()}\n",
                      text, count=1)
    if n != 1:
        raise RuntimeError(f"{mkdocs_yml}: no `- kb:` plugin entry to set search_engine in")
    mkdocs_yml.write_text(text, encoding="utf-8")


def copies_of_answers(queries: list[Query], provenance: Path) -> list[Query]:
    """Each query with the copies of its answers (kb.bench.corpus) added: the sections of a
    copy of the answer's article with the same heading (its number aside) on the same page."""
    sections = [s for s in json.loads(provenance.read_text(encoding="utf-8"))["sections"] if "page" in s]
    by_key = {f"{s['page']}#{s['anchor']}": s for s in sections}

    def real(source: str) -> int:
        return int(source.split("_")[0]) % 5

    index: dict[tuple, list[str]] = {}
    for s in sections:
        index.setdefault((real(s["source"]), s["page"], _NUMBER.sub("", s["heading"])), []).append(
            f"{s['page']}#{s['anchor']}")
    out = []
    for query in queries:
        answers = list(query.answers)
        for answer in query.answers:
            s = by_key[answer]
            answers += [k for k in index.get((real(s["source"]), s["page"], _NUMBER.sub("", s["heading"])), [])
                        if k not in answers]
        out.append(Query(query.q, query.kind, answers, query.set))
    return out


def same_sections(queries: list[Query], provenance: Path, scratch: Path) -> list[Query]:
    """Each query with its answers (sections of the real articles, as `provenance` places
    them) named as the scratch site's provenance places the same sections (same article,
    same lines), for a corpus where nothing else counts as an answer."""
    def placed(path: Path) -> list[dict]:
        return [s for s in json.loads(path.read_text(encoding="utf-8"))["sections"] if "page" in s]

    where = {(s["source"], tuple(s["lines"])): f"{s['page']}#{s['anchor']}" for s in placed(scratch)}
    key_of = {f"{s['page']}#{s['anchor']}": (s["source"], tuple(s["lines"])) for s in placed(provenance)}
    out = []
    for query in queries:
        missing = [a for a in query.answers if key_of[a] not in where]
        if missing:
            raise RuntimeError(f"{scratch}: answers of {query.q!r} not placed in the scratch site: {missing}")
        out.append(Query(query.q, query.kind, [where[key_of[a]] for a in query.answers], query.set))
    return out


def row_key(engine: str, kind: str) -> str:
    """The key of a row in engines.json: the engine, with `@distinct` after it for that corpus."""
    return engine if kind == "copies" else f"{engine}@{kind}"


class _CountingBox(SearchBox):
    """A search box that also sums the bytes of every response (body and headers)."""

    def __init__(self, browser, base_url: str, timeout_ms: int = 300_000):
        self.sizes: list[tuple[str, int]] = []
        super().__init__(browser, base_url, timeout_ms)

    def start_url(self) -> str:
        return f"{self.base}/risk/identification.html"


def _open_counting(browser, base: str, timeout_ms: int):
    """A page of the site in a fresh context, counting bytes from the start."""
    sizes: list[tuple[str, int]] = []
    original = browser.new_context

    def new_context(*args, **kwargs):
        context = original(*args, **kwargs)
        context.on("requestfinished", lambda r: sizes.append(
            (r.url, r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"])))
        return context

    browser.new_context = new_context
    try:
        box = _CountingBox(browser, base, timeout_ms)
    finally:
        browser.new_context = original
    box.sizes = sizes
    return box


def _search_bytes(urls_sizes: list[tuple[str, int]]) -> int:
    return sum(n for url, n in urls_sizes if "/pagefind/" in url or "/search/" in url or "/workers/" in url
               or "opencc" in url)


def measure_site(browser, base: str, queries: list[Query], bytes_queries: int, timeout_ms: int) -> dict:
    # One page, every query in turn: ranking and keystroke latency.
    box = SearchBox(browser, base, timeout_ms=timeout_ms)
    result = EngineResult("site")
    try:
        ready = box.ready_s
        for query in queries:
            ranking, ms = box.search(query.q, timeout_ms=timeout_ms)
            result.outcomes.append(Outcome(query.q, query.kind, query.answers, ranking[:20],
                                           first_answer_rank(ranking, query.answers), ms))
        index_requested = any("search_index.json" in url for url in box.requests)
    finally:
        box.close()
    # A page of its own per query: bytes at opening, and for the query.
    opening, per_query = [], []
    for query in queries[:bytes_queries]:
        box = _open_counting(browser, base, timeout_ms)
        try:
            box.page.wait_for_load_state("networkidle")
            opening.append(_search_bytes(box.sizes))
            before = len(box.sizes)
            box.search(query.q, timeout_ms=timeout_ms)
            box.page.wait_for_timeout(100)   # the last responses' events reach us
            per_query.append(_search_bytes(box.sizes[before:]))
        finally:
            box.close()
    times = [o.ms for o in result.outcomes]
    return {
        **result.summary(), **timing_summary(times), "ready_s": round(ready, 2),
        "index_requested": index_requested,
        "open_bytes_median": int(statistics.median(opening)) if opening else None,
        "query_bytes_median": int(statistics.median(per_query)) if per_query else None,
        "query_bytes_p95": int(_percentile(per_query, 95)) if per_query else None,
        "query_bytes_max": max(per_query) if per_query else None,
        "bytes_queries": len(per_query),
        "misses_at_5": [o.q for o in result.outcomes if not (o.rank and o.rank <= 5)],
        "by_kind": {kind: result.summary([o for o in result.outcomes if o.kind == kind])
                    for kind in sorted({o.kind for o in result.outcomes})},
    }


def _meta(load_before: float, seconds: float) -> dict:
    return {"when": time.strftime("%Y-%m-%d %H:%M"), "load": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "cpus": os.cpu_count(), "build_s": round(seconds, 1)}


def run(root: Path, args) -> int:
    sizes = [int(s) for s in str(args.sizes).split(",") if s.strip()]
    engines = [e for e in str(args.engines).split(",") if e.strip()]
    out = root / args.out
    out.mkdir(parents=True, exist_ok=True)
    path = out / "engines.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    data.setdefault("sizes", {})
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.0f}s] {message}", flush=True)

    kind = args.corpus
    for size in sizes:
        work = corpus.work_folder(root / WORK_DIR, size, kind)
        log(f"kb bench engines: {size} articles ({kind}) in {work}")
        corpus.scratch_root(root, work, size, kind=kind)
        _kb(work, "import")
        queries = load_queries(root / QUERIES, root / "docs" / "provenance.json")
        if kind == "copies":
            queries = copies_of_answers(queries, work / "docs" / "provenance.json")
        else:
            queries = same_sections(queries, root / "docs" / "provenance.json", work / "docs" / "provenance.json")
        for engine in engines:
            set_engine(work / "mkdocs.yml", engine.removesuffix(UNFOLDED), fold=not engine.endswith(UNFOLDED))
            load = os.getloadavg()[0]
            log(f"  kb build, search_engine: {engine}")
            t0 = time.perf_counter()
            _kb(work, "build")
            seconds = time.perf_counter() - t0
            site = work / "site"
            index_bytes = (site / "search" / "search_index.json").stat().st_size
            pagefind_dir = site / "pagefind"
            pf_bytes = sum(p.stat().st_size for p in pagefind_dir.rglob("*") if p.is_file()) if pagefind_dir.is_dir() else 0
            log(f"  {engine}: {len(queries)} queries in Chromium")
            timeout_ms = 900_000 if size > 50 else 300_000
            with chromium() as browser, serve(site, compress=True) as base:
                figures = measure_site(browser, base, queries, args.bytes_queries or len(queries), timeout_ms)
            figures.update(corpus=kind, index_raw_bytes=index_bytes, pagefind_bytes=pf_bytes,
                           meta=_meta(load, seconds))
            data["sizes"].setdefault(str(size), {})[row_key(engine, kind)] = figures
            log(f"  {engine}: hit@5 {figures['hit@5']}, p95 {figures['p95_ms']} ms, "
                f"query bytes p95 {figures['query_bytes_p95']}")
            write(out, data)
    log(f"kb bench engines: wrote {out / 'engines.md'} and {out / 'engines.json'}")
    return 0


def _kb_size(n: int | None) -> str:
    return "—" if n is None else (f"{n / 1024:.1f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.2f} MB")


def _earlier(out: Path) -> dict | None:
    """The one-file engine at 500 articles as `kb bench all --sizes 500` measured it
    (bench/report.json), when there: building that site again only to time it is slow."""
    path = out / "report.json"
    try:
        size = json.loads(path.read_text(encoding="utf-8"))["sizes"]["500"]
        index = size["weight"]["index"]["search/search_index.json"]
        return {**size["search"], **size["search"]["meta"], **index}
    except (OSError, KeyError, ValueError):
        return None


CORPUS_LABELS = {"copies": "副本", "distinct": "不同文章"}


def _rows(data: dict):
    """(size, engine, corpus, figures) of every row, by size, then corpus, then engine."""
    for size in sorted(data["sizes"], key=int):
        for kind in corpus.KINDS:
            for engine in ENGINES:
                f = data["sizes"][size].get(row_key(engine, kind))
                if f:
                    yield size, engine, kind, f


def write(out: Path, data: dict) -> None:
    (out / "engines.json").write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    lines = [
        "# 站点搜索：单文件索引与 Pagefind 分片索引（kb bench engines）",
        "",
        "由 `kb bench engines` 生成（`scripts/kb/bench/engines.py`）。每个规模导入一次，按两种引擎各构建一次"
        "（kb 插件的 `search_engine`），在 Chromium 中通过 gzip 服务器访问。查询集 `scripts/bench/search_queries.yml`；"
        "“语料”一列：**副本**（`--corpus copies`，默认）时 50、500 篇的第 6 篇起是五篇真实文章的副本，答案节在副本中的同名节"
        "（同一文章、同一页面、去掉编号后标题相同）也算命中；**不同文章**（`--corpus distinct`）时第 6 篇起是 495 篇各不相同的"
        "真实公开中文 Markdown 文章（`bench/corpus/`，来源与许可见其中的 SOURCES.md），答案只有五篇文章自己的节，"
        "hit@5 即这些答案在那么多篇文章中是否仍排在前 5。",
        "",
        "- 延迟：同一页面中依次输入每条查询，从最后一次按键到结果绘出（中位数 / p95 / 最大）。",
        "- 打开时下载：每条查询各用一个新页面（空缓存），页面打开到搜索就绪时为搜索下载的字节（索引，或 Pagefind 的脚本、wasm、入口文件、词表索引），中位数。",
        "- 每次查询下载：同一个新页面中，从查询的第一次按键到结果绘出之间下载的字节（gzip 后，含响应头）。",
        "",
        "| 规模 | 语料 | 引擎 | 查询数 | hit@1 | hit@5 | MRR | 延迟中位数 | p95 | 最大 | 打开时下载 | 每次查询下载（中位数 / p95 / 最大） | 页面下载 search_index.json | 索引（磁盘） |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for size, engine, kind, f in _rows(data):
        disk = (f"{_kb_size(f['index_raw_bytes'])}（单文件）" if engine.startswith("index")
                else f"{_kb_size(f['pagefind_bytes'])}（pagefind/）")
        lines.append(
            f"| {size} 篇 | {CORPUS_LABELS[kind]} | {LABELS[engine]} | {f['queries']} | {f['hit@1']:.2f} | {f['hit@5']:.2f} "
            f"| {f['mrr']:.2f} | {f['median_ms']} ms | **{f['p95_ms']} ms** | {f['max_ms']} ms "
            f"| {_kb_size(f['open_bytes_median'])} | {_kb_size(f['query_bytes_median'])} / "
            f"**{_kb_size(f['query_bytes_p95'])}** / {_kb_size(f['query_bytes_max'])} "
            f"| {'是' if f['index_requested'] else '否'} | {disk} |")
    lines += ["", "读法：副本语料中每节有（篇数 ÷ 5）份几乎相同的副本（只有编号和标题后缀不同）。站点构建时把标题（去掉编号）"
              "和正文都相同的节合并为一条结果，注明“另有 N 处相同内容”（`kb.site.search.fold`，两种引擎相同），"
              "所以前 5 名是 5 个不同的节。标“相同节不合并”的行用 `search_fold: false` 构建：每份副本各是一条记录，"
              "记录数与没有重复节的同规模站点相当，用来衡量引擎在这么多记录上的延迟；这时前 5 名往往是同一节的 5 份副本，"
              "hit@5 接近 5 篇时的 hit@1。不同文章语料没有重复的节，合并几乎不起作用，记录数就是节数。"]
    earlier = _earlier(out)
    if earlier:
        lines += ["", "修复前，500 篇（单文件索引，`bench/report.md`，`kb bench all --sizes 500`，"
                  f"{earlier['when']}，负载 {earlier['load'][0]} / {earlier['load'][1]}）：前 {earlier['queries']} 条查询的延迟"
                  f"中位数 {earlier['median_ms']} ms，p95 **{earlier['p95_ms']} ms**，最大 {earlier['max_ms']} ms，"
                  f"搜索就绪 {earlier['ready_s']} s；每个页面打开时下载索引 {_kb_size(earlier['gzip'])}（gzip；"
                  f"原始 {_kb_size(earlier['raw'])}），其后每次查询不再下载。"]
    lines += ["", "## 按查询类型（hit@1 / hit@5 / MRR）", ""]
    for size, engine, kind, f in _rows(data):
        kinds = "，".join(f"{k} {v['hit@1']:.2f}/{v['hit@5']:.2f}/{v['mrr']:.2f}（{v['queries']}）"
                         for k, v in f["by_kind"].items())
        lines.append(f"- {size} 篇（{CORPUS_LABELS[kind]}），{engine}：{kinds}")
        if f["misses_at_5"]:
            lines.append(f"  - 前 5 未命中：{'、'.join(f'`{q}`' for q in f['misses_at_5'])}")
    lines += ["", "## 测量条件", ""]
    for size, engine, kind, f in _rows(data):
        m = f["meta"]
        lines.append(f"- {size} 篇（{CORPUS_LABELS[kind]}），{engine}：测于 {m['when']}，{m['cpus']} 核，负载（1 分钟平均）开始 "
                     f"{m['load'][0]} / 结束 {m['load'][1]}；`kb build` {m['build_s']} s")
    (out / "engines.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
