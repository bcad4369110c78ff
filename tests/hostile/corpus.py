"""Hostile articles: each is written by the tests into a scratch sources/ folder.

Each entry says what the article is and what must happen to it; the tests in this folder
(and tests/browser/test_hostile_browser.py) hold those outcomes.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import kbtest

# Payloads call back to the serving host, so a browser test sees any that runs.
RAW_HTML = """# </title><script>fetch('/pwned-title')</script>恶意标题

## 1.1 风险识别 <img src=x onerror="fetch('/pwned-heading')">

创业风险包括市场风险。<script>fetch('/pwned-inline');alert('inline')</script>

<div onclick="alert('div')"><img src="x" onerror="fetch('/pwned-block');alert('block')">块级HTML</div>

<script>
fetch('/pwned-script-block'); alert('script block');
</script>

点击[这里](javascript:fetch('/pwned-link'))查看。 <img/src=x/onerror=fetch('/pwned-slash')>

段落文字 {: onmouseover="fetch('/pwned-attr')" }

<a href="jav&#x61;script:fetch('/pwned-entity')">编码的链接</a>

<iframe src="https://example.com/"></iframe><style>body{background:url(https://example.com/x.png)}</style>

![远程图片](https://example.com/track.png)

`<script>alert('code')</script>` 代码中的标签应原样显示。

```html
<script>alert('fence')</script>
```
"""

MERMAID_ERROR = """# 流程图语法错误

## 1.1 技术架构

下面的流程图有语法错误，应原样保留，构建不能失败。

```mermaid
graph TD
    A[输入 --> B{{未闭合
    B -->|是 C
```
"""

LATEX_UNBALANCED = r"""# 公式括号不配对

## 1.1 算法原理

损失函数的公式缺了一个右括号：

$$
L = \frac{1}{n}\sum_{i=1}^{n}(y_i - \hat{y}_i^2
$$

行内公式 $\sqrt{x + \frac{1}{2}$ 也缺一个括号，\begin{array} 没有结束。
"""

PUNCTUATION = """# ！？。

## ……！！

品牌建设需要长期投入。

## 1.2 ？？？

市场营销需要调研。
"""

SAME_TITLE = "# 同名文章\n\n## 1.1 融资策略\n\n{} 的融资故事。\n"

NAMED = "# 文件名有空格和中文\n\n## 1.1 团队建设\n\n团队成员要有互补的技能。\n"

LINKS = """# 相对链接

## 1.1 品牌定位

见[另一篇](other.md)、[锚点](#nowhere)、![图](pic.png)和[绝对路径](/abs/path)。外部链接[保留](https://example.com/)。
"""


def nested() -> str:
    lines = ["# 深度嵌套", "", "## 1.1 团队建设", "", "团队建设很重要。", ""]
    lines += ["    " * depth + f"- 第{depth}层" for depth in range(1000)]
    lines += ["", ">" * 5000 + " 五千层引用", "", "*" * 5000 + "五千个星号" + "_" * 5000, ""]
    return "\n".join(lines) + "\n"


def huge(megabytes: int = 10) -> str:
    """About 10 MB of ordinary article text: numbered sections of long paragraphs."""
    paragraph = "大模型创业需要关注市场风险、技术风险与团队建设，" * 10 + "。\n\n"
    out, size, n = ["# 超大文章\n\n"], 0, 0
    while size < megabytes * 1_000_000:
        n += 1
        block = f"## {n // 50 + 1}.{n % 50 + 1} 第{n}节 风险识别\n\n" + paragraph * 20
        out.append(block)
        size += len(block.encode())
    return "".join(out)


def many_headings(count: int = 10_000) -> str:
    return "# 一万个标题\n\n" + "".join(f"## 标题{i} 风险\n\n内容{i}。\n\n" for i in range(count))


@dataclass(frozen=True)
class Hostile:
    file: str
    text: Callable[[], str]
    outcome: str


# Articles that must import and build cleanly, all in one sources/ folder.
BUILDABLE = [
    Hostile("raw-html.txt", lambda: RAW_HTML,
            "imports; raw HTML shown as text; no script runs, no request leaves the page"),
    Hostile("mermaid-error.txt", lambda: MERMAID_ERROR, "imports and builds; the diagram text is kept"),
    Hostile("latex-unbalanced.txt", lambda: LATEX_UNBALANCED, "imports and builds; the formula text is kept"),
    Hostile("nested.txt", nested, "imports and builds; levels past 16 are shown at level 16"),
    Hostile("punctuation.txt", lambda: PUNCTUATION, "imports; headings of punctuation get anchors"),
    Hostile("same-a.txt", lambda: SAME_TITLE.format("甲公司"), "both import, each with its own source page"),
    Hostile("same-b.txt", lambda: SAME_TITLE.format("乙公司"), "both import, each with its own source page"),
    Hostile("我的 文章 v2.txt", lambda: NAMED, "imports; file name shown as written"),
    Hostile("relative-links.txt", lambda: LINKS, "imports; links into the article's own site kept as words"),
]


def make_root(dest: Path, articles: list[Hostile], real_articles: bool = False) -> Path:
    """A repository root at dest with the hostile articles (and optionally the real five)."""
    kbtest.make_root(dest, sources=real_articles)
    for article in articles:
        (dest / "sources" / article.file).write_text(article.text(), encoding="utf-8")
    return dest
