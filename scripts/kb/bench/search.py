"""`kb bench search`: does the site's search put the answering section on top?

Every query of scripts/bench/search_queries.yml is typed into the site's own search box
in headless Chromium, as a reader types it: Latin characters key by key, Chinese as an
input method commits it (the text, then the key that commits it). The section links of
the drawn result list, in order, are the ranking. The same queries then go through
Pagefind, indexing a copy of the same built site, through its own browser API.

Figures: hit@1, hit@5 and MRR at section level (page + anchor), and the time from the
last keystroke to the results being drawn, for the real site and for a site made of
the five articles repeated ten times. Reports: bench/search.json and bench/search.md.
"""
from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

from .browser import chromium, serve

QUERIES = Path("scripts/bench/search_queries.yml")
REPORT_DIR = Path("bench")
WORK_DIR = REPORT_DIR / "tmp"
# Material renders ten result groups at once (more only as the reader scrolls); Pagefind
# is read to the same depth of pages.
PAGES_READ = 10
# What an input method commits (Chinese characters and full-width punctuation) versus
# what a keyboard types key by key.
_IME_RUN = re.compile(r"([^\x00-\x7f]+)")


@dataclass
class Query:
    q: str
    kind: str
    answers: list[str]


@dataclass
class Outcome:
    q: str
    kind: str
    answers: list[str]
    ranking: list[str]                  # section keys, best first
    rank: int | None                    # 1-based rank of the first answer, None if absent
    ms: float | None = None             # keystroke to results drawn (ours) / search call (Pagefind)


@dataclass
class EngineResult:
    engine: str
    outcomes: list[Outcome] = field(default_factory=list)

    def hit_at(self, k: int) -> float:
        return sum(1 for o in self.outcomes if o.rank and o.rank <= k) / len(self.outcomes)

    def mrr(self) -> float:
        return sum(1 / o.rank for o in self.outcomes if o.rank) / len(self.outcomes)

    def summary(self) -> dict:
        return {"engine": self.engine, "queries": len(self.outcomes), "hit@1": round(self.hit_at(1), 3),
                "hit@5": round(self.hit_at(5), 3), "mrr": round(self.mrr(), 3)}


# ---------------------------------------------------------------------------
# Query set and scoring


def load_queries(path: Path, provenance: Path) -> list[Query]:
    """The query set, with every answer checked against the provenance manifest."""
    known = {f"{s['page']}#{s['anchor']}" for s in json.loads(provenance.read_text(encoding="utf-8"))["sections"]
             if "page" in s}
    queries = []
    for i, raw in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))["queries"], 1):
        query = Query(str(raw["q"]), str(raw["kind"]), [str(a) for a in raw["answers"]])
        unknown = [a for a in query.answers if a not in known]
        if unknown or not query.answers:
            raise ValueError(f"{path}: query {i} ({query.q}): answers not in docs/provenance.json: {unknown}")
        queries.append(query)
    return queries


def section_key(url: str, base: str) -> str | None:
    """`page.md#anchor` for a result link under base, None for a link to a whole page."""
    parts = urlsplit(url)
    if not parts.fragment:
        return None
    path = unquote(parts.path)[len(urlsplit(base).path):].strip("/")
    # Pages are `page.html` (use_directory_urls: false); `page/` still read for other sites.
    if path.endswith(".html"):
        page = path[: -len(".html")] + ".md"
    else:
        page = f"{path}/index.md" if path and _is_chapter(path) else (f"{path}.md" if path else "index.md")
    return f"{page}#{unquote(parts.fragment)}"


def _is_chapter(path: str) -> bool:
    from kb.core.editorial import CHAPTER_IDS

    return path in CHAPTER_IDS


def first_answer_rank(ranking: list[str], answers: list[str]) -> int | None:
    """1-based rank of the first section that is an answer or lies inside one."""
    for i, key in enumerate(ranking, 1):
        page, _, anchor = key.partition("#")
        for answer in answers:
            a_page, _, a_anchor = answer.partition("#")
            if page == a_page and (anchor == a_anchor or anchor.startswith(a_anchor + "-")):
                return i
    return None


def _dedupe(keys: list[str | None]) -> list[str]:
    seen, out = set(), []
    for key in keys:
        if key and key not in seen:
            seen.add(key)
            out.append(key)
    return out


# ---------------------------------------------------------------------------
# The site's own search box (Material for MkDocs)

