"""Both offline outputs of `kb export`, opened from file:// with every network request blocked.

- the site, unpacked from dist/<name>-site.zip into an empty folder;
- the single HTML file, copied alone into an empty folder (a USB stick with nothing else on it).
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from kb.bench.search import drawn_ranking, first_answer_rank
from kb.export.book import page_anchor
from kb.site import linkcheck
from conftest import NAME, _export  # the exported editions are fixtures of conftest.py
from search_cases import CONVERTER, MIXED, TRADITIONAL
from settle import ALL_TYPESET, typeset
# The sentence that explains gradient descent (docs/tech/math.md, from article 002).
EXPLAINS_GRADIENT_DESCENT = "梯度下降是一种迭代优化算法"
# Article 002 closes one formula with a stray \end{for}, which an editor's note corrects
# (sources/editorial.yml): every formula is typeset, with no error box.
BROKEN_FORMULA = r"\end{for}"


def _offline(page):
    page.blocked = []

    def handle(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            page.blocked.append(route.request.url)
            route.abort()

    page.route("**/*", handle)
    return page


@pytest.fixture
def offline(page):
    """The page with every request that is not a file:// read aborted (and recorded)."""
    return _offline(page)


@pytest.fixture
def new_offline_page(new_page):
    """Opens pages like `offline`, each in a fresh context: going from file to file in one
    page would abort what the last file still loads (search loads lunr's Chinese support
    lazily) and count it as a failed request, or not, depending on the machine's speed."""
    return lambda: _offline(new_page())


def _assert_stayed_inside(page, base_url: str, outside_requests):
    assert page.blocked == [], f"network requests (blocked): {page.blocked}"
    assert outside_requests(page, base_url) == [], "requests outside the folder/file"
    assert page.failed_requests == [], f"failed requests: {page.failed_requests}"
    assert page.console_errors == [], f"console errors: {page.console_errors}"


def _book_pages(site: Path) -> list[Path]:
    """The site's pages that the single file holds (everything but the faithful source copies)."""
    return sorted(p for p in site.rglob("*.html")
                  if p.relative_to(site).parts[0] not in ("sources", "assets") and p.name != "404.html")


_ALL_DRAWN = "() => [...document.querySelectorAll('.mermaid')].every(el => el.querySelector('svg'))"


# ---------------------------------------------------------------- the site from file://

def test_site_zip_holds_the_whole_site(exported, unzipped_site, built_site):
    inside = sorted(p.relative_to(unzipped_site).as_posix() for p in unzipped_site.rglob("*") if p.is_file())
    built = sorted(p.relative_to(built_site).as_posix() for p in built_site.rglob("*") if p.is_file())
    assert inside == built
    assert (unzipped_site / "index.html").read_bytes() == (built_site / "index.html").read_bytes()


def test_site_navigation_from_file(offline, unzipped_site, outside_requests):
    base = unzipped_site.as_uri()
    offline.goto(f"{base}/index.html")
    offline.locator("a.md-tabs__link", has_text="技术与研发").click()
    offline.wait_for_url(f"{base}/tech/index.html")
    offline.locator("article a", has_text="数学模型与公式").first.click()
    offline.wait_for_url(f"{base}/tech/math.html")
    assert offline.locator("article h1").inner_text().startswith("数学模型与公式")
    _assert_stayed_inside(offline, base, outside_requests)


def test_site_diagrams_are_svg_from_file(new_offline_page, unzipped_site, outside_requests):
    base = unzipped_site.as_uri()
    pages = [p for p in unzipped_site.rglob("*.html") if 'class="mermaid"' in p.read_text(encoding="utf-8")]
    assert pages, "no page of the site has a diagram"
    for path in pages:
        offline = new_offline_page()
        offline.goto(path.as_uri())
        offline.wait_for_function(_ALL_DRAWN, timeout=20_000)
        count = offline.locator(".mermaid").count()
        assert count and offline.locator(".mermaid svg").count() == count, path
        _assert_stayed_inside(offline, base, outside_requests)


