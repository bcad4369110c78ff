"""`kb bench search` itself: its harness measures both engines on a couple of queries."""
from __future__ import annotations

from kb.bench.browser import serve
from kb.bench.search import (
    PAGEFIND,
    Query,
    keystroke_times,
    markdown_report,
    pagefind_site,
    run_material,
    run_pagefind,
    timing_summary,
)

QUERIES = [
    Query("风险识别", "keyword", ["risk/identification.md#s000-7-1", "risk/identification.md#s003-6-1"]),
    # An answer no engine can rank: the harness must report it as a miss, not skip it.
    Query("CNN模型", "mixed", ["appendix/laws.md#s004-appx-b"]),
]
PRIVACY = Query("差分隐私", "keyword", ["risk/challenges.md#s000-1-3"])


def test_the_harness_scores_both_engines_and_reports_misses(browser, built_site, site_server, tmp_path):
    ours = run_material(browser, site_server, QUERIES)
    assert [o.rank for o in ours.outcomes][0] == 1
    assert ours.outcomes[1].rank is None and ours.outcomes[1].ranking, "a miss keeps what was found"
    assert ours.summary()["hit@1"] == 0.5 and ours.summary()["mrr"] == 0.5
    assert all(o.ms is not None and o.ms > 0 for o in ours.outcomes)

    others, segmented = [], {}
    for variant in PAGEFIND:
        with serve(pagefind_site(built_site, tmp_path / f"pagefind-{variant}", variant)) as base:
            others.append(run_pagefind(browser, base, QUERIES, variant))
            segmented[variant] = run_pagefind(browser, base, [PRIVACY], variant).outcomes[0]
        assert len(others[-1].outcomes) == 2 and 0 <= others[-1].summary()["hit@5"] <= 1
    # Only the extended binary cuts Chinese into words: the standard one indexes 差分隐私 inside
    # longer runs of characters and finds nothing for it.
    assert segmented["extended"].rank == 1, segmented["extended"]
    assert segmented["bin"].ranking == [], segmented["bin"]

    timing = {"site": timing_summary(keystroke_times(browser, site_server, QUERIES[:1]))}
    report = markdown_report([ours, *others], timing, {"when": "now", "sections": {"project": 1}}, [])
    assert "`CNN模型`（mixed）：答案前列中没有" in report
    assert all(f"## 未排第一的查询：{name}" in report for _, name in PAGEFIND.values())
    assert "三个版本给出的前五个结果相同" in report


def test_the_harness_reads_the_single_files_results_and_finds_where_editions_differ(browser, single_file):
    from kb.bench.search import EngineResult, Outcome, _pages, run_book, same_top
    from kbtest import REPO

    book = run_book(browser, single_file.as_uri(), QUERIES, _pages(REPO / "docs" / "provenance.json"))
    assert book.outcomes[0].rank == 1 and book.outcomes[1].rank is None
    assert all(key.partition("#")[0].endswith(".md") for o in book.outcomes for key in o.ranking)
    other = EngineResult("x", [Outcome(o.q, o.kind, o.answers, o.ranking[::-1], None) for o in book.outcomes])
    assert [q for q, _ in same_top([book, book])] == []
    assert [q for q, _ in same_top([book, other])] == [o.q for o in book.outcomes if len(o.ranking[:5]) > 1]
