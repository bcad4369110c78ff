"""write: the knowledge base -> the Markdown pages of docs/, the navigation and the
provenance manifest.

`pages()` is pure: it writes each page of the site plan (kb.core.plan) in the words of the
labels (kb/core/labels.yml, sources/editorial.yml) and returns {path relative to docs/:
text}. `write_tree()` puts that on disk atomically: into a temporary tree beside docs/,
then swapped in, so a failed import leaves docs/ exactly as it was.
"""
from __future__ import annotations

import functools
import json
import os
import re
from collections import defaultdict
from pathlib import Path

import yaml

from kb.core import atomic
from kb.core.context import Context
from kb.core.model import Article, Chapter, KnowledgeBase, Labels, Section, Topic, Unit
from kb.core.plan import (
    ENTITIES_PAGE,
    ERRATA_PAGE,
    GLOSSARY_PAGE,
    MANIFEST,
    NAV_FILE,
    NAV_SOURCES_MAX,
    SOURCES_DIR,
    SOURCES_INDEX,
    Page,
    Role,
    SitePlan,
    chapter_page,
    site_plan,
    source_page,
)
from kb.core.sanitize import HtmlTags, escape_inline, escape_line, html_text
from kb.core.segment import Segmenter, Segmenters, words_segmenter
from kb.core.text import front_matter_end
from kb.importer.clean import shown_reason
from kb.importer.link import (
    TermLinker,
    flow_steps,
    glossary_id,
    mermaid_flow,
)
from kb.importer.images import markup as image_markup
from kb.importer.parse import front_matter
from kb.importer.notes import Marks, Where, claim_words, place_words, reference
from kb.importer.notes import where as note_places
from kb.importer.render import body_lines, code_span, heading_line


@functools.lru_cache(maxsize=8192)
def _rel(from_page: str, to_page: str) -> str:
    return os.path.relpath(to_page, os.path.dirname(from_page) or ".").replace(os.sep, "/")


def _section_lines(article: Article, section: Section, figures: "Figures", marks: Marks) -> list[str]:
    """The section's own text after its heading line, adjusted for Python-Markdown, with
    its images and the claims of the editor's notes marked."""
    first = section.start + (0 if section.md_level == 0 and section.kind == "title" else 1)
    if section.kind == "title" and (end := front_matter_end(article.lines)) is not None:
        first = max(first, end + 1)          # YAML front matter: its fields are shown apart
    return _marked_lines(article, section, first, figures, marks,
                         heading=section.start if first > section.start else 0)


def _marked_lines(article: Article, section: Section, first: int, figures: "Figures", marks: Marks,
                  heading: int = 0) -> list[str]:
    lines = marks.mark(article, section, first, article.text(first, section.end))
    return body_lines(figures.mark(article, first, section.end, lines, heading=heading))


class Figures:
    """The images of one page: each is replaced in the source lines by a plain word that
    escaping and the glossary linker leave alone, and the word by its HTML once the page
    is made (kb.importer.images.markup: a figure, an inline image or a placeholder)."""

    def __init__(self, page: str, labels: Labels):
        self.page = page
        self.label = labels.sources.image_missing
        self.html: list[tuple[str, str, str]] = []      # (word, HTML inline, HTML as a block)

    def mark(self, article: Article, start: int, end: int, lines: list[str] | None = None,
             heading: int = 0) -> list[str]:
        """`lines` (the article's, from `start` to `end`; the last ones may be more, placed
        before them) with each image replaced by its word; the images of the `heading` line
        (which the page writes from the heading's words) come first, one figure each, and a
        `[ref]: src` line an image used is left out (Markdown shows no definition)."""
        lines = article.text(start, end) if lines is None else lines
        shift = len(lines) - (end - start + 1)
        if not article.images:
            return lines
        lines = list(lines)
        above: list[str] = []
        for image in article.images:
            if start <= image.definition <= end:
                lines[shift + image.definition - start] = ""
            if heading and image.line == heading:
                above += [self._word(image), ""]
            elif start <= image.line <= end:
                at = shift + image.line - start
                lines[at] = lines[at].replace(image.markup, self._word(image), 1)
        return above + lines

    def _word(self, image) -> str:
        word = f"kbimage{len(self.html)}z"
        self.html.append((word, image_markup(image, self.page, False, self.label),
                          image_markup(image, self.page, True, self.label)))
        return word

    def fill(self, text: str) -> str:
        for word, inline, block in self.html:
            text = re.sub(rf"^{word}$", lambda _: f"\n{block}\n", text, count=1, flags=re.M)
            text = text.replace(word, inline, 1)
        return text


