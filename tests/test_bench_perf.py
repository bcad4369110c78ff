"""`kb bench all`'s parts that need no browser: the scale corpus, the stage runner, the report.

Speed itself is reported by the bench, not asserted here (timed tests flake on a busy machine).
"""
from __future__ import annotations

import gzip
import subprocess
import sys
import re
import urllib.request
import xml.etree.ElementTree as ET

import pytest
from kb.bench import corpus, plain, probe, report, timing
from kb.bench.browser import serve
from kb.core.model import Article
from kb.importer.parse import parse
from kb.importer.pipeline import load
from kb.importer.source import decode, split_lines
from kbtest import REPO, SEED_NAMES, only_the_known_bad_formula


def _parsed(path) -> Article:
    return parse(Article(path=path.name, key=path.stem.split("_")[0],
                         lines=split_lines(decode(path.read_bytes(), path.name))))


def _unnumbered(article: Article) -> list[tuple[str, int, str]]:
    return sorted((s.kind, s.depth, re.sub(r"^[0-9A-Z]+(\.[0-9]+)*\s*", "", s.heading))
                  for s in article.root.walk() if s.kind != "title")


def test_the_corpus_starts_with_the_real_articles_unchanged(tmp_path):
    files = corpus.generate(REPO / "sources", 7, tmp_path)
    assert [f.name for f in files[:5]] == SEED_NAMES
    for name in SEED_NAMES:
        assert (tmp_path / name).read_bytes() == (REPO / "sources" / name).read_bytes()
    assert len(files) == 7 and len({f.name for f in files}) == 7


def test_copies_have_their_own_title_and_the_same_sections_shuffled_and_renumbered(tmp_path):
    files = corpus.generate(REPO / "sources", 10, tmp_path)
    reordered = 0
    for real_path, copy_path in zip(files[:5], files[5:]):
        real, copy = _parsed(real_path), _parsed(copy_path)
        assert copy.title != real.title and "扩展样本 001" in copy.title
        # The same sections (headings without their numbers) at the same depths …
        assert _unnumbered(copy) == _unnumbered(real)
        # … numbered 1, 2, 3 … under every parent, as a valid article is …
        for group in corpus._sibling_groups(copy):
            prefix = group[0].number.split(".")[0]
            assert [s.number for s in group] == [f"{prefix}.{i}" for i in range(1, len(group) + 1)]
        # … in another order.
        order = lambda a: [re.sub(r"^\S+\s*", "", s.heading) for s in a.root.walk() if s.kind == "numbered"]  # noqa: E731
        reordered += order(copy) != order(real)
    assert reordered == 5


def test_the_corpus_is_the_same_every_time(tmp_path):
    one = corpus.generate(REPO / "sources", 8, tmp_path / "one")
    two = corpus.generate(REPO / "sources", 8, tmp_path / "two")
    assert [f.read_bytes() for f in one] == [f.read_bytes() for f in two]


def test_a_generated_corpus_imports_without_other_warnings_and_places_every_copy(tmp_path):
    root = corpus.scratch_root(REPO, tmp_path / "root", 10)
    kb, warnings = load(root / "sources")
    assert only_the_known_bad_formula(warnings)
    assert len(kb.articles) == 10
    placed = {u.article.path for u in kb.units}
    assert placed == {a.path for a in kb.articles}
    # Copies are other articles: their sections are related to the originals' (other article).
    related = [r for rs in kb.links.related.values() for r in rs]
    assert related and all(r.unit.article.path for r in related)


