"""`kb bench import-quality`: what `kb import` and `kb build` make of the real-world corpus
(tests/fixtures/realworld/), article by article, now and at an older commit.

For each kb (the working tree's, and `--before COMMIT`'s, taken with `git archive`) a
scratch project is made with the corpus as its only articles, imported and built, and
each article is measured on what a reader gets:

- **lines**: non-blank lines of the article in some `docs/provenance.json` entry (placed,
  or dropped with a reason), of all its non-blank lines;
- **images**: the images `expected.yml` (hand-written) marks as existing in the corpus,
  and how many of them the article's page draws: an `<img>` whose address, read from the
  page, is a file of the built site with the image's bytes;
- **tag text**: HTML tags a reader sees as text (`<div align="center">`, `</figure>` …)
  on the article's page, outside code and maths;
- **formulas**: the maths elements of the article's page and how many KaTeX (the site's,
  from node_modules, with throwOnError) cannot typeset, and display maths left as text
  (`$$`, `\\begin{`, `\\[` in visible text outside code and maths);
- **heading residue**: headings, table-of-contents entries and source notes of the
  article's page that keep Markdown or HTML markup (`[`, `](`, `**`, `<`, `%E`).

An old kb that reads only files directly in sources/ gets each article copied flat as
`<repository>__<file name>`: in its folder it would import nothing at all. The build is
`kb build` (strict); when it fails, the same configuration is built without --strict so
that there is a site to measure, and the table says so. Writes bench/import-quality.md
and bench/import-quality.json.
"""
from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

CORPUS = Path("tests/fixtures/realworld")
NOT_ARTICLES = ("SOURCES.md", "README.md", "expected.yml")
BEFORE = "3788134"           # the last commit before the work on issue 14
REPORT = Path("bench/import-quality.md")

# Tag text a reader would see: `<div align="center">`, `</figure>`, `<br>` …
TAG_TEXT = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?=[\s/>])[^<>]{0,200}>")
HEADING_RESIDUE = re.compile(r"\[|\]\(|\*\*|<|%E")
MATHS_AS_TEXT = re.compile(r"\$\$[^$]*\$\$|\$\$|\\begin\{|\\\[")     # one per formula left
HEADINGS = ["h1", "h2", "h3", "h4", "h5", "h6"]


@dataclass
class Quality:
    """One article, as one kb made it."""

    article: str                 # path relative to the corpus
    lines: int = 0               # non-blank lines
    accounted: int = 0           # of them, in a provenance entry
    images: int = 0              # images expected.yml says exist
    drawn: int = 0               # of them, drawn on the article's page
    tag_text: int = 0            # HTML tags shown as text outside code
    formulas: int = 0            # maths elements on the article's page
    maths_errors: int = 0        # of them, KaTeX cannot typeset
    maths_as_text: int = 0       # display maths left as text
    headings: int = 0            # headings, contents entries and source notes
    residue: int = 0             # of them, with markup residue
    page: str = ""               # the article's page in the site ("" when there is none)


@dataclass
class Run:
    kb: str                      # which kb ("working tree" or a commit)
    strict: bool                 # the strict build passed
    articles: list[Quality] = field(default_factory=list)


# -- reading a built page -------------------------------------------------------------

def soup(page: Path):
    from bs4 import BeautifulSoup

    return BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")


def visible_text(html, *, headings: bool = True):
    """(text, in code) for every text node of the page's article, maths counted as code
    (without the headings' text, and the source notes that repeat them, when `headings`
    is False)."""
    article = html.select_one("article")
    for node in article.find_all(string=True) if article else ():
        if node.find_parent(["script", "style"]) or not headings and (
                node.find_parent(HEADINGS) or node.find_parent(class_="kb-source")):
            continue
        yield str(node), bool(node.find_parent(["code", "pre"]) or node.find_parent(class_="arithmatex"))


def heading_texts(html) -> list[str]:
    """The text of every heading, table-of-contents entry and source note of a page."""
    found = html.select("article h1, article h2, article h3, article h4, article h5, article h6, "
                        "article .kb-source, nav.md-nav--secondary a, title")
    return [node.get_text().replace("¶", "").strip() for node in found]