def test_site_maths_typeset_from_file(new_offline_page, unzipped_site, outside_requests):
    base = unzipped_site.as_uri()
    pages = [p for p in unzipped_site.rglob("*.html") if 'class="arithmatex"' in p.read_text(encoding="utf-8")]
    assert pages, "no page of the site has maths"
    errors = []
    for path in pages:
        offline = new_offline_page()
        offline.goto(path.as_uri())
        typeset(offline, timeout=20_000)
        errors += offline.eval_on_selector_all(".katex-error", "els => els.map(e => e.textContent)")
        offline.evaluate("document.fonts.ready")        # the fonts the typeset maths asked for
        assert offline.evaluate("document.fonts.check('16px KaTeX_Main')"), f"KaTeX fonts not loaded on {path}"
        _assert_stayed_inside(offline, base, outside_requests)
    assert errors == []


def _site_search(page, query: str) -> list[str]:
    """Search the site as a reader does; returns the result links in page order."""
    box = page.locator(".md-search__input")
    box.click()
    if box.input_value():
        box.fill("")
        page.keyboard.press("Shift")  # Material reads the (now empty) query on keyup
    # Until the index is loaded the meta line says 正在初始化搜索引擎 and a query is dropped.
    page.wait_for_function("() => /键入/.test(document.querySelector('.md-search-result__meta').textContent)",
                           timeout=20_000)
    # Material reads the query on keyup, not on `input`, and keyboard.type() gives Chinese
    # characters no key events: the query goes in as an input method commits it, the text,
    # then the key that commits it. One keyup, so one query and one answer to wait for.
    page.keyboard.insert_text(query)
    page.keyboard.press("Shift")
    page.wait_for_selector(".md-search-result__meta:not(:empty)")
    page.wait_for_function("() => !/键入/.test(document.querySelector('.md-search-result__meta').textContent)",
                           timeout=10_000)
    return page.eval_on_selector_all(".md-search-result__link", "els => els.map(e => e.href)")


def _site_ranking(page, base: str, query: str) -> list[str]:
    """Section keys (`page.md#anchor`) of the results for `query`, as a reader meets them."""
    _site_search(page, query)
    return drawn_ranking(page, base)


def _converter_loads(page) -> int:
    return len([url for url in page.requests_seen if url.endswith(CONVERTER)])


def test_site_search_works_from_file(offline, unzipped_site, outside_requests):
    # The offline plugin's search (index as a script, worker shim) from the file system.
    base = unzipped_site.as_uri()
    offline.goto(f"{base}/index.html")
    links = _site_search(offline, "Adam")
    assert f"{base}/tech/math.html?h=adam#s002-4-2-2" in links, links
    _assert_stayed_inside(offline, base, outside_requests)


def test_site_search_finds_gradient_descent_from_file(offline, unzipped_site, outside_requests):
    base = unzipped_site.as_uri()
    offline.goto(f"{base}/index.html")
    ranking = _site_ranking(offline, base, "梯度下降")
    rank = first_answer_rank(ranking, ["tech/math.md#s002-4-2-2"])
    assert rank is not None and rank <= 3, ranking[:5]
    _assert_stayed_inside(offline, base, outside_requests)


@pytest.mark.parametrize("query, answers, within", MIXED, ids=[q for q, _, _ in MIXED])
def test_site_search_from_file_finds_the_section_of_a_mixed_query(offline, unzipped_site, outside_requests,
                                                                  query, answers, within):
    # The same query rewrite as over http (test_search_box.py): CNN模型 -> CNN 模型.
    base = unzipped_site.as_uri()
    offline.goto(f"{base}/index.html")
    ranking = _site_ranking(offline, base, query)
    rank = first_answer_rank(ranking, answers)
    assert rank is not None and rank <= within, f"{query}: answer at {rank}; got {ranking[:5]}"
    _assert_stayed_inside(offline, base, outside_requests)