def _cite(from_page: str, unit: Unit) -> str:
    """A link to where a unit lives now: 《article》· heading."""
    text = f"《{escape_inline(unit.article.title)}》· {escape_inline(unit.section.heading)}"
    return f"[{text}]({_rel(from_page, unit.topic.page)}#{unit.section.anchor})"


def _with_flow(section: Section, body: list[str], labels: Labels) -> list[str]:
    """A numbered process list is followed by the same steps drawn as a flowchart."""
    found = flow_steps(body, section.heading, labels.flow)
    if not found:
        return body
    steps, end = found
    chart = ["", *mermaid_flow(section.heading, steps), "",
             labels.topic.flow_note, "{ .kb-diagram-note }", ""]
    return body[:end] + chart + body[end:]


def _topic_page(kb: KnowledgeBase, topic: Topic, units: list[Unit], backlinks: list[Unit],
                places: dict[str, Where], words: Segmenter, linked: dict[str, list[str]]) -> str:
    """A topic page; the glossary terms it names are added to `linked` (term -> pages)."""
    page = topic.page
    labels = kb.editorial.labels
    articles = {u.article.path for u in units}
    linker = TermLinker(kb.editorial.glossary, _rel(page, GLOSSARY_PAGE), words, topic.chapter)
    figures = Figures(page, labels)
    marks = Marks(page, places, labels)
    out = [f"# {topic.title}", ""]
    out.append(labels.topic.intro.format(articles=len(articles), topic=topic.title, sections=len(units)))
    out.append("")
    for unit in units:
        article = unit.article
        for section in unit.sections():
            if section.dropped:
                continue
            level = 2 + section.depth - unit.section.depth
            out.append(heading_line(level, section.heading, section.anchor))
            out.append("")
            linker.see(section.heading)
            if section is unit.section:
                link = f"{_rel(page, source_page(article))}#{section.anchor}"
                cite = f"《{escape_inline(article.title)}》· {escape_inline(section.heading)}"
                out.append(f"{labels.topic.source}[{cite}]({link})")
                out.append('{ .kb-source }')
                out.append("")
            body = marks.place(linker(_with_flow(section, _section_lines(article, section, figures, marks), labels)))
            if body:
                out.extend(body)
                out.append("")
        related = kb.links.related.get(unit.section.anchor, [])
        if related:
            out.append(labels.topic.related + "；".join(_cite(page, r.unit) for r in related))
            out.append("{ .kb-related }")
            out.append("")
    if backlinks:
        out += [f"## {labels.topic.backlinks} {{ #backlinks }}", "", labels.topic.backlinks_intro, ""]
        out += [f"- {_cite(page, unit)}" for unit in backlinks]
    for term in linker.seen:
        linked[term].append(page)
    return figures.fill("\n".join(out).rstrip() + "\n")


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
        if text and not text.startswith(("#", "-", "*", ">", "|", "`", "$", "!", "<")) and not text[0].isdigit():
            sentence = text.split("。")[0]
            sentence = sentence + "。" if len(sentence) < len(text) else sentence
            # Source text like any other: raw HTML inert, links to the article's own site as words.
            return escape_line(sentence)
    return ""


