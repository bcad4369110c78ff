"""kb serve's import (kb.importer.incremental): after each edit, exactly the docs/ that
`kb import` writes from nothing, having imported again only what the edit touched.

The project's five articles (reviewed) and two copies nobody reviewed (kb.bench.corpus), so
an edit to a reviewed article changes the model that places the copies. The edits run in
order, each on the sources the one before left."""
from __future__ import annotations

import shutil

import pytest
from kb.bench import corpus
from kb.core.context import Context
from kb.core.model import KbError
from kb.importer.incremental import Importer
from kb.importer.pipeline import generate
from kbtest import REPO

REVIEWED = "000_661c61a2ff7bbbb3.txt"
OTHER = "001_03f5ad9a677c0859.txt"


@pytest.fixture(scope="module")
def importer(tmp_path_factory):
    root = corpus.scratch_root(REPO, tmp_path_factory.mktemp("incremental") / "root", 7)
    made = Importer(root / "sources", Context.in_memory())
    made.generate()
    return made


@pytest.fixture(scope="module")
def reference():
    """`kb import` from nothing (its own context: memoised cuts only)."""
    context = Context.in_memory()
    return lambda src: generate(src, context)[0]


def _copies(importer) -> list[str]:
    return sorted(p.name for p in importer.src_dir.glob("00[5-9]_*.txt"))


def _edit(importer, name: str, old: str, new: str) -> set[str]:
    path = importer.src_dir / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return {name}


def _prose(importer, name: str) -> str:
    """A line of plain Chinese prose of the article, long enough to be unique."""
    lines = (importer.src_dir / name).read_text(encoding="utf-8").split("\n")
    return next(line for line in lines if len(line) > 40 and line[0] > "\u4e00" and lines.count(line) == 1)


def test_a_sentence_changed_in_a_reviewed_article_gives_the_import_from_nothing(importer, reference):
    changed = _edit(importer, REVIEWED, (line := _prose(importer, REVIEWED)), line + "鲲鹏预览测试。")
    files, _ = importer.generate(changed)
    assert files == reference(importer.src_dir)
    assert len(importer.reused) == 6 and REVIEWED not in importer.reused
    # Its article's page and the topic page of that sentence; no other page is written again.
    assert "sources/000.md" in importer.memo.written and len(importer.memo.written) <= 3


def test_a_sentence_changed_in_an_article_nobody_reviewed_gives_the_import_from_nothing(importer, reference):
    copy = _copies(importer)[0]
    changed = _edit(importer, copy, (line := _prose(importer, copy)), line + "鲲鹏副本测试。")
    assert importer.generate(changed)[0] == reference(importer.src_dir)
    assert len(importer.reused) == 6 and len(importer.memo.written) <= 3


def test_a_common_word_gone_from_a_whole_article_gives_the_import_from_nothing(importer, reference):
    # The weight of 用户 changes in every section: the related sections of most units. (In a
    # copy: the editor's notes quote the real articles' words.)
    copy = _copies(importer)[1]
    path = importer.src_dir / copy
    path.write_text(path.read_text(encoding="utf-8").replace("用户", "顾客"), encoding="utf-8")
    assert importer.generate({copy})[0] == reference(importer.src_dir)


def test_a_new_heading_gives_the_import_from_nothing(importer, reference):
    line = _prose(importer, REVIEWED)
    changed = _edit(importer, REVIEWED, line, line + "\n\n## 鲲鹏新增小节\n\n风险识别需要持续的市场调研与用户反馈。")
    assert importer.generate(changed)[0] == reference(importer.src_dir)


def test_an_article_added_then_removed_gives_the_import_from_nothing(importer, reference):
    new = importer.src_dir / "050_new.txt"
    shutil.copyfile(importer.src_dir / _copies(importer)[1], new)
    assert importer.generate({new.name})[0] == reference(importer.src_dir)
    new.unlink()
    assert importer.generate({new.name})[0] == reference(importer.src_dir)


def test_an_article_that_fails_to_import_leaves_the_last_import_to_build_on(importer, reference):
    line = _prose(importer, OTHER)
    changed = _edit(importer, OTHER, line, line + "\n\n```python\n未闭合的代码块\n")
    with pytest.raises(KbError, match="never closed"):
        importer.generate(changed)
    _edit(importer, OTHER, "\n\n```python\n未闭合的代码块\n", "")
    assert importer.generate(changed)[0] == reference(importer.src_dir)
    # Back as it was at the last import that succeeded: nothing is made again.
    assert len(importer.reused) == 7 and importer.memo.written == []


def test_a_new_image_file_imports_everything_again(importer, reference):
    (importer.src_dir / "pics").mkdir()
    (importer.src_dir / "pics" / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    assert importer.generate({"pics/a.png"})[0] == reference(importer.src_dir)
    assert importer.reused == []
