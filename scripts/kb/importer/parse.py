"""parse: raw article lines -> one repaired tree of sections.

Markdown structure comes from markdown-it-py (which gives source line maps), so a
`# comment` inside a code fence is never a heading. On top of Markdown headings this
recognises plain numbered heading lines (`2.2.1 用户画像的构建`), `第N部分` / `第N章`,
`附录` lines, the author line, and the repeated table of contents.

Levels in the sources jump around (`#####` for 2.1 and 2.1.1 alike, `##` sections under
a `####` chapter), so the tree is built from numbering where there is numbering and from
`#` levels only between unnumbered headings.
"""
from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass

import yaml

from kb.core import cache, context
from kb.core.model import Article, KbError, KnowledgeBase, Section
from kb.core.sanitize import HtmlTags
from kb.core.text import front_matter_end

_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}

_NUM = r"[0-9一二三四五六七八九十百零两]+"
PART_RE = re.compile(rf"^第({_NUM})部分(?:[:：\s]|$)")
CHAPTER_RE = re.compile(rf"^第({_NUM})章(?:[:：\s]|$)")
APPENDIX_RE = re.compile(r"^附录\s*([A-Z])?(?=[:：\s]|$)")
NUMBERED_RE = re.compile(r"^((?:[0-9]+|[A-Z])(?:\.[0-9]+)+|[0-9]+)\.?(?:\s+|(?=[\u4e00-\u9fff]))(\S.*)$")
PLAIN_NUMBERED_RE = re.compile(r"^((?:[0-9]+|[A-Z])(?:\.[0-9]+)+)\s+(\S.*)$")
AUTHOR_RE = re.compile(r"^作者(?:信息)?\s*[:：]")
TOC_RE = re.compile(r"目录|^(?:Table of )?Contents$", re.I)
AUTHOR_HEADING_RE = re.compile(r"^(?:作者|作者信息|关于作者|作者简介)$")
# From this many articles to tokenise, parse_all shares the work among PARALLEL_WORKERS
# processes (at most the machine's cores): below it, starting them costs more than it saves.
PARALLEL_MIN = 40
PARALLEL_WORKERS = 4
_MARKUP = re.compile(r"\*\*|__|(?<!\w)[*_](?!\s)|(?<!\s)[*_](?!\w)|`")
_PROSE_CHARS = 30
_PLAIN_HEADING_MAX = 60


def chinese_number(text: str) -> int:
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            current = _CN_DIGITS.get(ch, 0)
    return total + current


def strip_markup(text: str) -> str:
    text = re.sub(r"\s+#+\s*$", "", text.strip())
    return _MARKUP.sub("", text).strip()


def heading_words(inline) -> str:
    """The words of a heading's inline Markdown (markdown-it's inline token): text and
    code keep their words; links keep their text, images and allowed HTML go (`<br>` is
    a space; HTML the body would show as text stays text); emphasis marks and d2lbook's
    `[**…**]` highlight brackets go."""
    children = inline.children or []
    out: list[str] = []
    for k, child in enumerate(children):
        kind = child.type
        if kind == "image":
            continue
        if kind == "text":
            text = child.content
            before = children[k - 1].type if k else ""
            after = children[k + 1].type if k + 1 < len(children) else ""
            if after == "strong_open" and text.endswith("["):
                text = text[:-1]
            if before == "strong_close" and text.startswith("]"):
                text = text[1:]
            out.append(text)
        elif kind == "code_inline":
            out.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            out.append(" ")
        elif kind == "html_inline":
            # Markup the site would render goes (`<br>` is a space); any other tag is
            # shown as the author wrote it, as in the body.
            if HtmlTags().tag(child.content, 0) is None:
                out.append(child.content)
            elif re.match(r"</?br\b", child.content, re.I):
                out.append(" ")
    return re.sub(r"\s+", " ", "".join(out)).strip()


def normalise(text: str) -> str:
    """For comparing a table-of-contents line with a heading."""
    text = re.sub(r"^\s*(?:#+|[-*+]|\d+[.)])\s+", "", text)
    text = strip_markup(text).replace("：", ":")
    return re.sub(r"\s+", "", text)


@dataclass
class Candidate:
    line: int        # 1-based
    text: str        # markup removed
    md_level: int    # 0 for a plain line
    prose_after: bool = False