def test_the_probe_times_each_stage_from_inside_kb_import_and_kb_build(tmp_path):
    root = corpus.scratch_root(REPO, tmp_path / "root", 2)
    seconds, found = timing.timed([timing.kb_command(), "--root", str(root), "import"], root)
    assert list(found["stages"]) == ["start-up", "read", "parse", "clean", "classify", "link", "write", "disk"]
    assert sum(found["stages"].values()) == pytest.approx(seconds)
    assert (root / "docs" / "provenance.json").is_file()
    # The command's own CPU time and peak memory: an interpreter with kb loaded takes tens of MB.
    assert 0 < found["cpu_s"] and found["rss_mb"] > 20

    seconds, found = timing.timed([timing.kb_command(), "--root", str(root), "build"], root)
    assert set(found["stages"]) == {"start-up", "linkcheck", *(name for name, _, _ in probe.BUILD_PHASES)}
    assert all(value >= 0 for value in found["stages"].values())
    assert sum(found["stages"].values()) == pytest.approx(seconds)
    # Every plugin's handlers are timed, the search plugin's among them.
    assert any(name.startswith("material/search.on_") for name in found["handlers"])
    assert (root / "site" / "index.html").is_file()


def test_kb_import_does_not_load_the_bench_modules_and_kb_bench_still_takes_their_options(scratch):
    code = ("import sys; from kb.cli import main; code = main(['--root', sys.argv[1], 'import']); "
            "print(code, sorted(m for m in sys.modules if m.startswith('kb.bench.')))")
    out = subprocess.run([sys.executable, "-c", code, str(scratch)], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[-2] == "0 []"
    usage = subprocess.run([sys.executable, "-m", "kb", "bench", "build", "--help"], capture_output=True, text=True,
                           check=True).stdout
    assert "--sizes" in usage and "--runs" in usage


def test_the_plain_reference_is_the_raw_articles_one_page_each(tmp_path):
    root = corpus.scratch_root(REPO, tmp_path / "root", 2)
    site = plain.build_plain_site(tmp_path / "plain", root / "sources")
    assert sorted(p.name for p in (tmp_path / "plain" / "docs").iterdir()) == ["article-0.md", "article-1.md",
                                                                              "index.md"]
    assert (site / "article-0" / "index.html").is_file() and (site / "search" / "search_index.json").is_file()


def test_the_file_server_gzips_text_as_a_production_server_would(tmp_path):
    (tmp_path / "page.html").write_text("<p>" + "知识库" * 1000 + "</p>", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG" + bytes(100))
    with serve(tmp_path, compress=True) as base:
        request = urllib.request.Request(f"{base}/page.html", headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request) as response:
            assert response.headers["Content-Encoding"] == "gzip"
            body = response.read()
        assert gzip.decompress(body).decode("utf-8") == (tmp_path / "page.html").read_text(encoding="utf-8")
        assert len(body) < 1000
        request = urllib.request.Request(f"{base}/image.png", headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request) as response:
            assert response.headers["Content-Encoding"] is None and len(response.read()) == 104


def _figures(import_s: float, build_s: float, plain_s: float, topic: int, index_gz: int) -> dict:
    # The first run (no build/ caches) takes three times as long as the later runs' median.
    stages = {"start-up": 0.1, "read": 0.1, "parse": 0.1, "link": import_s - 0.3}
    build_stages = {"config": 1.0, "pages": build_s - 1.0}
    return {
        "corpus": {"articles": 5, "sections": 100, "pages": 60},
        "build": {"runs": 3, "plain": {"median": plain_s, "first": plain_s},
                  "import": {"median": import_s, "first": 3 * import_s, "stages": stages,
                             "first_stages": {k: 3 * v for k, v in stages.items()}},
                  "build": {"median": build_s, "first": 3 * build_s, "stages": build_stages,
                            "first_stages": {k: 3 * v for k, v in build_stages.items()},
                            "handlers": {"material/search.on_config": 0.9}},
                  "ratio": {"median": (import_s + build_s) / plain_s, "first": 1.0}, "meta": {"when": "now", "load": [1.0, 2.0],
                                                                                "cpus": 2}},
        "weight": {"pages": {"topic": {"label": "主题页", "path": "risk/identification.html", "requests": 9,
                                       "bytes": topic + index_gz, "bytes_without_index": topic,
                                       "index_bytes": index_gz, "by_kind": {"html": topic}}},
                   "index": {"search/search_index.json": {"raw": index_gz * 9, "gzip": index_gz}}},
        "search": {"queries": 3, "median_ms": 40.0, "p95_ms": 60.0, "max_ms": 70.0, "ready_s": 1.0},
        "serve": {"docs": [4.0, 5.0, 6.0], "source": [7.0], "first_build": 9.0},
    }


def test_the_report_shows_targets_stages_and_growth_per_tenfold():
    data = {"command": "kb bench all", "commit": "abc",
            "sizes": {"5": _figures(2.0, 8.0, 5.0, 100_000, 80_000),
                      "50": _figures(20.0, 80.0, 50.0, 1_000_000, 800_000)}}
    text = report.markdown(data)
    assert "| `kb import` + `kb build` ÷ plain mkdocs-material 构建（同一轮） | ≤ 1.5× | 2.00× | 否 |" in text
    assert "| 无图主题页的传输量（gzip，不含搜索索引） | < 300 KB | 100.0 KB | 是 |" in text
    assert "| `kb serve`：改 docs/ 中的一页到浏览器显示 | < 1 s | 5.00 s | 否 |" in text
    assert "| `kb serve`：改 sources/ 中文章的一行（含导入）到浏览器显示 | < 1 s | 7.00 s | 否 |" in text
    # Stages of the later runs (with caches), then of the first runs (without).
    warm, cold = text.split("### 分阶段：首轮")
    assert "| link 关联 | 1.70 s | 19.70 s |" in warm and "| **命令墙钟时间** | **8.00 s** | **80.00 s** |" in warm
    assert "| link 关联 | 5.10 s | 59.10 s |" in cold and "| **命令墙钟时间** | **24.00 s** | **240 s** |" in cold
    # The scale table follows the first runs; tenfold articles, tenfold time: linear growth reads as ×10.0.
    assert re.search(r"\| kb build \| 24\.00 s \| 240 s \| ×10\.0 \|", text)
    assert "| 5 篇 | 3 | 40.0 ms | 60.0 ms | 70.0 ms | 1.00 s |" in text


def test_the_chart_is_svg_with_one_line_per_series_on_two_panels():
    data = {"sizes": {"5": _figures(2.0, 8.0, 5.0, 100_000, 80_000),
                      "50": _figures(20.0, 80.0, 50.0, 1_000_000, 800_000),
                      "500": _figures(200.0, 800.0, 500.0, 10_000_000, 8_000_000)}}
    root = ET.fromstring(report.svg(data))
    ns = "{http://www.w3.org/2000/svg}"
    lines = root.findall(f"{ns}polyline")
    # time: plain, import, build, serve; bytes: topic page, index gzip, index raw
    assert len(lines) == 7
    assert all(len(line.get("points").split()) == 3 for line in lines)
    labels = {t.text for t in root.iter(f"{ns}text")}
    assert {"5 篇", "50 篇", "500 篇", "kb import", "线性增长参考线"} <= labels


def test_past_a_few_dozen_articles_the_navigation_lists_only_the_source_index(tmp_path):
    import yaml
    from kb.core.plan import NAV_FILE, NAV_SOURCES_MAX
    from kb.importer.pages import pages

    def source_nav(count: int):
        root = corpus.scratch_root(REPO, tmp_path / f"n{count}", count)
        kb, _ = load(root / "sources")
        nav = yaml.safe_load(pages(kb)[NAV_FILE])["nav"]
        return next(item["原文"] for item in nav if "原文" in item)

    # The real five: the index and every article (as before).
    assert source_nav(5)[0] == "sources/index.md" and len(source_nav(5)) == 6
    # More: the index page alone, so each page's navigation does not grow with the articles.
    assert source_nav(NAV_SOURCES_MAX + 1) == "sources/index.md"
