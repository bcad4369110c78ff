"""Editor's notes (编者注): `notes:` in sources/editorial.yml, checked against the articles,
drawn after their claims, listed on the 勘误表; and the contradictions the import finds."""
from __future__ import annotations

import re
from collections import Counter
import textwrap

import pytest
from kb.core.model import KbError
from kb.importer import report
from kb.core.plan import source_page
from kb.importer.facts import facts
from kb.importer.notes import where
from kb.importer.pipeline import generate, load
from kbtest import REPO

A002 = "002_e776048416465ebb.txt"
A003 = "003_cffaf239e391f1ff.txt"
NERVANA = "Nervana Systems在融资过程中遭遇困难，最终破产"
GPT3_2018 = "**2018年**：GPT-3等AI大模型的发布"


def _add_notes(root, text: str) -> int:
    """Append notes to the scratch editorial file (after its own `notes:`); returns the
    line of the first one."""
    path = root / "sources" / "editorial.yml"
    before = path.read_text(encoding="utf-8").rstrip("\n") + "\n"
    assert before.count("\nnotes:\n") == 1
    path.write_text(before + textwrap.indent(textwrap.dedent(text), "  "), encoding="utf-8")
    return before.count("\n") + 1


def _article(root, name: str, text: str) -> None:
    (root / "sources" / name).write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- the editorial file

def test_a_claim_that_is_not_in_its_article_fails_the_import_with_the_notes_line(scratch):
    line = _add_notes(scratch, f"""\
        - source: {A002}
          claim: "Nervana Systems最终倒闭"
          kind: 事实错误
          correction: 英特尔于 2016 年收购了它。
          reference: "Intel newsroom, 2016-08-09"
        """)
    with pytest.raises(KbError) as error:
        load(scratch / "sources")
    assert str(error.value).startswith(f"sources/editorial.yml:{line}: the claim 'Nervana Systems最终倒闭' "
                                       f"is not in sources/{A002}")


def test_a_claim_that_occurs_twice_fails_the_import_naming_both_lines_of_the_article(scratch):
    line = _add_notes(scratch, f"""\
        - source: {A002}
          claim: "失败的原因包括"
          kind: 表述不清
          correction: 不清楚。
          reference: "a paper, 2020-01-01"
        """)
    with pytest.raises(KbError) as error:
        load(scratch / "sources")
    lines = [i for i, text in enumerate((REPO / "sources" / A002).read_text(encoding="utf-8").splitlines(), 1)
             if "失败的原因包括" in text]
    assert len(lines) == 2
    assert str(error.value).startswith(
        f"sources/editorial.yml:{line}: the claim '失败的原因包括' occurs 2 times in sources/{A002} "
        f"(sources/{A002}:{lines[0]} and sources/{A002}:{lines[1]})")


def test_a_note_for_an_article_that_is_not_there_is_told_in_the_report_and_left_out(scratch):
    placed = len(load(scratch / "sources")[0].notes)
    line = _add_notes(scratch, """\
        - source: 009_missing.txt
          claim: "任何文字"
          kind: 事实错误
          correction: 无。
          reference: "a paper, 2020-01-01"
        """)
    kb, warnings = load(scratch / "sources")
    assert warnings == []
    assert [(p.severity, str(p)) for p in kb.problems] == [
        ("info", f"sources/editorial.yml:{line}: note for 009_missing.txt, which is not in sources/, ignored")]
    assert len(kb.notes) == placed
    assert f"info [note] sources/editorial.yml:{line}: note for 009_missing.txt" in report.review(kb)


@pytest.mark.parametrize("fields, problem", [
    ("kind: 错误\n  correction: x\n  reference: y", "note kind '错误' is not one of 事实错误 | 已过时"),
    ("kind: 事实错误\n  correction: x", "a note needs `reference:`"),
    ("kind: 事实错误\n  reference: y", "a note needs `correction:`"),
    ("kind: 事实错误\n  correction: x\n  reference: y\n  source_url: z", "unknown key `source_url` in a note"),
    ("kind: 事实错误\n  correction: x\n  reference: y\n  url: javascript:alert(1)", "is not an http(s) address"),
    ("kind: 事实错误\n  correction: x\n  reference: y\n  with: {source: a.txt}", "`with:` belongs to a 前后矛盾 note"),
])
def test_a_note_without_what_it_needs_is_an_error_with_its_line(scratch, fields, problem):
    line = _add_notes(scratch, f"- source: {A002}\n  claim: \"{NERVANA}\"\n  {fields}\n")
    with pytest.raises(KbError) as error:
        load(scratch / "sources")
    assert str(error.value).startswith("sources/editorial.yml:")
    assert line <= error.value.line <= line + 5
    assert problem in str(error.value)


