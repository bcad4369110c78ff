"""bench/report.json -> bench/report.md and bench/report.svg.

The JSON holds every figure, per corpus size (the distinct corpus's, kb.bench.corpus, under
its "distinct" key, in a section of their own); the Markdown is made from it alone, so a
report can be re-rendered (and merged with a later run at another size) without
measuring again. The SVG draws how time and bytes grow with the number of articles, on
log-log axes where linear growth is a line of slope one.
"""
from __future__ import annotations

import html
import math
import re

# Stage names as the report shows them.
IMPORT_STAGES = {"start-up": "启动（解释器、导入）", "read": "read 读取", "parse": "parse 解析",
                 "clean": "clean 清理", "classify": "classify 归类", "link": "link 关联",
                 "write": "write 生成页面", "disk": "写入 docs/"}
BUILD_STAGES = {"start-up": "启动（解释器、导入）", "config": "配置与插件初始化（含 jieba 词典）",
                "files+nav": "收集文件与导航", "markdown": "Markdown → HTML（每页）",
                "static": "主题静态文件、404、sitemap", "pages": "模板渲染与写页（每页，含搜索分词）",
                "anchors": "锚点校验", "post_build": "post_build（搜索索引、offline）", "linkcheck": "链接检查"}
EXPORT_STAGES = {"start-up": "启动（解释器、导入）", "zip": "打包站点 zip", "read": "读取页面、改写链接",
                 "render": "Chromium 绘制图表与公式", "index": "jieba 搜索索引", "assemble": "拼装并写出单文件"}

TARGETS = {"ratio": 1.5, "serve_s": 1.0, "topic_kb": 300}


def _s(x: float | None) -> str:
    return "—" if x is None else (f"{x:.2f} s" if x < 100 else f"{x:.0f} s")


def _kb(n: int | None) -> str:
    if n is None:
        return "—"
    return f"{n / 1e3:.1f} KB" if n < 1e6 else f"{n / 1e6:.2f} MB"


def _growth(values: dict[int, float | None]) -> str:
    """'×a / ×b' for each step between the sizes measured, per tenfold articles."""
    sizes = sorted(n for n, v in values.items() if v)
    steps = []
    for a, b in zip(sizes, sizes[1:]):
        ratio = values[b] / values[a]
        per_tenfold = ratio ** (1 / math.log10(b / a))
        steps.append(f"×{per_tenfold:.1f}")
    return " / ".join(steps) if steps else "—"


def _sizes(report: dict) -> list[int]:
    return sorted(int(n) for n in report.get("sizes", {}))


def _get(report: dict, n: int, *path):
    node = report["sizes"].get(str(n), {})
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _meta_line(meta: dict | None) -> str:
    if not meta:
        return ""
    load = meta.get("load", [])
    return (f"测于 {meta.get('when', '?')}，{meta.get('cpus', '?')} 核，负载（1 分钟平均）"
            f"开始 {load[0]:.2f} / 结束 {load[1]:.2f}" if len(load) == 2 else f"测于 {meta.get('when', '?')}")


def markdown(report: dict) -> str:
    sizes = _sizes(report)
    out = ["# 性能基准（kb bench）", "",
           "全部数字由 `kb bench` 测得并写在 `bench/report.json`，本文件由它生成。测量命令：", ""]
    out += [f"- `{command}`（提交 `{commit}`）：{'、'.join(f'{n} 篇' for n in ns)}"
            for (command, commit), ns in _commands(report, sizes).items()]
    out += ["",
           "读法：时间为多次运行的中位数（每个规模的运行次数见各表）；同一轮内依次运行 plain 构建、"
           "`kb import`、`kb build`，所以背景负载对它们的影响相近；与 plain 的倍数先在每一轮内算，再取中位数。"
           "机器负载记录在每节末尾，负载高时绝对秒数偏大，倍数较稳。", ""]
    out += _summary(report, sizes)
    out += _timings(report, sizes)
    out += _weights(report, sizes)
    out += _search(report, sizes)
    out += _serve(report, sizes)
    out += _scale(report, sizes)
    out += _before_after(report, sizes)
    out += _distinct(report)
    out += _notes(report)
    return "\n".join(out).rstrip() + "\n"


