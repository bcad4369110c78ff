"""`kb bench search`: does search put the answering section on top, in every edition?

Two query sets, each on the site that holds its answers:

- scripts/bench/search_queries.yml on the project's own site (the five articles);
- scripts/bench/search_queries_realworld.yml on a scratch project whose sources/ holds the
  five articles and the real-world corpus (tests/fixtures/realworld/, folders as they are),
  imported, built and exported like any project (`corpus_project`). Its answers name an
  article and a heading line; they are resolved through that project's provenance.json.

Each query is typed, as a reader types it (Latin characters key by key, Chinese as an
input method commits it), into the search box of each edition `kb export` makes:

- the site over http;
- the site unzipped from dist/<name>-site.zip, opened from file://;
- the single HTML file, opened from file://.

The section links of the drawn result list, in the order a reader meets them, are the
ranking. Each site is also built again with the kb plugin's other engine for large sites,
Pagefind fed with kb's own segmentation (`search_engine: pagefind`, kb.site.pagefind), and
the queries typed into that site's box over http (`pagefind_project`). The same queries then
go through stock Pagefind (standard and extended), indexing a copy of the same built site,
through its own browser API.

Figures: hit@1, hit@5 and MRR at section level (page + anchor), per edition, per query
set and per query kind; whether the three editions show the same top 5; the time from the
last keystroke to the results being drawn. Reports: bench/search.json and bench/search.md.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

from .browser import chromium, serve

QUERIES = Path("scripts/bench/search_queries.yml")
CORPUS_QUERIES = Path("scripts/bench/search_queries_realworld.yml")
# The real-world corpus (its README says how it was collected); its own notes are not articles.
CORPUS = Path("tests/fixtures/realworld")
CORPUS_NOTES = ("README.md", "SOURCES.md")
REPORT_DIR = Path("bench")
WORK_DIR = REPORT_DIR / "tmp"
EXPORT_NAME = "ai-startup-kb"
# Material renders ten result groups at once (more only as the reader scrolls); Pagefind
# is read to the same depth of pages.
PAGES_READ = 10
# What an input method commits (Chinese characters and full-width punctuation) versus
# what a keyboard types key by key.
_IME_RUN = re.compile(r"([^\x00-\x7f]+)")

# The editions, in report order: (key, name in the report).
EDITIONS = (("http", "站点（http）"), ("file", "站点（file://，解压的 zip）"), ("single", "单文件（file://）"))
# The query sets: (key, name in the report).
SETS = {"project": "本项目的查询（5 篇文章）", "corpus": "真实语料的查询（5 篇 + 语料）"}


@dataclass
class Query:
    q: str
    kind: str
    answers: list[str]
    set: str = "project"


@dataclass
class Outcome:
    q: str
    kind: str
    answers: list[str]
    ranking: list[str]                  # section keys, best first
    rank: int | None                    # 1-based rank of the first answer, None if absent
    ms: float | None = None             # keystroke to results drawn (ours) / search call (Pagefind)
    set: str = "project"
    painted_ms: float | None = None     # keystroke to the end of the frame that draws them (ours)


@dataclass
class EngineResult:
    engine: str
    outcomes: list[Outcome] = field(default_factory=list)

    def hit_at(self, k: int, outcomes: list[Outcome] | None = None) -> float:
        outcomes = self.outcomes if outcomes is None else outcomes
        return sum(1 for o in outcomes if o.rank and o.rank <= k) / len(outcomes) if outcomes else 0.0

    def mrr(self, outcomes: list[Outcome] | None = None) -> float:
        outcomes = self.outcomes if outcomes is None else outcomes
        return sum(1 / o.rank for o in outcomes if o.rank) / len(outcomes) if outcomes else 0.0

    def summary(self, outcomes: list[Outcome] | None = None) -> dict:
        outcomes = self.outcomes if outcomes is None else outcomes
        return {"engine": self.engine, "queries": len(outcomes), "hit@1": round(self.hit_at(1, outcomes), 3),
                "hit@5": round(self.hit_at(5, outcomes), 3), "mrr": round(self.mrr(outcomes), 3)}

    def where(self, *, set: str | None = None, kind: str | None = None) -> list[Outcome]:  # noqa: A002
        return [o for o in self.outcomes if (set is None or o.set == set) and (kind is None or o.kind == kind)]


# ---------------------------------------------------------------------------
# Query sets and scoring


def _placed(provenance: Path) -> list[dict]:
    return [s for s in json.loads(provenance.read_text(encoding="utf-8"))["sections"] if "page" in s]


def load_queries(path: Path, provenance: Path) -> list[Query]:
    """The project's query set, with every answer checked against the provenance manifest."""
    known = {f"{s['page']}#{s['anchor']}" for s in _placed(provenance)}
    queries = []
    for i, raw in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))["queries"], 1):
        query = Query(str(raw["q"]), str(raw["kind"]), [str(a) for a in raw["answers"]])
        unknown = [a for a in query.answers if a not in known]
        if unknown or not query.answers:
            raise ValueError(f"{path}: query {i} ({query.q}): answers not in docs/provenance.json: {unknown}")
        queries.append(query)
    return queries