@pytest.mark.parametrize("traditional, simplified", TRADITIONAL)
def test_site_search_from_file_finds_for_traditional_what_simplified_finds(offline, unzipped_site, outside_requests,
                                                                          traditional, simplified):
    base = unzipped_site.as_uri()
    offline.goto(f"{base}/index.html")
    expected = _site_ranking(offline, base, simplified)
    assert expected, f"{simplified}: no results"
    assert _converter_loads(offline) == 0, "converter loaded for a Simplified query"
    got = _site_ranking(offline, base, traditional)
    assert got[:5] == expected[:5]
    # Loaded on demand from the unzipped site, once.
    assert _converter_loads(offline) == 1
    _site_ranking(offline, base, traditional)
    assert _converter_loads(offline) == 1, "converter loaded twice"
    _assert_stayed_inside(offline, base, outside_requests)


# Every search answer that reaches the page, as the locations of its result groups.
_RECORD_ANSWERS = """() => {
    window.__answers = []
    addEventListener("message", ev => {
        if (ev.data && ev.data.type === 3)
            window.__answers.push(ev.data.data.items.map(group => group.map(item => item.location)))
    })
}"""
# Queries sent one right after the other, before the worker has answered any.
_SEND_QUERIES = """queries => {
    const input = document.querySelector(".md-search__input")
    for (const query of queries) {
        input.value = query
        input.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true }))
    }
}"""


def test_site_search_from_file_answers_in_order_while_the_converter_loads(offline, unzipped_site, outside_requests):
    # A Traditional query waits for the converter; a Simplified query sent meanwhile must
    # not overtake it, or the reader would end up looking at the answer to the first one.
    base = unzipped_site.as_uri()
    offline.goto(f"{base}/index.html")
    _site_search(offline, "Adam")  # the index is loaded
    offline.evaluate(_RECORD_ANSWERS)
    offline.evaluate(_SEND_QUERIES, ["聯邦學習", "梯度下降"])
    offline.wait_for_function("() => window.__answers.length === 2")
    first, second = offline.evaluate("window.__answers")
    # Each answer's first group (the page, then its sections) holds the section asked for.
    assert "strategy/trends.html#s001-5-1-3" in first[0], first
    assert "tech/math.html#s002-4-2-2" in second[0], second
    offline.wait_for_function("() => !/键入/.test(document.querySelector('.md-search-result__meta').textContent)")
    assert drawn_ranking(offline, base)[0] == "tech/math.md#s002-4-2-2"
    _assert_stayed_inside(offline, base, outside_requests)


def test_site_search_from_file_goes_on_without_the_converter_when_it_cannot_be_read(offline, unzipped_site):
    base = unzipped_site.as_uri()
    offline.route(f"**{CONVERTER}", lambda route: route.abort())
    offline.goto(f"{base}/index.html")
    # Answered (unconverted: nothing found) instead of waiting for ever, and search goes on.
    _site_search(offline, "聯邦學習")
    assert _site_ranking(offline, base, "联邦学习")[:1] == ["strategy/trends.md#s001-5-1-3"]
    assert [url for url, _ in offline.failed_requests] == [f"{base}{CONVERTER}"]


def test_site_internal_link_scrolls_to_its_target(offline, unzipped_site, outside_requests):
    base = unzipped_site.as_uri()
    offline.goto(f"{base}/tech/math.html")
    source_link = offline.locator(".kb-source a").nth(1)
    href = source_link.get_attribute("href")
    page_part, fragment = href.split("#")
    source_link.click()
    offline.wait_for_url(lambda url: url.endswith(f"{page_part.lstrip('./')}#{fragment}"))
    top = offline.evaluate(f"document.getElementById('{fragment}').getBoundingClientRect().top")
    assert offline.evaluate("window.scrollY") > 0
    assert 0 <= top < offline.viewport_size["height"] / 3, top
    _assert_stayed_inside(offline, base, outside_requests)


# ---------------------------------------------------------------- the single file