def describe(text: str) -> tuple[str, str | None, int | None]:
    """(kind, number, depth) of a heading from its text alone; depth None = from tree."""
    if m := PART_RE.match(text):
        return "part", str(chinese_number(m.group(1))), 0
    if m := CHAPTER_RE.match(text):
        return "chapter", str(chinese_number(m.group(1))), 1
    if m := APPENDIX_RE.match(text):
        return ("appendix", m.group(1), 1) if m.group(1) else ("appendix", None, 0)
    if m := NUMBERED_RE.match(text):
        number = m.group(1)
        return "numbered", number, number.count(".") + 1
    if AUTHOR_RE.match(text) or AUTHOR_HEADING_RE.match(text):
        return "author", None, None
    return "plain", None, None


def _plain_heading(text: str) -> bool:
    """A paragraph of one short line that reads as a heading, not as a sentence."""
    if AUTHOR_RE.match(text) and len(text) <= 200:
        return True
    if len(text) > _PLAIN_HEADING_MAX or re.search(r"[。；;，,！？]$", text):
        return False
    if PLAIN_NUMBERED_RE.match(text) or PART_RE.match(text) or CHAPTER_RE.match(text):
        return True
    return bool(APPENDIX_RE.match(text))


def _tokens(article: Article):
    # YAML front matter is not Markdown: its lines are read as blank (no stray headings).
    lines = article.lines
    if (end := front_matter_end(lines)) is not None:
        lines = [""] * (end + 1) + lines[end + 1:]
    md, env = _commonmark(), {}
    tokens = md.parse("\n".join(lines) + "\n", env)
    # Only headings' inline tokens are read (heading_words; a paragraph by its raw
    # content): markdown-it's own inline rules, on them alone, with the block pass's
    # references. Inlining every paragraph was half of a first import's tokenising.
    from markdown_it.rules_core import StateCore, inline, text_join

    state = StateCore("", md, env)
    state.tokens = [tokens[i + 1] for i, tok in enumerate(tokens) if tok.type == "heading_open"]
    inline(state)
    text_join(state)
    return tokens


def front_matter(article: Article) -> tuple[dict, int, str | None] | None:
    """The article's YAML front matter: (fields, closing line index, error), or None."""
    if (end := front_matter_end(article.lines)) is None:
        return None
    try:
        data = yaml.safe_load("\n".join(article.lines[1:end]))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 2}: " if mark is not None else ""
        return {}, end, f"{where}{getattr(exc, 'problem', None) or exc}"
    if not isinstance(data, dict):
        return {}, end, "front matter is not a mapping of fields (key: value)"
    return data, end, None


@functools.lru_cache(maxsize=1)
def _commonmark():
    from markdown_it import MarkdownIt

    # Block structure only; _tokens runs the inline rules on headings.
    return MarkdownIt("commonmark").disable(["inline", "text_join"])


def _heading_candidates(article: Article, memos: cache.Cache | None,
                        fresh: list[Candidate] | KbError | None = None) -> list[Candidate]:
    """The article's heading candidates, from its Markdown tokens; or, for a text this
    code read before (the run's cache: build/cache/ for `kb import` and `kb serve`), from
    the memo, without tokenising the article again. `fresh`: what _tokenised_candidates
    found in another process (parse_all)."""
    memo = _memo(memos)
    key = _text_key(article)
    stored = memo.get(key) if memo is not None else None
    if stored is not None:
        return [Candidate(*c) for c in stored]
    cands = fresh if fresh is not None else _tokenised_candidates(article)
    if isinstance(cands, KbError):
        raise cands
    if memo is not None:
        memo.put(key, [[c.line, c.text, c.md_level, c.prose_after] for c in cands])
    return cands


def _memo(memos: cache.Cache | None) -> cache.Memo | None:
    return memos.memo("parse", cache.source_digest(__file__)) if memos is not None else None


def _text_key(article: Article) -> str:
    return hashlib.sha256("\n".join(article.lines).encode("utf-8")).hexdigest()


def _tokenised_candidates(article: Article) -> list[Candidate] | KbError:
    """The heading candidates from the article's tokens, or the error that stops it (as a
    value: it comes back from another process as it is)."""
    try:
        tokens = _tokens(article)
        _check_fences(article, tokens)
        return _candidates(article, tokens)
    except KbError as exc:
        return _Error(exc.path, exc.line, exc.message, exc.hint)


class _Error(KbError):
    """A KbError that pickles (its arguments are its fields)."""

    def __reduce__(self):
        return _Error, (self.path, self.line, self.message, self.hint)