def load_corpus_queries(path: Path, provenance: Path, site: Path | None = None) -> tuple[list[Query], list[str]]:
    """The real-world query set, each answer (article, heading line) resolved to the section
    the import made of it, with a note for each answer that is not a section of its own:
    a heading the import did not see as one is answered by the section whose text holds
    that line, and by the heading of that text in the built `site` when the page has one
    (Markdown saw the heading the import did not); an answer the import dropped cannot be
    found (a query left with no answer is a miss that no engine can avoid)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    sections = json.loads(provenance.read_text(encoding="utf-8"))["sections"]
    queries, notes = [], []
    for i, raw in enumerate(data["queries"], 1):
        answers = []
        for answer in raw["answers"]:
            source, line = data["articles"][answer["article"]], int(answer["line"])
            holding = [s for s in sections if s["source"] == source and s["lines"][0] <= line <= s["lines"][1]]
            if not holding:
                raise ValueError(f"{path}: query {i} ({raw['q']}): no section of {source} holds line {line}")
            section = max(holding, key=lambda s: s["lines"][0])
            where = f"{source}:{line}（{answer['heading']}）"
            if "page" not in section:
                notes.append(f"`{raw['q']}`：{where} 被导入舍弃：{section.get('reason', '')}")
                continue
            answers.append(f"{section['page']}#{section['anchor']}")
            if section["lines"][0] != line:
                seen = _site_heading(site, section["page"], answer["heading"]) if site else None
                answers += [f"{section['page']}#{seen}"] if seen else []
                notes.append(f"`{raw['q']}`：{where} 未被导入识别为标题，答案取包含该行的节“{section['heading']}”"
                             + (f"，及站点页面中的同名标题 #{seen}" if seen else ""))
        queries.append(Query(str(raw["q"]), str(raw["kind"]), _dedupe(answers), set="corpus"))
    return queries, notes


_HEADING_TAG = re.compile(r'<h[1-6][^>]*\bid="([^"]+)"[^>]*>(.*?)</h[1-6]>', re.S)
_MARKUP = re.compile(r"<[^>]+>|[\s\[\]*`¶]")


def _site_heading(site: Path, page: str, heading: str) -> str | None:
    """The id of the one heading of the built page whose text is `heading` (markup and
    spaces aside), or None."""
    file = site / (page.removesuffix(".md") + ".html")
    if not file.is_file():
        return None
    want = _MARKUP.sub("", heading)
    found = [id_ for id_, text in _HEADING_TAG.findall(file.read_text(encoding="utf-8"))
             if _MARKUP.sub("", text).replace("&para;", "") == want]
    return found[0] if len(found) == 1 else None


def section_key(url: str, base: str) -> str | None:
    """`page.md#anchor` for a result link under base, None for a link to a whole page."""
    parts = urlsplit(url)
    if not parts.fragment:
        return None
    path = unquote(parts.path)[len(unquote(urlsplit(base).path)):].strip("/")
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
# The search boxes of the three editions

# Records, in the page, each query sent to a search worker and when its result was drawn
# (the worker names the query each result answers; the page does not draw a result for text
# its box no longer holds, and this listener, added after the page's, sees only those it
# draws: see overrides/main.html). From file://
# Material replaces window.Worker with the iframe-worker shim after this runs, so whatever
# is assigned to window.Worker is wrapped too. Changes to the single file's result list are
# recorded as well, for a single file whose search runs without a worker.
_INSTRUMENT = """
(() => {
  const kb = window.__kbBench = { keyups: [], inputs: [], queries: [], results: [], mutations: [], workers: 0 }
  document.addEventListener("keyup", () => kb.keyups.push(performance.now()), true)
  document.addEventListener("input", () => kb.inputs.push(performance.now()), true)
  // The frame's animation callbacks, then (a task queued from them runs after the frame's
  // style, layout and paint) the end of that frame's work on the page.
  const frame = record => {
    record.drawn = performance.now()
    const channel = new MessageChannel()
    channel.port1.onmessage = () => { record.painted = performance.now() }
    channel.port2.postMessage(null)
  }
  const wrap = Base => class extends Base {
    constructor(url, options) {
      super(url, options)
      kb.workers++
      const post = this.postMessage.bind(this)
      this.postMessage = (message, ...rest) => {
        if (message && message.type === 2)
          kb.queries.push({ value: message.data, at: performance.now() })
        return post(message, ...rest)
      }
      this.addEventListener("message", ev => {
        if (!ev.data || ev.data.type !== 3) return
        const record = { query: ev.data.data && ev.data.data.query, at: performance.now(), drawn: null, painted: null }
        kb.results.push(record)
        // The page draws the list in its own listener, after this one; the next frame
        // is when it reaches the screen.
        requestAnimationFrame(() => frame(record))
      })
    }
  }
  let current = window.Worker && wrap(window.Worker)
  Object.defineProperty(window, "Worker", {
    configurable: true,
    get: () => current,
    set: value => { current = value && wrap(value) },
  })
  document.addEventListener("DOMContentLoaded", () => {
    const panel = document.getElementById("kb-results")
    if (panel)
      new MutationObserver(() => {
        const record = { at: performance.now(), drawn: null, painted: null }
        kb.mutations.push(record)
        requestAnimationFrame(() => frame(record))
      }).observe(panel, { childList: true, subtree: true, attributes: true })
  })
})()
"""

# The result for the text in the box, received since the search began, is drawn (a search
# in a worker), or, without a worker, the result list changed after the last key.
_ANSWERED = """([before, value]) => {
    const kb = window.__kbBench
    if (kb.workers)
        return kb.results.slice(before).some(r => r.query === value && r.painted !== null)
    const last = kb.keyups[kb.keyups.length - 1]
    return kb.mutations.some(m => m.at > last && m.painted !== null)
}"""
# From the last change of the text in the box (its `input` event: a key typed, or an input
# method's commit) to the results drawn (the next frame's animation callbacks, as measured
# since the start) and to the end of that frame's work (style, layout, paint). Both editions
# send the query as the text changes (the site: overrides/main.html).
_ELAPSED = """([before, value]) => {
    const kb = window.__kbBench
    const keyup = kb.keyups[kb.keyups.length - 1]
    const record = kb.workers ? kb.results.slice(before).find(r => r.query === value && r.painted !== null)
        : kb.mutations.find(m => m.at > keyup)
    const input = kb.inputs[kb.inputs.length - 1]
    return [record.drawn - input, record.painted - input]
}"""


class SearchBox:
    """The search box of a built site (over http, or from file:// when `base_url` is a
    file URI), driven like a reader drives it."""

    input = ".md-search__input"

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
        self.page.goto(self.start_url(), wait_until="load")
        self.page.focus(self.input)
        self.wait_ready(timeout_ms)
        # From opening the page to a search box that answers (index fetched and loaded).
        self.ready_s = time.perf_counter() - started

    def start_url(self) -> str:
        return f"{self.base}/index.html" if self.base.startswith("file:") else f"{self.base}/"

    def wait_ready(self, timeout_ms: int) -> None:
        # Ready when the result meta no longer says the engine is initialising.
        self.page.wait_for_function(
            """() => {
                const meta = document.querySelector(".md-search-result__meta")
                return meta && !meta.textContent.includes("初始化")
            }""", timeout=timeout_ms)

    def close(self) -> None:
        self.context.close()

    def search(self, text: str, timeout_ms: int = 30_000) -> tuple[list[str], float]:
        """Type `text`; returns (section keys in result order, ms from the last change of the
        text to the results drawn). The ms to the end of the frame that drew them is kept
        in `painted_ms`."""
        page = self.page
        page.fill(self.input, "")
        page.focus(self.input)
        page.evaluate("window.__kbBench.mutations = []; window.__kbBench.inputs = []")
        before = page.evaluate("window.__kbBench.results.length")
        for chunk in _IME_RUN.split(text):
            if not chunk:
                continue
            if _IME_RUN.fullmatch(chunk):
                # An input method commits the characters, then its commit key comes up.
                page.keyboard.insert_text(chunk)
                page.keyboard.press("Shift")
            else:
                page.keyboard.type(chunk)
        value = page.input_value(self.input)
        page.wait_for_function(_ANSWERED, arg=[before, value], timeout=timeout_ms)
        drawn, self.painted_ms = page.evaluate(_ELAPSED, [before, value])
        return self.ranking(), drawn

    def ranking(self) -> list[str]:
        return drawn_ranking(self.page, self.base)


def drawn_ranking(page, base: str) -> list[str]:
    """Section keys of the result list drawn in Material's search box, in the order a
    reader meets them: each page group's best sections first; the rest of a group is
    folded under "在该页上还有 N 个符合条件的结果" and comes after."""
    shown = page.eval_on_selector_all(
        "ol.md-search-result__list > li > a.md-search-result__link", "els => els.map(e => e.href)")
    folded = page.eval_on_selector_all(
        "ol.md-search-result__list > li > details a.md-search-result__link", "els => els.map(e => e.href)")
    return _dedupe([section_key(h, base) for h in shown + folded])


class BookBox(SearchBox):
    """The search box of the single HTML file (`base_url`: its file URI); result links are
    in-file anchors `#<page anchor>--<id>`, read back as `page.md#id` through `pages`
    (the site's pages, `tech/math.md`, ...)."""

    input = "#kb-search-input"

    def __init__(self, browser, file_url: str, pages: list[str], timeout_ms: int = 60_000):
        from kb.export.book import page_anchor

        self.pages = {page_anchor(p.removesuffix(".md") + ".html"): p for p in pages}
        super().__init__(browser, file_url, timeout_ms)

    def start_url(self) -> str:
        return self.base

    def wait_ready(self, timeout_ms: int) -> None:
        self.page.wait_for_function("() => document.body.dataset.kbSearch !== 'loading'", timeout=timeout_ms)

    def ranking(self) -> list[str]:
        shown = self.page.eval_on_selector_all(
            "#kb-results a.kb-result:not(details a)", "els => els.map(e => e.getAttribute('href'))")
        folded = self.page.eval_on_selector_all(
            "#kb-results details a.kb-result", "els => els.map(e => e.getAttribute('href'))")
        return _dedupe([self.section_key(h) for h in shown + folded])

    def section_key(self, href: str) -> str | None:
        anchor, sep, fragment = unquote(href).lstrip("#").partition("--")
        return f"{self.pages[anchor]}#{fragment}" if sep and anchor in self.pages else None


def run_box(box: SearchBox, queries: list[Query], engine: str) -> EngineResult:
    result = EngineResult(engine)
    try:
        for query in queries:
            ranking, ms = box.search(query.q)
            result.outcomes.append(Outcome(query.q, query.kind, query.answers, ranking[:20],
                                           first_answer_rank(ranking, query.answers), ms, query.set,
                                           painted_ms=box.painted_ms))
    finally:
        box.close()
    return result


def run_material(browser, base_url: str, queries: list[Query]) -> EngineResult:
    """The site's own search box, over http or (a file URI) from file://."""
    return run_box(SearchBox(browser, base_url), queries, "本站搜索")


def run_book(browser, file_url: str, queries: list[Query], pages: list[str]) -> EngineResult:
    """The single file's search box."""
    return run_box(BookBox(browser, file_url, pages), queries, "单文件搜索")


def keystroke_times(browser, base_url: str, queries: list[Query], timeout_ms: int = 180_000) -> list[float]:
    return search_timing(browser, base_url, queries, timeout_ms)[0]


def search_timing(browser, base_url: str, queries: list[Query], timeout_ms: int = 180_000) -> tuple[list[float], float]:
    """(ms from last keystroke to results drawn, per query; seconds until the box was ready)."""
    box = SearchBox(browser, base_url, timeout_ms=timeout_ms)
    try:
        return [box.search(q.q, timeout_ms=timeout_ms)[1] for q in queries], box.ready_s
    finally:
        box.close()


def same_top(results: list[EngineResult], k: int = 5) -> list[tuple[str, list[list[str]]]]:
    """The queries whose top k differs between the editions: (query, each edition's top k)."""
    out = []
    for outcomes in zip(*(r.outcomes for r in results)):
        tops = [o.ranking[:k] for o in outcomes]
        if any(top != tops[0] for top in tops):
            out.append((outcomes[0].q, tops))
    return out


# ---------------------------------------------------------------------------
# Pagefind on a copy of the same built site


# Pagefind's two binaries on PyPI (test dependencies): the standard one, and the extended one,
# which segments Chinese (and Japanese) text into words when it indexes. `python -m pagefind`
# would pick the extended one whenever it is installed, so each is run by its own path.
# The site built with the kb plugin's engine for large sites (search_engine: pagefind).
KB_PAGEFIND = "本站搜索 · 站点（http，Pagefind 引擎）"
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
                                           first_answer_rank(ranking, query.answers), ms, query.set))
    finally:
        context.close()
    return result