def _maths(html) -> list[tuple[str, bool]]:
    """(TeX, display) of each maths element, as the site's katex-init.js reads it."""
    out = []
    for el in html.select("article .arithmatex"):
        tex = re.sub(r"^\\[\[(]", "", el.get_text().strip())
        out.append((re.sub(r"\\[\])]$", "", tex), el.name == "div"))
    return out


def katex_errors(formulas: list[tuple[str, bool]], node_modules: Path) -> list[str | None]:
    """KaTeX's error for each formula (None: typeset), from the site's pinned KaTeX."""
    if not formulas:
        return []
    script = ("const katex = require(process.argv[1]); const items = JSON.parse(require('fs').readFileSync(0));"
              "console.log(JSON.stringify(items.map(([tex, display]) => { try { katex.renderToString(tex, "
              "{displayMode: display, throwOnError: true}); return null; } catch (e) { return String(e.message); } })));")
    proc = subprocess.run(["node", "-e", script, str((node_modules / "katex").resolve())],
                          input=json.dumps(formulas), capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def _drawn(html, page: Path, site: Path, files: list[Path]) -> int:
    """How many of `files` an `<img>` of the page's article shows (same bytes)."""
    shown = set()
    for img in html.select("article img[src]"):
        src = urlsplit(img["src"])
        if src.scheme or src.netloc:
            continue
        target = (page.parent / unquote(src.path)).resolve()
        if target.is_file() and site.resolve() in target.parents:
            shown.add(target.read_bytes())
    return sum(1 for f in files if f.read_bytes() in shown)


# -- running a kb -----------------------------------------------------------------------

def _project(root: Path, commit: str | None, dest: Path) -> Path:
    """A scratch project at dest: kb's files at `commit` (None: the working tree's), the
    editorial file, no articles; node_modules linked."""
    dest.mkdir(parents=True)
    if commit is None:
        names = ["mkdocs.yml", "overrides", "scripts", "pyproject.toml", "sources/editorial.yml"]
        for name in names:
            src = root / name
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            (shutil.copytree if src.is_dir() else shutil.copyfile)(src, dest / name)
    else:
        archive = subprocess.run(["git", "-C", str(root), "archive", commit, "mkdocs.yml", "overrides", "scripts",
                                  "sources/editorial.yml"], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
        # An old kb without __init__.py is a namespace package, which the installed kb (a
        # regular package on the path too) would hide: make it a regular package first.
        (dest / "scripts" / "kb" / "__init__.py").touch()
    (dest / "node_modules").symlink_to((root / "node_modules").resolve())
    return dest


def _flat(article: str) -> str:
    return f"{article.split('/', 1)[0]}__{posixpath.basename(article)}"


def _kb(dest: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(dest / "scripts")}
    return subprocess.run([sys.executable, "-m", "kb", "--root", str(dest), *args], cwd=dest, env=env,
                          capture_output=True, text=True)


_LOOSE_BUILD = """
import sys
from mkdocs.commands.build import build
from mkdocs.config import load_config
config = load_config(config_file="mkdocs.yml", strict=False)
config.plugins.on_startup(command="build", dirty=False)
try:
    build(config)
finally:
    config.plugins.on_shutdown()
"""


def measure(root: Path, commit: str | None, work: Path, flat: bool) -> Run:
    corpus = root / CORPUS
    expected = yaml.safe_load((corpus / "expected.yml").read_text(encoding="utf-8"))
    dest = _project(root, commit, work)
    sources = dest / "sources"
    names = {}
    for article in expected:
        target = sources / (_flat(article) if flat else article)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus / article, target)
        names[article] = target.relative_to(sources).as_posix()
    if not flat:
        # The images next to the articles, as an editor copies a folder.
        for path in corpus.rglob("*"):
            rel = path.relative_to(corpus).as_posix()
            if path.is_file() and path.suffix not in (".md", ".txt", ".markdown", ".yml"):
                (sources / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, sources / rel)
    imported = _kb(dest, "import")
    if imported.returncode != 0:
        raise RuntimeError(f"kb import failed at {commit or 'the working tree'}:\n{imported.stderr[-3000:]}")
    strict = _kb(dest, "build").returncode == 0
    if not strict:
        loose = subprocess.run([sys.executable, "-c", _LOOSE_BUILD], cwd=dest, capture_output=True, text=True,
                               env={**os.environ, "PYTHONPATH": str(dest / "scripts")})
        if loose.returncode != 0:
            raise RuntimeError(f"the build failed at {commit or 'the working tree'}, --strict or not:\n"
                               f"{loose.stderr[-3000:]}")
    run = Run(kb=f"`{commit}`" if commit else _working_tree(root), strict=strict)
    manifest = json.loads((dest / "docs" / "provenance.json").read_text(encoding="utf-8"))["sections"]
    pages = _source_pages(dest / "site")
    for article, entry in expected.items():
        run.articles.append(_article(article, entry, names[article], manifest, pages, dest, corpus))
    return run


def _working_tree(root: Path) -> str:
    head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "scripts", "mkdocs.yml",
                            "overrides"], capture_output=True, text=True).stdout.strip()
    return f"工作区（`{head}`{' 加未提交的改动' if dirty else ''}）"


