"""Search in the browser: mixed Latin/Chinese and Traditional queries, typed into the
site's own search box, land on the section that answers them."""
from __future__ import annotations

import pytest
from kb.bench.search import SearchBox, first_answer_rank
from search_cases import (CONVERTER, MIXED, TRADITIONAL, finds_what_its_simplified_form_finds, first_result_link,
                          opens_at_its_section_highlighted)


@pytest.fixture(scope="module")
def box(browser, site_server):
    box = SearchBox(browser, site_server)
    yield box
    box.close()


@pytest.mark.parametrize("query, answers, within", MIXED, ids=[q for q, _, _ in MIXED])
def test_a_mixed_query_finds_its_section(box, query, answers, within):
    ranking, _ = box.search(query)
    assert ranking, f"{query}: no results at all"
    rank = first_answer_rank(ranking, answers)
    assert rank is not None and rank <= within, f"{query}: answer at {rank}; got {ranking[:5]}"


@pytest.mark.parametrize("traditional, simplified", TRADITIONAL)
def test_a_traditional_query_finds_what_its_simplified_form_finds(box, traditional, simplified):
    finds_what_its_simplified_form_finds(box, traditional, simplified)


def test_the_converter_is_loaded_only_once_a_traditional_character_is_typed(browser, site_server):
    box = SearchBox(browser, site_server)
    try:
        for query in ("风险识别", "CNN模型", "联邦学习"):
            box.search(query)
        assert not [u for u in box.requests if u.endswith(CONVERTER)], "converter loaded for Simplified queries"
        box.search("聯邦學習")
        assert len([u for u in box.requests if u.endswith(CONVERTER)]) == 1
        box.search("風險識別")
        assert len([u for u in box.requests if u.endswith(CONVERTER)]) == 1, "converter loaded twice"
        assert box.console_errors == []
    finally:
        box.close()


def test_a_result_opens_its_section_with_the_query_words_highlighted(browser, site_server, outside_requests):
    box = SearchBox(browser, site_server)
    try:
        link = first_result_link(box, "差分隐私", "risk/challenges.md#s000-1-3")
        opens_at_its_section_highlighted(box, link, "差分隐私", "risk/challenges.md#s000-1-3", "/risk/challenges.html")
        heading = box.page.locator("#s000-1-3")
        box.page.wait_for_function(
            "() => { const r = document.getElementById('s000-1-3').getBoundingClientRect();"
            " return r.top >= 0 && r.top < window.innerHeight }")
        assert heading.is_visible()
        assert [u for u in box.requests if not u.startswith(site_server)
                and not u.startswith(("data:", "blob:"))] == []
        assert box.console_errors == []
    finally:
        box.close()
