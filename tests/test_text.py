"""text: the line scanner shared by render, sanitize and the glossary linker.

Markdown in, one word per line out: what the scanner says each line is.
"""
from __future__ import annotations

import pytest
from kb.core.text import Fence, Kind, maths_problems, protected_spans, scan, split_protected

SHORT = {Kind.BLANK: "blank", Kind.PROSE: "prose", Kind.FENCE_OPEN: "open", Kind.CODE: "code",
         Kind.FENCE_CLOSE: "close", Kind.MATHS: "maths", Kind.INDENTED_CODE: "indented"}


def kinds(markdown: str) -> list[str]:
    return [SHORT[line.kind] for line in scan(markdown.split("\n"))]


def spans(line: str) -> list[str]:
    return [line[start:end] for start, end in protected_spans(line)]


# --- fenced code ---------------------------------------------------------------------------

def test_a_fence_of_three_backticks_holds_the_lines_up_to_the_next_one():
    assert kinds("正文\n```python\nx = 1\n```\n正文") == ["prose", "open", "code", "close", "prose"]


def test_a_shorter_fence_inside_a_longer_one_is_code():
    assert kinds("````markdown\n```python\nx <b>\n```\n````") == ["open", "code", "code", "code", "close"]


def test_backticks_inside_a_tilde_fence_are_code():
    assert kinds("~~~\n```\n<script>\n~~~") == ["open", "code", "code", "close"]


def test_tildes_inside_a_backtick_fence_are_code():
    assert kinds("```\n~~~\n<script>\n```") == ["open", "code", "code", "close"]


def test_a_closing_fence_may_be_longer_than_the_opening_one():
    assert kinds("```\nx\n`````\n正文") == ["open", "code", "close", "prose"]


def test_a_fence_with_words_after_it_does_not_close_a_block():
    assert kinds("```\n``` 不是结束\n```") == ["open", "code", "close"]


def test_a_closing_fence_may_have_spaces_after_it():
    assert kinds("~~~\nx\n~~~   \n正文") == ["open", "code", "close", "prose"]


def test_a_fence_indented_four_spaces_past_the_opening_one_is_code():
    md = "```markdown\n1. 步骤\n    ```bash\n    pip install kb\n    ```\n```"
    assert kinds(md) == ["open", "code", "code", "code", "code", "close"]


def test_a_closing_fence_in_a_list_may_stand_where_its_opening_fence_stands():
    assert kinds("- 项\n    ```\n    x\n    ```\n正文") == ["prose", "open", "code", "close", "prose"]


def test_an_unclosed_fence_runs_to_the_last_line():
    assert kinds("```\nx\n\n## 标题\n正文") == ["open", "code", "code", "code", "code"]


def test_a_backtick_fence_whose_info_string_holds_a_backtick_is_prose():
    assert kinds("```js` 行内代码\n<b>\n```\ncode\n```") == ["prose", "prose", "open", "code", "close"]


def test_a_tilde_fence_may_have_backticks_in_its_info_string():
    assert kinds("~~~ a`b\nx\n~~~") == ["open", "code", "close"]


def test_an_indented_fence_in_a_list_is_a_fence():
    md = "1. 安装\n   ```bash\n   pip install <pkg>\n   ```\n2. 运行"
    assert kinds(md) == ["prose", "open", "code", "close", "prose"]


def test_every_line_of_a_fenced_block_knows_its_fence():
    lines = scan(["  ~~~~ text", "x", "~~~~~"])
    assert {line.fence for line in lines} == {Fence(indent=2, char="~", length=4)}
    assert [line.first for line in lines] == [True, False, False]


def test_two_backticks_are_not_a_fence():
    assert kinds("``\nx\n``") == ["prose", "prose", "prose"]


# --- display maths -------------------------------------------------------------------------

def test_a_maths_block_runs_from_dollars_to_dollars():
    assert kinds("正文\n\n$$\nx <y>\n$$\n\n正文") == ["prose", "blank", "maths", "maths", "maths", "blank", "prose"]


def test_a_maths_block_may_begin_and_end_on_lines_with_maths():
    assert kinds("$$ L = \\sum\nx_i $$\n正文") == ["maths", "maths", "prose"]


def test_a_maths_block_on_one_line_is_one_line():
    assert kinds("$$a < b$$\n正文") == ["maths", "prose"]


def test_a_maths_block_never_spans_a_blank_line():
    assert kinds("$$\na <b>\n\nb\n$$") == ["prose", "prose", "blank", "prose", "prose"]