def test_a_markup_correction_needs_no_reference(kb):
    markup = [n for n in kb.notes if n.note.kind == "标记修正"]
    assert [(n.article, n.line, n.note.reference) for n in markup] == [(A002, 403, "")]


def test_the_source_files_stay_byte_for_byte_as_given(kb):
    article = next(a for a in kb.articles if a.path == A002)
    raw = (REPO / "sources" / A002).read_text(encoding="utf-8")
    assert "\\end{for}" in raw and article.lines[402].strip() == "\\end{for}"


# --------------------------------------------------------------------------- on the pages

@pytest.fixture(scope="module")
def files():
    out, warnings = generate(REPO / "sources")
    assert warnings == []
    return out


def _note_after(text: str, claim_id: str) -> tuple[str, str]:
    """(the line that marks the claim, the note that follows it) on a page."""
    mark = re.search(rf'^.*<mark class="kb-claim" id="{claim_id}">.*$', text, re.M)
    assert mark, claim_id
    note = re.search(r'\n\s*!!! note kb-note "编者注"\n(?:\s*\n|\s{4,}.*\n)+', text[mark.end():])
    assert note and note.start() < 3, text[mark.end():mark.end() + 300]   # right after, nothing between
    return mark.group(0), note.group(0)


def test_a_note_follows_its_claim_on_the_topic_page(files):
    mark, note = _note_after(files["cases/failure.md"], "claim-002-535")
    assert f">{NERVANA}</mark>" in mark
    assert "**事实错误**：Nervana Systems 并未破产" in note
    assert "{ #note-002-535 }" in note
    assert "出处：[Tech Times" in note and "2016-08-09" in note
    assert "原文位置：[《AI大模型创业：如何应对未来竞争对手？》第 535 行](../sources/002.md#note-002-535)" in note
    # The claim was a list item: the note is inside it (indented), before the next item.
    assert mark.startswith("2. ") and re.search(r"^    !!! note", note, re.M)
    after = files["cases/failure.md"].split(note, 1)[1]
    assert after.startswith("3. **缺乏市场需求**")


def test_the_source_page_marks_the_same_place_and_links_to_the_note(files):
    mark, note = _note_after(files["sources/002.md"], "claim-002-535")
    assert f">{NERVANA}</mark>" in mark
    assert "知识库中的位置：[案例分析 › 失败案例](../cases/failure.md#note-002-535)" in note


def test_a_claim_in_bold_is_marked_whole_and_its_note_follows_the_list_item(files):
    mark, note = _note_after(files["overview/history.md"], "claim-003-116")
    assert mark == f'5. <mark class="kb-claim" id="claim-003-116">{GPT3_2018}</mark>，展示了AI大模型在自然语言处理领域的强大能力。'
    assert "arXiv:2005.14165" in note and "(https://arxiv.org/abs/2005.14165)" in note


def test_the_broken_formula_shows_its_replacement_and_a_note_after_its_block(files):
    for page in ("tech/math.md", "sources/002.md"):
        text = files[page]
        assert "\\end{for}\n" not in text and "    \\text{end for}\n    $$\n\n    !!! note kb-note \"编者注\"" in text
        assert "原文：`\\end{for}`；本站显示为：`\\text{end for}`" in text
        assert "<mark" not in text.split("\\text{end for}")[0].rsplit("$$", 1)[-1]   # no tag inside maths


def test_the_errata_page_lists_every_note_with_its_claim_correction_reference_and_place(kb, files):
    errata = files["errata.md"]
    assert errata.startswith("# 勘误表\n")
    assert f"全部 {len(kb.notes)} 条编者注，涉及 {len({n.article for n in kb.notes})} 篇文章" in errata
    places = where(kb, source_page)
    for at in kb.notes:
        entry = errata.split(f"{{ #{at.note_id} }}", 1)[1].split("\n### ", 1)[0]
        assert at.note.correction in entry
        assert ("出处：" in entry) == bool(at.note.reference)
        assert at.note.reference.replace("**", "")[:20] in entry
        quoted = f"`{at.note.place.claim}`" if at.note.kind == "标记修正" else f"「{at.note.place.claim.replace('**', '')}」"
        assert f"原文：{quoted}" in entry
        assert f"知识库中的位置：[{places[at.id].topic_title}]({places[at.id].topic_page}#{at.note_id})" in entry
        assert f"(sources/{at.article[:3]}.md#" in entry


