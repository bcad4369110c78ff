"""kb import / kb check end to end: determinism, staleness, and bad input."""
from __future__ import annotations

import codecs
import os

import pytest
from kb.cli import main
from kb.importer.pages import read_tree
from kbtest import REPO

SAMPLE = "# 测试文章\n\n## 1.1 风险识别\n\n创业风险包括市场风险和技术风险。\n\n## 1.2 品牌建设\n\n品牌定位与品牌传播。\n"


def run(root, *args) -> int:
    return main(["--root", str(root), *args])


def test_two_imports_give_byte_identical_docs(scratch, tmp_path_factory):
    other = tmp_path_factory.mktemp("again")
    os.rename(scratch / "sources", other / "sources")
    assert run(other, "import") == 0
    os.rename(other / "sources", scratch / "sources")
    assert run(scratch, "import") == 0
    first, second = read_tree(scratch / "docs"), read_tree(other / "docs")
    assert first == second and len(first) > 50


def test_an_import_from_the_last_imports_cache_gives_the_same_docs(scratch):
    assert run(scratch, "import") == 0
    cold = read_tree(scratch / "docs")
    assert list((scratch / "build" / "cache").glob("cuts-related-*.json"))
    # Each `kb import` is a new context: only what build/cache/ holds.
    assert run(scratch, "import") == 0
    assert read_tree(scratch / "docs") == cold


def test_committed_docs_are_what_import_makes_now(capsys):
    assert run(REPO, "check") == 0


def test_check_fails_when_docs_are_stale(scratch, capsys):
    assert run(scratch, "import") == 0
    assert run(scratch, "check") == 0
    page = scratch / "docs" / "risk" / "identification.md"
    page.write_text(page.read_text(encoding="utf-8") + "手改。\n", encoding="utf-8")
    assert run(scratch, "check") == 1
    assert "docs/risk/identification.md" in capsys.readouterr().err


def _import_ok_with(root, name: str, data: bytes) -> dict:
    (root / "sources" / name).write_bytes(data)
    assert run(root, "import") == 0
    return read_tree(root / "docs")


def test_gbk_and_utf16_articles_import_like_utf8(empty_scratch):
    utf8 = _import_ok_with(empty_scratch, "x.txt", SAMPLE.encode("utf-8"))
    gbk = _import_ok_with(empty_scratch, "x.txt", SAMPLE.encode("gbk"))
    utf16 = _import_ok_with(empty_scratch, "x.txt", codecs.BOM_UTF16_LE + SAMPLE.encode("utf-16-le"))
    bom8 = _import_ok_with(empty_scratch, "x.txt", codecs.BOM_UTF8 + SAMPLE.encode("utf-8"))
    assert utf8 == gbk == utf16 == bom8
    assert "创业风险包括市场风险和技术风险。" in utf8["risk/identification.md"]


def test_crlf_line_ends_import_like_lf(empty_scratch):
    lf = _import_ok_with(empty_scratch, "x.txt", SAMPLE.encode())
    crlf = _import_ok_with(empty_scratch, "x.txt", SAMPLE.replace("\n", "\r\n").encode())
    assert lf == crlf


def test_an_empty_file_is_skipped_with_a_warning(scratch, capsys):
    (scratch / "sources" / "empty.txt").write_bytes(b"  \n\n")
    assert run(scratch, "import") == 0
    assert "sources/empty.txt: empty file, skipped" in capsys.readouterr().err


@pytest.mark.parametrize("name, data, where, words", [
    ("bin.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "sources/bin.txt:3", "binary file"),
    ("latin.txt", "# Titre\n\nCafé crème, naïve façade.\n".encode("latin-1"), "sources/latin.txt:3",
     "not valid UTF-8"),
    ("fence.txt", "# 标题\n\n## 1.1 代码\n\n```python\n# 注释\n".encode(), "sources/fence.txt:5",
     "never closed"),
])
def test_bad_input_is_a_clear_error_and_docs_stay_as_they_were(scratch, capsys, name, data, where, words):
    assert run(scratch, "import") == 0
    before = read_tree(scratch / "docs")
    (scratch / "sources" / name).write_bytes(data)
    assert run(scratch, "import") == 2
    err = capsys.readouterr().err
    assert where in err and words in err
    assert read_tree(scratch / "docs") == before
    assert sorted(p.name for p in scratch.iterdir() if p.name.startswith("docs")) == ["docs"]


def test_a_symlink_out_of_sources_is_refused(scratch, tmp_path_factory, capsys):
    outside = tmp_path_factory.mktemp("outside") / "secret.txt"
    outside.write_text(SAMPLE, encoding="utf-8")
    (scratch / "sources" / "link.txt").symlink_to(outside)
    assert run(scratch, "import") == 2
    assert "sources/link.txt: symbolic link pointing outside sources/" in capsys.readouterr().err


def test_an_override_naming_a_missing_heading_is_an_error_with_its_line(scratch, capsys):
    editorial = scratch / "sources" / "editorial.yml"
    text = editorial.read_text(encoding="utf-8").replace("heading: 8.3 挑战与机遇", "heading: 8.9 不存在")
    editorial.write_text(text, encoding="utf-8")
    line = next(n for n, s in enumerate(text.splitlines(), 1) if "- source: 000_661c61a2ff7bbbb3.txt" in s)
    assert run(scratch, "import") == 2
    assert f"sources/editorial.yml:{line}: override names heading '8.9 不存在'" in capsys.readouterr().err


def test_strict_build_of_the_real_docs_has_no_warnings(scratch, capsys):
    assert run(scratch, "import") == 0
    assert run(scratch, "build") == 0
    # Page URLs end in .html (use_directory_urls: false) so that the site works from file://.
    assert (scratch / "site" / "risk" / "identification.html").is_file()
    assert (scratch / "site" / "sources" / "000.html").is_file()


def test_a_warning_fails_the_build_and_is_shown(scratch, capsys):
    assert run(scratch, "import") == 0
    page = scratch / "docs" / "risk" / "identification.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n[缺页](no-such-page.md)\n", encoding="utf-8")
    for _ in range(2):      # and again when the other pages come from the cache
        assert run(scratch, "build") == 1
        err = capsys.readouterr().err
        assert "no-such-page.md" in err and "strict" in err


def test_an_article_with_no_headings_is_placed_whole_under_its_file_name(empty_scratch):
    docs = _import_ok_with(empty_scratch, "随笔.txt",
                           "创业团队的组建很关键，团队成员要有互补的技能。\n\n激励机制也很重要。\n".encode())
    page = docs["strategy/team.md"]
    assert "## 随笔 {" in page and "激励机制也很重要。" in page


def test_a_section_keeps_its_subsections_on_its_topic_page(repo):
    page = (repo / "docs" / "cases" / "success.md").read_text(encoding="utf-8")
    top = page.index("## 4.1 成功案例分享 { #s001-4-1 }")
    assert top < page.index("### 4.1.1 案例 1：OpenAI { #s001-4-1-1 }") \
        < page.index("### 4.1.3 案例 3：美团点评 { #s001-4-1-3 }")