def test_single_file_makes_no_request_but_itself(offline, single_file, outside_requests):
    url = single_file.as_uri()
    offline.goto(url)
    offline.wait_for_load_state("networkidle")
    assert offline.requests_seen == [url]
    _assert_stayed_inside(offline, url, outside_requests)
    html = single_file.read_text(encoding="utf-8")
    assert not re.search(r"<(script|img|iframe)[^>]+src=|<link[^>]+href=", html)


def test_single_file_has_every_chapter_in_reading_order(offline, single_file, built_site):
    offline.goto(single_file.as_uri())
    nav = offline.eval_on_selector_all("#kb-toc a", "els => els.map(e => e.textContent)")
    chapters = ["概述", "创业策略", "技术与研发", "数据与算力", "产品与用户体验",
                "市场营销与运营", "风险与应对", "案例分析", "附录"]
    assert [t for t in nav if t in chapters] == chapters
    assert offline.locator("section.kb-page").count() == len(_book_pages(built_site))


def test_single_file_diagrams_are_svg(offline, single_file, built_site, outside_requests):
    expected = sum(p.read_text(encoding="utf-8").count('class="mermaid"') for p in _book_pages(built_site))
    offline.goto(single_file.as_uri())
    assert expected > 0
    assert offline.locator(".mermaid").count() == expected
    assert offline.evaluate(_ALL_DRAWN)
    # Drawn at export time: no diagram library in the file.
    assert "mermaid.initialize" not in single_file.read_text(encoding="utf-8")
    _assert_stayed_inside(offline, single_file.as_uri(), outside_requests)


def test_single_file_maths_typeset_with_embedded_fonts(offline, single_file, built_site, outside_requests):
    expected = sum(p.read_text(encoding="utf-8").count('class="arithmatex"') for p in _book_pages(built_site))
    offline.goto(single_file.as_uri())
    assert expected > 0
    assert offline.locator(".arithmatex").count() == expected
    assert offline.evaluate(ALL_TYPESET)
    errors = offline.eval_on_selector_all(".katex-error", "els => els.map(e => e.textContent)")
    assert errors == []
    assert offline.locator("text=end for").count() >= 1      # the corrected formula, typeset
    offline.evaluate("document.fonts.ready")
    assert offline.evaluate("document.fonts.check('16px KaTeX_Main')")
    assert offline.evaluate("""[...document.fonts].some(f => f.family.includes('KaTeX_Main') && f.status === 'loaded')""")
    _assert_stayed_inside(offline, single_file.as_uri(), outside_requests)


def test_single_file_search_finds_the_section_on_gradient_descent(offline, single_file, outside_requests):
    offline.goto(single_file.as_uri())
    offline.locator("#kb-search-input").fill("梯度下降")
    first = offline.locator("#kb-results a.kb-result").first
    first.wait_for()
    target = first.get_attribute("href")[1:]
    first.click()
    assert offline.evaluate("decodeURIComponent(location.hash)") == f"#{target}"
    text = offline.evaluate(f"""(() => {{
        let el = document.getElementById({target!r}), out = '';
        for (el = el.nextElementSibling; el && !/^H[1-6]$/.test(el.tagName); el = el.nextElementSibling)
            out += el.textContent;
        return out; }})()""")
    assert EXPLAINS_GRADIENT_DESCENT in text
    top = offline.evaluate(f"document.getElementById({target!r}).getBoundingClientRect().top")
    assert 0 <= top < offline.viewport_size["height"] / 3, top
    _assert_stayed_inside(offline, single_file.as_uri(), outside_requests)


def _book_search(page, query: str) -> list[str]:
    """The single file's results for `query`, best first, as `page-anchor#heading-id`."""
    page.evaluate("document.getElementById('kb-results').innerHTML = ''")
    page.locator("#kb-search-input").fill(query)
    page.locator("#kb-results .kb-results__meta").wait_for()
    hrefs = page.eval_on_selector_all("#kb-results a.kb-result", "els => els.map(e => e.getAttribute('href'))")
    return [href[1:].replace("--", "#", 1) for href in hrefs]


