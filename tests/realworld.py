"""The real-world corpus (tests/fixtures/realworld/) imported and built in a scratch project."""
from __future__ import annotations

import shutil
from pathlib import Path

from kb.bench import quality
from kb.bench.quality import HEADING_RESIDUE, TAG_TEXT  # noqa: F401 (what the tests look for, as the bench)
from kbtest import REPO

CORPUS = REPO / "tests" / "fixtures" / "realworld"
ARTICLES = sorted(p for p in CORPUS.rglob("*.md") if p.parent != CORPUS)


def build(dest: Path) -> Path:
    """Import the corpus into a scratch project at dest and build it; the site folder.

    Each article is copied flat as `<repository>__<name>` (articles in folders are another
    part of issue 14). The build is not strict: images that the site does not copy yet
    (same issue, another part) are warnings of MkDocs' link validation here.
    """
    from kb.cli import main
    from kb.core.project import scratch_copy
    from kb.site.build import build_date, mkdocs_logging
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    project = scratch_copy(REPO, dest)
    for article in ARTICLES:
        repo = article.relative_to(CORPUS).parts[0]
        shutil.copyfile(article, project.sources / f"{repo}__{article.name}")
    assert main(["--root", str(dest), "import"]) == 0
    with mkdocs_logging(), build_date(dest):
        config = load_config(config_file=str(dest / "mkdocs.yml"), strict=False)
        config.plugins.on_startup(command="build", dirty=False)
        try:
            mkdocs_build(config)
        finally:
            config.plugins.on_shutdown()
    return dest / "site"


def visible_text(page: Path, *, headings: bool = True):
    """(text, in_code) for every text node of the page's article, maths counted as code
    (kb.bench.quality.visible_text, which `kb bench import-quality` counts with)."""
    return quality.visible_text(quality.soup(page), headings=headings)


def headings(page: Path) -> list[str]:
    """The text of every heading, table-of-contents entry and source note of a page."""
    return quality.heading_texts(quality.soup(page))