def _commands(report: dict, sizes: list[int]) -> dict[tuple[str, str], list[int]]:
    """(command, commit) -> the sizes it measured (any part)."""
    out: dict[tuple[str, str], list[int]] = {}
    for n in sizes:
        for part in ("build", "weight", "serve"):
            meta = _get(report, n, part, "meta") or {}
            key = (meta.get("command") or report.get("command", "kb bench all"),
                   meta.get("commit") or report.get("commit", "?"))
            if _get(report, n, part) and n not in out.setdefault(key, []):
                out[key].append(n)
    return out


def _summary(report: dict, sizes: list[int]) -> list[str]:
    n = 5 if 5 in sizes else (sizes[0] if sizes else None)
    if n is None:
        return ["（尚无数据）", ""]
    ratio = _get(report, n, "build", "ratio", "median")
    serve = _median(_get(report, n, "serve", "docs") or [])
    serve_source = _median(_get(report, n, "serve", "source") or [])
    topic = _get(report, n, "weight", "pages", "topic", "bytes_without_index")
    rows = [
        ("`kb import` + `kb build` ÷ plain mkdocs-material 构建（同一轮）", f"≤ {TARGETS['ratio']}×",
         f"{ratio:.2f}×" if ratio else "—", ratio is not None and ratio <= TARGETS["ratio"]),
        ("`kb serve`：改 docs/ 中的一页到浏览器显示", f"< {TARGETS['serve_s']:.0f} s", _s(serve),
         serve is not None and serve < TARGETS["serve_s"]),
        ("`kb serve`：改 sources/ 中文章的一行（含导入）到浏览器显示", f"< {TARGETS['serve_s']:.0f} s",
         _s(serve_source), serve_source is not None and serve_source < TARGETS["serve_s"]),
        ("无图主题页的传输量（gzip，不含搜索索引）", f"< {TARGETS['topic_kb']} KB", _kb(topic),
         topic is not None and topic < TARGETS["topic_kb"] * 1000),
    ]
    out = [f"## 结论（{n} 篇文章）", "", "| 指标 | 目标 | 实测 | 达标 |", "| --- | --- | --- | --- |"]
    for name, target, got, ok in rows:
        out.append(f"| {name} | {target} | {got} | {'是' if ok else '否'} |")
    return out + [""]


def _stage_table(title: str, names: dict[str, str], data: list[tuple[int, dict]], first: bool = False) -> list[str]:
    """Stages per size: of the later runs' median, or (first=True) of the first run, without caches."""
    stages, total = ("first_stages", "first") if first else ("stages", "median")
    out = [f"| {title} | " + " | ".join(f"{n} 篇" for n, _ in data) + " |",
           "| --- |" + " ---: |" * len(data)]
    keys = list(dict.fromkeys(k for _, d in data for k in d.get(stages, {})))
    for key in keys:
        out.append(f"| {names.get(key, key)} | " + " | ".join(_s(d.get(stages, {}).get(key)) for _, d in data) + " |")
    out.append("| **命令墙钟时间** | " + " | ".join(f"**{_s(d.get(total))}**" for _, d in data) + " |")
    return out