def _chapter_index(kb: KnowledgeBase, chapter: Chapter, by_topic: dict[str, list[Unit]]) -> str:
    labels = kb.editorial.labels
    topics = [t for t in chapter.topics if by_topic.get(t.key)]
    out = [f"# {chapter.title}", "", chapter.description, "",
           "```mermaid", "mindmap", f"  root(({chapter.title}))"]
    out += [f"    {t.title}" for t in topics]
    out += ["```", "", f"## {labels.chapter.topics}", ""]
    for topic in topics:
        units = by_topic[topic.key]
        titles = []
        for unit in units:
            title = f"《{escape_inline(unit.article.title)}》"
            if title not in titles:
                titles.append(title)
        out.append(f"### [{topic.title}]({_rel(chapter_page(chapter.id), topic.page)})")
        out.append("")
        out.append(labels.chapter.topic_sections.format(sections=len(units), titles="、".join(titles)))
        out.append("")
        lead = next((u for u in units if _lead_sentence(u.article, u.section)), None)
        if lead:
            # Source text, escaped as the topic pages escape it (raw HTML shown as text).
            # Source text quoted out of its section: its words, without its HTML.
            out.append(f"> {escape_line(_lead_sentence(lead.article, lead.section), HtmlTags(keep=False))}")
            out.append(f"> ——{_cite(chapter_page(chapter.id), lead)}")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def _html(page: str) -> str:
    """A page's address in the built site (mkdocs.yml: use_directory_urls: false)."""
    return page.removesuffix(".md") + ".html"


def _home(kb: KnowledgeBase, plan: SitePlan, by_topic: dict[str, list[Unit]]) -> str:
    labels = kb.editorial.labels
    chapters = [kb.editorial.chapter(page.chapter) for page in plan.of_role(Role.CHAPTER)]
    glossary = f"[{labels.glossary.title}]({GLOSSARY_PAGE})"
    entities = f"[{labels.entities.title}]({ENTITIES_PAGE})"
    out = [f"# {labels.site_title}", "",
           labels.home.intro.format(articles=len(kb.articles), chapters=len(chapters),
                                    glossary=glossary, entities=entities), "",
           f"## {labels.home.map}", "", "```mermaid", "flowchart TB",
           f"  accTitle: {labels.home.map_title}", f"  accDescr: {'、'.join(c.title for c in chapters)}",
           f'  kb(("{labels.site_title}"))']
    for chapter in chapters:
        out.append(f'  kb --> {chapter.id}["{chapter.title}"]')
    for chapter in chapters:
        out.append(f'  click {chapter.id} href "{_html(chapter_page(chapter.id))}" "{chapter.title}"')
    out += ["```", "", f"## {labels.home.chapters}", ""]
    for chapter in chapters:
        count = sum(len(by_topic.get(t.key, [])) for t in chapter.topics)
        out.append(f"- [{chapter.title}]({chapter_page(chapter.id)})：{chapter.description}"
                   + labels.home.chapter_sections.format(sections=count))
    out += ["", f"## {labels.home.matrix}", "", labels.home.matrix_intro, ""]
    out.append(f"| {labels.home.matrix_article} | " + " | ".join(c.title for c in chapters) + " |")
    out.append("| --- |" + " ---: |" * len(chapters))
    for article in kb.articles:
        cells = []
        for chapter in chapters:
            n = sum(1 for t in chapter.topics for u in by_topic.get(t.key, []) if u.article is article)
            cells.append(f"[{n}]({chapter_page(chapter.id)})" if n else "")
        out.append(f"| [《{escape_inline(article.title)}》]({source_page(article)}) | " + " | ".join(cells) + " |")
    out += ["", f"## {labels.sources.title}", ""]
    for article in kb.articles:
        out.append(f"- [《{escape_inline(article.title)}》]({source_page(article)})")
    return "\n".join(out) + "\n"