def _check_fences(article: Article, tokens) -> None:
    total = len(article.lines)
    for tok in tokens:
        if tok.type != "fence" or not tok.map:
            continue
        start, end = tok.map
        last = article.lines[end - 1].strip() if end - 1 > start else ""
        closed = end - 1 > start and last.startswith(tok.markup[0] * 3) and set(last) <= set(tok.markup[0])
        if end >= total and not closed:
            raise KbError(article.shown, start + 1, f"code fence {tok.markup} opened here is never closed",
                          f"add a closing {tok.markup} line after the code")


def _blank_run(article: Article, after: int, before: int) -> int:
    """How many lines between line `after` and 0-based index `before` are blank."""
    return sum(1 for line in article.lines[after:before] if not line.strip())


def _candidates(article: Article, tokens) -> list[Candidate]:
    out: list[Candidate] = []
    for i, tok in enumerate(tokens):
        if tok.level != 0 or not tok.map:
            continue
        if tok.type == "heading_open":
            text = heading_words(tokens[i + 1])
            if text:
                out.append(Candidate(tok.map[0] + 1, text, int(tok.tag[1])))
        elif tok.type == "paragraph_open":
            content = tokens[i + 1].content
            if tok.map[1] - tok.map[0] == 1:
                text = strip_markup(content)
                if _plain_heading(text):
                    after_author_heading = out and AUTHOR_HEADING_RE.match(out[-1].text) \
                        and out[-1].line >= tok.map[0] - 1 - _blank_run(article, out[-1].line, tok.map[0])
                    if not (AUTHOR_RE.match(text) and after_author_heading):
                        out.append(Candidate(tok.map[0] + 1, text, 0))
                        continue
            if out and (len(content) >= _PROSE_CHARS or "。" in content):
                out[-1].prose_after = True
    return out


def _toc_end(cands: list[Candidate], i: int, article: Article) -> int:
    """Index of the first candidate after the table of contents at cands[i]."""
    if cands[i].prose_after:
        return i + 1
    seen: set[str] = set()
    line = cands[i].line
    for j in range(i + 1, len(cands)):
        for text in article.text(line + 1, cands[j].line - 1):
            if text.strip():
                seen.add(normalise(text))
        line = cands[j].line
        if normalise(cands[j].text) in seen or cands[j].prose_after:
            return j
        seen.add(normalise(cands[j].text))
    return len(cands)


def _slug(section: Section, siblings: int, prefix: str) -> str:
    if section.kind == "part":
        return f"p{section.number}"
    if section.kind == "chapter":
        return f"c{section.number}"
    if section.kind == "appendix":
        return f"appx-{section.number.lower()}" if section.number else "appx"
    if section.kind == "numbered":
        return section.number.lower().replace(".", "-")
    if section.kind in ("toc", "author", "title"):
        return section.kind
    parent = section.parent
    base = parent.anchor[len(prefix):] if parent and parent.kind != "title" else ""
    return f"{base}-h{siblings}" if base else f"h{siblings}"


def _level(section: Section) -> int:
    """The '#' level a section stands at; a plain-line heading sits one below its parent."""
    if section.md_level or section.parent is None:
        return section.md_level or 1
    return _level(section.parent) + 1


def _place(stack: list[Section], node: Section) -> Section:
    """Pop the stack to node's parent and return it."""
    structural = ("part", "chapter", "numbered", "appendix")
    if node.kind == "author" or node.kind == "toc":
        del stack[1:]
    elif node.kind == "appendix":
        while len(stack) > 1 and not (stack[-1].kind == "appendix" and stack[-1].depth < node.depth):
            stack.pop()
    elif node.kind in structural:
        while len(stack) > 1 and (stack[-1].kind not in structural or stack[-1].depth >= node.depth):
            stack.pop()
    else:
        level = node.md_level
        while len(stack) > 1:
            top_level = _level(stack[-1])
            if top_level > level:
                stack.pop()
            elif top_level == level:
                stack.pop()
                break
            else:
                break
    return stack[-1]


