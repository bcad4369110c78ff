"""One KnowledgeBase through the stages: sections carry their drop reason and their override."""
from __future__ import annotations

import pytest
from kb.core.model import KbError
from kb.importer.clean import REASON_TOC
from kb.importer.pipeline import load


def _section(kb, key: str, heading: str):
    article = next(a for a in kb.articles if a.key == key)
    return next(s for s in article.sections() if s.heading == heading)


def _with_overrides(root, text: str) -> None:
    path = root / "sources" / "editorial.yml"
    editorial = path.read_text(encoding="utf-8")
    path.write_text(editorial.replace("overrides:\n", "overrides:\n" + text, 1), encoding="utf-8")


def test_every_section_is_either_placed_or_knows_why_it_was_dropped(kb):
    toc = next(s for a in kb.articles for s in a.sections() if s.kind == "toc")
    assert toc.dropped == REASON_TOC
    assert _section(kb, "000", "7.1 风险识别").dropped is None
    where = kb.placement()
    assert all((s.dropped is None) == ((a.path, s.anchor) in where) for a in kb.articles for s in a.sections())


def test_an_override_is_attached_to_the_section_it_names(kb):
    section = _section(kb, "000", "8.3 挑战与机遇")
    assert section.override is not None and section.override.topic == "risk/challenges"
    assert sum(1 for a in kb.articles for s in a.sections() if s.override) == len(kb.editorial.overrides)


def test_a_drop_override_drops_the_section_and_its_subsections_with_the_editors_reason(scratch):
    _with_overrides(scratch, "  - source: 001_03f5ad9a677c0859.txt\n    heading: 4.1 成功案例分享\n"
                             "    drop: 与第4章重复\n")
    kb, _ = load(scratch / "sources")
    section = _section(kb, "001", "4.1 成功案例分享")
    assert [s.dropped for s in section.walk()] == ["与第4章重复"] * len(list(section.walk()))
    assert not any(u.section is section or section in u.sections() for u in kb.units)


def test_two_overrides_for_one_section_are_an_error_at_the_second(scratch):
    _with_overrides(scratch, "  - source: 000_661c61a2ff7bbbb3.txt\n    heading: 8.3 挑战与机遇\n    unit: true\n")
    text = (scratch / "sources" / "editorial.yml").read_text(encoding="utf-8").splitlines()
    first, second = [n for n, line in enumerate(text, 1) if line == "  - source: 000_661c61a2ff7bbbb3.txt"
                     and text[n] == "    heading: 8.3 挑战与机遇"]
    with pytest.raises(KbError, match=rf"^sources/editorial.yml:{second}: a second override for '8.3 挑战与机遇' "
                                      rf"in 000_661c61a2ff7bbbb3.txt \(the first is at line {first}\)"):
        load(scratch / "sources")