# Records, in the page, each query sent to the search worker and when its result was
# drawn: the worker answers in order, so the n-th result belongs to the n-th query.
_INSTRUMENT = """
(() => {
  const kb = window.__kbBench = { keyups: [], queries: [], results: [] }
  document.addEventListener("keyup", () => kb.keyups.push(performance.now()), true)
  const Native = window.Worker
  window.Worker = class extends Native {
    constructor(url, options) {
      super(url, options)
      const post = this.postMessage.bind(this)
      this.postMessage = (message, ...rest) => {
        if (message && message.type === 2)
          kb.queries.push({ value: message.data, at: performance.now() })
        return post(message, ...rest)
      }
      this.addEventListener("message", ev => {
        if (!ev.data || ev.data.type !== 3) return
        const record = { at: performance.now(), drawn: null }
        kb.results.push(record)
        // Material draws the list in its own listener, after this one; the next frame
        // is when it reaches the screen.
        requestAnimationFrame(() => { record.drawn = performance.now() })
      })
    }
  }
})()
"""


class SearchBox:
    """The search box of a built site, driven like a reader drives it."""

    def __init__(self, browser, base_url: str, timeout_ms: int = 60_000):
        self.base = base_url
        self.context = browser.new_context()
        self.context.add_init_script(_INSTRUMENT)
        self.requests: list[str] = []           # every URL the page and its workers asked for
        self.console_errors: list[str] = []
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        self.page.on("pageerror", lambda exc: self.console_errors.append(f"uncaught: {exc}"))
        started = time.perf_counter()
        self.page.goto(f"{base_url}/", wait_until="load")
        self.page.focus(".md-search__input")
        # Ready when the result meta no longer says the engine is initialising.
        self.page.wait_for_function(
            """() => {
                const meta = document.querySelector(".md-search-result__meta")
                return meta && !meta.textContent.includes("初始化")
            }""", timeout=timeout_ms)
        # From opening the home page to a search box that answers (index fetched and loaded).
        self.ready_s = time.perf_counter() - started

    def close(self) -> None:
        self.context.close()

    def search(self, text: str, timeout_ms: int = 30_000) -> tuple[list[str], float]:
        """Type `text`; returns (section keys in result order, ms from last key to drawn)."""
        page = self.page
        page.fill(".md-search__input", "")
        page.focus(".md-search__input")
        sent_before = page.evaluate("window.__kbBench.queries.length")
        for chunk in _IME_RUN.split(text):
            if not chunk:
                continue
            if _IME_RUN.fullmatch(chunk):
                # An input method commits the characters, then its commit key comes up.
                page.keyboard.insert_text(chunk)
                page.keyboard.press("Shift")
            else:
                page.keyboard.type(chunk)
        page.wait_for_function(
            """([before, value]) => {
                const kb = window.__kbBench
                const n = kb.queries.length
                return n > before && kb.queries[n - 1].value === value
                    && kb.results.length === n && kb.results[n - 1].drawn !== null
            }""", arg=[sent_before, page.input_value(".md-search__input")], timeout=timeout_ms)
        elapsed = page.evaluate("""() => {
            const kb = window.__kbBench
            return kb.results[kb.results.length - 1].drawn - kb.keyups[kb.keyups.length - 1]
        }""")
        return drawn_ranking(page, self.base), elapsed


def drawn_ranking(page, base: str) -> list[str]:
    """Section keys of the result list drawn in Material's search box, in the order a
    reader meets them: each page group's best sections first; the rest of a group is
    folded under "在该页上还有 N 个符合条件的结果" and comes after."""
    shown = page.eval_on_selector_all(
        "ol.md-search-result__list > li > a.md-search-result__link", "els => els.map(e => e.href)")
    folded = page.eval_on_selector_all(
        "ol.md-search-result__list > li > details a.md-search-result__link", "els => els.map(e => e.href)")
    return _dedupe([section_key(h, base) for h in shown + folded])


def run_material(browser, base_url: str, queries: list[Query]) -> EngineResult:
    result = EngineResult("本站搜索 (Material + jieba + kb-search)")
    box = SearchBox(browser, base_url)
    try:
        for query in queries:
            ranking, ms = box.search(query.q)
            result.outcomes.append(Outcome(query.q, query.kind, query.answers, ranking[:20],
                                           first_answer_rank(ranking, query.answers), ms))
    finally:
        box.close()
    return result


def keystroke_times(browser, base_url: str, queries: list[Query], timeout_ms: int = 180_000) -> list[float]:
    return search_timing(browser, base_url, queries, timeout_ms)[0]


def search_timing(browser, base_url: str, queries: list[Query], timeout_ms: int = 180_000) -> tuple[list[float], float]:
    """(ms from last keystroke to results drawn, per query; seconds until the box was ready)."""
    box = SearchBox(browser, base_url, timeout_ms=timeout_ms)
    try:
        return [box.search(q.q, timeout_ms=timeout_ms)[1] for q in queries], box.ready_s
    finally:
        box.close()


# ---------------------------------------------------------------------------
# Pagefind on a copy of the same built site


