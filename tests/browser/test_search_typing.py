"""Search keeps up with typing: the query goes to the worker as the text changes (not when
the key comes up), and a result for text the box no longer holds is never drawn, in the
site (overrides/main.html) and in the single file (book.js). No timing: the tests hold
the worker's answer back until the newer text is in the box."""
from __future__ import annotations

import json
import re

from kb.bench.search import BookBox, SearchBox, _pages

from conftest import REPO_ROOT

PROVENANCE = REPO_ROOT / "docs" / "provenance.json"
OLD, NEW = "差分隐私", "CNN模型"
OLD_TOP, NEW_TOP = "risk/challenges.md#s000-1-3", "tech/algorithms.md#s002-4-1-1"

# The worker, with its answer to OLD held back until the next query arrives: then both are
# answered, in order, so the answer to OLD reaches the page when the box holds NEW.
_HOLD_OLD = """
  var kbHeld = null
  function answer(query) {
    if (query === %s) { kbHeld = query; return }
    if (kbHeld !== null) { answerNow(kbHeld); kbHeld = null }
    answerNow(query)
  }
  function answerNow(query) {""" % json.dumps(OLD, ensure_ascii=False)


def held_worker(script: str) -> str:
    assert script.count("function answer(query) {") == 1
    return script.replace("function answer(query) {", _HOLD_OLD)


# Every result the page's list shows, as its first section's link, and every query the
# worker answers: recorded in the page.
_RECORD = """selector => {
    window.__drawn = []
    new MutationObserver(() => {
        const first = document.querySelector(selector)
        if (first) window.__drawn.push(first.getAttribute("href"))
    }).observe(document.body, { childList: true, subtree: true })
}"""


def _answered(box: SearchBox, query: str) -> None:
    box.page.wait_for_function("q => window.__kbBench.results.some(r => r.query === q && r.painted !== null)",
                               arg=query)


def test_the_site_sends_the_query_as_the_text_changes_without_a_key_coming_up(browser, site_server):
    box = SearchBox(browser, site_server)
    try:
        box.page.focus(box.input)
        # An input method's commit with no key event at all: Material alone would wait for one.
        box.page.keyboard.insert_text(OLD)
        _answered(box, OLD)
        assert box.ranking()[0] == OLD_TOP
        assert box.console_errors == []
    finally:
        box.close()


def test_the_site_draws_no_result_for_text_the_box_no_longer_holds(browser, site_server):
    box = SearchBox(browser, site_server)
    try:
        def hold(route):
            response = route.fetch()
            route.fulfill(response=response, body=held_worker(response.text()))

        box.context.route("**/workers/kb-search.js", hold)
        box.page.reload(wait_until="load")
        box.page.focus(box.input)
        box.wait_ready(60_000)
        box.page.evaluate(_RECORD, "ol.md-search-result__list a.md-search-result__link[href*='#']")
        box.page.fill(box.input, OLD)
        box.page.fill(box.input, NEW)
        _answered(box, NEW)
        drawn = box.page.evaluate("window.__drawn")
        assert drawn and not [h for h in drawn if "risk/challenges.html" in h], drawn
        assert box.ranking()[0] == NEW_TOP
        assert box.console_errors == []
    finally:
        box.close()


def test_the_single_file_draws_no_result_for_text_the_box_no_longer_holds(browser, single_file, tmp_path):
    html = single_file.read_text(encoding="utf-8")
    engine = re.search(r'(<script type="application/json" id="kb-search-engine">)(.*?)(</script>)', html, re.S)
    data = json.loads(engine.group(2))
    data["worker"] = held_worker(data["worker"])
    held = tmp_path / single_file.name
    held.write_text(html[:engine.start(2)] + json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
                    + html[engine.end(2):], encoding="utf-8")
    box = BookBox(browser, held.as_uri(), _pages(PROVENANCE))
    try:
        box.page.evaluate(_RECORD, "#kb-results a.kb-result")
        box.page.fill(box.input, OLD)
        box.page.fill(box.input, NEW)
        _answered(box, NEW)
        drawn = box.page.evaluate("window.__drawn")
        assert drawn and not [h for h in drawn if h.startswith("#risk-challenges--")], drawn
        assert box.ranking()[0] == NEW_TOP
        assert box.console_errors == []
    finally:
        box.close()
