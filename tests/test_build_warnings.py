"""What `kb build` tells the editor without failing: a formula KaTeX cannot typeset."""
from __future__ import annotations

import logging

from kb.cli import main


def test_a_formula_katex_cannot_typeset_is_a_warning_naming_the_page_and_line_and_the_build_passes(empty_scratch, caplog):
    (empty_scratch / "sources" / "m.md").write_text(
        "# 公式\n\n## 1.1 损失\n\n损失函数如下：\n\n$$\n\\begin{aligned} a &= b \\\\\n\\end{cases}\n$$\n\n正文。\n",
        encoding="utf-8")
    assert main(["--root", str(empty_scratch), "import"]) == 0
    with caplog.at_level(logging.WARNING, logger="kb.site"):
        assert main(["--root", str(empty_scratch), "build"]) == 0
    told = [r.getMessage() for r in caplog.records if r.name == "kb.site"]
    source = (empty_scratch / "docs" / "sources" / "m.md").read_text(encoding="utf-8").split("\n")
    line = next(n for n, text in enumerate(source, 1) if "\\end{cases}" in text)
    assert f"kb build: warning: docs/sources/m.md:{line}: \\end{{cases}} does not close an open \\begin: " \
           "KaTeX cannot typeset the formula, readers see its source" in told
    # The same formula on the topic page it was placed on, with that page's line.
    assert len([m for m in told if "\\end{cases}" in m]) == 2


def test_real_text_with_code_in_link_words_and_tags_in_code_builds_strictly(empty_scratch):
    # From the distinct bench corpus (pingcap/docs-cn, microsoft/AI-System): a link into the
    # article's own site whose words are code, and a code span that looks like a tag with a
    # bare `id` (mkdocs reads it as an anchor named None). Both once failed `kb build`.
    (empty_scratch / "sources" / "d.md").write_text(
        "# 部署\n\n## 1.1 容器\n\n也可以通过`docker rm <container-name/id>`删除容器。\n\n"
        "## 1.2 变量\n\n系统变量 [`tidb_x`](/system-variables.md#tidb_x) 限制内存。\n", encoding="utf-8")
    assert main(["--root", str(empty_scratch), "import"]) == 0
    assert main(["--root", str(empty_scratch), "build"]) == 0
    page = (empty_scratch / "site" / "sources" / "d.html").read_text(encoding="utf-8")
    assert "system-variables" not in page and "<code>tidb_x</code> 限制内存" in page