def test_the_errata_page_is_in_the_navigation_with_the_other_reference_pages(files):
    assert "- 勘误表: errata.md\n" in files[".nav.yml"]


def test_no_marker_of_the_notes_is_left_on_any_page(files):
    leftovers = {page: re.findall("[\ue000-\ue003]", text) for page, text in files.items()}
    assert {page: found for page, found in leftovers.items() if found} == {}


def test_the_import_report_counts_the_notes_by_kind_and_article(kb):
    review = report.review(kb)
    kinds = Counter(n.note.kind for n in kb.notes)
    assert f"{len(kb.notes)} notes: " + ", ".join(f"{n} {kind}" for kind, n in kinds.most_common()) + "." in review
    assert set(kinds) == {"事实错误", "已过时", "前后矛盾", "表述不清", "标记修正"}
    lines_002 = sorted(n.line for n in kb.notes if n.article == A002)
    assert {403, 535, 120} <= set(lines_002)
    assert f"- sources/{A002}: {len(lines_002)} (lines {', '.join(map(str, lines_002))})" in review


# --------------------------------------------------------------------------- hostile placements

def test_a_claim_in_a_heading_code_span_or_code_block_is_noted_without_a_tag(empty_scratch):
    _article(empty_scratch, "x.md", "# 标题\n\n## 2018年发布 GPT-3\n\n正文里有 `GPT-3 in 2018` 这样的代码。\n\n"
             "```\nGPT-3: 2018\n```\n\n结尾。\n\n1.1 一个没有井号的标题\n\n正文。\n")
    _add_notes(empty_scratch, """\
        - {source: x.md, claim: "2018年发布 GPT-3", kind: 事实错误, correction: 甲。, reference: "r, 2020-05-28"}
        - {source: x.md, claim: "GPT-3 in 2018", kind: 事实错误, correction: 乙。, reference: "r, 2020-05-28"}
        - {source: x.md, claim: "GPT-3: 2018", kind: 事实错误, correction: 丙。, reference: "r, 2020-05-28"}
        - {source: x.md, claim: "没有井号的标题", kind: 表述不清, correction: 丁。, reference: "r, 2020-05-28"}
        """)
    files, warnings = generate(empty_scratch / "sources")
    page = next(text for path, text in files.items() if "**事实错误**：甲。" in text and not path.startswith("sources/"))
    assert "<mark" not in page
    # The heading's note opens its section; the others follow their paragraph and their block.
    body = page.split("2018年发布 GPT-3", 1)[1]
    assert body.index("甲。") < body.index("`GPT-3 in 2018`") < body.index("乙。") < body.index("```\nGPT-3: 2018\n```") \
        < body.index("丙。") < body.index("结尾。")
    assert body.index("没有井号的标题") < body.index("丁。") < body.index("正文。")
    # The 勘误表 sends readers to the notes themselves, which are on the page.
    anchors = re.findall(r"\]\([a-z]+/[a-z-]+\.md#([a-z0-9-]+)\)", files["errata.md"])
    assert len(anchors) == 8                        # each note: its topic page and its article's page
    for anchor in anchors:
        assert any(f"{{ #{anchor} }}" in text or f'id="{anchor}"' in text for text in files.values()), anchor


def test_words_that_cut_through_bold_are_not_tagged_and_their_note_still_follows(scratch):
    _add_notes(scratch, f"""\
        - source: {A003}
          claim: "2006年**：杰弗里·辛顿"
          kind: 表述不清
          correction: 说明。
          reference: "r, 2006-07-28"
        """)
    files, _ = generate(scratch / "sources")
    text = files["overview/history.md"]
    item = text.split("3. **2006年**：杰弗里·辛顿", 1)[1]
    assert item.index("说明。") < item.index("4. **2012年**")
    assert "<mark" not in item.split("说明。")[0]


