"""parse: headings at any level, plain numbered lines, parts, appendices; one repaired tree."""
from __future__ import annotations

import pytest
from kb.core.model import Article, KbError
from kb.core import context
from kb.importer.parse import parse


def tree(text: str, name: str = "t.txt") -> Article:
    return parse(Article(path=name, key="t", lines=text.split("\n")))


def by_heading(article: Article) -> dict:
    return {s.heading: s for s in article.sections()}


def test_a_comment_inside_a_code_fence_is_not_a_heading():
    a = tree("# 标题\n\n## 1.1 代码\n\n```python\n# 定义CNN模型结构\nmodel = 1\n```\n\n正文。")
    assert [s.heading for s in a.sections()] == ["标题", "1.1 代码"]


def test_plain_numbered_lines_are_headings_nested_by_their_number():
    a = tree("# T\n\n##### 2.2 用户画像与用户需求分析\n\n引言。\n\n2.2.1 用户画像的构建\n\n正文。\n\n"
             "4.1.1 **案例 1：OpenAI**\n\n正文。")
    s = by_heading(a)
    assert s["2.2.1 用户画像的构建"].parent is s["2.2 用户画像与用户需求分析"]
    assert "4.1.1 案例 1：OpenAI" in s


def test_a_numbered_sentence_is_not_a_heading():
    a = tree("# T\n\n## 1.1 节\n\n3.14 是圆周率的近似值，这是一句完整的话。")
    assert [s.heading for s in a.sections()] == ["T", "1.1 节"]


def test_parts_chapters_and_appendices_are_recognised():
    a = tree("# T\n\n### 第一部分：基础\n\n#### 第2章：技术\n\n##### 2.1 算法\n\n文字。\n\n#### 附录\n\n"
             "##### 附录 A：工具\n\nA.1 开发工具\n\n文字。")
    s = by_heading(a)
    assert (s["第一部分：基础"].kind, s["第一部分：基础"].depth) == ("part", 0)
    assert s["第2章：技术"].parent is s["第一部分：基础"]
    assert s["2.1 算法"].parent is s["第2章：技术"]
    assert s["附录 A：工具"].parent is s["附录"]
    assert s["A.1 开发工具"].parent is s["附录 A：工具"]


def test_a_summary_at_a_shallower_level_does_not_swallow_the_next_chapter(kb):
    article = next(a for a in kb.articles if a.path.startswith("000"))
    chapter3 = next(s for s in article.sections() if s.heading.startswith("第3章"))
    assert chapter3.parent.heading != "总结"


def test_numbering_beats_jumping_hash_levels(kb):
    article = next(a for a in kb.articles if a.path.startswith("004"))
    s = by_heading(article)
    # '## 1.1' under '#### 第1章' and '## 图1' beside '## 2.4'
    assert s["1.1 大模型创业的发展历程"].parent.heading == "第1章：大模型创业概述"
    assert s["图1：大模型的基本架构"].parent.heading == "第2章：大模型技术基础"
    article = next(a for a in kb.articles if a.path.startswith("001"))
    s = by_heading(article)
    # '##### 2.1' and '##### 2.1.1' stand at the same '#' level
    assert s["2.1.1 用户数据的来源"].parent.heading == "2.1 用户数据的价值分析"


def test_the_table_of_contents_is_one_section_ending_where_the_body_starts(kb):
    expected = {"000": (9, 76), "001": (10, 137), "002": (14, 75), "003": (9, 55), "004": (15, 70)}
    for article in kb.articles:
        tocs = [s for s in article.sections() if s.kind == "toc"]
        assert [(s.start, s.end) for s in tocs] == [expected[article.key]], article.path


def test_sections_partition_the_article():
    a = tree("# T\n\n## A\n\nx\n\n## B\n\ny")
    spans = [(s.start, s.end) for s in a.sections()]
    assert spans == [(1, 2), (3, 6), (7, 9)]


def test_an_unclosed_code_fence_is_an_error_naming_its_line():
    with pytest.raises(KbError) as err:
        tree("# T\n\n## 1.1 代码\n\n```python\n# 注释\nx = 1\n\n## 1.2 下一节", name="bad.txt")
    assert err.value.path == "sources/bad.txt" and err.value.line == 5
    assert "never closed" in str(err.value)


def test_an_article_with_no_headings_is_one_section_titled_by_its_file():
    a = tree("第一段文字，讲述大模型。\n\n第二段文字。", name="无标题文章.txt")
    assert [(s.heading, s.start, s.end) for s in a.sections()] == [("无标题文章", 1, 3)]