def _glossary(kb: KnowledgeBase, linked: dict[str, list[str]]) -> str:
    """The 术语表; each term lists the topic pages that name it as the linker finds it
    (`linked`: term -> pages): a page that holds it only inside a longer word, or outside
    the chapters of its sense, is not listed."""
    labels = kb.editorial.labels.glossary
    by_path = {a.path: a for a in kb.articles}
    out = [f"# {labels.title}", "", labels.intro.format(terms=len(kb.editorial.glossary)), ""]
    for term in sorted(kb.editorial.glossary, key=lambda t: t.term.lower()):
        out.append(heading_line(2, term.term, glossary_id(term)))
        out.append("")
        out.append(term.definition)
        out.append("")
        if term.aliases:
            out.append(labels.aliases + "、".join(term.aliases))
            out.append("")
        article = by_path.get(term.source)
        if article:
            out.append(f"{labels.source}[《{escape_inline(article.title)}》]({source_page(article)})")
            out.append("{ .kb-source }")
            out.append("")
        pages = sorted(linked.get(term.term, []))
        if pages:
            out.append(labels.found_in + "、".join(f"[{_page_title(kb, p)}]({p})" for p in pages))
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def _page_title(kb: KnowledgeBase, page: str) -> str:
    topic = next(t for t in kb.editorial.topics() if t.page == page)
    return f"{kb.editorial.chapter(topic.chapter).title} › {topic.title}"


def entity_id(name: str) -> str:
    return "e-" + re.sub(r"[^0-9a-z\u4e00-\u9fff]+", "-", name.lower()).strip("-")


def _entities(kb: KnowledgeBase) -> str:
    labels = kb.editorial.labels.entities
    mentions = kb.links.mentions
    listed = [e for e in kb.editorial.entities if mentions.get(e.name)]
    titles = {t.page: _page_title(kb, t.page) for t in kb.editorial.topics()}     # asked for each mention
    total = sum(m.count for e in listed for m in mentions[e.name])
    out = [f"# {labels.title}", "", labels.intro.format(entities=len(listed), mentions=total), ""]
    for kind, title in labels.kinds.items():
        group = sorted((e for e in listed if e.kind == kind), key=lambda e: e.name.lower())
        if not group:
            continue
        out += [f"## {title}", ""]
        for entity in group:
            places = mentions[entity.name]
            count = sum(m.count for m in places)
            out.append(heading_line(3, entity.name, entity_id(entity.name)))
            out.append("")
            if entity.aliases:
                out.append(labels.aliases + "、".join(entity.aliases))
                out.append("")
            out.append(labels.mentions.format(mentions=count))
            out.append("")
            for unit, section, n in places:
                where = f"{_rel(ENTITIES_PAGE, unit.topic.page)}#{section.anchor}"
                times = labels.section_mentions.format(mentions=n) if n > 1 else ""
                out.append(f"- [{titles[unit.topic.page]} · {escape_inline(section.heading)}]({where}){times}")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def _errata(kb: KnowledgeBase, places: dict[str, Where]) -> str:
    """勘误表: every note, article by article in line order: the words, the correction,
    the reference, and links to its place on the topic page and in the article."""
    labels = kb.editorial.labels.notes
    by_article: dict[str, list[Where]] = defaultdict(list)
    for w in places.values():
        by_article[w.article.path].append(w)
    out = [f"# {labels.title}", ""]
    if not places:
        return "\n".join(out + [labels.none]) + "\n"
    out += [labels.intro.format(notes=len(places), articles=len(by_article)), ""]
    for article in kb.articles:
        if article.path not in by_article:
            continue
        out += [f"## 《{escape_inline(article.title)}》 {{ #errata-{article.key} }}", ""]
        for w in by_article[article.path]:
            note, line = w.at.note, labels.line.format(line=w.at.line)
            out += [f"### {note.kind} · {line} {{ #{w.at.note_id} }}", ""]
            out += [f"{labels.claim}{claim_words(note)}", ""]
            if note.replacement is not None:
                out += [f"{labels.replaced}{claim_words(note, note.replacement)}", ""]
            out += [f"**{note.kind}**：{note.correction}", ""]
            if note.reference:
                out += [f"{labels.reference}{reference(note)}", ""]
            if w.at.pair:
                other = places[w.at.pair]
                out += [f"{labels.other}[{place_words(other, labels)}]({other.target})", ""]
            anchor = w.at.note_id
            if w.topic_page:
                out += [f"{labels.on_topic}[{_page_title(kb, w.topic_page)}]({w.topic_page}#{anchor})；"
                        f"{labels.in_source}[{place_words(w, labels)}]({w.source_page}#{anchor})", ""]
            else:
                out += [f"{labels.in_source}[{place_words(w, labels)}]({w.source_page}#{anchor})", ""]
    return "\n".join(out).rstrip() + "\n"