def test_a_claim_in_indented_code_gets_its_note_after_the_code_at_the_margin(empty_scratch):
    _article(empty_scratch, "y.md", "# 标题\n\n## 资源\n\n示例：\n\n    run_model(on='手机')\n    done()\n\n结尾段落。\n")
    _add_notes(empty_scratch, """\
        - {source: y.md, claim: "run_model(on='手机')", kind: 表述不清, correction: 戊。, reference: "r, 2024-11-04"}
        """)
    files, _ = generate(empty_scratch / "sources")
    page = next(text for path, text in files.items() if "戊。" in text and not path.startswith("sources/")
                and path != "errata.md")
    assert "    run_model(on='手机')\n    done()\n\n!!! note kb-note \"编者注\"" in page
    assert "<mark" not in page


def test_two_notes_on_the_same_words_mark_them_once_and_both_follow(scratch):
    _add_notes(scratch, f"""\
          - source: {A002}
            claim: "{NERVANA}"
            kind: 表述不清
            correction: 另一条说明。
            reference: "r, 2016-08-09"
        """)
    files, _ = generate(scratch / "sources")
    text = files["cases/failure.md"]
    assert text.count("<mark") == 1
    assert text.index("Nervana Systems 并未破产") < text.index("另一条说明。") < text.index("3. **缺乏市场需求**")


# --------------------------------------------------------------------------- contradictions

def test_dated_facts_are_read_with_the_year_nearest_their_subject(kb):
    found = {(f.subject, f.value, f.article[:3], f.line) for f in facts(kb)}
    assert {("GPT-3", "2020", "002", 120), ("GPT-3", "2018", "003", 116), ("AlexNet", "2012", "000", 95),
            ("LSTM", "2014", "000", 95), ("OpenAI", "2015", "002", 503)} <= found
    assert ("AlexNet", "2014", "000", 95) not in found


def test_a_clause_that_starts_with_a_year_takes_the_subject_of_its_neighbour():
    # Real text (d2l-zh, pingcap/docs-cn) once stopped kb import here with StopIteration:
    # the clause without a subject borrows the other clause's at position 0, where its year starts.
    from kb.core.model import Article
    from kb.importer.facts import article_facts
    article = Article(path="x.md", key="x", lines=["1997年，为了收集评分数据，明尼苏达大学的GroupLens实验室创建了本数据集。",
                                                   "2017 年 6 月 16 日，TiDB 正式发布 RC3 版。"])
    found = {(f.subject, f.attribute, f.value, f.line) for f in article_facts(article, {}, set())}
    assert found == {("GroupLens", "year", "1997", 1), ("TiDB", "year", "2017", 2), ("RC3", "year", "2017", 2)}


def test_the_import_finds_gpt3_dated_2018_and_2020_as_a_contradiction_candidate(kb):
    years = [(c.subject, c.attribute, [(f.article[:3], f.line, f.value) for f in c.facts], c.status)
             for c in kb.contradictions]
    # sources/editorial.yml confirms it with a 前后矛盾 note (see the next test).
    assert ("GPT-3", "year", [("002", 120, "2020"), ("003", 116, "2018")], "confirmed") in years
    review = report.review(kb)
    assert "### GPT-3: year 2020 vs 2018 (confirmed)" in review
    assert f"- sources/{A003}:116: 2018: «{GPT3_2018}»" in review
    assert report.contradictions_line(kb) == ("kb import: 1 possible contradictions between articles, 0 without a "
                                              "note (see build/import-report.md)")


def test_agreeing_articles_are_no_candidate(kb):
    subjects = {c.subject for c in kb.contradictions}
    assert not subjects & {"AlexNet", "OpenAI", "DeepMind", "杰弗里·辛顿"}


def test_two_small_articles_with_different_years_for_one_model_are_a_candidate(empty_scratch):
    _article(empty_scratch, "a.md", "# A\n\n## 历史\n\n1. **2019年**：FooNet发布，拥有10亿参数。\n")
    _article(empty_scratch, "b.md", "# B\n\n## 历史\n\nFooNet于2021年发布，拥有30亿参数。\n")
    kb, _ = load(empty_scratch / "sources")
    found = {(c.subject, c.attribute, tuple(f.value for f in c.facts)) for c in kb.contradictions}
    assert found == {("FooNet", "year", ("2019", "2021")), ("FooNet", "参数", ("10亿", "30亿"))}


