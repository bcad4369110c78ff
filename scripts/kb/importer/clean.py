"""clean: decide which sections are not knowledge and say why.

Dropped, each with a reason that goes into the provenance manifest: the repeated table
of contents, the article front matter (title, keywords, abstract), author lines and
what follows them, chapter summaries that only restate the article's outline, and
headings that carry no text of their own.
"""
from __future__ import annotations

import re

from kb.core.model import Article, KnowledgeBase, Labels, Section
from kb.core.text import front_matter_end, maths_problems
from kb.importer.notes import corrected, of_article
from kb.importer.parse import front_matter

UNIT_DEPTH = 2  # sections at this depth (1.1, A.1) are placed whole, with their subsections

REASON_TOC = "table of contents, rebuilt by the site"
REASON_FRONT = "article front matter (title, keywords, abstract), shown on the article's source page"
REASON_AUTHOR = "author line"
REASON_TRAILER = "closing meta-commentary after the author line"
REASON_META_SUMMARY = "summary that restates the article's own outline (meta-commentary)"
REASON_EMPTY = "heading with no text of its own; its subsections are placed one by one"
REASON_BARE = "heading with no text under it"
REASON_COLOPHON = "licence, citation, credits or contact block about the article, not knowledge"

# The manifest keeps each reason in these words; the site shows it in the words the
# labels give under the same id (`drop_reasons` in kb/core/labels.yml).
REASON_IDS = {REASON_TOC: "toc", REASON_FRONT: "front", REASON_AUTHOR: "author", REASON_TRAILER: "trailer",
              REASON_META_SUMMARY: "meta_summary", REASON_EMPTY: "empty", REASON_BARE: "bare",
              REASON_COLOPHON: "colophon"}

_FRONT_HEADING = re.compile(r"^(关键词|关键字|摘要|Keywords|Abstract)\s*[:：]?$", re.I)
_FRONT_LINE = re.compile(r"^\s*(>|\*{0,2}(关键词|关键字|摘要)|-{3,}\s*$|\*{3,}\s*$)")
# Headings of the blocks READMEs end with: what the article is under, how to cite it,
# whom it thanks, how to reach its authors.
_COLOPHON_HEADING = re.compile(
    r"^(?:协议|许可|许可证|开源协议|版权(?:声明)?|引用|引用本项目|致谢|鸣谢|联系(?:我们|方式)?|"
    r"Licen[cs]e|Citation|Cite|Acknowledge?ments?|Credits|Contact(?: us)?)\s*[:：]?$", re.I)
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
        for index, message in maths_problems(corrected(article.lines, of_article(kb, article))):
            kb.tell(article.shown, index + 1, "maths", f"{message}: KaTeX cannot typeset the formula, readers see its source")
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
        return REASON_FRONT if all(_FRONT_LINE.match(line) for line in body) else None
    if _FRONT_HEADING.match(section.heading) and section.parent and section.parent.kind == "title":
        return REASON_FRONT
    if section.kind != "title" and _COLOPHON_HEADING.match(section.heading.strip()):
        return REASON_COLOPHON
    if _SUMMARY_HEADING.match(section.heading) and _META.search("".join(body)):
        return REASON_META_SUMMARY
    if not body and section.children and section.depth < UNIT_DEPTH:
        return REASON_EMPTY
    if not body and not section.children:
        return REASON_BARE
    return None


def shown_reason(reason: str, labels: Labels) -> str:
    """How a source page gives a drop reason: a reason of this module in the labels'
    words, an editor's own reason as written."""
    reason_id = REASON_IDS.get(reason)
    return labels.drop_reasons[reason_id] if reason_id else reason