# ---------------------------------------------------------------------------
# The sites: the project's, the corpus project, the ten-fold site


def _kb(root: Path, *args: str) -> None:
    """Run a kb command on the project at root, as a user runs it."""
    proc = subprocess.run([sys.executable, "-m", "kb", "--root", str(root), *args], capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"kb {' '.join(args)} failed in {root} ({proc.returncode}):\n"
                           f"{proc.stderr[-3000:]}\n{proc.stdout[-2000:]}")


def corpus_project(root: Path, work: Path) -> Path:
    """A scratch project at work: the five articles and the real-world corpus in sources/
    (folders and images as they are, its notes left out with `ignore:`), imported, built
    and exported; returns work."""
    from kb.core.project import scratch_copy

    if work.exists():
        shutil.rmtree(work)
    articles = sorted(p for p in (root / "sources").iterdir() if p.suffix in (".txt", ".md"))
    project = scratch_copy(root, work, articles=articles)
    shutil.copytree(root / CORPUS, project.sources, dirs_exist_ok=True)
    with project.editorial.open("a", encoding="utf-8") as f:
        f.write("\nignore:\n" + "".join(f"  - {name}\n" for name in CORPUS_NOTES))
    for command in ("import", "export"):        # export builds the site first
        _kb(work, command)
    return work