def _sources_index(kb: KnowledgeBase) -> str:
    labels = kb.editorial.labels.sources
    lines = [f"# {labels.title}", "", labels.intro, ""]
    for article in kb.articles:
        entry = labels.entry.format(file=code_span(article.path), lines=len(article.lines))
        lines.append(f"- [《{escape_inline(article.title)}》]({_rel(SOURCES_INDEX, source_page(article))})：{entry}")
    return "\n".join(lines) + "\n"


def _source_page(kb: KnowledgeBase, article: Article, where: dict, places: dict[str, Where]) -> str:
    """The article as written, each section saying where it went (or why it was left out),
    the claims of the editor's notes marked and each note after its paragraph."""
    labels = kb.editorial.labels
    page = source_page(article)
    figures = Figures(page, labels)
    marks = Marks(page, places, labels, source=True)
    out = [f"# 《{escape_inline(article.title)}》", "",
           labels.sources.page_intro.format(file=code_span(f"{SOURCES_DIR}/{article.path}")), ""]
    for section in article.sections():
        level = 2 + max(section.depth, 0) if section.kind != "title" else 2
        heading = section.heading if section.kind != "title" else labels.sources.front_matter
        out.append(heading_line(level, heading, section.anchor))
        out.append("")
        placed = where.get((article.path, section.anchor))
        if placed:
            link = f"{_rel(page, placed.topic.page)}#{section.anchor}"
            chapter = kb.editorial.chapter(placed.topic.chapter)
            out.append(f"{labels.sources.placed}[{chapter.title} › {placed.topic.title}]({link})")
        else:
            out.append(labels.sources.dropped + shown_reason(section.dropped, labels))
        out.append('{ .kb-source }')
        out.append("")
        if section.kind == "title":
            out.extend(_front_matter_lines(article, labels))
        if section.kind == "toc":
            body = [_demote(line) for line in _marked_lines(article, section, section.start + 1, figures, marks)]
        elif section.kind == "author" and section.md_level == 0:
            body = _marked_lines(article, section, section.start, figures, marks)
        else:
            body = _section_lines(article, section, figures, marks)
        body = marks.place(body)
        if body:
            out.extend(body)
            out.append("")
    return figures.fill("\n".join(out).rstrip() + "\n")


def _front_matter_lines(article: Article, labels: Labels) -> list[str]:
    """The article's YAML front matter on its source page: the fields a reader cares about
    (title, author, date, summary) by name, the others (the original site's settings)
    named in one sentence; front matter that cannot be read, as written (the import
    warned about it)."""
    if (meta := front_matter(article)) is None:
        return []
    fields, end, error = meta
    if error:
        return ["```yaml", *article.lines[1:end], "```", ""]
    shown = labels.sources.front_fields
    out = [f"- **{name}**：{escape_inline(_field_text(fields[key]))}" for key, name in shown.items()
           if fields.get(key) not in (None, "", [])]
    if other := [str(key) for key in fields if key not in shown]:
        out += ["", labels.sources.front_other.format(fields="、".join(code_span(key) for key in other))]
    return out + [""] if out else []


def _field_text(value) -> str:
    """A front matter value as one line of text (a list joined, a date as written by YAML)."""
    if isinstance(value, (list, tuple)):
        return "、".join(_field_text(v) for v in value)
    return " ".join(str(value).split())


def _demote(line: str) -> str:
    """A heading line inside a table of contents is shown as bold text, not a heading."""
    stripped = line.lstrip()
    if stripped.startswith("#"):
        return "**" + stripped.lstrip("#").strip() + "**"
    return line