def _timings(report: dict, sizes: list[int]) -> list[str]:
    have = [n for n in sizes if _get(report, n, "build")]
    if not have:
        return []
    out = ["## 构建时间", "",
           "plain：同一份原始文章（每篇一页）用同一个 mkdocs、mkdocs-material 的默认中文搜索"
           "（`lang: zh`，jieba）构建，不做导入、钩子、严格模式和图表（`kb.bench.plain`）。"
           "`kb import`、`kb build`、`kb export --site` 是用户运行的命令本身，分阶段时间由 `kb.bench.probe` "
           "在命令内部记录（不改命令的代码）；“启动”是墙钟时间减去各阶段之和（解释器启动、导入、读取 mkdocs.yml）。"
           "`kb export` = `kb build` + 下表的导出步骤（即 `kb export --site`）。"
           "第一轮从没有 `build/` 缓存的根目录开始（首次构建），其后各轮用上命令留在 `build/` 的缓存"
           "（编辑者再次构建的常见情形）；表中为其后各轮的中位数，首轮单列。", "",
           "| 规模 | 运行次数 | plain | kb import | kb build | (import+build) ÷ plain | kb export 的导出步骤 | 首轮：import / build / 倍数 |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for n in have:
        b = _get(report, n, "build")
        export = b.get("export", {}).get("median")
        first = (f"{_s(b['import'].get('first'))} / {_s(b['build'].get('first'))} / {b['ratio'].get('first', 0):.2f}×"
                 if b["runs"] > 1 else "—")
        out.append(f"| {n} 篇 | {b['runs']} | {_s(b['plain']['median'])} | {_s(b['import']['median'])} | "
                   f"{_s(b['build']['median'])} | **{b['ratio']['median']:.2f}×** | {_s(export)} | {first} |")
    cpu = [n for n in have if _get(report, n, "build", "cpu_ratio")]
    if cpu:
        out += ["", "### CPU 时间与内存峰值", "",
                "机器是共享的、负载高时墙钟时间波动很大，所以这里另给各命令自身（连同其子进程）的 CPU 时间"
                "（user + sys，`os.wait4`）及其与 plain 的倍数，和峰值常驻内存（RSS，进程及其子进程中最大的一个）。", "",
                "| 规模 | CPU：plain | kb import | kb build | (import+build) ÷ plain | 首轮：import / build / 倍数 "
                "| 峰值 RSS：kb import | kb build | plain |",
                "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |"]
        for n in cpu:
            b = _get(report, n, "build")
            first = (f"{_s(b['import']['cpu_first'])} / {_s(b['build']['cpu_first'])} / "
                     f"{b['cpu_ratio']['first']:.2f}×")
            out.append(f"| {n} 篇 | {_s(b['plain']['cpu_median'])} | {_s(b['import']['cpu_median'])} | "
                       f"{_s(b['build']['cpu_median'])} | **{b['cpu_ratio']['median']:.2f}×** | {first} | "
                       f"{b['import']['rss_mb']:.0f} MB | {b['build']['rss_mb']:.0f} MB | {b['plain']['rss_mb']:.0f} MB |")
    warm = [n for n in have if _get(report, n, "build", "runs") > 1]
    if warm:
        out += ["", "### 分阶段：其后各轮（有 `build/` 缓存）的中位数", ""]
        out += _stage_table("kb import", IMPORT_STAGES, [(n, _get(report, n, "build", "import")) for n in warm])
        out.append("")
        out += _stage_table("kb build", BUILD_STAGES, [(n, _get(report, n, "build", "build")) for n in warm])
    out += ["", "### 分阶段：首轮（没有 `build/` 缓存，各规模条件相同）", ""]
    out += _stage_table("kb import", IMPORT_STAGES, [(n, _get(report, n, "build", "import")) for n in have], first=True)
    out.append("")
    out += _stage_table("kb build", BUILD_STAGES, [(n, _get(report, n, "build", "build")) for n in have], first=True)
    exports = [(n, _get(report, n, "build", "export")) for n in have if _get(report, n, "build", "export")]
    if exports:
        out.append("")
        out += _stage_table("kb export 的导出步骤", EXPORT_STAGES, exports)
        out += ["", "| 单文件 / zip | " + " | ".join(f"{n} 篇" for n, _ in exports) + " |",
                "| --- |" + " ---: |" * len(exports),
                "| ai-startup-kb.html | " + " | ".join(_kb(e["html_bytes"]) for _, e in exports) + " |",
                "| ai-startup-kb-site.zip | " + " | ".join(_kb(e["zip_bytes"]) for _, e in exports) + " |"]
    first = have[0]
    handlers = _get(report, first, "build", "build", "handlers") or {}
    if handlers:
        out += ["", f"### mkdocs 插件与钩子各自的耗时（{first} 篇，中位数）", "",
                "| 处理函数 | 时间 |", "| --- | ---: |"]
        out += [f"| `{name}` | {_s(sec)} |" for name, sec in handlers.items() if sec >= 0.005]
    out += [""] + [f"- {n} 篇：{_meta_line(_get(report, n, 'build', 'meta'))}" for n in have] + [""]
    return out


def _weights(report: dict, sizes: list[int]) -> list[str]:
    have = [n for n in sizes if _get(report, n, "weight")]
    if not have:
        return []
    out = ["## 页面传输量（冷缓存）", "",
           "每页在全新的 Chromium 上下文中打开（无缓存），由本地服务器以 gzip（级别 6）压缩文本后发送，"
           "如同开启压缩的生产服务器；统计页面及其 worker 发出的全部请求（含响应头），直到网络静默。"
           "Material 的搜索 worker 在每个页面打开时下载搜索索引，所以单列。", "",
           "| 页面 | " + " | ".join(f"{n} 篇" for n in have) + " |", "| --- |" + " ---: |" * len(have)]
    keys = list(dict.fromkeys(k for n in have for k in _get(report, n, "weight", "pages")))
    for key in keys:
        label = next(_get(report, n, "weight", "pages", key, "label") for n in have
                     if _get(report, n, "weight", "pages", key))
        path = next(_get(report, n, "weight", "pages", key, "path") for n in have
                    if _get(report, n, "weight", "pages", key))
        out.append(f"| {label} `{path}`，不含搜索索引 | " + " | ".join(
            _kb(_get(report, n, "weight", "pages", key, "bytes_without_index")) for n in have) + " |")
        out.append("| 　同上，含搜索索引 | " + " | ".join(
            _kb(_get(report, n, "weight", "pages", key, "bytes")) for n in have) + " |")
        out.append("| 　页面本身的 HTML（未压缩） | " + " | ".join(
            _kb(_get(report, n, "weight", "pages", key, "html_raw")) for n in have) + " |")
    out.append("| 搜索索引 `search_index.json`，原始 | " + " | ".join(
        _kb(_get(report, n, "weight", "index", "search/search_index.json", "raw")) for n in have) + " |")
    out.append("| 搜索索引，gzip | " + " | ".join(
        _kb(_get(report, n, "weight", "index", "search/search_index.json", "gzip")) for n in have) + " |")
    out.append("| 搜索索引，gzip，按真实文章的压缩率估计 | " + " | ".join(
        _kb(index_estimate(report, n)) for n in have) + " |")
    out += ["", "注意：规模语料的副本与原文逐句相同，gzip 会把重复的句子压得很小，所以 50、500 篇时的 gzip 数字"
            "低估了真实的不同文章；未压缩的大小和“按真实文章的压缩率估计”（未压缩大小 × 5 篇真实文章的 gzip 压缩率）"
            "更能代表真实增长。"]
    first = have[0]
    out += ["", f"### 按类型（{first} 篇）", "", "| 页面 | 请求数 | 各类（gzip 后） |", "| --- | ---: | --- |"]
    for key, page in (_get(report, first, "weight", "pages") or {}).items():
        kinds = "，".join(f"{k} {_kb(v)}" for k, v in page["by_kind"].items())
        out.append(f"| `{page['path']}` | {page['requests']} | {kinds} |")
    out += [""] + [f"- {n} 篇：{_meta_line(_get(report, n, 'weight', 'meta'))}" for n in have] + [""]
    return out


def index_estimate(report: dict, n: int) -> float | None:
    """The index's gzip size for distinct articles: its raw size at the compression ratio
    of the smallest corpus measured (the real articles). Copies of the same sentences
    compress far better than other articles would."""
    sizes = [m for m in _sizes(report) if _get(report, m, "weight", "index", "search/search_index.json")]
    if not sizes or n not in sizes:
        return None
    base = _get(report, sizes[0], "weight", "index", "search/search_index.json")
    raw = _get(report, n, "weight", "index", "search/search_index.json", "raw")
    return raw * base["gzip"] / base["raw"]


def _search(report: dict, sizes: list[int]) -> list[str]:
    have = [n for n in sizes if _get(report, n, "search")]
    if not have:
        return []
    out = ["## 搜索延迟（Chromium，从按键到结果绘出）", "",
           "查询集 `scripts/bench/search_queries.yml`，在站点自己的搜索框中逐键输入（中文按输入法提交），"
           "计时从最后一次按键（keyup）到该查询的结果列表绘出（`kb.bench.search.keystroke_times`）。"
           "“就绪”为打开首页到搜索框可用（worker 下载并载入索引）的时间。", "",
           "| 规模 | 查询数 | 中位数 | p95 | 最大 | 就绪 |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for n in have:
        s = _get(report, n, "search")
        if s.get("error"):
            out.append(f"| {n} 篇 | — | — | — | — | {s['error']} |")
            continue
        out.append(f"| {n} 篇 | {s['queries']} | {s['median_ms']} ms | {s['p95_ms']} ms | {s['max_ms']} ms | "
                   f"{_s(s.get('ready_s'))} |")
    out += [""] + [f"- {n} 篇：{_meta_line(_get(report, n, 'search', 'meta'))}" for n in have] + [""]
    return out + _index_limit(report, sizes)


INDEX_LIMIT = 5_000_000   # bytes on the wire (gzip) above which a whole-site index is not reasonable


def _index_limit(report: dict, sizes: list[int]) -> list[str]:
    have = [n for n in sizes if _get(report, n, "pagefind") or _get(report, n, "weight", "index")]
    if not have:
        return []
    out = ["## 搜索索引的上限，以及该换的引擎", "",
           "本站用 Material 的搜索：整站一个索引文件（`search/search_index.json`），每个页面打开时由搜索 worker "
           "整个下载并在浏览器里建索引（kb-search.js）。对照组为 Pagefind（`pagefind[bin]` 标准版，测试依赖；检索质量与中文分词的扩展版见 `bench/search.md`）索引同一站点的副本："
           "它把索引切成按词分片的小文件，浏览器只下载查询用到的分片。"
           "下表的 Pagefind 时间是一次 `search()` 调用加读取前 10 个结果，不含绘制，与上表不完全可比。", "",
           "| 规模 | Material 索引（原始 / gzip） | 打开页面即下载 | 搜索就绪 | Pagefind 索引（磁盘，文件数） | "
           "Pagefind 首次查询下载 | 全部查询共下载 | Pagefind 中位数 / p95 |",
           "| --- | --- | ---: | ---: | --- | ---: | ---: | --- |"]
    for n in have:
        index = _get(report, n, "weight", "index", "search/search_index.json") or {}
        pf = _get(report, n, "pagefind") or {}
        search = _get(report, n, "search") or {}
        out.append(
            f"| {n} 篇 | {_kb(index.get('raw'))} / {_kb(index.get('gzip'))} | "
            f"{_kb(_get(report, n, 'weight', 'pages', 'topic', 'index_bytes'))} | "
            f"{_s(search.get('ready_s')) if not search.get('error') else '未就绪'} | "
            f"{_kb(pf.get('index_bytes'))}（{pf.get('index_files', '—')}） | {_kb(pf.get('first_query_bytes'))} | "
            f"{_kb(pf.get('all_queries_bytes'))}（{pf.get('queries', '—')} 条） | "
            f"{pf.get('median_ms', '—')} / {pf.get('p95_ms', '—')} ms |")
    over = [n for n in have if (index_estimate(report, n) or 0) > INDEX_LIMIT]
    out.append("")
    if over:
        n = over[0]
        gz = index_estimate(report, n)
        raw = _get(report, n, "weight", "index", "search/search_index.json", "raw")
        out.append(f"在 {n} 篇时，Material 的索引未压缩 {_kb(raw)}，按真实文章的压缩率 gzip 后约 {_kb(gz)}，"
                   f"超过 {INDEX_LIMIT / 1e6:.0f} MB："
                   "读者打开任何一页都要先下载它、再在浏览器里建索引，这不再合理。"
                   "本站的整站索引只适合到几十篇文章的规模（见上表每 10 倍的增长）；更大时应换用分片索引的引擎，"
                   "即 Pagefind：它的下载量取决于查询而不是站点大小。换用时要保留本站的中文处理"
                   "（jieba 分词的用户词典、查询改写、繁体转换）：Pagefind 的扩展版（`pagefind_extended`）自带中文分词，"
                   "或在建索引前把正文按 jieba 切好（见 README 的“Search”一节）。")
    else:
        out.append(f"所测规模下，Material 的索引 gzip 后（按真实文章的压缩率估计）都在 {INDEX_LIMIT / 1e6:.0f} MB 以内。")
    return out + [""]


def _serve(report: dict, sizes: list[int]) -> list[str]:
    have = [n for n in sizes if _get(report, n, "serve")]
    if not have:
        return []
    out = ["## kb serve：改动到浏览器显示", "",
           "`kb serve` 在临时根目录中运行，Chromium 打开 `risk/identification.html`；随后修改该页的一行，"
           "计时到打开着的页面显示出新文字（MkDocs 的 livereload 重建并刷新页面）。"
           "“改 docs/”：直接改 `docs/risk/identification.md`（kb serve 监视的文件）。"
           "“改 sources/”：改文章原文中归入该页的一行；`kb serve` 监视 sources/，自行导入改动，时间包含导入。", "",
           "| 规模 | 首次构建到可访问 | 改 docs/（中位数） | 各次 | 改 sources/（中位数，含导入） | 各次 |",
           "| --- | ---: | ---: | --- | ---: | --- |"]
    for n in have:
        s = _get(report, n, "serve")
        out.append(f"| {n} 篇 | {_s(s.get('first_build'))} | **{_s(_median(s['docs']))}** | "
                   f"{', '.join(f'{x:.2f}' for x in s['docs'])} | {_s(_median(s['source']))} | "
                   f"{', '.join(f'{x:.2f}' for x in s['source'])} |")
    out += [""] + [f"- {n} 篇：{_meta_line(_get(report, n, 'serve', 'meta'))}" for n in have] + [""]
    updates = [n for n in have if any(_get(report, n, "serve", "source_update") or [])]
    if updates:
        # kb serve's own log of each update after an edit of sources/: its CPU time says how
        # much of the wall time is kb's, on a machine shared with other work.
        out += ["`kb serve` 自己记录的每次 sources/ 更新（导入、整个更新的耗时，以及这期间进程用掉的 CPU 时间；"
                "机器繁忙时墙钟时间主要反映邻居的负载，CPU 时间才是 kb 自己的）：", "",
                "| 规模 | 导入（中位数） | 整个更新（中位数） | CPU（中位数） | 各次 CPU |", "| --- | ---: | ---: | ---: | --- |"]
        for n in updates:
            runs = [u for u in _get(report, n, "serve", "source_update") if u]
            cpu = [u["cpu_s"] for u in runs]
            out.append(f"| {n} 篇 | {_s(_median([u['import_s'] for u in runs]))} | "
                       f"{_s(_median([u['update_s'] for u in runs]))} | {_s(_median(cpu))} | "
                       f"{', '.join(f'{x:.2f}' for x in cpu)} |")
        out.append("")
    return out


def scale_series(report: dict) -> dict[str, dict[int, float | None]]:
    """The figures the scale table and the chart follow, per size."""
    sizes = _sizes(report)
    series = {
        # First runs: every size has one, and none had build/'s caches (sizes above 50 run once).
        "plain 构建": {n: _get(report, n, "build", "plain", "first") for n in sizes},
        "kb import": {n: _get(report, n, "build", "import", "first") for n in sizes},
        "kb build": {n: _get(report, n, "build", "build", "first") for n in sizes},
        "kb export 的导出步骤": {n: _get(report, n, "build", "export", "first") for n in sizes},
        "kb serve 改一页": {n: _median(_get(report, n, "serve", "docs") or []) for n in sizes},
    }
    sizes_series = {
        "主题页传输（不含索引，gzip）": {n: _get(report, n, "weight", "pages", "topic", "bytes_without_index")
                                   for n in sizes},
        "主题页 HTML（未压缩）": {n: _get(report, n, "weight", "pages", "topic", "html_raw") for n in sizes},
        "搜索索引（未压缩）": {n: _get(report, n, "weight", "index", "search/search_index.json", "raw") for n in sizes},
        "搜索索引（gzip，估计）": {n: index_estimate(report, n) for n in sizes},
        "单文件 HTML": {n: _get(report, n, "build", "export", "html_bytes") for n in sizes},
        "Pagefind 首次查询下载": {n: _get(report, n, "pagefind", "first_query_bytes") for n in sizes},
    }
    return {"time": series, "bytes": sizes_series,
            "search": {"搜索 p95": {n: _get(report, n, "search", "p95_ms") for n in sizes}}}


def _scale(report: dict, sizes: list[int]) -> list[str]:
    if len(sizes) < 2:
        return []
    series = scale_series(report)
    out = ["## 规模：5 / 50 / 500 篇", "",
           "语料由 `kb.bench.corpus` 生成：前 5 篇就是真实文章；其后每篇是某篇真实文章的副本，"
           "标题不同，各章下的 `x.y` 小节（连同子节）打乱顺序并重新编号（种子固定，结果逐字节可复现）。"
           "“每 10 倍”一列是规模每扩大十倍时该数字的倍数：10 左右为线性，明显大于 10 为超线性。命令的时间取首轮（没有 `build/` 缓存：每个规模都有首轮，且条件相同；500 篇只跑一轮）。", "",
           "![规模曲线](report.svg)", "",
           "| 指标 | " + " | ".join(f"{n} 篇" for n in sizes) + " | 每 10 倍 |",
           "| --- |" + " ---: |" * len(sizes) + " ---: |"]
    for name, values in series["time"].items():
        if any(values.values()):
            out.append(f"| {name} | " + " | ".join(_s(values[n]) for n in sizes) + f" | {_growth(values)} |")
    for name, values in series["bytes"].items():
        if any(values.values()):
            out.append(f"| {name} | " + " | ".join(_kb(values[n]) for n in sizes) + f" | {_growth(values)} |")
    for name, values in series["search"].items():
        if any(values.values()):
            out.append(f"| {name} | " + " | ".join(f"{values[n]} ms" if values[n] else "—" for n in sizes)
                       + f" | {_growth(values)} |")
    counts = {n: _get(report, n, "corpus") for n in sizes}
    if all(counts.values()):
        out.append("| 文章 / 节 / 页面 | " + " | ".join(
            f"{c['articles']} / {c['sections']} / {c['pages']}" for c in counts.values()) + " | |")
    return out + [""]


def _before_after(report: dict, sizes: list[int]) -> list[str]:
    have = [n for n in sizes if _get(report, n, "before")]
    if not have:
        return []
    out = ["## 修复前后", "",
           f"“修复前”为 `--compare-with` 指定的旧代码（{report.get('before_label', '?')}）在同一语料上的一次运行，"
           "与本次代码的首轮（同样没有缓存）比较。", "",
           "| 命令 | 规模 | 修复前 | 修复后（首轮） | 倍数 |", "| --- | --- | ---: | ---: | ---: |"]
    for command, label in (("import", "kb import"), ("export", "kb export 的导出步骤")):
        for n in have:
            before = _get(report, n, "before", command, "wall")
            after = _get(report, n, "build", command, "first")
            if before is None or after is None:
                continue
            gain = f"{before / after:.1f}×" if after else "—"
            out.append(f"| {label} | {n} 篇 | {_s(before)} | {_s(after)} | {gain} |")
    return out + [""]


_SIZE_CELL = re.compile(r"(\d+) 篇(?=[ ：|])")


def _distinct(report: dict) -> list[str]:
    """The figures measured on the distinct corpus (`--corpus distinct`): the same tables,
    one heading level down, every size labelled with the corpus."""
    sub = report.get("distinct") or {}
    sizes = _sizes(sub)
    if not sizes:
        return []
    commands = sorted({f"`{meta['command']}`（提交 `{meta.get('commit', '?')}`）" for n in sizes
                       for part in ("build", "weight", "serve") if (meta := _get(sub, n, part, "meta") or {}).get("command")})
    out = ["## 不同文章语料（`--corpus distinct`）", "",
           "前 5 篇是真实文章，其后是 495 篇各不相同的真实公开中文 Markdown 文章中的前 N − 5 篇"
           "（`bench/corpus/`，来源、提交与许可见 `bench/corpus/SOURCES.md`），没有副本，构建时合并相同节几乎不起作用。"
           + (f"测量命令：{'、'.join(commands)}。" if commands else ""), ""]
    for line in [*_timings(sub, sizes), *_weights(sub, sizes), *_search(sub, sizes), *_serve(sub, sizes)]:
        if line.startswith("#"):
            line = "#" + line
        elif line.startswith(("|", "- ")):
            line = _SIZE_CELL.sub(r"\1 篇（不同文章）", line)
        out.append(line)
    return out + [""]


def _notes(report: dict) -> list[str]:
    notes = report.get("notes") or []
    if not notes:
        return []
    return ["## 说明", ""] + [f"- {note}" for note in notes] + [""]


# --------------------------------------------------------------------------- chart

_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"]


def svg(report: dict) -> str:
    """Two log-log panels: seconds and bytes against articles, with a slope-one guide."""
    series = scale_series(report)
    panels = [("时间（秒）", series["time"], 1.0), ("字节（KB）", series["bytes"], 1e-3)]
    items = max(sum(1 for vals in data.values() if any(vals.values())) for _, data, _ in panels)
    width, height = 920, 300 + 16 * (items + 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             '<title>kb bench：时间与字节随文章数的增长（对数坐标）</title>']
    for p, (title, data, scale) in enumerate(panels):
        parts += _panel(p * width // 2, title, {k: {n: v * scale for n, v in vals.items() if v}
                                                for k, vals in data.items() if any(vals.values())}, width // 2, height)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _panel(x0: int, title: str, data: dict[str, dict[int, float]], width: int, height: int) -> list[str]:
    left, right, top, bottom = x0 + 60, x0 + width - 20, 40, 250
    xs = sorted({n for vals in data.values() for n in vals})
    ys = [v for vals in data.values() for v in vals.values() if v > 0]
    out = [f'<text x="{x0 + width / 2}" y="22" text-anchor="middle" font-size="14">{html.escape(title)}'
           "（对数坐标）</text>"]
    if len(xs) < 1 or not ys:
        return out
    lx0, lx1 = math.log10(min(xs)) - 0.15, math.log10(max(xs)) + 0.15
    ly0, ly1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))
    if ly1 == ly0:
        ly1 += 1

    def px(n: float) -> float:
        return left + (math.log10(n) - lx0) / (lx1 - lx0) * (right - left)

    def py(v: float) -> float:
        return bottom - (math.log10(v) - ly0) / (ly1 - ly0) * (bottom - top)

    out.append(f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" fill="none" stroke="#999"/>')
    for e in range(ly0, ly1 + 1):
        y = py(10 ** e)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#eee"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_tick(10 ** e)}</text>')
    for n in xs:
        x = px(n)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="#eee"/>')
        out.append(f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle">{n} 篇</text>')
    # Linear growth from the smallest size of the first series: a guide of slope one.
    first = next(iter(data.values()))
    n0 = min(first)
    v0 = first[n0]
    n1 = max(xs)
    out.append(f'<line x1="{px(n0):.1f}" y1="{py(v0):.1f}" x2="{px(n1):.1f}" y2="{py(v0 * n1 / n0):.1f}" '
               'stroke="#bbb" stroke-dasharray="4 4"/>')
    for i, (name, vals) in enumerate(data.items()):
        colour = _COLOURS[i % len(_COLOURS)]
        points = [(px(n), py(v)) for n, v in sorted(vals.items()) if v > 0]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        out += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in points]
        ly = bottom + 36 + 16 * i
        lx = left
        out.append(f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 18}" y2="{ly - 4}" stroke="{colour}" stroke-width="2"/>')
        out.append(f'<text x="{lx + 24}" y="{ly}">{html.escape(name)}</text>')
    ly = bottom + 36 + 16 * len(data)
    out.append(f'<line x1="{left}" y1="{ly - 4}" x2="{left + 18}" y2="{ly - 4}" stroke="#bbb" stroke-dasharray="4 4"/>')
    out.append(f'<text x="{left + 24}" y="{ly}">线性增长参考线</text>')
    return out


def _tick(v: float) -> str:
    if v >= 1000:
        return f"{v / 1000:g}k"
    return f"{v:g}"
