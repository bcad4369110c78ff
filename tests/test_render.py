"""render: source lines (CommonMark) in, Python-Markdown lines out."""
from __future__ import annotations

from kb.importer.render import body_lines


def render(markdown: str) -> str:
    return "\n".join(body_lines(markdown.split("\n")))


def test_a_list_item_in_prose_gets_the_blank_line_python_markdown_needs():
    assert render("步骤：\n- 一\n- 二") == "步骤：\n\n- 一\n- 二"


def test_a_section_that_starts_inside_a_list_shows_its_items_as_a_list_not_as_code():
    # 000's B.1 and B.2 begin with items indented under a list before their heading.
    md = "   - **TensorFlow Lite**：轻量级版本。\n     支持移动设备。\n   - **Keras**：高层接口。\n\n结尾。"
    assert render(md) == "- **TensorFlow Lite**：轻量级版本。\n    支持移动设备。\n- **Keras**：高层接口。\n\n结尾。"
    assert render("\n        - 深一层\n        - 再一项") == "- 深一层\n- 再一项"


def test_an_indented_item_after_a_paragraph_starts_a_list_at_the_margin():
    assert render("段落\n    - 一项") == "段落\n\n- 一项"


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


def _html(markdown_text: str) -> str:
    import markdown
    from kbtest import REPO
    from mkdocs.config import load_config

    config = load_config(str(REPO / "mkdocs.yml"))
    md = markdown.Markdown(extensions=config["markdown_extensions"], extension_configs=config["mdx_configs"])
    return md.convert("\n".join(body_lines(markdown_text.split("\n"))))


def test_display_maths_without_blank_lines_around_it_is_a_maths_block():
    html = _html("文字\n$$\n\\begin{equation}\nx=1\n\\end{equation}\n$$\n后文 $$a^2$$ 不是块\n$$b^2$$\n结尾")
    assert html.count('<div class="arithmatex">') == 2
    assert "\\[\n\\begin{equation}\nx=1\n\\end{equation}\n\\]" in html and "\\[b^2\\]" in html


def test_square_bracket_maths_is_a_block_and_a_price_stays_text():
    html = _html("公式：\n\\[\nE = mc^2\n\\]\n价格 $5 到 $10。")
    assert '<div class="arithmatex">\\[\nE = mc^2\n\\]</div>' in html
    assert "价格 $5 到 $10。" in html
