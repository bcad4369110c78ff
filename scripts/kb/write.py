"""write: placed units -> the Markdown pages of docs/ and the provenance manifest.

`pages()` is pure: it returns {path relative to docs/: text}. `write_tree()` puts that
on disk atomically: into a temporary tree beside docs/, then swapped in, so a failed
import leaves docs/ exactly as it was.
"""
from __future__ import annotations

import functools
import json
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import atomic
from .clean import REASON_LABELS
from .link import Links, TermLinker, flow_steps, glossary_id, mentions, mermaid_flow
from .model import Article, Editorial, Section, Topic, Unit
from .render import body_lines, code_span, heading_line
from .sanitize import escape_inline, escape_line, html_text

SOURCES_DIR = "sources"
NAV_FILE = ".nav.yml"
MANIFEST = "provenance.json"
SITE_TITLE = "AI大模型创业知识库"
GLOSSARY_PAGE = "glossary.md"
ENTITIES_PAGE = "entities.md"
ENTITY_KIND_TITLES = {"company": "公司", "product": "产品与平台", "person": "人物", "org": "机构"}
# Every page of the site carries the whole navigation, so one entry per article under 原文
# makes the site grow with the square of the articles (500 articles: 110 KB of every page,
# a third of the site). Past this many articles the navigation lists only the 原文 index
# page, which links to each article (mkdocs.yml's `not_in_nav` lets them out of the nav).
NAV_SOURCES_MAX = 20


@dataclass
class Placement:
    topic: Topic
    unit: Unit


@dataclass
class KnowledgeBase:
    """Everything the writer needs: articles, their drops, and placed units."""

    editorial: Editorial
    articles: list[Article]
    dropped: dict[str, dict[str, str]]      # article path -> anchor -> reason
    units: list[Unit]
    links: Links

    def placement(self) -> dict[tuple[str, str], Placement]:
        """(article path, section anchor) -> where that section now lives."""
        out = {}
        for unit in self.units:
            for section in unit.sections():
                if section.anchor not in self.dropped[unit.article.path]:
                    out[(unit.article.path, section.anchor)] = Placement(unit.topic, unit)
        return out

    def topic_units(self) -> dict[str, list[Unit]]:
        out: dict[str, list[Unit]] = defaultdict(list)
        order = {a.path: i for i, a in enumerate(self.articles)}
        for unit in sorted(self.units, key=lambda u: (order[u.article.path], u.section.start)):
            out[unit.topic.key].append(unit)
        return out


def source_page(article: Article) -> str:
    return f"{SOURCES_DIR}/{article.key}.md"


@functools.lru_cache(maxsize=8192)
def _rel(from_page: str, to_page: str) -> str:
    return os.path.relpath(to_page, os.path.dirname(from_page) or ".").replace(os.sep, "/")


def _section_lines(article: Article, section: Section) -> list[str]:
    """The section's own text after its heading line, adjusted for Python-Markdown."""
    first = section.start + (0 if section.md_level == 0 and section.kind == "title" else 1)
    return body_lines(article.text(first, section.end))


def _cite(from_page: str, unit: Unit) -> str:
    """A link to where a unit lives now: 《article》· heading."""
    text = f"《{escape_inline(unit.article.title)}》· {escape_inline(unit.section.heading)}"
    return f"[{text}]({_rel(from_page, unit.topic.page)}#{unit.section.anchor})"


def _with_flow(section: Section, body: list[str]) -> list[str]:
    """A numbered process list is followed by the same steps drawn as a flowchart."""
    found = flow_steps(body, section.heading)
    if not found:
        return body
    steps, end = found
    chart = ["", *mermaid_flow(section.heading, steps), "",
             "（流程图按上文步骤列表绘制）", "{ .kb-diagram-note }", ""]
    return body[:end] + chart + body[end:]


def _topic_page(kb: KnowledgeBase, topic: Topic, units: list[Unit], backlinks: list[Unit]) -> str:
    page = topic.page
    articles = {u.article.path for u in units}
    linker = TermLinker(kb.editorial.glossary, _rel(page, GLOSSARY_PAGE))
    out = [f"# {topic.title}", ""]
    out.append(f"本页汇集 {len(articles)} 篇文章中关于「{topic.title}」的 {len(units)} 个章节，"
               "每节注明出处，可跳转到原文。")
    out.append("")
    for unit in units:
        article = unit.article
        dropped = kb.dropped[article.path]
        for section in unit.sections():
            if section.anchor in dropped:
                continue
            level = 2 + section.depth - unit.section.depth
            out.append(heading_line(level, section.heading, section.anchor))
            out.append("")
            if section is unit.section:
                link = f"{_rel(page, source_page(article))}#{section.anchor}"
                out.append(f"来源：[《{escape_inline(article.title)}》· {escape_inline(section.heading)}]({link})")
                out.append('{ .kb-source }')
                out.append("")
            body = linker(_with_flow(section, _section_lines(article, section)))
            if body:
                out.extend(body)
                out.append("")
        related = kb.links.related.get(unit.section.anchor, [])
        if related:
            out.append("相关章节：" + "；".join(_cite(page, r.unit) for r in related))
            out.append("{ .kb-related }")
            out.append("")
    if backlinks:
        out += ["## 被引用于 { #backlinks }", "", "以下章节把本页内容列为相关章节：", ""]
        out += [f"- {_cite(page, unit)}" for unit in backlinks]
    return "\n".join(out).rstrip() + "\n"


