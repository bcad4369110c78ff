"""Editor's notes in the built site: found by search, marked where they belong, and no
page showing KaTeX's error box (the one broken formula is corrected by a note)."""
from __future__ import annotations

import json

import pytest
from kb.bench.search import SearchBox
from settle import typeset

# Words of the correction of the note on Nervana Systems (sources/editorial.yml), which no
# article uses: only the note can bring a reader to its section.
CORRECTION_WORD = "英特尔"


@pytest.fixture(scope="module")
def box(browser, site_server):
    box = SearchBox(browser, site_server)
    yield box
    box.close()


def test_the_search_index_holds_the_words_of_the_notes(built_site):
    docs = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    texts = {d["location"]: d["text"].replace("\u200b", "") for d in docs}
    holding = [loc for loc, text in texts.items() if "英特尔宣布收购该公司" in text]
    assert holding and all(loc.startswith("cases/failure.html") for loc in holding)


def test_typing_a_word_of_a_correction_finds_the_section_with_its_note(box):
    ranking, _ = box.search(CORRECTION_WORD)
    assert ranking, "no results"
    assert ranking[0].startswith("cases/failure.md#"), ranking[:5]


def test_the_note_follows_its_marked_claim_on_the_topic_page(page, site_server):
    page.goto(f"{site_server}/overview/history.html#claim-003-116")
    claim = page.locator("mark.kb-claim#claim-003-116")
    assert claim.is_visible()
    note = claim.evaluate("""m => { const li = m.closest('li');
        const n = li.querySelector(':scope > .admonition.kb-note'); return n ? n.innerText : null; }""")
    assert note.startswith("编者注") and "GPT-3 于 2020 年发布" in note and "arXiv:2005.14165" in note


def test_no_page_of_the_site_shows_a_katex_error_box(new_page, built_site, site_server):
    pages = sorted(p.relative_to(built_site).as_posix() for p in built_site.rglob("*.html")
                   if p.relative_to(built_site).parts[0] not in ("assets", "search"))
    assert len(pages) >= 60
    problems = []
    for rel in pages:
        page = new_page()
        page.goto(f"{site_server}/{rel}", wait_until="networkidle")
        typeset(page, timeout=15000)
        errors = page.locator(".katex-error").count()
        if errors:
            problems.append(f"{rel}: {errors} KaTeX error box(es)")
        page.close()
    assert problems == []
