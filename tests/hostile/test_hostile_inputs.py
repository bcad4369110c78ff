"""Hostile articles: each imports correctly or fails with a clear error; none crashes or hangs."""
from __future__ import annotations

import json
import re
import time
from html.parser import HTMLParser

import pytest
from hostile.corpus import BUILDABLE, Hostile, huge, make_root, many_headings
from kb.cli import main
from kb.importer.pages import read_tree

# How much longer ten times the input may take. Linear work takes 10 times as long (the
# headings' import is a little worse, about 20); a step that grows with the square of the
# input takes 100 times as long, and minutes instead of seconds on real input.
TEN_TIMES_THE_INPUT = 40


def run(root, *args) -> int:
    return main(["--root", str(root), *args])


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The buildable hostile corpus, imported and built once: (root, docs, build exit code)."""
    root = make_root(tmp_path_factory.mktemp("hostile"), BUILDABLE)
    assert run(root, "import") == 0
    return root, read_tree(root / "docs"), run(root, "build")


def _source_page(docs: dict, file: str) -> str:
    return next(text for path, text in docs.items()
                if path.startswith("sources/") and f"sources/{file}" in text.split("\n", 4)[2])


def _source_key(docs: dict, file: str) -> str:
    return next(path.split("/")[1][:-3] for path, text in docs.items()
                if path.startswith("sources/") and f"sources/{file}" in text.split("\n", 4)[2])


def test_the_hostile_corpus_builds_strictly_with_every_link_resolving(hostile, capsys):
    root, docs, build = hostile
    assert build == 0, capsys.readouterr().err
    assert (root / "site" / "index.html").is_file()


def test_raw_html_in_a_source_is_escaped_in_docs(hostile):
    page = _source_page(hostile[1], "raw-html.txt")
    for payload in ("<script>fetch", "<script>\nfetch", "<img src=x", "<div onclick", "<iframe", "<style>",
                    "<img/src", "<a href="):
        assert payload not in page
    assert "&lt;script>fetch('/pwned-inline')" in page
    assert "\\{: onmouseover=" in page
    # Code keeps its tags literally: Markdown escapes code itself.
    assert "`<script>alert('code')</script>`" in page and "<script>alert('fence')</script>" in page


class _Active(HTMLParser):
    """Everything in a page that could run or fetch: elements, handlers, URLs."""

    def __init__(self):
        super().__init__()
        self.found, self.title, self._in_title = [], "", False

    def handle_starttag(self, tag, attrs):
        self._in_title = tag == "title"
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}>")
            if name in ("href", "src") and value and re.match(r"\s*(javascript|data|vbscript):", value, re.I):
                self.found.append(f"<{tag} {name}={value}>")
            if name == "src" and value and re.match(r"(https?:)?//", value):
                self.found.append(f"<{tag} src={value}>")
        if tag in ("iframe", "object", "embed", "style") or (tag == "script" and not dict(attrs).get("src")):
            self.found.append(f"<{tag}>")

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if "pwned" in data and self.lasttag == "script":
            self.found.append(f"script text {data[:40]!r}")

    def handle_endtag(self, tag):
        self._in_title = False


def _active(path) -> _Active:
    scanner = _Active()
    scanner.feed(path.read_text(encoding="utf-8"))
    return scanner


def test_no_payload_reaches_the_built_html_as_markup(hostile):
    site = hostile[0] / "site"
    theme = _active(site / "sources" / "index.html").found   # the theme's own inline scripts
    for page in sorted(site.rglob("*.html")):
        found = _active(page).found
        assert [f for f in found if f not in theme] == [], page
    html = (site / "sources" / f"{_source_key(hostile[1], 'raw-html.txt')}.html").read_text(encoding="utf-8")
    assert 'class="kb-remote-image" href="https://example.com/track.png"' in html


def test_a_title_that_closes_the_title_element_stays_text(hostile):
    page = hostile[0] / "site" / "sources" / f"{_source_key(hostile[1], 'raw-html.txt')}.html"
    assert _active(page).title.startswith("《</title><script>fetch('/pwned-title')</script>恶意标题》 - ")


def test_a_mermaid_syntax_error_keeps_the_diagram_text(hostile):
    page = _source_page(hostile[1], "mermaid-error.txt")
    assert "```mermaid\ngraph TD\n    A[输入 --> B{{未闭合\n    B -->|是 C\n```" in page


def test_unbalanced_latex_keeps_the_formula_text(hostile):
    page = _source_page(hostile[1], "latex-unbalanced.txt")
    assert "L = \\frac{1}{n}\\sum_{i=1}^{n}(y_i - \\hat{y}_i^2" in page
    assert "$\\sqrt{x + \\frac{1}{2}$" in page


def test_deep_nesting_is_capped_and_every_level_kept(hostile):
    page = _source_page(hostile[1], "nested.txt")
    assert all(f"- 第{depth}层" in page for depth in range(1000))
    assert max(len(line) - len(line.lstrip(" ")) for line in page.splitlines()) <= 64
    assert "> " * 16 + "五千层引用" in page and "\\*" * 5000 + "五千个星号" in page


def test_headings_of_only_punctuation_get_anchors_and_are_placed(hostile):
    manifest = json.loads(hostile[1]["provenance.json"])["sections"]
    mine = [e for e in manifest if e["source"] == "punctuation.txt"]
    assert [e["heading"] for e in mine] == ["！？。", "……！！", "1.2 ？？？"]
    assert all(e.get("anchor") or e.get("dropped") for e in mine)
    assert len({e.get("anchor") for e in mine if e.get("anchor")}) == 2


def test_two_articles_with_the_same_title_each_keep_their_own_page(hostile):
    docs = hostile[1]
    a, b = _source_page(docs, "same-a.txt"), _source_page(docs, "same-b.txt")
    assert a != b and "甲公司" in a and "乙公司" in b
    nav = docs[".nav.yml"]
    assert nav.count("《同名文章》") == 2


def test_a_file_name_with_spaces_and_chinese_is_imported(hostile):
    page = _source_page(hostile[1], "我的 文章 v2.txt")
    assert "`sources/我的 文章 v2.txt`" in page and "团队成员要有互补的技能。" in page


def test_links_into_the_articles_own_site_are_kept_as_words(hostile):
    page = _source_page(hostile[1], "relative-links.txt")
    assert "见另一篇、锚点、" in page and "和绝对路径。外部链接[保留](https://example.com/)。" in page


def test_an_image_of_the_articles_own_site_that_is_not_in_sources_is_a_placeholder_with_its_words(hostile):
    # Issue 14: an image whose file is not in sources/ no longer shrinks to its alt text alone.
    page = _source_page(hostile[1], "relative-links.txt")
    assert '锚点、<span class="kb-image-missing" role="img" aria-label="图">' in page


def _import_cpu_seconds(root) -> float:
    """CPU seconds of `kb import` in this process: what other work on the machine, and
    its speed, change much less than the time on the clock."""
    started = time.process_time()
    assert run(root, "import") == 0
    return time.process_time() - started


def _growth(tmp_path, small: Hostile, big: Hostile) -> float:
    """How many times longer the big article takes to import than the small one."""
    roots = [make_root(tmp_path / name, [article]) for name, article in (("warm", small), ("small", small),
                                                                          ("big", big))]
    _import_cpu_seconds(roots[0])            # once-per-process work (jieba's dictionary) out of the way
    small_seconds = _import_cpu_seconds(roots[1])
    return _import_cpu_seconds(roots[2]) / small_seconds


def test_a_10_mb_article_imports_in_time_linear_in_its_size(tmp_path):
    growth = _growth(tmp_path, Hostile("huge.txt", lambda: huge(1), ""), Hostile("huge.txt", huge, ""))
    print(f"10 MB article: {growth:.1f} times as long as 1 MB")
    assert growth < TEN_TIMES_THE_INPUT
    root = tmp_path / "big"
    assert (root / "sources" / "huge.txt").stat().st_size >= 10_000_000
    manifest = json.loads((root / "docs" / "provenance.json").read_text(encoding="utf-8"))["sections"]
    assert sum(1 for e in manifest if e["source"] == "huge.txt") > 600


def test_10000_headings_import_in_time_linear_in_their_number(tmp_path):
    growth = _growth(tmp_path, Hostile("headings.txt", lambda: many_headings(1000), ""),
                     Hostile("headings.txt", many_headings, ""))
    print(f"10 000 headings: {growth:.1f} times as long as 1000")
    assert growth < TEN_TIMES_THE_INPUT
    manifest = json.loads((tmp_path / "big" / "docs" / "provenance.json").read_text(encoding="utf-8"))["sections"]
    assert sum(1 for e in manifest if e["source"] == "headings.txt") == 10_001


@pytest.mark.parametrize("target, words", [
    ("loop.txt", "symbolic link that leads to no file"),        # a link to itself
    ("missing.txt", "symbolic link that leads to no file"),     # a dangling link
])
def test_a_symlink_to_nowhere_is_a_clear_error(tmp_path, capsys, target, words):
    root = make_root(tmp_path, [])
    (root / "sources" / "loop.txt").symlink_to(target)
    assert run(root, "import") == 2
    err = capsys.readouterr().err
    assert f"sources/loop.txt: {words}" in err and "Traceback" not in err
