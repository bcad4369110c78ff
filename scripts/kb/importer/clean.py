"""clean: decide which sections are not knowledge and say why.

Dropped, each with a reason that goes into the provenance manifest: the repeated table
of contents, the article front matter (title, keywords, abstract), author lines and
what follows them, chapter summaries that only restate the article's outline, and
headings that carry no text of their own.
"""
from __future__ import annotations

import re

from kb.core.model import Article, KnowledgeBase, Labels, Section
from kb.core.text import front_matter_end, maths_warnings
from kb.importer.notes import corrected, of_article
from kb.importer.parse import front_matter

UNIT_DEPTH = 2  # the depth of the sections an author numbers as outline entries (1.1, A.1)
# A section larger than this (non-blank lines, with its subsections) is split at its own
# headings; anything smaller stays one unit, together and in order. Chosen so that no
# numbered section of the five articles is split (the largest, 002's 4.3, has 66).
MAX_UNIT_LINES = 80

REASON_TOC = "table of contents, rebuilt by the site"
REASON_FRONT = "article front matter (title, keywords), shown on the article's source page"
REASON_AUTHOR = "author line"
REASON_TRAILER = "closing meta-commentary after the author line"
REASON_META_SUMMARY = "summary that restates the article's own outline (meta-commentary)"
REASON_EMPTY = "heading with no text of its own; its subsections are placed one by one"
REASON_BARE = "heading with no text under it"
REASON_COLOPHON = "licence, citation, credits or contact block about the article, not knowledge"
REASON_TITLE_LINKS = "links, badges and contact lines under the article's title, not knowledge"
REASON_NAVIGATION = "table of contents, see-also or changelog links of the article's own site, not knowledge"

# The manifest keeps each reason in these words; the site shows it in the words the
# labels give under the same id (`drop_reasons` in kb/core/labels.yml).
REASON_IDS = {REASON_TOC: "toc", REASON_FRONT: "front", REASON_AUTHOR: "author", REASON_TRAILER: "trailer",
              REASON_META_SUMMARY: "meta_summary", REASON_EMPTY: "empty", REASON_BARE: "bare",
              REASON_COLOPHON: "colophon", REASON_NAVIGATION: "navigation",
              REASON_TITLE_LINKS: "title_links"}

_FRONT_HEADING = re.compile(r"^(关键词|关键字|Keywords)\s*[:：]?$", re.I)
_FRONT_LINE = re.compile(r"^\s*(>|\*{0,2}(关键词|关键字)|-{3,}\s*$|\*{3,}\s*$)")
# An abstract, as a line (`> **摘要**：…`) or a heading: knowledge, whatever surrounds it.
_ABSTRACT_LINE = re.compile(r"^[\s>]*\**\s*(?:摘要|内容摘要|概要|Abstract|Summary|TL;DR)\s*\**\s*[:：]", re.I)
# Headings of the blocks READMEs end with: what the article is under, how to cite it (and
# what it cites), whom it thanks or is paid by, how to reach its authors.
_COLOPHON_HEADING = re.compile(
    r"^(?:协议|许可|许可证|开源协议|版权(?:声明)?|引用|引用本项目|参考文献|致谢|鸣谢|赞助商?|赞助者|贡献者|贡献指南|"
    r"联系(?:我们|方式)?|问题反馈|反馈与帮助|(?:微信)?公众号|交流群|(?:作者|编者)(?:信息|简介)?|关于作者|"
    r"Licen[cs]e|Citation|Cite|References|Bibliography|Acknowledge?ments?|Credits|Sponsors?|Contributors|"
    r"Contributing|Star History|Contact(?: us)?|Authors?)[:：]?$", re.I)
# Links into the article's own site: its contents, see-also lists, its revision history
# (a project's 更新日志 with its news is knowledge, and stays).
_NAVIGATION_HEADING = re.compile(
    r"^(?:内容导引|内容导航|另请参阅|相关链接|修订历史|See also|Revision history)[:：]?$", re.I)
# A README's title block: lines of links (project pages, chat groups, the other language)
# with a few words around them, and lines of markup alone (`<p align="center">`, badges).
# A sentence with a link in it has more words of its own than TITLE_LINK_WORDS.
_LINK = re.compile(r"(?<!!)\[[^\]]*\]\([^)]*\)|<a\s[^>]*>.*?</a>|https?://\S+", re.I)
_MARKUP = re.compile(r"!\[[^\]]*\]\([^)]*\)|</?[A-Za-z][^<>]*>")
TITLE_LINK_WORDS = 20
# Emoji, hearts and other symbols around a heading's words do not change what it is.
_SYMBOLS = re.compile(r"[^\w:：;]+")
_SUMMARY_HEADING = re.compile(r"^(总结|小结|本章小结|结语|结束语)$")
_META = re.compile(r"本文|本章|下一章|接下来的章节|本部分")


