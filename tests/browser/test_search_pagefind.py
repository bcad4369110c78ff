"""A site searched through Pagefind (the kb plugin's `search_engine: pagefind`, which a large
site gets by itself): what a reader sees in the same search box. A Chinese query lists
sections that open at their heading with the words highlighted, a Traditional query finds
what its Simplified form finds, and no page downloads the one-file index."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from kb.bench.browser import serve
from kb.bench.engines import set_engine
from kb.bench.search import SearchBox, first_answer_rank
from kbtest import REPO, make_root
from search_cases import (TRADITIONAL, finds_what_its_simplified_form_finds, first_result_link,
                          opens_at_its_section_highlighted)

KB = Path(sys.executable).parent / "kb"


def _kb(root: Path, command: str) -> None:
    proc = subprocess.run([str(KB), "--root", str(root), command], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]


@pytest.fixture(scope="module")
def pagefind_site(tmp_path_factory) -> Path:
    """The five articles built with search_engine: pagefind."""
    root = make_root(tmp_path_factory.mktemp("pagefind-root"), docs=True)
    set_engine(root / "mkdocs.yml", "pagefind")
    _kb(root, "build")
    return root / "site"


@pytest.fixture(scope="module")
def pagefind_server(pagefind_site):
    with serve(pagefind_site) as base:
        yield base


@pytest.fixture
def box(browser, pagefind_server):
    box = SearchBox(browser, pagefind_server)
    yield box
    box.close()


def test_the_site_is_searched_through_pagefind_and_never_downloads_the_one_file_index(box, pagefind_site):
    ranking, _ = box.search("风险识别")
    box.search("CNN模型")
    assert ranking
    assert (pagefind_site / "search" / "search_index.json").is_file()   # kept for the file:// editions
    assert [u for u in box.requests if "search_index" in u] == []
    assert [u for u in box.requests if "/pagefind/" in u and u.endswith(".pf_fragment")]
    assert [u for u in box.requests if u.endswith("/workers/kb-pagefind.js")]
    assert box.console_errors == []


def test_a_chinese_query_lists_sections_that_open_at_their_heading_highlighted(box, pagefind_server):
    link = first_result_link(box, "差分隐私", "risk/challenges.md#s000-1-3")
    assert "差分隐私" in link.locator("mark").first.inner_text()
    opens_at_its_section_highlighted(box, link, "差分隐私", "risk/challenges.md#s000-1-3", "/risk/challenges.html")
    assert [u for u in box.requests if not u.startswith(pagefind_server)
            and not u.startswith(("data:", "blob:"))] == []


def test_a_question_is_cut_into_the_indexs_words_and_finds_its_section(box):
    # Question words dropped, the rest cut into the words jieba cut the index into.
    ranking, _ = box.search("创业者如何识别大模型项目的风险？")
    answers = ["risk/identification.md#s003-6-1", "risk/identification.md#s000-7-1", "risk/identification.md#s002-10-1"]
    rank = first_answer_rank(ranking, answers)
    assert rank is not None and rank <= 5, ranking[:5]


def test_a_result_shows_the_text_without_the_spaces_between_words(box):
    box.search("联邦学习")
    text = box.page.locator("ol.md-search-result__list a[href*='#'] article").first.inner_text()
    assert "联邦学习" in text and "联邦 学习" not in text


def test_when_few_sections_hold_every_word_those_come_first_then_those_holding_one(box):
    # Few sections hold both words, so each word is searched on its own too (kb-pagefind.js):
    # the list is filled with sections holding one of them, after every section holding both.
    box.search("联邦学习")
    worker = next(w for w in box.page.workers if w.url.endswith("/kb-pagefind.js"))
    held = worker.evaluate("""query => self.kbSearch(query).then(result => result.items.map(
        group => group.filter(item => item.location.includes("#")).map(item => Object.values(item.terms)
            .filter(Boolean).length)))""", "联邦学习 隐私")
    best = [group[0] for group in held if group]
    assert best and best[0] == 2 and 1 in best
    assert best == sorted(best, reverse=True)          # groups in order of their best section


@pytest.mark.parametrize("traditional, simplified", TRADITIONAL)
def test_a_traditional_query_finds_what_its_simplified_form_finds(box, traditional, simplified):
    finds_what_its_simplified_form_finds(box, traditional, simplified)


# ---------------------------------------------------------------------------
# Sections that say the same thing: one result in both engines (kb.site.search.fold)

@pytest.fixture(scope="module")
def sites_with_copies(tmp_path_factory) -> dict[str, Path]:
    """Ten articles, the last five copies of the first five (kb.bench.corpus: renumbered,
    retitled, the sections' text the same), built once per engine."""
    import shutil

    from kb.bench import corpus

    root = corpus.scratch_root(REPO, tmp_path_factory.mktemp("copies") / "root", 10)
    _kb(root, "import")
    sites = {}
    for engine in ("index", "pagefind"):
        set_engine(root / "mkdocs.yml", engine)
        _kb(root, "build")
        sites[engine] = shutil.copytree(root / "site", root.parent / f"site-{engine}")
    sites["root"] = root
    return sites


@pytest.mark.parametrize("engine", ["index", "pagefind"])
def test_a_section_and_its_copy_are_one_result_that_says_there_is_another(browser, sites_with_copies, engine):
    from kb.bench.engines import copies_of_answers
    from kb.bench.search import Query

    root = sites_with_copies["root"]
    answer = "risk/challenges.md#s000-1-3"
    same = copies_of_answers([Query("差分隐私", "keyword", [answer], "")], root / "docs" / "provenance.json")[0].answers
    assert len(same) == 2                                   # the section and its copy
    with serve(sites_with_copies[engine]) as base:
        box = SearchBox(browser, base)
        try:
            ranking, _ = box.search("差分隐私")
            assert [key for key in ranking if key in same] == ranking[:1]     # first, and once
            first = box.page.locator("ol.md-search-result__list > li").first.locator("a[href*='#']").first
            assert "另有 1 处相同内容" in first.inner_text()
            assert box.console_errors == []
        finally:
            box.close()


# ---------------------------------------------------------------------------
# A large site's records split over several Pagefind indexes (kb.site.pagefind.parts)

@pytest.fixture(scope="module")
def split_site(pagefind_site, tmp_path_factory) -> Path:
    """The five articles' site with its records split over three Pagefind indexes, as a
    site of 3 x RECORDS_PER_INDEX sections would be."""
    import json
    import shutil

    from kb.site import pagefind

    site = shutil.copytree(pagefind_site, tmp_path_factory.mktemp("split") / "site")
    entries = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    shutil.rmtree(site / pagefind.FOLDER)
    saved = pagefind.RECORDS_PER_INDEX
    pagefind.RECORDS_PER_INDEX = -(-len(entries) // 3)
    try:
        pagefind.write(site, entries)
    finally:
        pagefind.RECORDS_PER_INDEX = saved
    assert json.loads((site / pagefind.FOLDER / "kb-search.json").read_text(encoding="utf-8"))["indexes"] == 3
    return site


def _found(box, query: str) -> list[str]:
    worker = next(w for w in box.page.workers if w.url.endswith("/kb-pagefind.js"))
    return worker.evaluate("""query => self.kbSearch(query).then(result => result.items.map(
        group => group.map(item => item.location)).flat())""", query)


@pytest.mark.parametrize("query", ["联邦学习", "差分隐私", "百度飞桨", "美团点评", "LSTM"])
def test_a_site_split_over_several_indexes_finds_what_one_index_finds(browser, box, split_site, query):
    # Fewer sections than a screen hold these words: the same sections, whatever the scores.
    box.search(query)
    with serve(split_site) as base:
        split = SearchBox(browser, base)
        try:
            split.search(query)
            assert sorted(_found(split, query)) == sorted(_found(box, query)) != []
            # Every index was read: its entry file, and the index chunks of the query's words.
            for n in (1, 2):
                assert [u for u in split.requests if f"/pagefind/{n}/pagefind-entry.json" in u]
                assert [u for u in split.requests if f"/pagefind/{n}/index/" in u]
            assert split.console_errors == []
        finally:
            split.close()


def test_a_query_with_a_short_latin_word_is_one_search_when_the_sections_holding_every_word_fill_the_list(box):
    # AI is a prefix there (the other words narrow it); one search per word, at 500
    # articles, would score 14,407 sections for AI and 17,010 for 大模型.
    box.search("大模型")
    worker = next(w for w in box.page.workers if w.url.endswith("/kb-pagefind.js"))
    searches, found = worker.evaluate("""query => { const before = self.kbPagefindSearches
        return self.kbSearch(query).then(result => [self.kbPagefindSearches - before,
            result.items.map(group => group.length).reduce((a, b) => a + b, 0)]) }""", "AI大模型")
    assert found >= 10 and searches == 1
