"""Generated articles for the property tests: random Markdown an editor might drop into
sources/, and worse.

An article is a list of blocks (headings of every kind the parser knows, paragraphs,
lists, quotes, fences closed and not, raw HTML, maths, tables, very long lines), made of
Chinese words, Markdown punctuation, HTML and URL payloads and control characters, with
each line ended by \\n, \\r\\n or \\r at random.
"""
from __future__ import annotations

from hypothesis import strategies as st

# Words the classifier's keyword rules and the glossary know, so articles get placed.
WORDS = ["创业", "风险识别", "大模型", "团队建设", "市场营销", "数据隐私", "融资", "算法", "产品规划",
         "用户画像", "案例", "商业模式", "联邦学习", "品牌", "算力", "部署", "工具", "法律法规"]
HAN = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=8)
PUNCTUATION = ["。", "，", "：", "？", "！", "《", "》", "（", "）", "、", "；", "…", " ", "  ", "\t",
               "*", "**", "_", "__", "`", "``", "$", "$$", "\\", "<", ">", "&", "{", "}", "[", "]",
               "(", ")", "#", "|", "-", "!", ":", "=", "~", "+", "1.", "AI", "GPT-3", "CNN模型"]
# Characters an editor's copy and paste brings along (NUL, which makes the file binary and
# so an error, is rarer: see `article`).
CONTROL = ["\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1c", "\x1f", "\x7f", "\x85", "\xa0",
           "\u2028", "\u2029", "\u200b", "\ufeff", "\u3000"]
# Markup that could act in a browser if it reached a page as HTML.
PAYLOADS = [
    "<script>alert(1)</script>", "<script src=//e.org/x.js></script>", "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>", "<svg><a xlink:href=\"javascript:alert(1)\"><text>x</text></a></svg>",
    "<a href=\"javascript:alert(1)\">x</a>", "<a href=\"jav&#x61;script:alert(1)\">x</a>",
    "<a href=\"&amp;#x6a;avascript:alert(1)\">x</a>", "<details open ontoggle=alert(1)>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>", "<style>*{x:url(//e.org)}</style>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", "<!-- <script>alert(1)</script> -->",
    "<scr<script>ipt>alert(1)</script>", "<form><button formaction=javascript:alert(1)>x</button></form>",
    "<object data=\"javascript:alert(1)\"></object>", "<base href=\"javascript:/\">",
    "<meta http-equiv=refresh content=\"0;url=javascript:alert(1)\">", "<body onload=alert(1)>",
    "[链接](javascript:alert(1))", "[链接](&#x6a;avascript:alert(1))", "[链接](<javascript:alert(1)>)",
    "[链接](java\tscript:alert(1))", "![图](javascript:alert(1))", "![图](https://e.org/x.png)",
    "[链接][r]", "[r]", "<javascript:alert(1)>", "<https://e.org/a>", "<a@b.cn>", "{: onclick=\"alert(1)\" }",
    "{#id .cls onmouseover=alert(1)}", "`<script>alert(1)</script>`", "$<img src=x onerror=alert(1)>$",
    "\\(<script>alert(1)</script>\\)", "&lt;script&gt;alert(1)&lt;/script&gt;", "&#60;script&#62;",
    "[^1]", "**粗体**", "*斜体*", "~~删除~~", "==标记==", "^^上^^", "++键++", ":smile:",
]

# A link target: schemes spelled the ways a browser still reads them, or harmless ones.
SCHEMES = ["javascript", "JaVaScRiPt", "jav&#x61;script", "&#x6a;avascript", "&amp;#x6a;avascript",
           "jav&amp;#x61;script", "&#106;avascript", "java\tscript", " javascript", "\x01javascript",
           "vbscript", "data", "https", "mailto", "ftp", ""]
url = st.tuples(st.sampled_from(SCHEMES), st.sampled_from([":", "&#58;", "&colon;", "&amp;colon;", "%3A"]),
                st.sampled_from(["alert(1)", "//e.org/x", "text/html,<script>alert(1)</script>", "x.md", "#top"]),
                ).map("".join)


@st.composite
def link(draw):
    target = draw(url)
    form = draw(st.sampled_from(["[{t}]({u})", "![{t}]({u})", "[{t}](<{u}>)", "[{t}]({u} \"标题\")", "<{u}>",
                                 "[{t}][{u}]", "<a href=\"{u}\">{t}</a>"]))
    return form.format(t=draw(st.sampled_from(WORDS)), u=target)


_piece = st.one_of(
    st.sampled_from(WORDS), HAN, st.sampled_from(PUNCTUATION), st.sampled_from(PAYLOADS),
    st.sampled_from(CONTROL), st.text(max_size=4), link(),
)
inline = st.lists(_piece, min_size=1, max_size=10).map("".join)
# Inline text that is not blank, for headings.
words = st.lists(st.one_of(st.sampled_from(WORDS), HAN), min_size=1, max_size=3).map("".join)
title = st.tuples(words, st.lists(_piece, max_size=4).map("".join)).map("".join)


@st.composite
def atx_heading(draw):
    hashes = "#" * draw(st.integers(1, 7))
    space = draw(st.sampled_from([" ", "  ", "", "\t"]))
    closing = draw(st.sampled_from(["", " #", " ###", " #x"]))
    return [draw(st.sampled_from(["", " ", "   "])) + hashes + space + draw(title) + closing]


@st.composite
def setext_heading(draw):
    return [draw(title), draw(st.sampled_from(["===", "---", "=", "- - -", "=========="]))]