def manifest(kb: KnowledgeBase, where: dict | None = None) -> str:
    where = kb.placement() if where is None else where
    entries = []
    for article in kb.articles:
        for section in article.sections():
            entry = {"source": article.path, "heading": section.heading,
                     "lines": [section.start, section.end]}
            placed = where.get((article.path, section.anchor))
            if placed:
                entry.update(chapter=placed.topic.chapter, page=placed.topic.page, anchor=section.anchor)
            else:
                entry.update(dropped=True, reason=section.dropped)
            entries.append(entry)
    rows = ",\n".join("  " + json.dumps(e, ensure_ascii=False) for e in entries)
    return '{"sections": [\n' + rows + "\n]}\n"


def navigation(plan: SitePlan, labels: Labels) -> list:
    """docs/.nav.yml's entries, in the plan's order: each chapter's topics under it, and
    the articles under the source index (only the index past NAV_SOURCES_MAX articles)."""
    nav: list = []
    for page in plan.pages:
        if page.role is Role.HOME:
            nav.append({labels.home.nav: page.path})
        elif page.role is Role.CHAPTER:
            chapter = [page.path]
            nav.append({page.title: chapter})
        elif page.role is Role.TOPIC:
            chapter.append({page.title: page.path})
        elif page.role is Role.SOURCES_INDEX:
            articles = [{f"《{html_text(p.title or '')}》": p.path} for p in plan.of_role(Role.SOURCE)]
            listed = len(articles) <= NAV_SOURCES_MAX
            nav.append({page.title: [page.path, *articles] if listed and articles else page.path})
        elif page.role is not Role.SOURCE:      # the articles are listed with their index
            nav.append({page.title: page.path})
    return nav


def pages(kb: KnowledgeBase, segmenters: Segmenters | None = None, memo: "PageMemo | None" = None) -> dict[str, str]:
    """{path relative to docs/: text}: every page of the plan, the navigation and the manifest.
    `segmenters`: the run's (kb.core.context; None: in memory), for the glossary links.
    `memo`: kb serve's pages of its last import (PageMemo)."""
    by_topic = kb.topic_units()
    plan = site_plan(kb.editorial, kb.articles, by_topic)
    where = kb.placement()
    backlinks = _backlinks(kb)
    articles = {a.path: a for a in kb.articles}
    places = note_places(kb, source_page, where)
    words = words_segmenter(segmenters or Context.in_memory().segmenters, kb.editorial)
    linked: dict[str, list[str]] = defaultdict(list)
    files: dict[str, str] = {}
    memo = memo if memo is not None else PageMemo(keep=False)
    memo.start(kb, places)
    # Topic pages first: the glossary lists the pages that name each term.
    for page in sorted(plan.pages, key=lambda p: p.role is not Role.TOPIC):
        files[page.path] = _page(kb, plan, page, by_topic, where, backlinks, articles, places, words, linked, memo)
    memo.finish()
    files = {page.path: files[page.path] for page in plan.pages}
    files[NAV_FILE] = yaml.safe_dump({"nav": navigation(plan, kb.editorial.labels)}, allow_unicode=True,
                                     sort_keys=False)
    files[MANIFEST] = manifest(kb, where)
    return files


def _cite_key(unit: Unit) -> tuple:
    """What a link to a unit (_cite) is made of."""
    return unit.article.title, unit.section.heading, unit.topic.page, unit.section.anchor


def _unit_key(unit: Unit) -> tuple:
    """What a unit's part of its topic page is made of (its notes are in every key)."""
    article = unit.article
    parts = []
    for s in unit.sections():
        images = tuple(i for i in article.images if s.start <= i.line <= s.end or s.start <= i.definition <= s.end)
        parts.append((s.anchor, s.heading, s.kind, s.depth, s.md_level, s.start, s.end, s.dropped,
                      tuple(article.lines[s.start - 1:s.end]), images))
    return article.path, article.title, article.page, unit.own_only, tuple(parts)