def _backlinks(kb: KnowledgeBase) -> dict[str, list[Unit]]:
    """topic key -> the units (elsewhere) whose related sections point at this topic page."""
    out: dict[str, list[Unit]] = defaultdict(list)
    # By identity: comparing units field by field walks whole articles, and a list
    # membership test per link made this quadratic in the number of units.
    seen: set[tuple[str, int]] = set()
    for unit in kb.units:
        for rel in kb.links.related.get(unit.section.anchor, []):
            key = (rel.unit.topic.key, id(unit))
            if key not in seen:
                seen.add(key)
                out[rel.unit.topic.key].append(unit)
    return out


def _lead_sentence(article: Article, section: Section) -> str:
    """The first sentence of a section's first paragraph (for chapter summaries)."""
    for line in article.text(section.start + 1, section.end):
        text = line.strip()
        if text and not text.startswith(("#", "-", "*", ">", "|", "`", "$")) and not text[0].isdigit():
            sentence = text.split("。")[0]
            return sentence + "。" if len(sentence) < len(text) else sentence
    return ""


def _chapter_index(kb: KnowledgeBase, chapter, by_topic: dict[str, list[Unit]]) -> str:
    topics = [t for t in chapter.topics if by_topic.get(t.key)]
    out = [f"# {chapter.title}", "", chapter.description, "",
           "```mermaid", "mindmap", f"  root(({chapter.title}))"]
    out += [f"    {t.title}" for t in topics]
    out += ["```", "", "## 本章主题", ""]
    for topic in topics:
        units = by_topic[topic.key]
        titles = []
        for unit in units:
            title = f"《{escape_inline(unit.article.title)}》"
            if title not in titles:
                titles.append(title)
        out.append(f"### [{topic.title}]({topic.id}.md)")
        out.append("")
        out.append(f"{len(units)} 节，来自 {'、'.join(titles)}。")
        out.append("")
        lead = next((u for u in units if _lead_sentence(u.article, u.section)), None)
        if lead:
            # Source text, escaped as the topic pages escape it (raw HTML shown as text).
            out.append(f"> {escape_line(_lead_sentence(lead.article, lead.section))}")
            out.append(f"> ——{_cite(chapter.id + '/index.md', lead)}")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def _home(kb: KnowledgeBase, by_topic: dict[str, list[Unit]]) -> str:
    chapters = [c for c in kb.editorial.chapters if any(by_topic.get(t.key) for t in c.topics)]
    out = [f"# {SITE_TITLE}", "",
           f"本知识库由 {len(kb.articles)} 篇关于 AI 大模型创业的文章整理而成：按主题重新编排为"
           f"{len(chapters)}章，相同主题的内容放在一起，每一节都注明出处并链接到原文。"
           "另有[术语表](glossary.md)与[案例与机构索引](entities.md)。", "",
           "## 章节地图", "", "```mermaid", "flowchart TB",
           "  accTitle: 知识库章节地图", f"  accDescr: {'、'.join(c.title for c in chapters)}",
           f'  kb(("{SITE_TITLE}"))']
    for chapter in chapters:
        out.append(f'  kb --> {chapter.id}["{chapter.title}"]')
    for chapter in chapters:
        out.append(f'  click {chapter.id} href "{chapter.id}/index.html" "{chapter.title}"')
    out += ["```", "", "## 章节", ""]
    for chapter in chapters:
        count = sum(len(by_topic.get(t.key, [])) for t in chapter.topics)
        out.append(f"- [{chapter.title}]({chapter.id}/index.md)：{chapter.description}（{count} 节）")
    out += ["", "## 覆盖矩阵", "", "每篇文章在各章中的节数（点击数字进入该章）。", ""]
    out.append("| 文章 | " + " | ".join(c.title for c in chapters) + " |")
    out.append("| --- |" + " ---: |" * len(chapters))
    for article in kb.articles:
        cells = []
        for chapter in chapters:
            n = sum(1 for t in chapter.topics for u in by_topic.get(t.key, []) if u.article is article)
            cells.append(f"[{n}]({chapter.id}/index.md)" if n else "")
        out.append(f"| [《{escape_inline(article.title)}》]({source_page(article)}) | " + " | ".join(cells) + " |")
    out += ["", "## 原文", ""]
    for article in kb.articles:
        out.append(f"- [《{escape_inline(article.title)}》]({source_page(article)})")
    return "\n".join(out) + "\n"


