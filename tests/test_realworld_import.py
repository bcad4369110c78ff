"""Articles nobody here wrote (issue 14): folders of articles, their images, and what
`kb import` tells the editor. The real-world corpus is tests/fixtures/realworld/."""
from __future__ import annotations

import json
import re
import shutil

import pytest
from kb.cli import main
from kb.core.model import KbError
from kb.importer import report
from kb.importer.pipeline import import_sources
from kbtest import REALWORLD, make_root, realworld_articles, realworld_images, realworld_root


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The corpus imported once: (root, knowledge base, {docs path: text})."""
    root = realworld_root(tmp_path_factory.mktemp("realworld"))
    kb, files, _ = import_sources(root / "sources")
    return root, kb, files


@pytest.fixture(scope="module")
def manifest(corpus):
    return json.loads(corpus[2]["provenance.json"])["sections"]


def _article(root, rel: str, text: str) -> None:
    path = root / "sources" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_a_folder_of_articles_is_imported_with_source_the_posix_path_relative_to_sources(manifest):
    assert sorted({e["source"] for e in manifest}) == realworld_articles()


def test_every_non_blank_line_of_the_corpus_is_in_exactly_one_provenance_entry(manifest):
    for name in realworld_articles():
        covered: dict[int, dict] = {}
        for e in (e for e in manifest if e["source"] == name):
            assert ("page" in e) != bool(e.get("dropped")), e
            for n in range(e["lines"][0], e["lines"][1] + 1):
                assert n not in covered, f"{name}:{n} in two entries"
                covered[n] = e
        lines = (REALWORLD / name).read_text(encoding="utf-8").splitlines()
        missing = [n for n, text in enumerate(lines, 1) if text.strip() and n not in covered]
        assert missing == [], f"{name}: lines in no manifest entry: {missing[:10]}"


def test_a_chinese_file_name_gives_a_readable_page_url(corpus):
    files = corpus[2]
    assert "sources/ai-system/Textbook/第2章-神经网络基础/2.9-注意力机制和Transformer.md" in files


def test_article_pages_follow_the_folders_of_sources(corpus):
    files = corpus[2]
    for name in realworld_articles():
        stem = name.rsplit(".", 1)[0]
        assert f"sources/{stem}.md" in files or any(
            p.startswith(f"sources/{stem}") for p in files), name


def test_articles_with_the_same_path_but_another_suffix_get_distinct_pages(empty_scratch):
    _article(empty_scratch, "教程/第一章.md", "# 第一章\n\n大模型的定义。\n")
    _article(empty_scratch, "教程/第一章.txt", "# 第一章 txt\n\n大模型的历史。\n")
    kb, files, _ = import_sources(empty_scratch / "sources")
    assert [a.path for a in kb.articles] == ["教程/第一章.md", "教程/第一章.txt"]
    assert {"sources/教程/第一章.md", "sources/教程/第一章-2.md"} <= set(files)


def test_hidden_folders_and_ignored_paths_are_not_articles(empty_scratch):
    _article(empty_scratch, "a/文章.md", "# 文章\n\n大模型。\n")
    _article(empty_scratch, ".git/notes.md", "# 隐藏\n\n文字。\n")
    _article(empty_scratch, "drafts/草稿.md", "# 草稿\n\n文字。\n")
    with (empty_scratch / "sources" / "editorial.yml").open("a", encoding="utf-8") as f:
        f.write("\nignore:\n  - drafts\n")
    kb, _, _ = import_sources(empty_scratch / "sources")
    assert [a.path for a in kb.articles] == ["a/文章.md"]


def test_an_ignore_entry_leaving_sources_is_an_error_naming_the_editorial_file_and_line(empty_scratch):
    _article(empty_scratch, "a.md", "# 文章\n\n大模型。\n")
    editorial = empty_scratch / "sources" / "editorial.yml"
    lines = editorial.read_text(encoding="utf-8").count("\n")
    with editorial.open("a", encoding="utf-8") as f:
        f.write("ignore:\n  - ../secret\n")
    with pytest.raises(KbError) as exc:
        import_sources(empty_scratch / "sources")
    assert exc.value.path == "sources/editorial.yml" and exc.value.line == lines + 2


def _image_page(root, text: str, *, files: dict[str, bytes] = {}):
    for rel, data in files.items():
        (root / "sources" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "sources" / rel).write_bytes(data)
    _article(root, "教程/第一章/C1.md", text)
    kb, docs, _ = import_sources(root / "sources")
    return kb, docs["sources/教程/第一章/C1.md"]


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082")


def test_an_image_with_an_empty_alt_is_drawn_from_the_site_assets(empty_scratch):
    kb, page = _image_page(empty_scratch, "# C1\n\n大模型。\n\n![](figures/a.png)\n",
                           files={"教程/第一章/figures/a.png": PNG})
    assert '<img src="../../../assets/sources/%E6%95%99%E7%A8%8B/%E7%AC%AC%E4%B8%80%E7%AB%A0/figures/a.png" ' \
           'alt="" loading="lazy">' in page
    assert [p.severity for p in kb.problems if p.kind == "image"] == ["info"]


def test_an_image_alt_text_is_its_caption_and_its_size_is_kept(empty_scratch):
    _, page = _image_page(empty_scratch, '# C1\n\n大模型。\n\n<img src="./figures/a.png" alt="架构图" width="400">\n',
                          files={"教程/第一章/figures/a.png": PNG})
    assert re.search(r'<figure class="kb-figure"><img src="[^"]+/figures/a.png" alt="架构图" width="400" '
                     r'loading="lazy"><figcaption>架构图</figcaption></figure>', page)


def test_a_missing_image_is_a_placeholder_with_its_alt_and_a_warning_naming_file_and_line(empty_scratch):
    kb, page = _image_page(empty_scratch, "# C1\n\n大模型。\n\n![架构图](figures/none.png)\n")
    assert "kb-image-missing" in page and "架构图" in page
    warnings = [str(p) for p in kb.problems if p.severity == "warning"]
    assert len(warnings) == 1 and warnings[0].startswith("sources/教程/第一章/C1.md:5: ")


def test_an_image_path_leaving_sources_is_a_placeholder_and_a_warning(empty_scratch):
    (empty_scratch / "outside.png").write_bytes(PNG)
    kb, page = _image_page(empty_scratch, "# C1\n\n大模型。\n\n![外部](../../../outside.png)\n")
    assert "kb-image-missing" in page and "外部" in page
    assert "<img" not in page
    assert [p.line for p in kb.problems if p.severity == "warning"] == [5]


def test_an_image_on_another_host_becomes_a_placeholder_with_a_link_and_a_warning(empty_scratch):
    kb, page = _image_page(empty_scratch, "# C1\n\n大模型。\n\n![徽章](https://img.example.com/b.svg)\n")
    assert "<img" not in page
    assert '<a class="kb-remote-image" href="https://img.example.com/b.svg">' in page
    assert [(p.kind, p.line) for p in kb.problems if p.severity == "warning"] == [("image", 5)]


def test_an_image_inside_code_is_left_as_code(empty_scratch):
    kb, page = _image_page(empty_scratch, "# C1\n\n大模型。\n\n```\n![](figures/none.png)\n```\n")
    assert "![](figures/none.png)" in page
    assert [p for p in kb.problems if p.kind == "image"] == []


def test_the_review_lists_every_section_of_every_article(corpus):
    _, kb, _ = corpus
    review = report.review(kb)
    for article in kb.articles:
        part = review.split(f"## {article.shown}\n", 1)[1].split("\n## ", 1)[0]
        rows = re.findall(r"^\| (\d+) \|", part, flags=re.M)
        assert [int(n) for n in rows] == [s.start for s in article.sections()], article.path


def test_the_review_lists_every_problem_with_file_and_line(corpus):
    _, kb, _ = corpus
    review = report.review(kb)
    for problem in kb.problems:
        assert str(problem).replace("|", "\\|") in review


def test_kb_import_writes_the_review_and_prints_a_summary_per_changed_article(empty_scratch, capsys):
    _article(empty_scratch, "教程/第一章/C1.md", "# C1\n\n大模型。\n\n![架构图](figures/none.png)\n")
    assert main(["--root", str(empty_scratch), "import"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^sources/教程/第一章/C1.md: \d+ sections, .*images: 0 copied, 1 not shown$", out, re.M)
    assert re.search(r"^kb import: \d+ pages written to docs/", out, re.M)
    assert "## sources/教程/第一章/C1.md" in (empty_scratch / report.REPORT_FILE).read_text(encoding="utf-8")
    assert main(["--root", str(empty_scratch), "import"]) == 0
    assert "C1.md:" not in capsys.readouterr().out          # unchanged: no summary


def test_kb_import_strict_fails_when_there_is_a_warning(empty_scratch):
    _article(empty_scratch, "C1.md", "# C1\n\n大模型。\n\n![架构图](figures/none.png)\n")
    assert main(["--root", str(empty_scratch), "import", "--strict"]) == 1


def test_kb_import_strict_passes_on_the_five_articles_their_broken_formula_corrected_by_a_note(scratch):
    assert main(["--root", str(scratch), "import", "--strict"]) == 0


def test_kb_import_strict_fails_on_the_broken_formula_without_its_note(scratch, capsys):
    # 002 has a stray \end{for} (line 403); the editorial file's 标记修正 note corrects it.
    editorial = scratch / "sources" / "editorial.yml"
    text = editorial.read_text(encoding="utf-8")
    start = text.index("  - source: 002_e776048416465ebb.txt\n    claim: '\\end{for}'")
    end = text.index("\n\n", start)
    editorial.write_text(text[:start] + text[end + 2:], encoding="utf-8")
    assert main(["--root", str(scratch), "import", "--strict"]) == 1
    err = capsys.readouterr().err
    assert "1 warnings (1 maths)" in err
    report = (scratch / "build" / "import-report.md").read_text(encoding="utf-8")
    assert "002_e776048416465ebb.txt:403" in report


def test_kb_import_strict_passes_on_articles_without_warnings(scratch):
    (scratch / "sources" / "002_e776048416465ebb.txt").unlink()
    assert main(["--root", str(scratch), "import", "--strict"]) == 0


# What the issue asks to drop: author, contact, credits, licence, citation, series and
# table-of-contents blocks (expected.yml's reasons, written before any run).
_COLOPHON_DROP = re.compile(r"licen[cs]e|citation|credits|sponsor|contact|see-also|table of contents|reference list", re.I)


def test_licence_credits_contact_and_see_also_blocks_of_the_corpus_are_dropped_and_nothing_else_is(manifest):
    import yaml
    from kb.importer.clean import REASON_COLOPHON, REASON_NAVIGATION, REASON_TITLE_LINKS

    expected = yaml.safe_load((REALWORLD / "expected.yml").read_text(encoding="utf-8"))
    missed, wrong = [], []
    for name, article in expected.items():
        entries = {e["lines"][0]: e for e in manifest if e["source"] == name}
        for s in article.get("sections", []):
            e = entries.get(s["line"])
            if e is None:
                continue
            if _COLOPHON_DROP.search(s.get("drop", "")) and not e.get("dropped"):
                missed.append(f"{name}:{s['line']} {s['heading']}")
            if not s.get("drop") and e.get("reason") in (REASON_COLOPHON, REASON_NAVIGATION, REASON_TITLE_LINKS):
                wrong.append(f"{name}:{s['line']} {s['heading']}")
    assert (missed, wrong) == ([], [])


def test_yaml_front_matter_is_shown_as_metadata_on_the_source_page_never_as_raw_yaml(corpus):
    page = corpus[2]["sources/pingcap-docs-cn/ai/guides/vector-search-hybrid-search.md"]
    assert "- **标题**：混合搜索" in page and "- **摘要**：同时使用全文搜索和向量搜索，以提升搜索质量。" in page
    assert "`aliases`" in page                      # named as a field left out, with the reason
    for raw in ("title: 混合搜索", "summary:", "aliases: [", "/zh/tidbcloud/"):
        assert raw not in page
    kaiyuanshe = corpus[2]["sources/kaiyuanshe-2024-report/commercialization.md"]
    assert "- **标题**：商业化篇" in kaiyuanshe and "tags: [" not in kaiyuanshe


def test_front_matter_that_cannot_be_read_is_shown_as_written(empty_scratch):
    _article(empty_scratch, "fm.md", "---\ntitle: [未闭合\n---\n\n# 标题\n\n正文。\n")
    _, files, _ = import_sources(empty_scratch / "sources")
    assert "```yaml\ntitle: [未闭合\n```" in files["sources/fm.md"]


def test_a_reference_style_image_is_drawn_and_its_definition_line_is_not_shown(empty_scratch):
    kb, page = _image_page(empty_scratch, '# C1\n\n大模型。\n\n![架构图][arch]\n\n再看 ![Arch][] 一次。\n\n'
                                          '[arch]: figures/a.png "架构"\n', files={"教程/第一章/figures/a.png": PNG})
    assert re.search(r'<figure class="kb-figure"><img src="[^"]+/figures/a.png" alt="架构图" loading="lazy">', page)
    assert re.search(r'再看 <img src="[^"]+/figures/a.png" alt="Arch" loading="lazy"> 一次', page)
    assert "[arch]" not in page and "figures/a.png \"架构\"" not in page
    assert [(p.line, p.severity) for p in kb.problems if p.kind == "image"] == [(5, "info"), (7, "info")]


def test_a_reference_style_image_whose_file_is_missing_is_a_placeholder_and_a_warning(empty_scratch):
    kb, page = _image_page(empty_scratch, "# C1\n\n大模型。\n\n![架构图][arch]\n\n[arch]: figures/none.png\n")
    assert "kb-image-missing" in page and "架构图" in page
    assert [str(p).split(": ")[0] for p in kb.problems if p.severity == "warning"] == ["sources/教程/第一章/C1.md:5"]


def test_an_image_in_a_heading_is_drawn_under_it_and_the_heading_keeps_only_its_words(empty_scratch):
    kb, page = _image_page(empty_scratch, "# C1\n\n大模型。\n\n## 1.1 架构 ![图标](figures/a.png)\n\n正文。\n\n"
                                          "## 1.2 缺图 ![缺失](figures/none.png)\n\n正文。\n",
                           files={"教程/第一章/figures/a.png": PNG})
    heading, after = page.split("1.1 架构", 1)[1].split("\n", 1)
    assert "图标" not in heading and "<img" not in heading
    assert re.search(r'^\s*<figure class="kb-figure"><img src="[^"]+/figures/a.png" alt="图标"', after.split("正文。")[0], re.M)
    assert '<span class="kb-image-missing" role="img" aria-label="缺失">' in page.split("1.2 缺图", 1)[1]
    assert [(p.line, p.severity) for p in kb.problems if p.kind == "image"] == [(5, "info"), (9, "warning")]


def test_display_maths_written_inside_a_sentence_is_inline_maths_in_display_style():
    from kb.core.sanitize import escape_line

    assert escape_line("其中 $$E=mc^2$$ 是质能方程，价格 $5 与 $10 不是公式。") == \
        "其中 $\\displaystyle E=mc^2$ 是质能方程，价格 $5 与 $10 不是公式。"
    assert escape_line("只有 $$ 一个") == "只有 $$ 一个"