def _source_pages(site: Path) -> dict[str, Path]:
    """sources/<path> -> the faithful page of that article (its intro names the file)."""
    found = {}
    for page in sorted((site / "sources").rglob("*.html")):
        m = re.search(r"<code>(sources/[^<]+)</code>", page.read_text(encoding="utf-8"))
        if m:
            found.setdefault(m.group(1).replace("&amp;", "&"), page)
    return found


def _article(article: str, entry: dict, name: str, manifest: list[dict], pages: dict[str, Path], dest: Path,
             corpus: Path) -> Quality:
    q = Quality(article)
    text = (corpus / article).read_text(encoding="utf-8").splitlines()
    nonblank = {n for n, line in enumerate(text, 1) if line.strip()}
    covered = {n for e in manifest if e["source"] == name for n in range(e["lines"][0], e["lines"][1] + 1)}
    q.lines, q.accounted = len(nonblank), len(nonblank & covered)
    files = [corpus / posixpath.normpath(posixpath.join(posixpath.dirname(article), i["src"]))
             for i in entry.get("images", []) if i.get("exists")]
    # An image expected.yml marks as existing at a path that does not resolve relative to the
    # article (root-absolute, VitePress' public/ folder) counts with the file the corpus holds.
    files = [f if f.is_file() else next(iter(corpus.rglob(f.name)), f) for f in files]
    q.images = len(files)
    page = pages.get(f"sources/{name}")
    if page is None:
        return q
    site = dest / "site"
    q.page = page.relative_to(site).as_posix()
    html = soup(page)
    q.drawn = _drawn(html, page, site, [f for f in files if f.is_file()])
    for chunk, in_code in visible_text(html, headings=False):
        if not in_code:
            q.tag_text += len(TAG_TEXT.findall(chunk))
            q.maths_as_text += len(MATHS_AS_TEXT.findall(chunk))
    formulas = _maths(html)
    q.formulas = len(formulas)
    q.maths_errors = sum(1 for e in katex_errors(formulas, dest / "node_modules") if e)
    found = heading_texts(html)
    q.headings, q.residue = len(found), sum(1 for h in found if HEADING_RESIDUE.search(h))
    return q


# -- the report ---------------------------------------------------------------------------

def _cell(before: str, after: str) -> str:
    return after if before == after else f"{before} → {after}"


