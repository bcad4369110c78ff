"""The built site: byte-identical from the same inputs, and every internal link resolves.

Both checks take any folder or single HTML file, so the single-file export is one more
argument when it exists.
"""
from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from kb.cli import main
from kb.core.repro import build_epoch, differences
from kb.site import linkcheck


def _build(root, **env) -> None:
    env = {**os.environ, **env}
    env.pop("SOURCE_DATE_EPOCH", None)
    proc = subprocess.run([sys.executable, "-m", "kb", "--root", str(root), "build"],
                          capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    """The real docs built twice, in different folders, hash seeds and time zones."""
    from kbtest import make_root

    roots = []
    for name, seed, tz in (("first", "1", "UTC"), ("second", "2", "Asia/Shanghai")):
        root = make_root(tmp_path_factory.mktemp(name), docs=True)
        _build(root, PYTHONHASHSEED=seed, TZ=tz)
        roots.append(root)
    return roots


def test_two_builds_of_the_same_inputs_are_byte_identical(two_builds):
    first, second = (root / "site" for root in two_builds)
    assert len(list(first.rglob("*.html"))) > 50
    assert differences(first, second) == []


def test_a_build_that_reads_the_last_builds_cache_is_byte_identical(two_builds):
    # The search index's segmentation comes from build/cache/ when the text is unchanged.
    first, second = two_builds
    assert list((first / "build" / "cache").glob("cuts-index-*.json"))
    _build(first)
    assert differences(first / "site", second / "site") == []


def test_a_new_glossary_term_reaches_the_index_through_a_warm_cache(two_builds, tmp_path):
    from kbtest import make_root

    term = "价值创造"      # in the pages' text, and cut 价值|创造 without the dictionary
    index = _index_text(two_builds[0])
    assert f"\u200b{term}\u200b" not in index and "价值\u200b创造" in index
    warm = tmp_path / "warm"
    shutil.copytree(two_builds[0], warm, symlinks=True)
    cold = make_root(tmp_path / "cold", docs=True)
    for root in (warm, cold):
        editorial = root / "sources" / "editorial.yml"
        text = editorial.read_text(encoding="utf-8")
        editorial.write_text(text.replace("glossary:\n", f"glossary:\n- term: {term}\n  definition: 为用户创造价值。\n", 1),
                             encoding="utf-8")
        os.utime(editorial, (1_700_000_000, 1_700_000_000))
        _build(root)
    assert differences(warm / "site", cold / "site") == []
    assert f"\u200b{term}\u200b" in _index_text(warm)


def _index_text(root) -> str:
    index = json.loads((root / "site" / "search" / "search_index.json").read_text(encoding="utf-8"))
    return "\n".join(doc["title"] + "\n" + doc["text"] for doc in index["docs"])


def test_a_build_in_one_process_is_byte_identical_to_one_that_uses_every_core(two_builds, tmp_path):
    # KB_WORKERS=1: everything in line, not in other processes.
    from kbtest import make_root

    root = make_root(tmp_path, docs=True)
    _build(root, KB_WORKERS="1")
    assert differences(root / "site", two_builds[1] / "site") == []


def test_the_build_date_comes_from_the_inputs_not_the_clock(two_builds):
    root = two_builds[0]
    with gzip.open(root / "site" / "sitemap.xml.gz") as f:
        f.read()
        stamp = f.mtime
    epoch = build_epoch(root)    # outside git: the newest file in sources/
    assert epoch == int(max(p.stat().st_mtime for p in (root / "sources").iterdir()))
    assert stamp == epoch // 86400 * 86400       # MkDocs keeps the day


def test_differences_names_what_changed(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        (d / "x").mkdir(parents=True)
        (d / "x" / "same.html").write_text("同", encoding="utf-8")
    (a / "x" / "page.html").write_text("一", encoding="utf-8")
    (b / "x" / "page.html").write_text("二", encoding="utf-8")
    (b / "extra.html").write_text("", encoding="utf-8")
    assert differences(a, b) == [f"only in {b}: extra.html", "differs: x/page.html"]
    assert differences(a / "x" / "same.html", b / "x" / "same.html") == []


def test_every_internal_link_and_anchor_of_the_site_resolves(two_builds, capsys):
    site = two_builds[0] / "site"
    assert main(["linkcheck", str(site)]) == 0
    assert "resolves" in capsys.readouterr().out


class _ReferenceScanner(HTMLParser):
    """What the link check must find, read by Python's own HTML parser."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids, self.links = set(), []

    def _scan(self, tag, attrs) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (name == "name" and tag == "a"):
                self.ids.add(value)
            elif name in ("href", "src") and tag != "base":
                self.links.append((self.getpos()[0], value))

    handle_starttag = handle_startendtag = _scan


def _reference_scan(text: str) -> tuple[set, list]:
    parser = _ReferenceScanner()
    parser.feed(text)
    parser.close()
    return parser.ids, parser.links


def test_linkcheck_reads_every_page_of_the_site_as_an_html_parser_does(two_builds):
    pages = sorted((two_builds[0] / "site").rglob("*.html"))
    for page in pages:
        text = page.read_text(encoding="utf-8")
        found = linkcheck.scan_html(text)
        assert (found.ids, found.links) == _reference_scan(text), page


def test_linkcheck_skips_comments_and_script_text_and_reads_quoted_values():
    text = ('<!-- <a href="in-comment.html"> -->\n<script src="app.js">var a = \'<a href="in-script.html">\';</script>\n'
            '<STYLE>a[href="in-style"]{}</STYLE><A HREF=\'one.html\' TITLE="a > b" ID=top>x</A>\n'
            '<a name="old" href="two.html?x=1&amp;y=2#s">y</a><img src=pic.png alt=\'"\'><br/>\n'
            '<p data-href="not-a-link.html" title=\'href="no.html"\'>href="text.html"</p><div id="last"/>')
    found = linkcheck.scan_html(text)
    assert (found.ids, found.links) == _reference_scan(text)
    assert found.links == [(2, "app.js"), (3, "one.html"), (4, "two.html?x=1&y=2#s"), (4, "pic.png")]
    assert found.ids == {"top", "old", "last"}


def test_linkcheck_reports_missing_pages_and_anchors_with_file_and_line(tmp_path, capsys):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text('<h2 id="here">x</h2>', encoding="utf-8")
    (tmp_path / "index.html").write_text(
        '<a href="a/">ok</a><a href="a/#here">ok</a><a href="#top">ok</a>\n'
        '<a href="a/#gone">bad anchor</a>\n<a href="b/">bad page</a>\n'
        '<img src="img/x.png"><a href="https://example.com/#x">external</a>', encoding="utf-8")
    problems = [str(p) for p in linkcheck.check(tmp_path)]
    assert problems == ["index.html:2: 'a/#gone': no element with id 'gone' in a/index.html",
                        "index.html:3: 'b/': no such file: b/index.html",
                        "index.html:4: 'img/x.png': no such file: img/x.png"]
    assert main(["linkcheck", str(tmp_path)]) == 1
    assert "3 broken internal links or anchors" in capsys.readouterr().err


def test_linkcheck_checks_one_self_contained_html_file(tmp_path):
    page = tmp_path / "export.html"
    page.write_text('<h1 id="risk">风险</h1><a href="#risk">ok</a>\n<a href="#tech">缺</a>', encoding="utf-8")
    assert [str(p) for p in linkcheck.check(page)] == ["export.html:2: '#tech': no element with id 'tech' in this page"]
