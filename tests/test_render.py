"""render: source lines (CommonMark) in, Python-Markdown lines out."""
from __future__ import annotations

from kb.importer.render import body_lines


def render(markdown: str) -> str:
    return "\n".join(body_lines(markdown.split("\n")))


def test_a_list_item_in_prose_gets_the_blank_line_python_markdown_needs():
    assert render("步骤：\n- 一\n- 二") == "步骤：\n\n- 一\n- 二"


def test_a_list_item_line_inside_a_fence_is_code_and_gets_no_blank_line():
    md = "````markdown\n```python\n- 列表 <b>\n```\n````"
    assert render(md) == md


def test_a_list_item_line_inside_a_maths_block_gets_no_blank_line():
    md = "$$\na\n- b <c>\n$$"
    assert render(md) == md


def test_a_closing_fence_longer_than_the_opening_one_is_written_as_the_opening_one():
    assert render("```\ncode\n`````\n\n正文") == "```\ncode\n```\n\n正文"


def test_a_fence_in_a_list_moves_with_its_opening_line_to_four_spaces():
    md = "1. 安装\n   ```bash\n   pip install kb\n   ```\n2. 运行"
    assert render(md) == "1. 安装\n    ```bash\n    pip install kb\n    ```\n2. 运行"


def test_a_maths_block_in_a_list_moves_with_its_opening_line_to_four_spaces():
    md = "1. 损失\n\n   $$\n   J = x\n   $$"
    assert render(md) == "1. 损失\n\n    $$\n    J = x\n    $$"