@st.composite
def numbered_heading(draw):
    number = draw(st.sampled_from(["1", "2", "10", "A", "B"])) + "".join(
        f".{draw(st.integers(0, 12))}" for _ in range(draw(st.integers(0, 3))))
    sep = draw(st.sampled_from([" ", ". ", "", "  ", "\u3000"]))
    prefix = draw(st.sampled_from(["", "## ", "#### ", "**"]))
    return [prefix + number + sep + draw(title) + ("**" if prefix == "**" else "")]


@st.composite
def chinese_heading(draw):
    n = draw(st.sampled_from(["一", "三", "十二", "两", "3", "零", "百", "九十九"]))
    kind = draw(st.sampled_from([f"第{n}章", f"第{n}部分", "附录", "附录 A", "附录B", "目录", "目录大纲",
                                 "作者：", "作者信息：", "关于作者", "Contents"]))
    sep = draw(st.sampled_from([" ", "：", ":", ""]))
    prefix = draw(st.sampled_from(["", "# ", "### ", "**"]))
    return [prefix + kind + sep + draw(st.sampled_from(["", "引言"])) + draw(st.sampled_from(["", "总结"]))]


@st.composite
def bold_line(draw):
    return [f"**{draw(title)}**"]


@st.composite
def paragraph(draw):
    return draw(st.lists(inline, min_size=1, max_size=3))


@st.composite
def list_block(draw):
    lines = []
    for _ in range(draw(st.integers(1, 5))):
        indent = " " * draw(st.sampled_from([0, 2, 4, 8, 13]))
        marker = draw(st.sampled_from(["- ", "* ", "+ ", "1. ", "2) ", "-", "10. "]))
        lines.append(indent + marker + draw(inline))
    return lines


@st.composite
def quote(draw):
    return [draw(st.sampled_from([">", "> ", ">>> ", "> > "])) + draw(inline)
            for _ in range(draw(st.integers(1, 3)))]


@st.composite
def fence(draw):
    mark = draw(st.sampled_from(["```", "~~~", "````", "```` "]))
    info = draw(st.sampled_from(["", "python", "mermaid", "html", "math", "{.js onclick=x}", "`x`"]))
    body = draw(st.lists(st.one_of(inline, st.sampled_from(["graph TD", "A-->B", "```", "~~~", "$$"])),
                         max_size=4))
    # Mostly closed: an unclosed fence is an error, and the properties want articles that import.
    close = draw(st.sampled_from([mark.strip()] * 4 + [mark.strip() + "`", "~~~", "", None]))
    return [mark + info, *body] + ([] if close is None else [close])


@st.composite
def indented_code(draw):
    return ["    " + draw(inline) for _ in range(draw(st.integers(1, 3)))]


@st.composite
def maths(draw):
    opening = draw(st.sampled_from(["$$", "\\begin{align}", "$$ x^2", "\\begin{for}"]))
    closing = draw(st.sampled_from(["$$", "\\end{align}", "", "x $$"]))
    return [opening, *draw(st.lists(inline, max_size=2)), closing]


@st.composite
def table(draw):
    columns = draw(st.integers(1, 4))
    row = lambda: "| " + " | ".join(draw(inline).replace("|", "") for _ in range(columns)) + " |"  # noqa: E731
    return [row(), "|" + "---|" * columns, *[row() for _ in range(draw(st.integers(0, 3)))]]


@st.composite
def html_block(draw):
    tag = draw(st.sampled_from(["div", "script", "details", "table", "pre", "svg", "p", "style", "iframe"]))
    attrs = draw(st.sampled_from(["", " onclick=\"alert(1)\"", " markdown=\"1\"", " class=\"admonition\""]))
    return [f"<{tag}{attrs}>", *draw(st.lists(inline, max_size=2)), draw(st.sampled_from([f"</{tag}>", ""]))]


@st.composite
def long_line(draw):
    return [draw(inline) * draw(st.integers(50, 400))]


@st.composite
def reference(draw):
    """Reference definitions: `[r]: URL` (used by `[text][r]` elsewhere) and a footnote."""
    title = draw(st.sampled_from(["", " \"标题\"", " '标题'", " (标题)"]))
    return [f"[r]: {draw(url)}{title}", f"[{draw(url)}]: {draw(url)}", f"[^1]: {draw(inline)}"]


@st.composite
def thematic_break(draw):
    return [draw(st.sampled_from(["---", "***", "___", "* * *", "- - -"]))]


block = st.one_of(
    atx_heading(), setext_heading(), numbered_heading(), chinese_heading(), bold_line(),
    paragraph(), paragraph(), list_block(), quote(), fence(), indented_code(), maths(), table(),
    html_block(), long_line(), reference(), thematic_break(), st.just([""]),
)


@st.composite
def article(draw) -> bytes:
    """The bytes of one article file."""
    lines: list[str] = []
    for chunk in draw(st.lists(block, min_size=1, max_size=12)):
        lines += chunk
        if draw(st.booleans()):
            lines.append("")
    ends = draw(st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=len(lines), max_size=len(lines)))
    text = "".join(line + end for line, end in zip(lines, ends))
    if draw(st.booleans()):
        text = text.rstrip("\r\n")          # no line end after the last line
    if draw(st.integers(0, 49)) == 0:
        at = draw(st.integers(0, len(text)))
        text = text[:at] + "\x00" + text[at:]
    bom = draw(st.sampled_from([b"", b"", b"\xef\xbb\xbf"]))
    return bom + text.encode("utf-8")