def _in_book(answers: list[str]) -> list[str]:
    """Site sections (`tech/math.md#s002-4-2-2`) as the single file names them (`tech-math#s002-4-2-2`)."""
    return [f"{page_anchor(path.removesuffix('.md') + '.html')}#{anchor}"
            for path, anchor in (answer.split("#") for answer in answers)]


@pytest.mark.parametrize("query, answers, within", MIXED, ids=[q for q, _, _ in MIXED])
def test_single_file_search_finds_the_section_of_a_mixed_query(offline, single_file, query, answers, within):
    offline.goto(single_file.as_uri())
    ranking = _book_search(offline, query)
    rank = first_answer_rank(ranking, _in_book(answers))
    assert rank is not None and rank <= within, f"{query}: answer at {rank}; got {ranking[:5]}"


@pytest.mark.parametrize("traditional, simplified", TRADITIONAL)
def test_single_file_search_finds_for_traditional_what_simplified_finds(offline, single_file, outside_requests,
                                                                       traditional, simplified):
    offline.goto(single_file.as_uri())
    expected = _book_search(offline, simplified)
    assert expected, f"{simplified}: no results"
    assert _book_search(offline, traditional) == expected
    _assert_stayed_inside(offline, single_file.as_uri(), outside_requests)


def test_single_file_search_falls_back_to_single_characters(offline, single_file):
    offline.goto(single_file.as_uri())
    offline.locator("#kb-search-input").fill("熵")
    offline.locator("#kb-results .kb-results__meta").wait_for()
    results = offline.eval_on_selector_all("#kb-results a.kb-result", "els => els.map(e => e.textContent)")
    assert results and all("熵" in r for r in results)


def test_single_file_internal_link_scrolls_to_its_target(offline, single_file, outside_requests):
    offline.goto(single_file.as_uri())
    # A cross-link in the text: the 技术与研发 chapter lists its topic pages.
    link = offline.locator("#tech a", has_text="数学模型与公式").first
    assert link.get_attribute("href") == "#tech-math"
    link.click()
    assert offline.evaluate("location.hash") == "#tech-math"
    top = offline.evaluate("document.getElementById('tech-math').getBoundingClientRect().top")
    assert offline.evaluate("window.scrollY") > 0
    assert 0 <= top < offline.viewport_size["height"] / 3, top
    _assert_stayed_inside(offline, single_file.as_uri(), outside_requests)


def test_single_file_every_internal_link_has_a_target(offline, single_file):
    offline.goto(single_file.as_uri())
    dangling = offline.evaluate("""[...document.querySelectorAll('a[href^="#"]')]
        .map(a => a.getAttribute('href').slice(1)).filter(id => !document.getElementById(id))""")
    assert dangling == []
    outside = offline.eval_on_selector_all("main a[href]:not([href^='#'])", "els => els.map(e => e.href)")
    assert all(h.startswith(("http://", "https://", "mailto:")) for h in outside), outside


def test_single_file_light_dark_and_print(offline, single_file):
    offline.emulate_media(color_scheme="light")
    offline.goto(single_file.as_uri())
    light = offline.evaluate("getComputedStyle(document.body).backgroundColor")
    offline.locator(".kb-bar__scheme").click()
    assert offline.evaluate("document.body.dataset.mdColorScheme") == "slate"
    assert offline.evaluate("getComputedStyle(document.body).backgroundColor") != light
    offline.emulate_media(media="print")
    assert offline.evaluate("getComputedStyle(document.querySelector('.kb-bar')).display") == "none"
    assert offline.evaluate("getComputedStyle(document.querySelector('#tech')).breakBefore") == "page"


def test_single_file_follows_a_dark_system_preference(offline, single_file):
    offline.emulate_media(color_scheme="dark")
    offline.goto(single_file.as_uri())
    assert offline.evaluate("document.body.dataset.mdColorScheme") == "slate"


def test_code_is_highlighted_in_the_single_file(offline, single_file):
    offline.goto(single_file.as_uri())
    assert offline.locator(".highlight pre code span.k, .highlight pre code span.kn").count() > 0
    colours = offline.eval_on_selector_all(
        ".highlight pre code span.kn, .highlight pre code span.n",
        "els => [...new Set(els.map(e => getComputedStyle(e).color))]")
    assert len(colours) > 1, "keywords and names share one colour: no highlighting styles"


