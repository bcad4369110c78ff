"""incremental: the import again after an edit, for `kb serve`.

`kb serve` imports sources/ in its own process on every edit to an article. The whole
import at 50 articles takes seconds, and an edit changes one article; so `Importer` keeps
what its last import made and does again only what the changed articles touch. It writes
the docs/ that `kb import` writes (pipeline.generate; tests/test_serve.py holds them
equal):

- read: every article file is read again (cheap); an article whose text, key and page are
  the same keeps its object from the last import, parsed, its images resolved, cleaned and
  with its overrides; a new or changed article goes through images, parse and clean alone;
- the editor's notes are found again in every article (they are few);
- classify: an unchanged article keeps its units, where placing it again would give the
  same (classify.place_all);
- link: related sections (again, from the words of each unit, which are memoised) and
  entity mentions (memoised per section). The names worth adding to the entity index and
  the contradiction candidates are only for the import report, which kb serve does not
  write: they are not looked for;
- write: only the topic and source pages whose makings changed are written again
  (pages.PageMemo); the others, the manifest and the navigation are cheap.

A change to the editorial file, or to a file in sources/ that is not an article (an image
an article draws), starts again from nothing: the whole import, kept for the next edit.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from pathlib import Path

from kb.core.context import Context
from kb.core.editorial import EDITORIAL_FILE
from kb.core.model import Article, KnowledgeBase, Problem
from kb.importer import link as linking
from kb.importer import notes
from kb.importer.classify import Placed, Similarities, load_learner, place_articles
from kb.importer.clean import clean
from kb.importer.images import asset_path, images
from kb.importer.pages import PageMemo, pages
from kb.importer.parse import attach_overrides, parse_all
from kb.importer.pipeline import read


class Importer:
    """sources/ -> {path under docs/: text}, again and again, in one process (kb serve)."""

    def __init__(self, src_dir: Path, context: Context):
        self.src_dir, self.context = src_dir, context
        self.memo = PageMemo()
        self.related = linking.RelatedIndex()
        self.similarities = Similarities()
        self._editorial = None
        self._articles: dict[str, Article] = {}          # path -> the article as the last import left it
        self._problems: dict[str, list[Problem]] = {}    # path -> what images and clean told of it
        self._placed: Placed | None = None
        self.reused: list[str] = []                      # the articles the last call did not import again

    def generate(self, changed: Collection[str] | None = None) -> tuple[dict[str, str], list[str]]:
        """{path under docs/: text} and warnings, as pipeline.generate. `changed`: the paths
        under sources/ that changed since the last call (None: not known; all of them)."""
        if changed is None or EDITORIAL_FILE in changed or self._editorial is None:
            self.forget()
        context, clock = self.context, self.context.clock
        with clock.stage("read"):
            kb, warnings = read(self.src_dir, self._editorial)
            paths = {a.path for a in kb.articles}
            if changed is not None and any(p not in paths and p not in self._articles for p in changed):
                self.forget()          # an image or another file the articles may name
            fresh: list[Article] = []
            for i, article in enumerate(kb.articles):
                old = self._articles.get(article.path)
                if old is not None and (old.lines, old.key, old.page) == (article.lines, article.key, article.page):
                    kb.articles[i] = old
                else:
                    fresh.append(article)
            new = {id(a) for a in fresh}        # by identity: an Article compares field by field
            # The new and changed articles, through the per-article stages on their own.
            alone = KnowledgeBase(kb.editorial, fresh)
            images(alone, self.src_dir)
        with clock.stage("parse"):
            attach_overrides(parse_all(alone, context.cache))
            notes.locate(kb)
        with clock.stage("clean"):
            alone.notes = kb.notes
            clean(alone)
        told: dict[str, list[Problem]] = defaultdict(list)
        for problem in alone.problems:
            told[problem.path].append(problem)
        problems = {a.path: told[a.shown] if id(a) in new else self._problems.get(a.path, [])
                    for a in kb.articles}
        kb.problems = [p for a in kb.articles for p in problems[a.path]] + kb.problems
        with clock.stage("classify"):
            kept = {a.path: self._placed.units[a.path] for a in kb.articles
                    if self._placed is not None and id(a) not in new and a.path in self._placed.units}
            placed = place_articles(kb, context.segmenters, context.cache,
                                    Placed(self._placed.model, kept) if self._placed is not None else None,
                                    self.similarities)
        with clock.stage("link"):
            linking.link(kb, context.segmenters, related=self.related, suggest=False)
        with clock.stage("write"):
            files = pages(kb, context.segmenters, self.memo)
        self._editorial = kb.editorial
        self._articles = {a.path: a for a in kb.articles}
        self._problems = problems
        self._placed = placed
        self.reused = [a.path for a in kb.articles if id(a) not in new]
        return files, warnings + [str(p) for p in kb.problems if p.severity == "warning"]

    def warm_up(self) -> None:
        """Load now what the first edit would: scikit-learn, when a model places articles
        nobody reviewed (an edit to a reviewed article trains it again)."""
        if self._placed is not None and self._placed.model:
            load_learner()

    def drawn(self) -> dict[str, Path]:
        """Site path -> image file in sources/, for every image the last import's articles
        draw (what the kb plugin copies into the site)."""
        return {asset_path(image): self.src_dir / image.file
                for article in self._articles.values() for image in article.images if image.file is not None}

    def forget(self) -> None:
        """Start again from nothing at the next call (after a failed import, which may have
        left an article half-made)."""
        self.memo, self.related, self.similarities = PageMemo(), linking.RelatedIndex(), Similarities()
        self._editorial, self._articles, self._problems, self._placed = None, {}, {}, None
