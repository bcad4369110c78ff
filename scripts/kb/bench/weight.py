"""Page weight: the bytes a browser transfers to open a page with an empty cache.

Each page is opened in a fresh Chromium context (no cache, no cookies) from a local
server that gzips text as a production server would (kb.bench.browser.serve with
`compress`), and every request the page and its workers make is summed, headers
included, until the network has been quiet for half a second. The search index, which
Material's search worker fetches on every page, is counted apart.
"""
from __future__ import annotations

import gzip
from pathlib import Path
from urllib.parse import urlsplit

from .browser import GZIP_LEVEL

# (key, page, what it stands for)
PAGES = [
    ("home", "index.html", "首页"),
    ("topic", "risk/identification.html", "主题页，无图（风险识别）"),
    ("diagram", "tech/process.html", "主题页，有流程图（研发流程）"),
]
INDEX_FILES = ("search/search_index.json", "search/search_index.js")


def kind(url: str) -> str:
    path = urlsplit(url).path
    if "/search/search_index." in path:
        return "search index"
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    if suffix in ("html", ""):
        return "html"
    if suffix == "css":
        return "css"
    if suffix in ("js", "mjs"):
        return "mermaid" if "/mermaid" in path else ("katex" if "/katex" in path else "js")
    if suffix in ("woff", "woff2", "ttf"):
        return "fonts"
    if suffix in ("png", "svg", "ico", "jpg", "jpeg", "gif", "webp"):
        return "images"
    return "other"


def open_cold(browser, base_url: str, path: str, quiet_ms: int = 500) -> dict:
    """Open base_url/path in a fresh context; what it transferred, by file and by kind."""
    context = browser.new_context()
    finished = []
    context.on("requestfinished", lambda request: finished.append(request))
    failed = []
    context.on("requestfailed", lambda request: failed.append(request.url))
    try:
        page = context.new_page()
        page.goto(f"{base_url}/{path}", wait_until="networkidle", timeout=300_000)
        page.wait_for_timeout(quiet_ms)
        files = []
        for request in finished:
            if request.url.startswith(("data:", "blob:")):
                continue
            sizes = request.sizes()
            response = request.response()
            body = sizes["responseBodySize"]
            if body <= 0 and response is not None:  # a worker's script reports no body size
                body = int(response.headers.get("content-length", 0))
            try:
                raw = len(response.body()) if response is not None else 0
            except Exception:  # a worker's script body is not kept
                raw = body
            files.append({"url": request.url[len(base_url):], "kind": kind(request.url),
                          "bytes": body + sizes["responseHeadersSize"], "raw": raw,
                          "encoding": (response.headers.get("content-encoding", "") if response else "")})
    finally:
        context.close()
    by_kind: dict[str, int] = {}
    for f in files:
        by_kind[f["kind"]] = by_kind.get(f["kind"], 0) + f["bytes"]
    total = sum(f["bytes"] for f in files)
    index = by_kind.get("search index", 0)
    raw_index = sum(f["raw"] for f in files if f["kind"] == "search index")
    return {"path": path, "requests": len(files), "bytes": total, "bytes_without_index": total - index,
            "index_bytes": index, "raw_without_index": sum(f["raw"] for f in files) - raw_index,
            "html_raw": sum(f["raw"] for f in files if f["kind"] == "html"), "by_kind": dict(sorted(by_kind.items(), key=lambda kv: -kv[1])),
            "files": files, "failed": failed}


def index_size(site: Path) -> dict:
    """The search index on disk: raw and gzip-compressed (what a server would send)."""
    out = {}
    for name in INDEX_FILES:
        path = site / name
        if path.is_file():
            data = path.read_bytes()
            out[name] = {"raw": len(data), "gzip": len(gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0))}
    return out


def measure(browser, base_url: str, site: Path) -> dict:
    pages = {key: {**open_cold(browser, base_url, path), "label": label}
             for key, path, label in PAGES if (site / path).is_file()}
    return {"pages": pages, "index": index_size(site)}


# --------------------------------------------------------------------------- Pagefind

# A page with nothing but Pagefind on it, so that only its requests are counted.
_PAGEFIND_PAGE = "<!doctype html><meta charset=utf-8><title>pagefind</title>"
_PAGEFIND_QUERY = """
async (text) => {
  if (!window.__pf) {
    window.__pf = await import("/pagefind/pagefind.js")
    await window.__pf.init()
  }
  const started = performance.now()
  const search = await window.__pf.search(text)
  await Promise.all(search.results.slice(0, 10).map(r => r.data()))
  return performance.now() - started
}
"""


def pagefind(browser, site: Path, work: Path, queries: list[str]) -> dict:
    """Pagefind on a copy of the site: its index on disk, and what a reader's browser
    downloads to answer the queries (cold cache), with the time of each search call."""
    from .search import pagefind_site

    target = pagefind_site(site, work)
    (target / "kb-pagefind.html").write_text(_PAGEFIND_PAGE, encoding="utf-8")
    files = [p for p in (target / "pagefind").rglob("*") if p.is_file()]
    from .browser import serve

    with serve(target, compress=True) as base:
        context = browser.new_context()
        sizes: list[tuple[str, int]] = []
        context.on("requestfinished", lambda request: sizes.append(
            (request.url, request.sizes()["responseBodySize"] + request.sizes()["responseHeadersSize"])))
        try:
            page = context.new_page()
            page.goto(f"{base}/kb-pagefind.html", wait_until="load")
            times, after_first = [], None
            for text in queries:
                times.append(page.evaluate(_PAGEFIND_QUERY, text))
                if after_first is None:
                    after_first = sum(n for url, n in sizes if "/pagefind/" in url)
            page.wait_for_timeout(300)
        finally:
            context.close()
    from .search import timing_summary

    return {"index_files": len(files), "index_bytes": sum(p.stat().st_size for p in files),
            "first_query_bytes": after_first or 0,
            "all_queries_bytes": sum(n for url, n in sizes if "/pagefind/" in url),
            **timing_summary(times)}