# ---------------------------------------------------------------- the export itself

def test_export_is_deterministic(built_site, exported, tmp_path):
    again = tmp_path / "again"
    proc = _export(built_site, again)
    assert proc.returncode == 0, proc.stderr
    for name in (f"{NAME}.html", f"{NAME}-site.zip"):
        assert (again / name).read_bytes() == (exported / name).read_bytes(), name


def test_export_reports_progress_and_sizes(built_site, tmp_path):
    proc = _export(built_site, tmp_path / "dist")
    assert proc.returncode == 0, proc.stderr
    for words in ("rendering diagrams and maths", "search: the site's index", "diagrams (inline SVG)",
                  "fonts (KaTeX woff2", "scripts", "search worker", "search index", "text", f"{NAME}-site.zip", "done in"):
        assert words in proc.stdout, f"{words!r} missing from:\n{proc.stdout}"


def test_failed_export_leaves_dist_as_it_was(built_site, tmp_path):
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / f"{NAME}.html").write_text("previous export", encoding="utf-8")
    proc = _export(built_site, dist, KB_CHROMIUM=str(tmp_path / "no-chromium"))
    assert proc.returncode == 2
    assert "Chromium is not installed" in proc.stderr and "apt-get install -y chromium" in proc.stderr
    assert sorted(p.name for p in dist.iterdir()) == [f"{NAME}.html"]
    assert (dist / f"{NAME}.html").read_text(encoding="utf-8") == "previous export"


def test_every_link_inside_the_single_file_resolves(exported):
    assert linkcheck.check(exported / f"{NAME}.html") == []


def test_an_export_with_a_link_to_nowhere_fails_and_leaves_dist_as_it_was(built_site, tmp_path):
    site = Path(shutil.copytree(built_site, tmp_path / "site"))
    page = site / "risk" / "identification.html"
    html = page.read_text(encoding="utf-8")
    page.write_text(html.replace("</article>", '<p><a href="#no-such-section">断链</a></p></article>', 1),
                    encoding="utf-8")
    dist = tmp_path / "dist"
    proc = _export(site, dist)
    assert proc.returncode == 2, proc.stdout
    assert f"{NAME}.html" in proc.stderr and "#risk-identification--no-such-section" in proc.stderr, proc.stderr
    assert not dist.exists()


def test_single_file_shows_each_editors_note_right_after_its_claim_and_lists_it_in_the_errata(offline, single_file):
    offline.goto(single_file.as_uri())
    # The claim, marked in its list item, and the note that follows its paragraph there.
    claim = offline.locator("mark.kb-claim#cases-failure--claim-002-535")
    # Where a reader meets it: pages away from the screen are not laid out (book.css), and
    # innerText is the text as laid out.
    claim.scroll_into_view_if_needed()
    offline.wait_for_function("() => document.getElementById('cases-failure--claim-002-535').innerText !== ''")
    assert claim.inner_text() == "Nervana Systems在融资过程中遭遇困难，最终破产"
    after = claim.evaluate("""m => { const p = m.closest('p'); const n = p.nextElementSibling;
        return n && n.matches('.admonition.kb-note') ? n.innerText : null; }""")
    assert after is not None and after.startswith("编者注") and "英特尔宣布收购该公司" in after
    # The 勘误表 is a chapter of the book; its link to the place is an anchor inside the file.
    link = offline.locator("#errata--note-002-535 ~ p a[href='#cases-failure--note-002-535']")
    assert link.count() == 1
    # The book's own search finds the note by a word of its correction.
    offline.fill("#kb-search-input", "英特尔")
    offline.wait_for_function("() => document.querySelectorAll('#kb-results a.kb-result').length > 0",
                              timeout=10_000)
    first = offline.locator("#kb-results a.kb-result").first.get_attribute("href")
    assert first.startswith("#cases-failure--"), first