def pagefind_project(project: Path, work: Path) -> Path:
    """A copy of the project at `project` (its sources/ and docs/ as they are) at work,
    built with the kb plugin's Pagefind engine whatever its size; returns its site."""
    from kb.core.project import scratch_copy

    from .engines import set_engine

    if work.exists():
        shutil.rmtree(work)
    copy = scratch_copy(project, work, docs=True)
    shutil.copytree(project / "sources", copy.sources, dirs_exist_ok=True)
    set_engine(copy.config_file, "pagefind")
    _kb(work, "build")
    return work / "site"


def exported(root: Path, site: Path, dist: Path) -> Path:
    """`kb export --site site --dist dist`; returns dist."""
    if dist.exists():
        shutil.rmtree(dist)
    _kb(root, "export", "--site", str(site), "--dist", str(dist))
    return dist


def unzip_site(dist: Path, target: Path) -> Path:
    """The site zip of an export unpacked into target; the site folder."""
    if target.exists():
        shutil.rmtree(target)
    with zipfile.ZipFile(dist / f"{EXPORT_NAME}-site.zip") as archive:
        archive.extractall(target)
    return target / f"{EXPORT_NAME}-site"


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


def run_editions(browser, site: Path, dist: Path, work: Path, queries: list[Query],
                 pages: list[str]) -> dict[str, EngineResult]:
    """The queries in each edition of one site: {edition key: result}."""
    out = {}
    with serve(site) as base:
        out["http"] = run_material(browser, base, queries)
    out["file"] = run_material(browser, unzip_site(dist, work).as_uri(), queries)
    out["single"] = run_book(browser, (dist / f"{EXPORT_NAME}.html").as_uri(), queries, pages)
    for key, name in EDITIONS:
        out[key].engine = f"本站搜索 · {name}"
    return out