# Pagefind's two binaries on PyPI (test dependencies): the standard one, and the extended one,
# which segments Chinese (and Japanese) text into words when it indexes. `python -m pagefind`
# would pick the extended one whenever it is installed, so each is run by its own path.
PAGEFIND = {
    "bin": ("pagefind_bin", "Pagefind 1.5 (pagefind[bin])"),
    "extended": ("pagefind_bin_extended", "Pagefind 1.5 extended (pagefind[extended]，中文分词)"),
}


def pagefind_executable(variant: str) -> str:
    module = __import__(PAGEFIND[variant][0])
    return str(module.get_executable())


def pagefind_site(site: Path, target: Path, variant: str = "bin") -> Path:
    """Copy the built site to target and index it with Pagefind (`variant`: a key of PAGEFIND).

    The same pages as the site's search (not the faithful source pages), and only the
    article body, so navigation menus do not match every query.
    """
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(site, target)
    folders = sorted(p.name for p in target.iterdir()
                     if p.is_dir() and (p / "index.html").is_file() and p.name != "sources")
    glob = "{index.html," + ",".join(f"{name}/**/*.html" for name in folders) + "}"
    proc = subprocess.run([pagefind_executable(variant), "--site", str(target), "--glob", glob,
                           "--root-selector", "article", "--quiet"], capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"pagefind failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return target


_PAGEFIND_QUERY = """
async ([text, pages]) => {
  if (!window.__pf) {
    window.__pf = await import("/pagefind/pagefind.js")
    await window.__pf.init()
  }
  const started = performance.now()
  const search = await window.__pf.search(text)
  const data = await Promise.all(search.results.slice(0, pages).map(r => r.data()))
  const ms = performance.now() - started
  // What Pagefind's own UI shows of a page: its three sub-results with the most
  // matches (in page order); the others come after every page's shown ones.
  const shown = [], folded = []
  for (const page of data) {
    const top = new Set([...page.sub_results]
      .sort((a, b) => b.locations.length - a.locations.length).slice(0, 3))
    for (const sub of page.sub_results)
      (top.has(sub) ? shown : folded).push(new URL(sub.url, location.href).href)
  }
  const urls = [...shown, ...folded]
  return [urls, ms]
}
"""


def run_pagefind(browser, base_url: str, queries: list[Query], variant: str = "bin") -> EngineResult:
    result = EngineResult(PAGEFIND[variant][1])
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{base_url}/", wait_until="load")
        for query in queries:
            urls, ms = page.evaluate(_PAGEFIND_QUERY, [query.q, PAGES_READ])
            ranking = _dedupe([section_key(u, base_url) for u in urls])
            result.outcomes.append(Outcome(query.q, query.kind, query.answers, ranking[:20],
                                           first_answer_rank(ranking, query.answers), ms))
    finally:
        context.close()
    return result


# ---------------------------------------------------------------------------
# The ten-fold site


def repeated_site(root: Path, work: Path, times: int = 10) -> Path:
    """Build a site from the five articles, each present `times` times."""
    from kb.core.project import scratch_copy
    from kb.importer.pages import write_tree
    from kb.importer.pipeline import generate

    if work.exists():
        shutil.rmtree(work)
    scratch_copy(root, work)
    articles = sorted(p for p in (root / "sources").iterdir() if p.suffix in (".txt", ".md"))
    for copy in range(times):
        for i, article in enumerate(articles):
            number = copy * len(articles) + i
            shutil.copyfile(article, work / "sources" / f"{number:03d}_{article.stem.partition('_')[2]}{article.suffix}")
    files, _ = generate(work / "sources")
    write_tree(files, work / "docs")
    _mkdocs_build(work)
    return work / "site"


def _mkdocs_build(root: Path) -> None:
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-f", str(root / "mkdocs.yml")],
                   cwd=root, check=True, env={**__import__("os").environ, "NO_MKDOCS_2_WARNING": "1"})