def own_body(article: Article, section: Section) -> list[str]:
    """The section's own non-blank lines after its heading line (YAML front matter is the
    article's metadata, not its body)."""
    first = section.start if section.kind == "title" and section.md_level == 0 else section.start + 1
    if section.kind == "title" and (end := front_matter_end(article.lines)) is not None:
        first = max(first, end + 2)
    if section.kind == "author" and section.md_level == 0:
        first = section.start
    return [line for line in article.text(first, section.end) if line.strip()]


def clean(kb: KnowledgeBase) -> KnowledgeBase:
    """Every section that is not knowledge gets the reason why (Section.dropped); display
    maths that KaTeX cannot typeset as written is told to the editor."""
    for article in kb.articles:
        mark_dropped(article)
        if (meta := front_matter(article)) and meta[2]:
            kb.tell(article.shown, 1, "front-matter", f"YAML front matter cannot be read ({meta[2]}): "
                    "its fields are not used; it is shown as written on the article's page")
        # As the pages show it: an editor's note may correct the markup (kb.importer.notes).
        for index, message in maths_warnings(corrected(article.lines, of_article(kb, article))):
            kb.tell(article.shown, index + 1, "maths", message)
    return kb


def mark_dropped(article: Article) -> Article:
    for section in article.sections():
        section.dropped = _reason(article, section)
    # An editor's `drop:` wins, for the section and everything under it.
    for section in article.sections():
        if section.override and section.override.drop:
            for node in section.walk():
                node.dropped = str(section.override.drop)
    return article


def _reason(article: Article, section: Section) -> str | None:
    body = own_body(article, section)
    if section.kind == "toc":
        return REASON_TOC
    if section.kind == "author":
        return REASON_AUTHOR
    if section.kind == "trailer":
        return REASON_TRAILER
    if section.kind == "title":
        if any(_ABSTRACT_LINE.match(line) for line in body):
            return None
        if _title_links(body):
            return REASON_TITLE_LINKS
        return REASON_FRONT if all(_FRONT_LINE.match(line) for line in body) else None
    words = _SYMBOLS.sub(" ", section.heading).strip()
    if _FRONT_HEADING.match(words) and section.parent and section.parent.kind == "title":
        return REASON_FRONT
    if _COLOPHON_HEADING.match(words):
        return REASON_COLOPHON
    if _NAVIGATION_HEADING.match(words):
        return REASON_NAVIGATION
    if _SUMMARY_HEADING.match(section.heading) and _META.search("".join(body)):
        return REASON_META_SUMMARY
    if not body and splits(article, section):
        return REASON_EMPTY
    if not body and not section.children:
        return REASON_BARE
    return None


def _title_links(body: list[str]) -> bool:
    """Whether a title's body is only links and markup (a README's title block)."""
    words = [len(re.sub(r"\W", "", _MARKUP.sub("", _LINK.sub("", line)))) for line in body]
    linked = [bool(_LINK.search(line)) for line in body]
    return any(linked) and all(n == 0 or (link and n <= TITLE_LINK_WORDS) for n, link in zip(words, linked))


def splits(article: Article, section: Section) -> bool:
    """Whether a section is placed as its own text and its subsections one by one (else it
    is one unit with all its subsections): when its subsections are the article's outline
    (parts, chapters, the `x.y` sections an author numbers), or when it is larger than
    MAX_UNIT_LINES. An override `unit: true` keeps it whole."""
    if not section.children or (section.override is not None and section.override.unit):
        return False
    return outline(section) or _size(article, section) > MAX_UNIT_LINES


def outline(section: Section) -> bool:
    """Whether the section's subsections are entries of the article's outline: parts,
    chapters, or sections the author numbered `x.y` (each placed on its own)."""
    return any(c.kind in ("part", "chapter", "appendix") or (c.kind == "numbered" and c.depth <= UNIT_DEPTH)
               for c in section.children)


def _size(article: Article, section: Section) -> int:
    return sum(1 for line in article.text(section.start, section.subtree_end) if line.strip())


def shown_reason(reason: str, labels: Labels) -> str:
    """How a source page gives a drop reason: a reason of this module in the labels'
    words, an editor's own reason as written."""
    reason_id = REASON_IDS.get(reason)
    return labels.drop_reasons[reason_id] if reason_id else reason
