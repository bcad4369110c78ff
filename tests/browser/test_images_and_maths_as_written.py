"""Images and maths as people write them, drawn and typeset in Chromium: display maths
inside a sentence, reference-style images, an image in a heading."""
from __future__ import annotations

from pathlib import Path

import pytest
from kb.bench.browser import serve
from kb.cli import main
from kbtest import make_root
from settle import loaded_images, typeset

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082")
ARTICLE = """# 模型训练

## 1.1 损失函数 ![图标](img/icon.png)

损失函数 $$L = \\sum_i (y_i - \\hat y_i)^2$$ 衡量误差，价格 $5 与 $10 不是公式。

结构如图：

![结构图][fig]

![缺失的图][nope]

[fig]: img/a.png "结构"
[nope]: img/none.png
"""


@pytest.fixture(scope="module")
def written_site(tmp_path_factory):
    root = make_root(tmp_path_factory.mktemp("as-written"), sources=False)
    folder = root / "sources" / "训练" / "img"
    folder.mkdir(parents=True)
    (folder / "a.png").write_bytes(PNG)
    (folder / "icon.png").write_bytes(PNG)
    (folder.parent / "m.md").write_text(ARTICLE, encoding="utf-8")
    assert main(["--root", str(root), "import"]) == 0
    assert main(["--root", str(root), "build"]) == 0
    with serve(root / "site") as base:
        yield base


def test_display_maths_inside_a_sentence_is_typeset_and_prices_stay_text(page, written_site):
    page.goto(f"{written_site}/sources/%E8%AE%AD%E7%BB%83/m.html", wait_until="networkidle")
    typeset(page)
    assert page.locator("article .arithmatex .katex").count() == 1
    assert page.locator("article .katex-error").count() == 0
    text = page.locator("article").inner_text()
    assert "$$" not in text and "价格 $5 与 $10 不是公式" in text


def test_reference_style_and_heading_images_are_drawn_and_a_missing_one_is_a_placeholder(page, written_site):
    page.goto(f"{written_site}/sources/%E8%AE%AD%E7%BB%83/m.html", wait_until="load")
    drawn = [[alt, width] for _, alt, width in loaded_images(page)]
    assert sorted(drawn) == [["图标", 1], ["结构图", 1]]
    assert page.locator("article .kb-image-missing").inner_text() == "图片未能显示：缺失的图"
    text = page.locator("article").inner_text()
    assert "[fig]" not in text and "![" not in text
