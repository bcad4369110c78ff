"""What the site's search must find, typed into its search box: one list for the site over
http (test_search_box.py) and from file:// (test_offline.py), which must answer alike.

Answers are `page.md#anchor` (docs/provenance.json); a hit on a subsection counts
(kb.bench.search.first_answer_rank). `search_in_page` types a query as a reader does.
"""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

# (query, sections that answer it, the rank the first of them must reach at worst).
# Typed with no space between the Latin term and the Chinese word. A plain
# mkdocs-material site finds nothing for the first five (scripts/bench/plain_site.py).
MIXED = [
    ("CNN模型", ["tech/algorithms.md#s002-4-1-1"], 1),
    # The Transformer section, or the architecture section that compares Transformers.
    ("Transformer架构", ["tech/algorithms.md#s002-4-1-3", "tech/architecture.md#s004-2-2"], 1),
    ("Docker容器", ["appendix/tools.md#s001-a-1-3", "data/compute.md#s000-4-2", "tech/frameworks.md#s000-3-1"], 1),
    ("LSTM层", ["tech/algorithms.md#s002-4-1-2"], 1),
    ("SEM广告", ["marketing/promotion.md#s000-6-2"], 1),
    ("TensorFlow Lite", ["tech/deployment.md#s003-3-3", "appendix/resources.md#s000-b-1"], 5),
    ("GPT-3", ["overview/history.md#s002-2-3", "overview/history.md#s001-1-1", "overview/history.md#s003-2-1"], 5),
]

# (Traditional, Simplified): the Traditional query must give what the Simplified one gives.
TRADITIONAL = [("風險識別", "风险识别"), ("聯邦學習", "联邦学习")]

# Where the Traditional-to-Simplified converter is served (loaded only when needed).
CONVERTER = "/assets/javascripts/vendor/opencc-t2cn.js"


def search_in_page(page, query: str) -> None:
    """Type a query into the open page's search box once its index is loaded; wait for results."""
    box = page.locator("input.md-search__input")
    if not box.is_visible():
        page.locator("label.md-header__button[for=__search]").first.click()
    box.click()
    page.wait_for_function(
        "() => !document.querySelector('.md-search-result__meta').textContent.includes('初始化')",
        timeout=30000)
    box.fill(query)
    box.press("End")          # Material reads the query on key events
    page.locator(".md-search-result__item").first.wait_for(state="visible", timeout=15000)



def first_result_link(box, query: str, answer: str):
    """Type `query` into `box` (kb.bench.search.SearchBox), check that its first result is
    `answer` (page.md#anchor); the link of that result."""
    ranking, _ = box.search(query)
    assert ranking[0] == answer
    return box.page.locator("ol.md-search-result__list > li").first.locator("a[href*='#']").first


def opens_at_its_section_highlighted(box, link, query: str, answer: str, page_path: str) -> None:
    """Clicking the result `link` opens the page `page_path` at the anchor of `answer` with
    the query's words highlighted (Material's ?h=)."""
    with box.page.expect_navigation():
        link.click()
    url = urlsplit(box.page.url)
    assert url.path.endswith(page_path) and url.fragment == answer.split("#", 1)[1]
    assert parse_qs(url.query).get("h") == [query]
    box.page.wait_for_selector("mark[data-md-highlight]")
    marks = box.page.eval_on_selector_all("mark[data-md-highlight]", "els => els.map(e => e.textContent)")
    assert query in marks


def finds_what_its_simplified_form_finds(box, traditional: str, simplified: str) -> None:
    """The Traditional query gives, in `box` (kb.bench.search.SearchBox), the top five of
    its Simplified form, which finds something."""
    expected, _ = box.search(simplified)
    got, _ = box.search(traditional)
    assert expected, f"{simplified}: no results"
    assert got[:5] == expected[:5]
