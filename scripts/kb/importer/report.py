"""The import report for editors: what `kb import` decided for each article and what it
could not do. Pure: a KnowledgeBase in, text out (kb.cli prints the summary and writes
the review to build/import-report.md)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Collection

from kb.core.model import Article, KnowledgeBase, Unit
from kb.importer import facts
from kb.importer.classify import MARGIN_MIN

REPORT_FILE = "build/import-report.md"


def reason(unit: Unit) -> str:
    """Why the unit is on its topic, in a few words: the words that decided."""
    if unit.overridden:
        return "editorial override"
    if any(s.kind == "appendix" for s in (unit.section, *unit.section.ancestors())):
        prefix = "under the article's 附录: "
    else:
        prefix = ""
    if unit.fallback:
        return prefix + "nothing matched: the first topic, for want of a better one (UNCERTAIN)"
    why = prefix + (unit.why or "keywords")
    return why + (f" (UNCERTAIN: runner-up {unit.runner_up.key})" if unit.uncertain else "")


def _low(unit: Unit) -> bool:
    return not unit.overridden and unit.uncertain


def _counts(kb: KnowledgeBase, article: Article) -> dict[str, int]:
    sections = article.sections()
    units = [u for u in kb.units if u.article is article]
    images = [p for p in kb.problems if p.path == article.shown and p.kind == "image"]
    return {
        "sections": len(sections),
        "placed": sum(1 for s in sections if not s.dropped),
        "dropped": sum(1 for s in sections if s.dropped),
        "low": sum(1 for u in units if _low(u)),
        "images_copied": sum(1 for p in images if p.severity == "info"),
        "images_missing": sum(1 for p in images if p.severity == "warning"),
    }


def _other_problems(kb: KnowledgeBase, article: Article) -> Counter:
    return Counter(p.kind for p in kb.problems
                   if p.path == article.shown and p.kind != "image" and p.severity == "warning")


def summary(kb: KnowledgeBase, articles: Collection[str] | None = None) -> list[str]:
    """One short paragraph per article (those whose path is in `articles`; None: all)."""
    out = []
    for article in kb.articles:
        if articles is not None and article.path not in articles:
            continue
        c = _counts(kb, article)
        line = (f"{article.shown}: {c['sections']} sections, {c['placed']} placed "
                f"({c['low']} uncertain), {c['dropped']} dropped; "
                f"images: {c['images_copied']} copied, {c['images_missing']} not shown")
        others = _other_problems(kb, article)
        if others:
            line += "; " + ", ".join(f"{n} {kind}" for kind, n in sorted(others.items()))
        out.append(line)
    return out


def warnings(kb: KnowledgeBase) -> int:
    return sum(1 for p in kb.problems if p.severity == "warning")


def counts_line(kb: KnowledgeBase) -> str:
    """Warnings by kind: '12 image, 3 maths'."""
    by_kind = Counter(p.kind for p in kb.problems if p.severity == "warning")
    return ", ".join(f"{n} {k}" for k, n in sorted(by_kind.items()))


def review(kb: KnowledgeBase) -> str:
    """The full review: every section -> where it went (score and reason) or why it was
    dropped, and every problem with file:line, article by article."""
    placed = {}
    for unit in kb.units:
        for section in unit.sections():
            if not section.dropped:
                placed[(unit.article.path, section.anchor)] = unit
    by_kind = Counter(p.kind for p in kb.problems if p.severity == "warning")
    out = ["# kb import: review", "",
           f"{len(kb.articles)} articles, {sum(len(a.sections()) for a in kb.articles)} sections, "
           f"{warnings(kb)} warnings" + (" (" + ", ".join(f"{n} {k}" for k, n in sorted(by_kind.items())) + ")"
                                          if by_kind else "") + ".", ""]
    for article in kb.articles:
        out += [f"## {article.shown}", ""]
        out += [f"- {line}" for line in summary(kb, [article.path])]
        out += ["", "| line | section | where | score | why |", "| --- | --- | --- | --- | --- |"]
        for section in article.sections():
            heading = _cell(section.heading)
            unit = placed.get((article.path, section.anchor))
            if section.dropped:
                out.append(f"| {section.start} | {heading} | dropped | | {_cell(section.dropped)} |")
            elif unit is not None:
                own = unit.section is section
                score = f"{unit.score:g} (margin {unit.margin:.2f})" if own and not unit.overridden else ""
                why = reason(unit) if own else f"with {_cell(unit.section.heading)}"
                out.append(f"| {section.start} | {heading} | {unit.topic.key} | {score} | {why} |")
            else:
                out.append(f"| {section.start} | {heading} | (not placed) | | |")
        doubtful = [u for u in kb.units if u.article is article and _low(u)]
        if doubtful:
            out += ["", f"Uncertain placements (margin over the runner-up under {MARGIN_MIN:g}, or nothing matched): "
                    "the two best topics; move a section with an override if neither is right.", ""]
            out += [f"- line {u.section.start}, {_cell(u.section.heading)}: on {u.topic.key}, runner-up "
                    f"{u.runner_up.key}, margin {u.margin:.2f} ({_cell(u.why)})" for u in doubtful]
        problems = [p for p in kb.problems if p.path == article.shown]
        if problems:
            out += ["", "Problems:", ""]
            out += [f"- {p.severity} [{p.kind}] {_cell(str(p))}" for p in problems]
        out.append("")
    rest = [p for p in kb.problems if p.path not in {a.shown for a in kb.articles}]
    if rest:
        out += ["## Other files", ""] + [f"- {p.severity} [{p.kind}] {p}" for p in rest] + [""]
    out += notes_section(kb) + contradictions_section(kb) + suggestions(kb)
    return "\n".join(out)


def contradictions_line(kb: KnowledgeBase) -> str:
    """For the terminal: how many contradictions between articles the import found, and
    how many an editor has not looked at ('' for none)."""
    if not kb.contradictions:
        return ""
    open_ = sum(1 for c in kb.contradictions if c.status == "candidate")
    return (f"kb import: {len(kb.contradictions)} possible contradictions between articles, {open_} without a note "
            f"(see {REPORT_FILE})")


def notes_section(kb: KnowledgeBase) -> list[str]:
    """The editor's notes found, by kind and by article."""
    out = ["## Editor's notes (编者注)", ""]
    if not kb.notes:
        return out + ["None: `notes:` in sources/editorial.yml lists none.", ""]
    by_kind = Counter(n.note.kind for n in kb.notes)
    out.append(f"{len(kb.notes)} notes: " + ", ".join(f"{n} {kind}" for kind, n in by_kind.most_common()) + ".")
    out.append("")
    for article in kb.articles:
        mine = [n for n in kb.notes if n.article == article.path]
        if mine:
            out.append(f"- {article.shown}: {len(mine)} (lines {', '.join(str(n.line) for n in mine)})")
    return out + [""]