def _glossary(kb: KnowledgeBase) -> str:
    by_path = {a.path: a for a in kb.articles}
    parts: dict[str, list[str]] = defaultdict(list)
    for unit in kb.units:
        parts[unit.topic.page].append("\n".join(unit.article.text(unit.section.start, unit.section.subtree_end)))
    texts = {page: "".join(units) for page, units in parts.items()}
    out = ["# 术语表", "", f"本表收录 {len(kb.editorial.glossary)} 个术语，释义取自原文。"
           "各主题页中术语的第一次出现会链接到这里，鼠标悬停可看释义。", ""]
    for term in sorted(kb.editorial.glossary, key=lambda t: t.term.lower()):
        out.append(heading_line(2, term.term, glossary_id(term)))
        out.append("")
        out.append(term.definition)
        out.append("")
        if term.aliases:
            out.append("又称：" + "、".join(term.aliases))
            out.append("")
        article = by_path.get(term.source)
        if article:
            out.append(f"释义出处：[《{escape_inline(article.title)}》]({source_page(article)})")
            out.append("{ .kb-source }")
            out.append("")
        pages = [p for p in sorted(texts) if mentions(texts[p], term.names)]
        if pages:
            out.append("出现于：" + "、".join(f"[{_page_title(kb, p)}]({p})" for p in pages))
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def _page_title(kb: KnowledgeBase, page: str) -> str:
    topic = next(t for t in kb.editorial.topics() if t.page == page)
    return f"{kb.editorial.chapter(topic.chapter).title} › {topic.title}"


def entity_id(name: str) -> str:
    import re

    return "e-" + re.sub(r"[^0-9a-z\u4e00-\u9fff]+", "-", name.lower()).strip("-")


def _entities(kb: KnowledgeBase) -> str:
    mentions = kb.links.mentions
    listed = [e for e in kb.editorial.entities if mentions.get(e.name)]
    total = sum(n for e in listed for _, _, n in mentions[e.name])
    out = ["# 案例与机构索引", "",
           f"文中提到的 {len(listed)} 家公司、产品、人物与机构，共 {total} 处提及；"
           "不同写法（如中英文名）已合并。每条列出提到它的全部章节。", ""]
    for kind, title in ENTITY_KIND_TITLES.items():
        group = sorted((e for e in listed if e.kind == kind), key=lambda e: e.name.lower())
        if not group:
            continue
        out += [f"## {title}", ""]
        for entity in group:
            places = mentions[entity.name]
            count = sum(n for _, _, n in places)
            out.append(heading_line(3, entity.name, entity_id(entity.name)))
            out.append("")
            if entity.aliases:
                out.append("又称：" + "、".join(entity.aliases))
                out.append("")
            out.append(f"共 {count} 处提及：")
            out.append("")
            for unit, section, n in places:
                where = f"{_rel(ENTITIES_PAGE, unit.topic.page)}#{section.anchor}"
                times = f"（{n} 处）" if n > 1 else ""
                out.append(f"- [{_page_title(kb, unit.topic.page)} · {escape_inline(section.heading)}]({where}){times}")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def _source_page(kb: KnowledgeBase, article: Article, where: dict) -> str:
    """The article as written, each section saying where it went (or why it was left out)."""
    page = source_page(article)
    dropped = kb.dropped[article.path]
    out = [f"# 《{escape_inline(article.title)}》", "",
           f"原文文件：{code_span(f'{SOURCES_DIR}/{article.path}')}。以下为原文的完整呈现；"
           "每节下方注明它在知识库中的位置。", ""]
    for section in article.sections():
        level = 2 + max(section.depth, 0) if section.kind != "title" else 2
        heading = section.heading if section.kind != "title" else "标题与摘要"
        out.append(heading_line(level, heading, section.anchor))
        out.append("")
        placed = where.get((article.path, section.anchor))
        if placed:
            link = f"{_rel(page, placed.topic.page)}#{section.anchor}"
            chapter = kb.editorial.chapter(placed.topic.chapter)
            out.append(f"现位于：[{chapter.title} › {placed.topic.title}]({link})")
        else:
            reason = dropped[section.anchor]
            out.append(f"未收录：{REASON_LABELS.get(reason, reason)}")
        out.append('{ .kb-source }')
        out.append("")
        if section.kind == "toc":
            body = [_demote(line) for line in body_lines(article.text(section.start + 1, section.end))]
        elif section.kind == "author" and section.md_level == 0:
            body = body_lines(article.text(section.start, section.end))
        else:
            body = _section_lines(article, section)
        if body:
            out.extend(body)
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def _demote(line: str) -> str:
    """A heading line inside a table of contents is shown as bold text, not a heading."""
    stripped = line.lstrip()
    if stripped.startswith("#"):
        return "**" + stripped.lstrip("#").strip() + "**"
    return line


