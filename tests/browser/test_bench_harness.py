"""`kb bench search` itself: its harness measures both engines on a couple of queries."""
from __future__ import annotations

from kb.bench.search import (Query, keystroke_times, markdown_report, pagefind_site, run_material,
                             run_pagefind, timing_summary)
from kb.bench.browser import serve

QUERIES = [
    Query("风险识别", "keyword", ["risk/identification.md#s000-7-1", "risk/identification.md#s003-6-1"]),
    # An answer no engine can rank: the harness must report it as a miss, not skip it.
    Query("CNN模型", "mixed", ["appendix/laws.md#s004-appx-b"]),
]


def test_the_harness_scores_both_engines_and_reports_misses(browser, built_site, site_server, tmp_path):
    ours = run_material(browser, site_server, QUERIES)
    assert [o.rank for o in ours.outcomes][0] == 1
    assert ours.outcomes[1].rank is None and ours.outcomes[1].ranking, "a miss keeps what was found"
    assert ours.summary()["hit@1"] == 0.5 and ours.summary()["mrr"] == 0.5
    assert all(o.ms is not None and 0 < o.ms < 10_000 for o in ours.outcomes)

    with serve(pagefind_site(built_site, tmp_path / "pagefind-site")) as base:
        pagefind = run_pagefind(browser, base, QUERIES)
    assert len(pagefind.outcomes) == 2 and 0 <= pagefind.summary()["hit@5"] <= 1

    timing = {"site": timing_summary(keystroke_times(browser, site_server, QUERIES[:1]))}
    report = markdown_report(ours, pagefind, timing, {"when": "now", "sections": 1})
    assert "Pagefind" in report and "`CNN模型`（mixed）：答案前列中没有" in report