PLACES_SHOWN = 3     # places of a contradiction listed on each side; the rest are counted


def contradictions_section(kb: KnowledgeBase) -> list[str]:
    """Dated facts and figures articles state differently (kb.importer.facts), for an
    editor to confirm with a 前后矛盾 note, and how: one entry per subject and two sets of
    values, its first PLACES_SHOWN places on each side and how many more."""
    out = ["## Contradictions between articles (candidates)", ""]
    if not kb.contradictions:
        return out + ["None found.", ""]
    out += ["The same subject with a different year or figure in two articles. To confirm one, add the note "
            "below to `notes:` in sources/editorial.yml with the correction and a reference: it is shown on "
            "both places, linked to each other.",
            f"Articles that give the same values are listed together, {PLACES_SHOWN} places on each side at most.", ""]
    for c in kb.contradictions:
        what = {"year": "year", "founded": "year founded", "参数": "parameters"}.get(c.attribute, c.attribute)
        one, other = facts.sides(c)
        values = [" / ".join(dict.fromkeys(f.value for f in side)) for side in (one, other)]
        out.append(f"### {c.subject}: {what} {' vs '.join(values)} ({c.status})")
        out.append("")
        for side in (one, other):
            out += [f"- sources/{f.article}:{f.line}: {f.value}: «{f.text}»" for f in side[:PLACES_SHOWN]]
            rest = side[PLACES_SHOWN:]
            if rest:
                articles = len({f.article for f in rest} - {f.article for f in side[:PLACES_SHOWN]})
                out.append(f"- … and {_count(len(rest), 'more place')} stating {values[side is other]}"
                           + (f" (in {_count(articles, 'more article')})" if articles else ""))
        if c.status != "confirmed":
            first, second = one[0], other[0]
            out += ["", "```yaml",
                    f"  - source: {first.article}", f"    claim: {_yaml(first.text)}", "    kind: 前后矛盾",
                    "    correction: （哪一处正确、正确的说法）", "    reference: （可查证的出处，带日期）",
                    f"    with: {{source: {second.article}, claim: {_yaml(second.text)}}}", "```"]
        out.append("")
    return out


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'s' if n > 1 else ''}"


def _yaml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'



def suggestions(kb: KnowledgeBase) -> list[str]:
    """Recurring names the entity index does not list (kb.importer.link.suggest_entities),
    each with the editorial line that accepts it."""
    found = kb.links.suggestions
    if not found:
        return []
    out = ["## Names not in the entity index", "",
           f"{len(found)} recurring names that {kb.editorial.path} does not list. To add one to the "
           "案例与机构索引, copy its line under `entities:` (add `kind:` company, product, person or org "
           "when you know it).", "", "| name | mentions | articles | for example | accept with |",
           "| --- | ---: | ---: | --- | --- |"]
    for s in found:
        examples = "<br>".join(f"{path}:{line}: {_cell(text)}" for path, line, text in s.examples)
        accept = f"- {{name: {s.name}, aliases: [{', '.join(s.aliases)}]}}" if s.aliases else f"- name: {s.name}"
        out.append(f"| {_cell(s.name)} | {s.count} | {s.articles} | {examples} | `{accept}` |")
    return out + [""]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
