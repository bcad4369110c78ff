"""The import pipeline as one readable sequence: read -> parse -> clean -> classify -> link -> write."""
from __future__ import annotations

from pathlib import Path

from .classify import classify, units
from .clean import drops, find_section
from .clock import OFF, Clock
from .editorial import load_editorial
from .link import link
from .model import KbError
from .parse import parse
from .source import read_sources
from .write import KnowledgeBase, pages


def load(src_dir: Path, clock: Clock = OFF) -> tuple[KnowledgeBase, list[str]]:
    """Read and place every article in src_dir; returns the knowledge base and warnings."""
    with clock.stage("read"):
        editorial = load_editorial(src_dir)
        articles, warnings = read_sources(src_dir)
    if not articles:
        raise KbError(src_dir.name, None, "no articles found", "add .txt or .md articles to sources/")
    names = {a.path for a in articles}
    for ov in editorial.overrides:
        if ov.source not in names:
            warnings.append(f"{editorial.path}:{ov.line}: override for {ov.source}, which is not in sources/, ignored")
    dropped: dict[str, dict[str, str]] = {}
    placed = []
    for article in articles:
        with clock.stage("parse"):
            parse(article)
        with clock.stage("clean"):
            for ov in editorial.overrides:
                if ov.source == article.path:
                    find_section(article, ov.heading, editorial.path, ov.line)
            dropped[article.path] = drops(article, editorial)
        with clock.stage("classify"):
            placed.extend(classify(units(article, dropped[article.path], editorial), dropped[article.path], editorial))
    with clock.stage("link"):
        links = link(placed, dropped, editorial.glossary, editorial.entities)
    return KnowledgeBase(editorial, articles, dropped, placed, links), warnings


def generate(src_dir: Path, clock: Clock = OFF) -> tuple[dict[str, str], list[str]]:
    """{path under docs/: text} for the sources in src_dir, and warnings."""
    kb, warnings = load(src_dir, clock)
    with clock.stage("write"):
        return pages(kb), warnings
