"""The import pipeline as one readable sequence: read -> parse (and find the editor's notes)
-> clean -> classify -> link (and compare dated facts) -> write.

Each stage takes the KnowledgeBase and returns it with its part done (kb.core.model).
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from kb.core.clock import Clock
from kb.core.context import Context
from kb.core.editorial import check_site_name, load_editorial
from kb.core.model import KbError, KnowledgeBase
from kb.core.plan import SitePlan, site_plan
from kb.core.project import CONFIG_FILE
from kb.importer import facts, notes
from kb.importer.classify import classify
from kb.importer.clean import clean
from kb.importer.images import images
from kb.importer.link import link
from kb.importer.pages import pages
from kb.importer.parse import attach_overrides, parse_all
from kb.importer.source import read_sources


def load(src_dir: Path, context: Context | None = None) -> tuple[KnowledgeBase, list[str]]:
    """Read and place every article in src_dir; returns the knowledge base and warnings.
    `context`: the run's caches, segmenters and clock (None: in memory, untimed)."""
    context = context or Context.in_memory()
    clock = context.clock
    with clock.stage("read"):
        kb, warnings = read(src_dir)
        kb = images(kb, src_dir)
    with clock.stage("parse"):
        kb = notes.locate(attach_overrides(parse_all(kb, context.cache)))
    with clock.stage("clean"):
        kb = clean(kb)
    with clock.stage("classify"):
        kb = classify(kb, context.segmenters, context.cache)
    with clock.stage("link"):
        kb = facts.compare(link(kb, context.segmenters, context.cache), context.cache)
    return kb, warnings + [str(p) for p in kb.problems if p.severity == "warning"]


def generate(src_dir: Path, context: Context | None = None, *,
             clock: Clock | None = None) -> tuple[dict[str, str], list[str]]:
    """{path under docs/: text} for the sources in src_dir, and warnings. `clock` times
    the stages in place of the context's (kb bench's probe passes one)."""
    _, files, warnings = import_sources(src_dir, context, clock=clock)
    return files, warnings


def import_sources(src_dir: Path, context: Context | None = None, *,
                   clock: Clock | None = None) -> tuple[KnowledgeBase, dict[str, str], list[str]]:
    """The knowledge base, {path under docs/: text} and warnings (what `kb import` reports)."""
    context = context or Context.in_memory()
    if clock is not None:
        context = replace(context, clock=clock)
    kb, warnings = load(src_dir, context)
    with context.clock.stage("write"):
        return kb, pages(kb, context.segmenters), warnings


def read(src_dir: Path) -> tuple[KnowledgeBase, list[str]]:
    """The editorial file and the articles, as lines; warnings for what is left out."""
    editorial = load_editorial(src_dir)
    check_site_name(editorial, src_dir.parent / CONFIG_FILE)
    articles, warnings = read_sources(src_dir, editorial.ignore)
    if not articles:
        raise KbError(src_dir.name, None, "no articles found", "add .txt or .md articles to sources/")
    names = {a.path for a in articles}
    for ov in editorial.overrides:
        if ov.source not in names:
            warnings.append(f"{editorial.path}:{ov.line}: override for {ov.source}, which is not in sources/, ignored")
    return KnowledgeBase(editorial, articles), warnings


def plan(src_dir: Path) -> SitePlan:
    """The site plan from the editorial file and the article files alone, without an
    import: what the site side (plugin, search, export) reads page roles from. Every
    topic is listed, and the articles' titles are unknown (None)."""
    editorial = load_editorial(src_dir)
    articles, _ = read_sources(src_dir, editorial.ignore)
    return site_plan(editorial, articles)