# ---------------------------------------------------------------------------
# Report


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def timing_summary(times: list[float]) -> dict:
    return {"queries": len(times), "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(_percentile(times, 95), 1), "max_ms": round(max(times), 1)}


def markdown_report(ours: EngineResult, others: list[EngineResult], timing: dict, meta: dict) -> str:
    engines = [ours, *others]
    out = ["# 搜索质量基准（kb bench search）", "",
           f"查询集：`{QUERIES}`，共 {len(ours.outcomes)} 条；按节（页面 + 锚点）计分，"
           "答案的子节也算命中。本站搜索在无头 Chromium 中通过站点自己的搜索框逐键输入；"
           f"Pagefind 索引同一构建产物的副本（不含原文页，仅 `<article>`），读取前 {PAGES_READ} 个页面的分节结果。"
           "名次按读者看到的顺序：先是各页面分组直接显示的节，再是折叠起来的节"
           "（本站为“在该页上还有 N 个符合条件的结果”，Pagefind 为其界面每页显示的三个子结果之外的部分）。", "",
           f"生成于 {meta['when']}，站点 {meta['sections']} 个可检索节。", "",
           "| 引擎 | hit@1 | hit@5 | MRR |", "| --- | --- | --- | --- |"]
    for e in engines:
        s = e.summary()
        out.append(f"| {e.engine} | {s['hit@1']:.3f} | {s['hit@5']:.3f} | {s['mrr']:.3f} |")
    out += ["", "## 按查询类型（hit@1）", "", "| 类型 | 条数 | " + " | ".join(e.engine for e in engines) + " |",
            "| --- | --- |" + " --- |" * len(engines)]
    for kind in sorted({o.kind for o in ours.outcomes}):
        mine = [o for o in ours.outcomes if o.kind == kind]
        hits = [[o.rank == 1 for o in e.outcomes if o.kind == kind] for e in engines]
        out.append(f"| {kind} | {len(mine)} | " + " | ".join(f"{sum(h) / len(h):.2f}" for h in hits) + " |")
    out += ["", "## 从按键到结果绘出的时间", "",
            "最后一次按键（keyup）到该查询的结果列表绘出（结果到达后的下一帧）的时间。", "",
            "| 站点 | 查询数 | 中位数 | p95 | 最大 |", "| --- | --- | --- | --- | --- |"]
    for name, t in timing.items():
        out.append(f"| {name} | {t['queries']} | {t['median_ms']} ms | {t['p95_ms']} ms | {t['max_ms']} ms |")
    for e in engines:
        misses = [o for o in e.outcomes if o.rank != 1]
        out += ["", f"## 未排第一的查询：{e.engine}", ""]
        if not misses:
            out.append("（无）")
        for o in misses:
            got = ", ".join(o.ranking[:3]) or "（无结果）"
            where = f"第 {o.rank} 位" if o.rank else "前列中没有"
            out.append(f"- `{o.q}`（{o.kind}）：答案{where}；前三：{got}；期望：{', '.join(o.answers)}")
    return "\n".join(out) + "\n"


def add_arguments(parser) -> None:
    parser.add_argument("--site", help="use this built site instead of running `kb build`")
    parser.add_argument("--queries", default=str(QUERIES), help=f"query set (default: {QUERIES})")
    parser.add_argument("--limit", type=int, help="only the first N queries (a quick check of the harness)")
    parser.add_argument("--no-pagefind", action="store_true", help="skip the Pagefind comparison")
    parser.add_argument("--no-tenfold", action="store_true", help="skip the ten-fold site timing")
    parser.add_argument("--out", default=str(REPORT_DIR), help="folder for search.json and search.md")


def run(root: Path, args) -> int:
    queries = load_queries(root / args.queries, root / "docs" / "provenance.json")[: args.limit or None]
    if args.site:
        site = Path(args.site).resolve()
    else:
        _mkdocs_build(root)
        site = root / "site"
    out = root / args.out
    work = root / WORK_DIR
    work.mkdir(parents=True, exist_ok=True)
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    meta = {"when": time.strftime("%Y-%m-%d %H:%M"), "sections": sum(1 for d in index["docs"] if "#" in d["location"])}

    timing: dict[str, dict] = {}
    others: list[EngineResult] = []
    with chromium() as browser:
        with serve(site) as base:
            ours = run_material(browser, base, queries)
        timing["本站（5 篇文章）"] = timing_summary([o.ms for o in ours.outcomes])
        print(f"ours: {ours.summary()}  timing {timing['本站（5 篇文章）']}")
        if not args.no_pagefind:
            for variant in PAGEFIND:
                with serve(pagefind_site(site, work / f"pagefind-{variant}", variant)) as base:
                    others.append(run_pagefind(browser, base, queries, variant))
                print(f"pagefind {variant}: {others[-1].summary()}")
        if not args.no_tenfold:
            big = repeated_site(root, work / "tenfold")
            with serve(big) as base:
                times = keystroke_times(browser, base, queries)
            timing["五篇文章重复十次"] = timing_summary(times)
            print(f"ten-fold timing {timing['五篇文章重复十次']}")

    out.mkdir(parents=True, exist_ok=True)
    report = {"meta": meta, "engines": [e.summary() for e in [ours, *others]], "timing": timing,
              "outcomes": {e.engine: [asdict(o) for o in e.outcomes] for e in [ours, *others]}}
    (out / "search.json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (out / "search.md").write_text(markdown_report(ours, others, timing, meta), encoding="utf-8")
    print(f"kb bench search: wrote {out / 'search.md'} and {out / 'search.json'}")
    return 0