def test_a_confirmed_contradiction_becomes_a_note_on_both_places_linked_to_each_other(kb, files):
    # sources/editorial.yml confirms the GPT-3 candidate with a note naming the other place (`with:`).
    gpt3 = next(c for c in kb.contradictions if c.subject == "GPT-3")
    assert gpt3.status == "confirmed"
    text = files["overview/history.md"]
    notes = re.findall(r"\*\*前后矛盾\*\*：《AI大模型创业：如何应对未来竞争对手？》记 GPT-3 于 2020 年发布.*\n\s*\{ #(note-\d+-\d+(?:-\d)?) \}", text)
    # 003's words already carry a note (事实错误), which marks them: the second note follows it.
    assert sorted(notes) == ["note-002-120", "note-003-116-2"]
    # Each links to the other place.
    assert "另见：[《AI大模型创业：如何利用未来优势？》第 116 行](history.md#note-003-116-2)" in text
    assert "另见：[《AI大模型创业：如何应对未来竞争对手？》第 120 行](history.md#note-002-120)" in text
    assert files["errata.md"].count("### 前后矛盾") == sum(n.note.kind == "前后矛盾" for n in kb.notes)


def test_facts_from_the_cache_are_those_read_from_the_articles(kb, tmp_path, monkeypatch):
    from kb.core.cache import Cache
    from kb.importer import facts as facts_module

    cache = Cache(tmp_path)
    expected = facts(kb)
    assert facts(kb, cache) == expected
    cache.save()
    again, _ = load(REPO / "sources")
    # A later run reads no article again: it only compares.
    monkeypatch.setattr(facts_module, "article_facts", lambda article, *_: pytest.fail(f"{article.path} read again"))
    assert facts(kb, Cache(tmp_path)) == expected
    assert facts_module.compare(again, Cache(tmp_path)).contradictions == kb.contradictions


def test_many_articles_repeating_one_conflict_are_one_candidate_with_its_places_counted(empty_scratch):
    # Twelve articles: seven give FooNet 2019, five 2021 (copies of two articles, as the bench's corpus).
    for k in range(12):
        year = 2019 if k % 2 == 0 or k == 11 else 2021
        _article(empty_scratch, f"{k:02d}.md", f"# A{k}\n\n## 历史\n\nFooNet于{year}年发布。\n")
    kb, _ = load(empty_scratch / "sources")
    assert [(c.subject, c.attribute, c.status) for c in kb.contradictions] == [("FooNet", "year", "candidate")]
    places = kb.contradictions[0].facts
    assert [f.article for f in places] == [f"{k:02d}.md" for k in range(12)]
    review = report.review(kb)
    section = review[review.index("## Contradictions between articles"):]
    assert section.count("### ") == 1 and "### FooNet: year 2019 vs 2021 (candidate)" in section
    shown = re.findall(r"^- sources/(\d\d)\.md:5: (\d+):", section, re.M)
    assert shown == [("00", "2019"), ("02", "2019"), ("04", "2019"), ("01", "2021"), ("03", "2021"), ("05", "2021")]
    assert "- … and 4 more places stating 2019 (in 4 more articles)" in section
    assert "- … and 2 more places stating 2021 (in 2 more articles)" in section
    # One note to paste, naming a place on each side.
    assert section.count("```yaml") == 1
    assert "  - source: 00.md\n" in section and "    with: {source: 01.md, claim: " in section
    assert report.contradictions_line(kb).startswith("kb import: 1 possible contradictions between articles, 1 ")


def test_articles_with_three_different_values_are_a_candidate_for_each_two(empty_scratch):
    for k, year in enumerate([2019, 2021, 2019, 2023]):
        _article(empty_scratch, f"{k}.md", f"# A{k}\n\n## 历史\n\nFooNet于{year}年发布。\n")
    kb, _ = load(empty_scratch / "sources")
    found = [(c.subject, [(f.article, f.value) for f in c.facts]) for c in kb.contradictions]
    assert found == [("FooNet", [("0.md", "2019"), ("1.md", "2021"), ("2.md", "2019")]),
                     ("FooNet", [("0.md", "2019"), ("2.md", "2019"), ("3.md", "2023")]),
                     ("FooNet", [("1.md", "2021"), ("3.md", "2023")])]