def test_dollars_after_words_do_not_open_a_maths_block():
    assert kinds("正文 $$\nx\n$$ 结束") == ["prose", "prose", "prose"]


def test_a_list_item_line_inside_a_maths_block_is_maths():
    assert kinds("$$\na\n- b\n$$") == ["maths", "maths", "maths", "maths"]


def test_a_latex_environment_is_a_maths_block():
    assert kinds("\\begin{align}\na &= b\n\\end{align}\n正文") == ["maths", "maths", "maths", "prose"]


def test_only_the_first_line_of_a_maths_block_is_marked_first():
    assert [line.first for line in scan(["$$", "x", "$$"])] == [True, False, False]


# --- indented code -------------------------------------------------------------------------

def test_four_spaces_after_a_blank_line_are_indented_code():
    assert kinds("正文\n\n    <b>\n    x") == ["prose", "blank", "indented", "indented"]


def test_four_spaces_right_after_prose_continue_the_paragraph():
    assert kinds("正文\n    <b>") == ["prose", "prose"]


def test_inside_a_list_indented_code_takes_eight_spaces():
    md = "- 项目\n\n    续行\n\n        code"
    assert kinds(md) == ["prose", "blank", "prose", "blank", "indented"]


def test_a_nested_list_item_holds_paragraphs_at_eight_spaces_and_code_at_twelve():
    # As Python-Markdown reads them (real text: pingcap/docs-cn release notes, whose links
    # there reached docs/ unescaped when the scanner took them for code).
    md = "* 一\n\n    * 二\n\n        [文档](/x.md)\n\n            code"
    assert kinds(md) == ["prose", "blank", "prose", "blank", "prose", "blank", "indented"]
    # Back in the outer item, code takes eight spaces again.
    md = "* 一\n\n    * 二\n\n    外层\n\n        code"
    assert kinds(md) == ["prose", "blank", "prose", "blank", "prose", "blank", "indented"]


# --- spans inside a prose line -------------------------------------------------------------

def test_dollar_prices_are_not_inline_maths():
    assert spans("价格 $5 与 $10 之间") == []


def test_inline_maths_has_no_space_inside_its_dollars():
    assert spans("$x^2$ 与 $ y$") == ["$x^2$"]


def test_parenthesised_maths_is_protected():
    assert spans("公式 \\(a<b\\) 之后") == ["\\(a<b\\)"]


def test_a_code_span_closes_on_a_run_of_as_many_backticks():
    assert spans("``a ` b`` 与 `c`") == ["``a ` b``", "`c`"]


def test_a_backtick_run_that_never_closes_is_text():
    assert spans("``a` b") == []


def test_an_escaped_dollar_or_backtick_opens_nothing():
    assert spans("\\$a$ 与 \\`b`") == []


def test_links_tags_and_attribute_lists_are_protected_whole():
    assert spans("见[联邦学习](g.md) <https://a.b> ![图](p.png) { .kb-note }") == [
        "[联邦学习](g.md)", "<https://a.b>", "![图](p.png)", "{ .kb-note }"]


def test_a_split_line_is_the_line_again():
    line = "用 `code` 和 $x$ 见[链接](a.md)，价格 $5。"
    pieces = split_protected(line)
    assert "".join(text for text, _ in pieces) == line
    assert [text for text, protected in pieces if protected] == ["`code`", "$x$", "[链接](a.md)"]


@pytest.mark.parametrize("lines, problems", [
    (["$$\\begin{aligned}", "x &= 1", "$$"], [(0, "\\begin{aligned} is never closed by \\end{aligned}")]),
    (["$$", "x \\end{cases}", "$$"], [(1, "\\end{cases} does not close an open \\begin")]),
    (["$$ x = 1", "", "正文"], [(0, "display maths opened with $$ here is never closed (a blank line ends it)")]),
    (["$$\\begin{equation}", "\\begin{cases}a\\\\b\\end{cases}", "\\end{equation}$$", "价格 $5 和 $10"], []),
])
def test_display_maths_katex_cannot_typeset_is_found_with_its_line(lines, problems):
    assert maths_problems(lines) == problems


def test_a_square_bracket_block_is_display_maths():
    assert [w.kind for w in scan(["文字", "\\[", "x^2", "\\]"])] == [Kind.PROSE, Kind.MATHS, Kind.MATHS, Kind.MATHS]