def _pages(provenance: Path) -> list[str]:
    return sorted({s["page"] for s in _placed(provenance)})


# ---------------------------------------------------------------------------
# Report


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def timing_summary(times: list[float]) -> dict:
    return {"queries": len(times), "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(_percentile(times, 95), 1), "max_ms": round(max(times), 1)}


def _cell(engine: EngineResult, outcomes: list[Outcome]) -> str:
    s = engine.summary(outcomes)
    return f"{s['hit@1']:.2f} / {s['hit@5']:.2f} / {s['mrr']:.2f}"


def markdown_report(engines: list[EngineResult], timing: dict, meta: dict,
                    differ: list[tuple[str, list[list[str]]]] | None = None, notes: list[str] = ()) -> str:
    """The report: `engines` are the editions of the site's search first, then the others."""
    first = engines[0]
    sets = [key for key in SETS if first.where(set=key)]
    out = ["# 搜索质量基准（kb bench search）", "",
           f"查询集：`{QUERIES}`（本项目的五篇文章，在本项目的站点上）与 `{CORPUS_QUERIES}`"
           f"（真实语料 `{CORPUS}`，在一个 `sources/` 放入五篇文章和整个语料的临时项目上，导入、构建、导出如常），"
           f"共 {len(first.outcomes)} 条；按节（页面 + 锚点）计分，答案的子节也算命中。"
           "本站搜索在无头 Chromium 中通过各版本自己的搜索框逐键输入（中文按输入法提交）："
           "站点经 http、解压的站点 zip 经 file://、单文件 HTML 经 file://。"
           f"Pagefind 索引同一构建产物的副本（不含原文页，仅 `<article>`），读取前 {PAGES_READ} 个页面的分节结果。"
           "名次按读者看到的顺序：先是各页面分组直接显示的节，再是折叠起来的节"
           "（本站为“在该页上还有 N 个符合条件的结果”，Pagefind 为其界面每页显示的三个子结果之外的部分）。", "",
           f"生成于 {meta['when']}；" + "，".join(f"{SETS[k]}：站点 {meta['sections'][k]} 个可检索节"
                                                for k in sets if k in meta.get("sections", {})) + "。", "",
           "| 引擎 | 查询 | hit@1 | hit@5 | MRR |", "| --- | --- | --- | --- | --- |"]
    for e in engines:
        s = e.summary()
        out.append(f"| {e.engine} | 全部 {s['queries']} | {s['hit@1']:.3f} | {s['hit@5']:.3f} | {s['mrr']:.3f} |")
        for key in sets:
            s = e.summary(e.where(set=key))
            out.append(f"| {e.engine} | {SETS[key]} {s['queries']} | {s['hit@1']:.3f} | {s['hit@5']:.3f} | {s['mrr']:.3f} |")
    out += ["", "## 按查询类型（hit@1 / hit@5 / MRR）", "",
            "| 类型 | 条数 | " + " | ".join(e.engine for e in engines) + " |",
            "| --- | --- |" + " --- |" * len(engines)]
    for kind in sorted({o.kind for o in first.outcomes}):
        mine = first.where(kind=kind)
        out.append(f"| {kind} | {len(mine)} | " + " | ".join(_cell(e, e.where(kind=kind)) for e in engines) + " |")
    if differ is not None:
        out += ["", "## 三个版本的前五是否相同", ""]
        if not differ:
            out.append(f"全部 {len(first.outcomes)} 条查询，三个版本给出的前五个结果相同。")
        for q, tops in differ:
            out.append(f"- `{q}`：" + "；".join(f"{name}：{', '.join(top) or '（无）'}"
                                                 for (_, name), top in zip(EDITIONS, tops)))
    out += ["", "## 从按键到结果绘出的时间", "",
            "搜索框中文字最后一次改变（input 事件：按键或输入法提交）到该查询的结果列表绘出（结果到达后的下一帧）的时间。"
            "两个版本都在文字改变时发出查询（站点：overrides/main.html，不等按键弹起），"
            "并且不绘出搜索框里已不再是的文字的结果。", "",
            "| 站点 | 查询数 | 中位数 | p95 | 最大 |", "| --- | --- | --- | --- | --- |"]
    for name, t in timing.items():
        out.append(f"| {name} | {t['queries']} | {t['median_ms']} ms | {t['p95_ms']} ms | {t['max_ms']} ms |")
    painted = {name: t["painted"] for name, t in timing.items() if "painted" in t}
    if painted:
        out += ["", "到绘出结果的那一帧在页面上的工作（样式、布局、绘制）做完为止的时间（同一批查询）：", "",
                "| 站点 | 查询数 | 中位数 | p95 | 最大 |", "| --- | --- | --- | --- | --- |"]
        for name, t in painted.items():
            out.append(f"| {name} | {t['queries']} | {t['median_ms']} ms | {t['p95_ms']} ms | {t['max_ms']} ms |")
    if "load_before" in meta:
        out += ["", f"机器负载（1、5、15 分钟平均）：计时开始时 {' / '.join(map(str, meta['load_before']))}，"
                    f"结束时 {' / '.join(map(str, meta['load_after']))}（{os.cpu_count()} 个核）。"]
    if notes:
        out += ["", "## 导入舍弃的答案", "", *[f"- {n}" for n in notes]]
    for e in engines:
        misses = [o for o in e.outcomes if o.rank != 1]
        out += ["", f"## 未排第一的查询：{e.engine}", ""]
        if not misses:
            out.append("（无）")
        for o in misses:
            got = ", ".join(o.ranking[:3]) or "（无结果）"
            where = f"第 {o.rank} 位" if o.rank else "前列中没有"
            out.append(f"- `{o.q}`（{o.kind}）：答案{where}；前三：{got}；期望：{', '.join(o.answers) or '（导入舍弃）'}")
    return "\n".join(out) + "\n"


def add_arguments(parser) -> None:
    parser.add_argument("--site", help="use this built site instead of running `kb build`")
    parser.add_argument("--queries", default=str(QUERIES), help=f"query set (default: {QUERIES})")
    parser.add_argument("--limit", type=int, help="only the first N queries of each set (a quick check of the harness)")
    parser.add_argument("--no-corpus", action="store_true", help="skip the real-world corpus and its queries")
    parser.add_argument("--no-kb-pagefind", action="store_true",
                        help="skip the site built with the kb plugin's Pagefind engine")
    parser.add_argument("--no-pagefind", action="store_true", help="skip the stock Pagefind comparison")
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
    # Each site with its queries: (key, built site, its export, its queries, its pages).
    sites = [("project", site, exported(root, site, work / "dist"), queries, _pages(root / "docs" / "provenance.json"))]
    notes: list[str] = []
    projects = {"project": root}            # where each set's site was built from
    if not args.no_corpus:
        corpus = projects["corpus"] = corpus_project(root, work / "corpus")
        corpus_queries, notes = load_corpus_queries(root / CORPUS_QUERIES, corpus / "docs" / "provenance.json",
                                                    corpus / "site")
        sites.append(("corpus", corpus / "site", corpus / "dist", corpus_queries[: args.limit or None],
                      _pages(corpus / "docs" / "provenance.json")))
    meta = {"when": time.strftime("%Y-%m-%d %H:%M"), "sections": {}}
    for key, built, *_ in sites:
        index = json.loads((built / "search" / "search_index.json").read_text(encoding="utf-8"))
        meta["sections"][key] = sum(1 for d in index["docs"] if "#" in d["location"])
    dist_html = work / "dist" / f"{EXPORT_NAME}.html"
    meta["single_file_bytes"] = dist_html.stat().st_size

    timing: dict[str, dict] = {}
    # Timings on a shared machine say as much about the neighbours: the load beside them.
    meta["load_before"] = [round(x, 2) for x in os.getloadavg()]
    editions: dict[str, EngineResult] = {key: EngineResult("") for key, _ in EDITIONS}
    others = {variant: EngineResult(PAGEFIND[variant][1]) for variant in PAGEFIND}
    kb_pagefind = EngineResult(KB_PAGEFIND)
    with chromium() as browser:
        for key, built, dist, set_queries, pages in sites:
            results = run_editions(browser, built, dist, work / f"unzipped-{key}", set_queries, pages)
            for edition, result in results.items():
                editions[edition].engine = result.engine
                editions[edition].outcomes += result.outcomes
                _timed(timing, f"{result.engine}，{SETS[key]}", result)
            if not args.no_kb_pagefind:
                with serve(pagefind_project(projects[key], work / f"kb-pagefind-{key}"), compress=True) as base:
                    result = run_material(browser, base, set_queries)
                result.engine = KB_PAGEFIND
                kb_pagefind.outcomes += result.outcomes
                _timed(timing, f"{KB_PAGEFIND}，{SETS[key]}", result)
            if not args.no_pagefind:
                for variant in PAGEFIND:
                    with serve(pagefind_site(built, work / f"pagefind-{key}-{variant}", variant)) as base:
                        result = run_pagefind(browser, base, set_queries, variant)
                    others[variant].outcomes += result.outcomes
                    print(f"pagefind {variant}, {SETS[key]}: {result.summary()}")
        if not args.no_tenfold:
            big = repeated_site(root, work / "tenfold")
            with serve(big) as base:
                times = keystroke_times(browser, base, queries)
            timing["站点（http），五篇文章重复十次"] = timing_summary(times)
            print(f"ten-fold timing {timing['站点（http），五篇文章重复十次']}")

    meta["load_after"] = [round(x, 2) for x in os.getloadavg()]
    ours = [editions[key] for key, _ in EDITIONS]
    engines = (ours + ([] if args.no_kb_pagefind else [kb_pagefind])
               + ([] if args.no_pagefind else list(others.values())))
    differ = same_top(ours)
    out.mkdir(parents=True, exist_ok=True)
    report = {"meta": meta, "engines": [e.summary() for e in engines],
              "by_set": {key: [e.summary(e.where(set=key)) for e in engines] for key in SETS},
              "timing": timing, "differ_top5": differ, "dropped_answers": notes,
              "outcomes": {e.engine: [asdict(o) for o in e.outcomes] for e in engines}}
    (out / "search.json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (out / "search.md").write_text(markdown_report(engines, timing, meta, differ, notes), encoding="utf-8")
    print(f"three editions, same top 5: {len(first_outcomes(ours)) - len(differ)}/{len(first_outcomes(ours))} queries")
    print(f"kb bench search: wrote {out / 'search.md'} and {out / 'search.json'}")
    return 0


def _timed(timing: dict[str, dict], label: str, result: EngineResult) -> None:
    """The keystroke times of `result` under `label`, to the next frame and to its work done."""
    timing[label] = timing_summary([o.ms for o in result.outcomes])
    timing[label]["painted"] = timing_summary([o.painted_ms for o in result.outcomes])
    print(f"{label}: {result.summary()}  timing {timing[label]}")


def first_outcomes(results: list[EngineResult]) -> list[Outcome]:
    return results[0].outcomes if results else []
