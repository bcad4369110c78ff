"""Every formula of the real-world corpus is typeset by KaTeX in Chromium."""
from __future__ import annotations

import pytest
from kb.bench.browser import serve


@pytest.fixture(scope="module")
def realworld_server(realworld_site):
    with serve(realworld_site) as base:
        yield base


def test_every_formula_of_the_corpus_is_typeset_and_no_display_maths_is_left_as_text(
        page, realworld_site, realworld_server):
    pages = sorted(p.relative_to(realworld_site).as_posix() for p in realworld_site.rglob("*.html")
                   if "assets" not in p.parts and 'class="arithmatex"' in p.read_text(encoding="utf-8"))
    assert pages
    total = 0
    for rel in pages:
        page.goto(f"{realworld_server}/{rel}", wait_until="networkidle")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.arithmatex')].every(e => e.querySelector('.katex, .katex-error'))",
            timeout=10000)
        # every formula is in the page's article (raw HTML did not break the page apart)
        assert page.locator("article .arithmatex").count() == page.locator(".arithmatex").count(), rel
        errors = page.eval_on_selector_all(".arithmatex .katex-error", "els => els.map(e => e.textContent)")
        assert errors == [], rel
        left = page.evaluate("""() => {
            const walk = document.createTreeWalker(document.querySelector('article'), NodeFilter.SHOW_TEXT);
            const found = [];
            for (let n; (n = walk.nextNode());) {
                if (!n.parentElement.closest('code, pre, .arithmatex') && /\\$\\$|\\\\begin\\{|\\\\\\[/.test(n.textContent))
                    found.push(n.textContent.slice(0, 80));
            }
            return found;
        }""")
        assert left == [], rel
        total += page.locator(".arithmatex").count()
    # d2l 61, dive-into-dl 67, ai-system 10 on their source pages (expected.yml), and again on topic pages
    assert total >= 138