@pytest.mark.parametrize("heading, words", [
    ("#### [通过思维导图梳理功能](http://e.org/%E9%80%9A)", "通过思维导图梳理功能"),
    ("## [**自注意力**]", "自注意力"),
    ("## 使用 `kb import` 与 **Markdown** 和 *斜体*", "使用 kb import 与 Markdown 和 斜体"),
    ("## 欢迎——<br>🐧 [项目](https://e.org/)：介绍", "欢迎—— 🐧 项目：介绍"),
    ("## ![logo](a.png) ChatGLM <sup>1</sup>", "ChatGLM 1"),
])
def test_a_heading_keeps_its_words_and_loses_its_markup(heading, words):
    assert [s.heading for s in tree(f"# 标题\n\n{heading}\n\n正文。").sections()][1] == words


def test_a_setext_underline_is_not_left_in_the_section_body():
    from kb.importer.render import body_lines

    a = tree("标题\n====\n\n正文一。\n\n小节\n----\n\n正文二。")
    sub = a.sections()[1]
    assert sub.heading == "小节"
    assert body_lines(a.text(sub.start + 1, sub.end)) == ["正文二。"]


def test_html_a_heading_would_show_as_text_stays_in_its_words():
    a = tree("# </title><script>x()</script>标题\n\n正文。")
    assert a.sections()[0].heading == "</title><script>x()</script>标题"


def test_yaml_front_matter_is_read_and_makes_no_heading():
    from kb.importer.parse import front_matter

    a = tree("---\ntitle: 混合搜索\nsummary: 摘要。\n---\n\n正文第一段。\n\n## 小节\n\n正文。")
    assert [s.heading for s in a.sections()] == ["混合搜索", "小节"]
    assert a.title == "混合搜索"
    assert front_matter(a) == ({"title": "混合搜索", "summary": "摘要。"}, 3, None)


def test_front_matter_that_is_not_yaml_is_a_warning_naming_its_line(tmp_path):
    from kb.importer.pipeline import load
    from kbtest import make_root

    root = make_root(tmp_path, sources=False)
    (root / "sources" / "fm.md").write_text("---\ntitle: [未闭合\n---\n\n# 标题\n\n正文。\n", encoding="utf-8")
    _, warnings = load(root / "sources")
    told = [w for w in warnings if w.startswith("sources/fm.md")]
    assert len(told) == 1 and told[0].startswith("sources/fm.md:1: YAML front matter cannot be read")


def test_licence_citation_and_credits_blocks_are_dropped_with_a_reason():
    from kb.importer.clean import REASON_COLOPHON, mark_dropped

    a = mark_dropped(tree("# 项目\n\n## 1 介绍\n\n项目介绍的正文。\n\n## 协议\n\nApache-2.0\n\n## 引用\n\n```bibtex\n@a{}\n```\n\n"
                          "## 致谢\n\n感谢各位。"))
    assert {s.heading: s.dropped for s in a.sections()[1:]} == {
        "1 介绍": None, "协议": REASON_COLOPHON, "引用": REASON_COLOPHON, "致谢": REASON_COLOPHON}


def test_an_abstract_is_knowledge_and_the_keywords_beside_it_front_matter():
    from kb.importer.clean import REASON_FRONT, mark_dropped

    headed = mark_dropped(tree("### 标题\n\n#### 关键词\n- 创业\n\n#### 摘要\n本文讨论创业。\n\n## 1 正文\n\n正文。"))
    assert {s.heading: s.dropped for s in headed.sections()} == {
        "标题": REASON_FRONT, "关键词": REASON_FRONT, "摘要": None, "1 正文": None}
    quoted = mark_dropped(tree("# 标题\n\n> **关键词**：创业\n\n> **摘要**：本文讨论创业。\n\n## 1 正文\n\n正文。"))
    assert quoted.sections()[0].dropped is None
    only_keywords = mark_dropped(tree("# 标题\n\n> **关键词**：创业\n\n## 1 正文\n\n正文。"))
    assert only_keywords.sections()[0].dropped == REASON_FRONT


def test_contact_sponsor_reference_and_see_also_blocks_are_dropped_with_a_reason():
    from kb.importer.clean import REASON_COLOPHON, REASON_NAVIGATION, mark_dropped

    a = mark_dropped(tree("# 项目\n\n## 介绍\n\n正文。\n\n## 赞助商 ❤️\n\n某公司\n\n## 微信公众号\n\n二维码\n\n"
                          "## 问题反馈\n\n提 issue。\n\n## 参考文献\n\n[1] 某论文\n\n## 另请参阅\n\n- [其他](x.md)\n\n"
                          "## 更新日志\n\n[2024/01] 发布 v2。\n\n## Contributors\n\n张三 a@b.c"))
    assert {s.heading: s.dropped for s in a.sections()[1:]} == {
        "介绍": None, "赞助商 ❤️": REASON_COLOPHON, "微信公众号": REASON_COLOPHON, "问题反馈": REASON_COLOPHON,
        "参考文献": REASON_COLOPHON, "另请参阅": REASON_NAVIGATION, "更新日志": None, "Contributors": REASON_COLOPHON}