def markdown(before: Run, after: Run, summary: str) -> str:
    rows = []
    for b, a in zip(before.articles, after.articles):
        rows.append("| " + " | ".join([
            f"`{a.article}`",
            _cell(f"{b.accounted}/{b.lines}", f"{a.accounted}/{a.lines}"),
            _cell(f"{b.drawn}/{b.images}", f"{a.drawn}/{a.images}"),
            _cell(str(b.tag_text), str(a.tag_text)),
            _cell(f"{b.formulas - b.maths_errors}/{b.maths_errors}/{b.maths_as_text}",
                  f"{a.formulas - a.maths_errors}/{a.maths_errors}/{a.maths_as_text}"),
            _cell(f"{b.residue}/{b.headings}", f"{a.residue}/{a.headings}"),
        ]) + " |")

    def total(run: Run, attr: str) -> int:
        return sum(getattr(q, attr) for q in run.articles)

    totals = "| " + " | ".join([
        "**all**",
        _cell(f"{total(before, 'accounted')}/{total(before, 'lines')}", f"{total(after, 'accounted')}/{total(after, 'lines')}"),
        _cell(f"{total(before, 'drawn')}/{total(before, 'images')}", f"{total(after, 'drawn')}/{total(after, 'images')}"),
        _cell(str(total(before, "tag_text")), str(total(after, "tag_text"))),
        _cell(f"{total(before, 'formulas') - total(before, 'maths_errors')}/{total(before, 'maths_errors')}/"
              f"{total(before, 'maths_as_text')}",
              f"{total(after, 'formulas') - total(after, 'maths_errors')}/{total(after, 'maths_errors')}/"
              f"{total(after, 'maths_as_text')}"),
        _cell(f"{total(before, 'residue')}/{total(before, 'headings')}", f"{total(after, 'residue')}/{total(after, 'headings')}"),
    ]) + " |"
    return "\n".join([
        "# 导入质量：真实文章语料（issue 14）",
        "",
        f"`kb bench import-quality`：`tests/fixtures/realworld/` 的 {len(after.articles)} 篇文章，"
        f"之前 = 提交 {before.kb}（默认：issue 14 的工作开始前的最后一个提交），之后 = {after.kb}。每格为「之前 → 之后」（相同则只写一个）。",
        "",
        "| 文章 | 非空行有着落 | 图片 已绘制/存在 | 可见的 HTML 标签文本 | 公式 排版成功/KaTeX 报错/残留为文本 | 标题 带标记残留/总数 |",
        "| --- | --- | --- | --- | --- | --- |",
        *rows,
        totals,
        "",
        f"严格构建（`kb build`）：之前 {'通过' if before.strict else '失败（以非严格构建测量）'}，"
        f"之后 {'通过' if after.strict else '失败（以非严格构建测量）'}。",
        "",
        "口径：非空行有着落 = 在 `docs/provenance.json` 某条目（收录或注明原因的未收录）中的非空行；"
        "图片 = `expected.yml`（人工标注）标为存在的图片，已绘制 = 文章原文页上有 `<img>` 指向站内字节相同的文件；"
        "HTML 标签文本 = 原文页正文（代码与公式之外）读者看到的 `<div …>` 之类；公式 = 原文页的公式元素，"
        "用站点所用的 KaTeX（node_modules，throwOnError）逐个排版；残留为文本 = 代码与公式之外可见的 `$$`、`\\begin{`、`\\[`；"
        "标题残留 = 原文页的标题、目录项与来源注中含 `[`、`](`、`**`、`<`、`%E`。"
        "之前的 kb 只读取 `sources/` 顶层文件：每篇文章以 `<仓库>__<文件名>` 平铺复制（按文件夹复制则一篇也不导入）。",
        "",
        "## 一篇文章的导入报告摘要（之后）",
        "",
        summary,
        "",
    ])


def _summary(dest: Path, article: str) -> str:
    """The article's part of build/import-report.md (its summary line, every section's
    placement, its problems), headings one level down."""
    report = (dest / "build" / "import-report.md").read_text(encoding="utf-8")
    part = report.split(f"\n## sources/{article}\n", 1)[1].split("\n## ", 1)[0]
    return f"`sources/{article}`：\n{part.rstrip()}"


def add_arguments(parser) -> None:
    parser.add_argument("--before", default=BEFORE, help=f"the older commit to compare with (default {BEFORE})")
    parser.add_argument("--summary-of", default="dive-into-dl-pytorch/docs/chapter10_natural-language-processing/"
                        "10.11_attention.md",
                        help="the article whose import report lines the report shows")


def run(root: Path, args) -> int:
    with tempfile.TemporaryDirectory(prefix="kb-quality-") as tmp:
        before = measure(root, args.before, Path(tmp) / "before", flat=True)
        after_dir = Path(tmp) / "after"
        after = measure(root, None, after_dir, flat=False)
        summary = _summary(after_dir, args.summary_of)
    (root / REPORT).parent.mkdir(exist_ok=True)
    (root / REPORT).write_text(markdown(before, after, summary), encoding="utf-8")
    (root / REPORT.with_suffix(".json")).write_text(
        json.dumps({"before": asdict(before), "after": asdict(after)}, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8")
    print(f"kb bench import-quality: {root / REPORT}")
    return 0