def parse(article: Article, memos: cache.Cache | None = None,
          fresh: list[Candidate] | KbError | None = None) -> Article:
    """Build article.root: the title section with every other section beneath it.
    `memos`: the run's cache (None: tokenise, keep nothing)."""
    cands = _heading_candidates(article, memos, fresh)
    first_text = next((n for n, line in enumerate(article.lines, 1) if line.strip()), 1)

    if cands and cands[0].line == first_text and cands[0].md_level > 0:
        title = cands.pop(0)
        root = Section(title.text, "title", None, -1, title.md_level, title.line)
    else:
        stem = article.path.rsplit(".", 1)[0]
        meta = front_matter(article)
        title = meta[0].get("title") if meta else None
        if isinstance(title, str) and title.strip():
            stem = title.strip()
        root = Section(stem, "title", None, -1, 0, first_text)
    article.title = root.heading.strip().removeprefix("《").removesuffix("》").strip() or root.heading
    prefix = ("" if article.key[0].isalpha() else "s") + article.key + "-"
    root.anchor = prefix + "top"

    nodes: list[Section] = []
    i = 0
    while i < len(cands):
        cand = cands[i]
        if cand.md_level and TOC_RE.search(cand.text) and len(cand.text) <= 50:
            end = _toc_end(cands, i, article)
            nodes.append(Section(cand.text, "toc", None, 0, cand.md_level, cand.line))
            i = max(end, i + 1)
            continue
        kind, number, depth = describe(cand.text)
        nodes.append(Section(cand.text, kind, number, depth if depth is not None else 0,
                             cand.md_level, cand.line))
        i += 1

    stack = [root]
    used: set[str] = {root.anchor}
    author_seen = False
    for node in nodes:
        if author_seen:
            node.kind = "trailer" if node.kind != "author" else node.kind
        if node.kind == "author":
            author_seen = True
        parent = _place(stack, node) if node.kind != "trailer" else root
        if node.kind not in ("part", "chapter", "numbered", "appendix"):
            node.depth = parent.depth + 1
        node.parent = parent
        parent.children.append(node)
        stack.append(node)
        anchor = prefix + _slug(node, len(parent.children), prefix)
        base, n = anchor, 2
        while anchor in used:
            anchor, n = f"{base}-{n}", n + 1
        used.add(anchor)
        node.anchor = anchor

    ordered = list(root.walk())
    ordered.sort(key=lambda s: s.start)
    for cur, nxt in zip(ordered, ordered[1:] + [None]):
        cur.end = (nxt.start - 1) if nxt else len(article.lines)
    article.root = root
    return article


def parse_all(kb: KnowledgeBase, memos: cache.Cache | None = None) -> KnowledgeBase:
    """Every article's section tree; `memos` as for parse. Tokenising is most of a first
    import's parse; with PARALLEL_MIN articles or more to tokenise, it is shared among the
    machine's cores (each article on its own, in article order), and the trees are built
    here as before."""
    memo = _memo(memos)
    todo = [a for a in kb.articles if memo is None or memo.get(_text_key(a)) is None]
    fresh: dict[str, list[Candidate] | KbError] = {}
    workers = min(context.workers(), PARALLEL_WORKERS)
    # Forked workers: no start-up cost, and no main module to import again.
    if len(todo) >= PARALLEL_MIN and context.may_fork():
        with context.worker_pool(workers) as pool:
            chunk = max(1, len(todo) // (workers * 4))
            fresh = dict(zip((a.path for a in todo), pool.map(_tokenised_candidates, todo, chunksize=chunk)))
    for article in kb.articles:
        parse(article, memos, fresh.get(article.path))
    return kb


def attach_overrides(kb: KnowledgeBase) -> KnowledgeBase:
    """Each override of the editorial file on the section it names (Section.override),
    found once, by the heading as the source writes it. Overrides for files that are
    not in sources/ are left out (kb.importer.pipeline.read warns of them)."""
    editorial = kb.editorial
    by_path = {a.path: a for a in kb.articles}
    for ov in editorial.overrides:
        if ov.source not in by_path:
            continue
        section = find_section(by_path[ov.source], ov.heading, editorial.path, ov.line)
        if section.override is not None:
            raise KbError(editorial.path, ov.line, f"a second override for {ov.heading!r} in {ov.source} "
                          f"(the first is at line {section.override.line})", "merge the two into one")
        section.override = ov
    return kb


def find_section(article: Article, heading: str, where: str, line: int) -> Section:
    """The first section of the article with this heading; an error at the editorial
    file's line when there is none."""
    matches = [s for s in article.sections() if s.heading == heading]
    if not matches:
        raise KbError(where, line, f"override names heading {heading!r}, which {article.path} does not have",
                      "copy the heading exactly as the source writes it, without '#' or '**'")
    return matches[0]
