"""The provenance manifest accounts for every line of every source (DESIGN.md format)."""
from __future__ import annotations

import json
import re

import pytest
from kb.core.editorial import load_editorial
from kb.importer.clean import REASON_IDS, shown_reason
from kbtest import REPO, SEED_NAMES

MANIFEST = REPO / "docs" / "provenance.json"
# Each reason of kb.importer.clean -> how the source pages show it.
REASON_LABELS = {reason: shown_reason(reason, load_editorial(REPO / "sources").labels) for reason in REASON_IDS}


@pytest.fixture(scope="module")
def entries():
    return json.loads(MANIFEST.read_text(encoding="utf-8"))["sections"]


def _lines(name):
    return (REPO / "sources" / name).read_text(encoding="utf-8").splitlines()


def test_every_non_blank_source_line_is_placed_or_dropped_with_a_reason(entries):
    for name in SEED_NAMES:
        covered = {}
        for e in (e for e in entries if e["source"] == name):
            assert ("page" in e) != bool(e.get("dropped")), e
            if e.get("dropped"):
                assert e["reason"].strip(), e
            for n in range(e["lines"][0], e["lines"][1] + 1):
                assert n not in covered, f"{name}:{n} in two entries"
                covered[n] = e
        lines = _lines(name)
        missing = [n for n, text in enumerate(lines, 1) if text.strip() and n not in covered]
        assert missing == [], f"{name}: lines in no manifest entry: {missing[:10]}"
        assert max(covered) <= len(lines)


def test_entries_follow_the_design_format_in_source_order(entries):
    assert [e["source"] for e in entries] == sorted(e["source"] for e in entries)
    for name in SEED_NAMES:
        starts = [e["lines"][0] for e in entries if e["source"] == name]
        assert starts == sorted(starts)
    for e in entries:
        keys = list(e)
        assert keys[:3] == ["source", "heading", "lines"]
        assert keys[3:] in (["chapter", "page", "anchor"], ["dropped", "reason"]), keys
        assert "#" not in e["heading"] and "**" not in e["heading"]


def test_every_placed_entry_points_at_a_heading_on_its_page(entries):
    for e in (e for e in entries if "page" in e):
        page = REPO / "docs" / e["page"]
        assert e["page"].startswith(e["chapter"] + "/")
        assert re.search(r"\{ #" + re.escape(e["anchor"]) + r" \}", page.read_text(encoding="utf-8")), e


def test_headings_keep_their_numbering_as_written(entries):
    headings = {(e["source"], e["heading"]) for e in entries}
    assert ("000_661c61a2ff7bbbb3.txt", "7.1 风险识别") in headings
    assert ("001_03f5ad9a677c0859.txt", "2.2.1 用户画像的构建") in headings
    assert ("001_03f5ad9a677c0859.txt", "4.1.1 案例 1：OpenAI") in headings


def test_each_source_page_links_every_section_forward(entries):
    for name in SEED_NAMES:
        key = name.split("_")[0]
        text = (REPO / "docs" / "sources" / f"{key}.md").read_text(encoding="utf-8")
        for e in (e for e in entries if e["source"] == name):
            assert f"#{e['anchor'] if 'anchor' in e else ''}" in text
            if "page" in e:
                assert f"../{e['page']}#{e['anchor']})" in text, e
            else:
                assert f"未收录：{REASON_LABELS.get(e['reason'], e['reason'])}" in text


def test_every_abstract_of_the_five_articles_is_placed_and_keywords_stay_front_matter(entries):
    # 摘要 is a heading (002, 004) or a line under the title (000, 001, 003).
    for name in SEED_NAMES:
        lines = _lines(name)
        abstract = next(n for n, text in enumerate(lines, 1) if "摘要" in text)
        entry = next(e for e in entries if e["source"] == name and e["lines"][0] <= abstract <= e["lines"][1])
        assert "page" in entry, f"{name}:{abstract}: the abstract is not placed: {entry}"
    keywords = [e for e in entries if e["heading"] == "关键词"]
    assert len(keywords) == 2 and all(e.get("dropped") for e in keywords)