class PageMemo:
    """kb serve's topic and source pages of its last import, each with what it was made of:
    after an edit, a page is written again only when that changed (kb.importer.incremental).

    What a topic page is made of is held by value (its units' lines, headings, anchors and
    images, the links it shows, the editor's notes); a source page's by the identity of its
    article (the incremental import keeps an article's object, parsed and placed, while its
    text is unchanged; a new object is a new article) and where its sections went. Each
    entry keeps the objects it names, so an identity is never reused."""

    def __init__(self, keep: bool = True):
        self.keep = keep                     # False: a plain import, which writes every page
        self._pages: dict[str, tuple[tuple, str, tuple[str, ...], tuple]] = {}
        self._next: dict[str, tuple[tuple, str, tuple[str, ...], tuple]] = {}
        self._common: tuple = ()
        self._alive: tuple = ()
        self.written: list[str] = []         # the pages this import wrote again (the rest were kept)

    def start(self, kb: KnowledgeBase, places: dict[str, Where]) -> None:
        self._next, self.written = {}, []
        if not self.keep:
            return
        # Every topic and source page shows the notes of its sections, and a note names its
        # other place: the notes go into every key (there are few).
        # (A page's own articles are in its key by identity: a note is named here by value.)
        notes = tuple((w.at, w.article.path, w.article.title, w.section.anchor, w.topic_page, w.topic_title,
                       w.source_page, w.marked) for w in places.values())
        self._common = (id(kb.editorial), notes)
        self._alive = (kb.editorial, tuple(kb.articles))     # what this import's keys name

    def topic_key(self, kb: KnowledgeBase, units: list[Unit], backlinks: list[Unit]) -> tuple:
        # By value: an edit to an article that has sections on most topic pages changes one
        # or two of them. Unchanged articles share their line objects, compared in no time.
        related = kb.links.related
        return (self._common,
                tuple((_unit_key(u), tuple(_cite_key(r.unit) for r in related.get(u.section.anchor, ())))
                      for u in units),
                tuple(_cite_key(u) for u in backlinks))

    def source_key(self, article: Article, where: dict) -> tuple:
        placed = tuple(p.topic.key if (p := where.get((article.path, s.anchor))) else None
                       for s in article.sections())
        return (self._common, id(article), placed)

    def page(self, path: str, key, linked: dict[str, list[str]], make) -> str:
        """The page at `path`: the last import's when `key()` (what it is made of) is the
        same, else `make(seen)`, which adds the glossary terms it names to `seen`; either
        way its terms go into `linked` (term -> pages), as the glossary needs."""
        if not self.keep:                    # a plain import: no key to make
            self.written.append(path)
            return make(linked)
        made = key()
        entry = self._pages.get(path)
        if entry is None or entry[0] != made:
            seen: dict[str, list[str]] = defaultdict(list)
            text = make(seen)
            entry = (made, text, tuple(seen), self._alive)
            self.written.append(path)
        self._next[path] = entry
        for term in entry[2]:
            linked[term].append(path)
        return entry[1]

    def finish(self) -> None:
        self._pages = self._next


def _page(kb: KnowledgeBase, plan: SitePlan, page: Page, by_topic: dict[str, list[Unit]], where: dict,
          backlinks: dict[str, list[Unit]], articles: dict[str, Article], places: dict[str, Where],
          words: Segmenter, linked: dict[str, list[str]], memo: PageMemo) -> str:
    match page.role:
        case Role.HOME:
            return _home(kb, plan, by_topic)
        case Role.CHAPTER:
            return _chapter_index(kb, kb.editorial.chapter(page.chapter), by_topic)
        case Role.TOPIC:
            topic = kb.editorial.topic(page.topic)
            units, back = by_topic[topic.key], backlinks.get(topic.key, [])
            return memo.page(page.path, lambda: memo.topic_key(kb, units, back), linked,
                             lambda seen: _topic_page(kb, topic, units, back, places, words, seen))
        case Role.GLOSSARY:
            return _glossary(kb, linked)
        case Role.ENTITIES:
            return _entities(kb)
        case Role.ERRATA:
            return _errata(kb, places)
        case Role.SOURCES_INDEX:
            return _sources_index(kb)
        case Role.SOURCE:
            article = articles[page.article]
            return memo.page(page.path, lambda: memo.source_key(article, where), linked,
                             lambda _: _source_page(kb, article, where, places))


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