def test_a_title_block_of_links_and_badges_is_dropped_but_a_sentence_with_a_link_is_not():
    from kb.importer.clean import REASON_TITLE_LINKS, mark_dropped

    badges = mark_dropped(tree('# 项目\n\n<p align="center">\n  <a href="https://d.gg/x">Discord</a> • 加入我们的 '
                               '<a href="w.md">微信群</a>\n</p>\n\n*Read this in [English](README_en.md).*\n\n## 介绍\n\n正文。'))
    assert badges.sections()[0].dropped == REASON_TITLE_LINKS
    prose = mark_dropped(tree("# 项目\n\n本项目基于[Llama-2](https://e.org/l)开发，扩充并优化了中文词表，使用大规模中文数据进行增量预训练。"
                              "\n\n## 介绍\n\n正文。"))
    assert prose.sections()[0].dropped is None


def _outline(articles) -> list:
    return [[(s.heading, s.kind, s.number, s.depth, s.start, s.end, s.anchor,
              s.parent.anchor if s.parent else None) for s in a.sections()] for a in articles]


def test_articles_tokenised_in_other_processes_give_the_same_trees(kb, monkeypatch):
    # parse_all shares tokenising among processes from PARALLEL_MIN articles on; forced on
    # for the five articles, every section tree is the one parsing them here gives.
    from kb.core.model import KnowledgeBase
    from kb.importer import parse as parse_module

    def fresh():
        return [Article(path=a.path, key=a.key, lines=list(a.lines)) for a in kb.articles]

    monkeypatch.setattr(parse_module, "PARALLEL_MIN", 10**9)
    here = parse_module.parse_all(KnowledgeBase(kb.editorial, fresh())).articles
    monkeypatch.setattr(parse_module, "PARALLEL_MIN", 1)
    monkeypatch.setattr(context.os, "cpu_count", lambda: 2)
    # The pool is used only with no other thread running (kb serve's import runs beside its
    # server); in this test process, other tests' servers may still run.
    import threading
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    shared = parse_module.parse_all(KnowledgeBase(kb.editorial, fresh())).articles
    assert _outline(shared) == _outline(here) and len(_outline(here)[0]) > 20


def test_an_unclosed_fence_found_in_another_process_is_the_same_error(kb, monkeypatch):
    from kb.core.model import KnowledgeBase
    from kb.importer import parse as parse_module

    monkeypatch.setattr(parse_module, "PARALLEL_MIN", 1)
    monkeypatch.setattr(context.os, "cpu_count", lambda: 2)
    import threading
    monkeypatch.setattr(threading, "active_count", lambda: 1)       # as in the test above
    good = Article(path="good.txt", key="good", lines=["# T", "", "正文。"])
    bad = Article(path="bad.txt", key="bad", lines="# T\n\n## 1.1 代码\n\n```python\nx = 1".split("\n"))
    with pytest.raises(KbError) as err:
        parse_module.parse_all(KnowledgeBase(kb.editorial, [good, bad]))
    assert err.value.path == "sources/bad.txt" and err.value.line == 5 and "never closed" in str(err.value)


def test_headings_alone_inlined_give_the_candidates_of_a_full_markdown_it_parse(kb):
    # _tokens runs markdown-it's inline rules on headings only (paragraphs are read by
    # their raw content): the candidates, and every heading's inline tokens, are those of
    # markdown-it's full commonmark parse, for the five articles, the real-world corpus
    # and headings full of inline markup (references defined elsewhere, escapes, images).
    from markdown_it import MarkdownIt
    from kb.importer import parse as parse_module
    from realworld import ARTICLES

    hostile = Article(path="h.txt", key="h", lines=(
        "# [**标题**]\\[x\\] `代码` ![图](a.png) [链接][r] <br> *强调*\n\n"
        "[r]: https://example.com\n\n## 1.1 &amp; \\*星号\\* [r]\n\n2.1 纯文本标题\n\n正文。\n"
        "\n标题二\n======\n\n> ## 引用里的标题\n").split("\n"))
    texts = [a for a in kb.articles] + [
        Article(path=p.name, key=p.stem, lines=p.read_text(encoding="utf-8").split("\n")) for p in ARTICLES] + [hostile]
    full = MarkdownIt("commonmark")
    headings = 0
    for article in texts:
        lines = article.lines
        if (end := parse_module.front_matter_end(lines)) is not None:
            lines = [""] * (end + 1) + lines[end + 1:]
        reference = full.parse("\n".join(lines) + "\n")
        tokens = parse_module._tokens(article)
        assert [(t.type, t.map, t.content) for t in tokens] == [(t.type, t.map, t.content) for t in reference]
        for i, tok in enumerate(reference):
            if tok.type == "heading_open":
                headings += 1
                assert [c.as_dict() for c in tokens[i + 1].children] == [c.as_dict() for c in reference[i + 1].children]
        assert parse_module._candidates(article, tokens) == parse_module._candidates(article, reference)
    assert len(texts) == 5 + len(ARTICLES) + 1 and len(ARTICLES) > 10 and headings > 400