def manifest(kb: KnowledgeBase) -> str:
    where = kb.placement()
    entries = []
    for article in kb.articles:
        dropped = kb.dropped[article.path]
        for section in article.sections():
            entry = {"source": article.path, "heading": section.heading,
                     "lines": [section.start, section.end]}
            placed = where.get((article.path, section.anchor))
            if placed:
                entry.update(chapter=placed.topic.chapter, page=placed.topic.page, anchor=section.anchor)
            else:
                entry.update(dropped=True, reason=dropped[section.anchor])
            entries.append(entry)
    rows = ",\n".join("  " + json.dumps(e, ensure_ascii=False) for e in entries)
    return '{"sections": [\n' + rows + "\n]}\n"


def pages(kb: KnowledgeBase) -> dict[str, str]:
    by_topic = kb.topic_units()
    where = kb.placement()
    backlinks = _backlinks(kb)
    files: dict[str, str] = {"index.md": _home(kb, by_topic)}
    nav: list = [{"首页": "index.md"}]
    for chapter in kb.editorial.chapters:
        topics = [t for t in chapter.topics if by_topic.get(t.key)]
        if not topics:
            continue
        files[f"{chapter.id}/index.md"] = _chapter_index(kb, chapter, by_topic)
        entries: list = [f"{chapter.id}/index.md"]
        for topic in topics:
            files[topic.page] = _topic_page(kb, topic, by_topic[topic.key], backlinks.get(topic.key, []))
            entries.append({topic.title: topic.page})
        nav.append({chapter.title: entries})
    files[GLOSSARY_PAGE] = _glossary(kb)
    files[ENTITIES_PAGE] = _entities(kb)
    nav.append({"术语表": GLOSSARY_PAGE})
    nav.append({"案例与机构索引": ENTITIES_PAGE})
    source_entries: list = [f"{SOURCES_DIR}/index.md"]
    lines = ["# 原文", "", "知识库的全部内容都来自以下文章。每篇原文页面完整呈现文章，并标明每节现在的位置。", ""]
    for article in kb.articles:
        files[source_page(article)] = _source_page(kb, article, where)
        if len(kb.articles) <= NAV_SOURCES_MAX:
            source_entries.append({f"《{html_text(article.title)}》": source_page(article)})
        lines.append(f"- [《{escape_inline(article.title)}》]({article.key}.md)：{code_span(article.path)}，"
                     f"{len(article.lines)} 行")
    files[f"{SOURCES_DIR}/index.md"] = "\n".join(lines) + "\n"
    nav.append({"原文": source_entries if len(source_entries) > 1 else source_entries[0]})
    files[NAV_FILE] = yaml.safe_dump({"nav": nav}, allow_unicode=True, sort_keys=False)
    files[MANIFEST] = manifest(kb)
    return files


def write_tree(files: dict[str, str], docs: Path) -> None:
    """Write files as the new docs/ in one swap; on any error docs/ is untouched."""
    with atomic.staged(docs) as staging:
        for rel, text in sorted(files.items()):
            path = staging.path / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
        staging.commit()


def update_tree(files: dict[str, str], docs: Path) -> list[str]:
    """Make docs/ hold exactly `files`, writing only the files that differ (each replaced
    whole, through a temporary file) and removing the rest; returns the paths touched.

    For `kb serve`, which watches docs/: the folder itself stays (a watcher loses a folder
    that is swapped), and unchanged files are not touched."""
    current = read_tree(docs) if docs.is_dir() else {}
    touched = []
    for rel, text in sorted(files.items()):
        if current.get(rel) != text:
            atomic.write_text(docs / rel, text)
            touched.append(rel)
    for rel in sorted(current.keys() - files.keys()):
        (docs / rel).unlink()
        touched.append(rel)
        folder = (docs / rel).parent
        while folder != docs and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
    return touched


def read_tree(docs: Path) -> dict[str, str]:
    out = {}
    for path in sorted(docs.rglob("*")):
        if path.is_file():
            out[path.relative_to(docs).as_posix()] = path.read_text(encoding="utf-8")
    return out
