"""link: glossary links, entity mentions, related sections and flowcharts."""
from __future__ import annotations

from kb.core.context import Context
from kb.core.editorial import default_labels
from kb.core.model import Editorial, Term
from kb.core.segment import words_segmenter
from kb.importer.link import (
    TermLinker,
    count_names,
    flow_steps,
    glossary_id,
    mentions,
    mermaid_flow,
)

FLOW = default_labels().flow
FL = Term("联邦学习", "一种分布式机器学习方法。", ["Federated Learning"])
GIT = Term("Git", "分布式版本控制系统。")
# The segmenter the import links with, its user dictionary made of these terms.
WORDS = words_segmenter(Context.in_memory().segmenters, Editorial([], [], glossary=[FL, GIT]))


def test_only_the_first_mention_on_a_page_is_linked_with_its_definition_as_tooltip():
    link = TermLinker([FL], "../glossary.md", WORDS)
    out = link(["联邦学习保护隐私。", "再说联邦学习。"])
    assert out[0] == f'[联邦学习](../glossary.md#{glossary_id(FL)} "一种分布式机器学习方法。")保护隐私。'
    assert out[1] == "再说联邦学习。" and link.made == 1


def test_code_maths_headings_and_existing_links_are_left_alone():
    link = TermLinker([FL], "g.md", WORDS)
    lines = ["## 联邦学习", "```", "联邦学习", "```", "$$", "联邦学习", "$$", "`联邦学习` 与 [联邦学习](x.md)",
             "| 联邦学习 |"]
    assert link(lines) == lines and link.made == 0


def test_a_term_in_code_is_left_for_its_first_mention_in_prose():
    for code in (["~~~", "```", "联邦学习", "~~~"], ["````", "```", "联邦学习", "```", "````"],
                 ["正文。", "", "    联邦学习 = 1"], ["`` a ` 联邦学习 ``"]):
        link = TermLinker([FL], "g.md", WORDS)
        out = link([*code, "", "再说联邦学习。"])
        assert out[:len(code)] == code and out[-1].startswith("再说[联邦学习](g.md"), code


def test_dollar_prices_are_not_maths_so_a_term_between_them_is_linked():
    link = TermLinker([FL], "g.md", WORDS)
    assert link(["成本从 $5，因联邦学习降到 $2。"])[0].startswith("成本从 $5，因[联邦学习](g.md")


def test_a_line_opening_with_dollars_that_never_close_is_prose():
    link = TermLinker([FL], "g.md", WORDS)
    assert link(["$$ 不是公式", "", "联邦学习。"])[2].startswith("[联邦学习](g.md")


def test_a_latin_term_is_not_linked_inside_a_longer_word():
    link = TermLinker([GIT], "g.md", WORDS)
    assert link(["GitHub 上的项目"]) == ["GitHub 上的项目"]
    assert link(["使用 Git 管理"])[0].startswith("使用 [Git](g.md#g-git")


def test_mentions_count_a_longer_name_once_not_also_its_shorter_alias():
    assert count_names("百度飞桨是飞桨平台；PaddlePaddle 开源。", ["百度飞桨", "飞桨", "PaddlePaddle"]) == 3
    assert count_names("GitHub 和 Git", ["Git"]) == 1


def test_the_names_pattern_finds_what_the_alternation_of_the_names_longest_first_finds():
    import random
    import re

    from kb.importer.link import _name_pattern, names_pattern

    def alternation(names):
        ordered = sorted(set(names), key=lambda n: (-len(n), n))
        return re.compile("|".join(_name_pattern(n).pattern for n in ordered))

    rng = random.Random(7)
    alphabet = "aAb1大模型飞桨 -.+"
    for _ in range(2000):
        names = tuple({"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(1, 6))})
        text = "".join(rng.choice(alphabet) for _ in range(40))
        found = [(m.start(), m.group(0)) for m in names_pattern(names).finditer(text)]
        assert found == [(m.start(), m.group(0)) for m in alternation(names).finditer(text)], (names, text)


def test_a_text_mentions_a_name_when_it_counts_at_least_one():
    for text, names in [("GitHub 和 GitLab", ["Git"]), ("GitHub 和 Git", ["Git"]), ("百度飞桨", ["飞桨", "百度飞桨"]),
                        ("大模型", ["模型"]), ("", ["Git"]), ("Git", [])]:
        assert mentions(text, names) == (count_names(text, names) > 0), (text, names)


def test_a_numbered_process_list_becomes_a_flowchart_after_the_list():
    body = ["研发流程通常包括以下几个阶段：", "", "1. **需求分析**：明确目标。", "2. **模型设计**：设计架构。",
            "    - 细节", "3. **模型训练**：训练。", "", "在项目管理中："]
    steps, end = flow_steps(body, "3.2 研发流程与项目管理", FLOW)
    assert steps == ["需求分析", "模型设计", "模型训练"] and body[end - 1] == "3. **模型训练**：训练。"
    chart = mermaid_flow("研发流程", steps)
    assert chart[0] == "```mermaid" and 'f1["需求分析"] --> f2["模型设计"] --> f3["模型训练"]' in chart[-2]


def test_a_list_of_strategies_is_not_a_flow():
    body = ["以下是一些关键步骤和策略：", "", "1. **市场细分**：a", "2. **产品推广**：b", "3. **促销活动**：c"]
    assert flow_steps(body, "6.2 营销策略", FLOW) is None


def test_related_sections_come_from_other_articles_and_other_pages(kb):
    units = {u.section.anchor: u for u in kb.units}
    assert sum(len(r) for r in kb.links.related.values()) > 100
    for anchor, related in kb.links.related.items():
        for r in related:
            assert r.unit.article is not units[anchor].article
            assert r.unit.topic.key != units[anchor].topic.key


def test_the_numpy_prefilter_finds_exactly_the_related_sections_of_scoring_every_candidate(kb, monkeypatch):
    # Past PREFILTER_MIN_UNITS units NumPy narrows each unit's candidates before the exact
    # scores; forced on for the five articles, every list and score must be the same.
    from kb.importer import link

    seg = link.segmenter(Context.in_memory().segmenters, kb.editorial)
    stop = frozenset(kb.editorial.labels.stop_words)

    def lists(found):
        return {a: [(r.unit.section.anchor, r.score) for r in rs] for a, rs in found.items()}

    monkeypatch.setattr(link, "PREFILTER_MIN_UNITS", 10**9)
    everyone = lists(link.related_sections(kb.units, seg, stop))
    monkeypatch.setattr(link, "PREFILTER_MIN_UNITS", 0)
    narrowed = lists(link.related_sections(kb.units, seg, stop))
    assert narrowed == everyone and sum(map(len, everyone.values())) > 100
    # Scored in blocks of units (one block holds the five articles' units), each the
    # cheaper of two ways: many blocks, each way for every block.
    monkeypatch.setattr(link._Prefilter, "BLOCK", 7)
    for method in ("gather", "product", None):
        monkeypatch.setattr(link._Prefilter, "method", method)
        assert lists(link.related_sections(kb.units, seg, stop)) == everyone, method


def test_a_forked_process_ranking_every_other_block_gives_the_same_lists(kb, monkeypatch):
    # Past PARALLEL_MIN_UNITS units a forked process ranks every other block; forced on for
    # the five articles (small blocks, so that both processes have some), every list and
    # score must be those ranked in this process alone, and the fork must have happened.
    from kb.core import context
    from kb.importer import link

    seg = link.segmenter(Context.in_memory().segmenters, kb.editorial)
    stop = frozenset(kb.editorial.labels.stop_words)

    def lists(found):
        return {a: [(r.unit.section.anchor, r.score) for r in rs] for a, rs in found.items()}

    alone = lists(link.related_sections(kb.units, seg, stop))
    pools = []
    worker_pool = context.worker_pool
    monkeypatch.setattr(context, "worker_pool", lambda count: pools.append(count) or worker_pool(count))
    monkeypatch.setattr(context, "may_fork", lambda: True)
    monkeypatch.setattr(link, "PARALLEL_MIN_UNITS", 0)
    monkeypatch.setattr(link._Prefilter, "BLOCK", 16)
    for prefilter_min in (10**9, 0):
        monkeypatch.setattr(link, "PREFILTER_MIN_UNITS", prefilter_min)
        assert lists(link.related_sections(kb.units, seg, stop)) == alone
    assert pools == [1, 1] and sum(map(len, alone.values())) > 100


def test_the_prefilter_takes_units_without_words():
    # A unit with no words left (all stop words) is nobody's candidate and has none.
    from kb.importer import link

    prefilter = link._Prefilter([{"a": 1.0}, {}, {"a": 0.6, "b": 0.8}, {}])
    assert list(prefilter.shared) == [2, 0, 3, 0]
    for method in ("gather", "product"):
        prefilter.method = method
        assert prefilter.contenders([0, 2], [{2}, {0}]) == [[2], [0]]


def test_entity_aliases_are_merged_in_the_index(kb):
    paddle = next(e for e in kb.editorial.entities if "飞桨" in e.names)
    places = kb.links.mentions[paddle.name]
    assert sum(n for _, _, n in places) >= 4
    assert {u.article.key for u, _, _ in places} >= {"002"}


def test_every_glossary_link_and_entity_link_points_at_an_existing_anchor(repo):
    import re

    glossary = (repo / "docs" / "glossary.md").read_text(encoding="utf-8")
    ids = set(re.findall(r"\{ #(g-[^ ]+) \}", glossary))
    linked = set()
    for page in (repo / "docs").rglob("*.md"):
        linked |= set(re.findall(r"glossary\.md#(g-[^ )]+)", page.read_text(encoding="utf-8")))
    assert linked and linked <= ids


def test_related_sections_kept_from_the_last_import_are_those_of_a_comparison_from_nothing(kb):
    # kb serve keeps a RelatedIndex between imports: units moved to other topics (as a new
    # placement moves them) or with other words must give the lists a new index gives, and
    # only the units the change can reach are compared again in full.
    import random
    from dataclasses import replace

    from kb.importer import link

    seg = link.segmenter(Context.in_memory().segmenters, kb.editorial)
    stop = frozenset(kb.editorial.labels.stop_words)

    def lists(found):
        return {a: [(r.unit.section.anchor, r.score) for r in rs] for a, rs in found.items()}

    units = [replace(u) for u in kb.units]
    index = link.RelatedIndex()
    assert lists(index.update(units, seg, stop)) == lists(link.related_sections(kb.units, seg, stop))
    assert index.update(units, seg, stop) and index.scored == 0        # nothing changed: nothing compared
    rng = random.Random(18)
    topics = kb.editorial.topics()
    for step in range(4):
        for unit in rng.sample(units, 3):
            unit.topic = rng.choice([t for t in topics if t is not unit.topic])
        # An edit to one unit: a new word, and a common one gone (its document frequency, so
        # the vectors of many units, change).
        edited = rng.choice([u for u in units if "模型" in link.unit_text(u)])
        article = replace(edited.article, lines=list(edited.article.lines))
        at = next(i for i in range(edited.section.start - 1, edited.section.subtree_end) if "模型" in article.lines[i])
        article.lines[at] = article.lines[at].replace("模型", f"鲲鹏{step}号", 1)
        units = [replace(u, article=article) if u.article is edited.article else u for u in units]
        fresh = lists(link.RelatedIndex().update(units, seg, stop))
        assert lists(index.update(units, seg, stop)) == fresh, f"step {step}"
    for unit in rng.sample(units, 2):
        unit.topic = rng.choice([t for t in topics if t is not unit.topic])
    assert lists(index.update(units, seg, stop)) == lists(link.RelatedIndex().update(units, seg, stop))
    assert 2 <= index.scored < len(units) // 2


def test_a_later_import_takes_the_related_sections_from_the_cache_and_only_for_the_same_inputs(kb, tmp_path, monkeypatch):
    # kb import keeps the related sections in build/cache/ under every input: the same
    # placements give the same lists without comparing again; a changed unit compares again.
    from dataclasses import replace

    from kb.core.cache import Cache
    from kb.importer import link

    seg = link.segmenter(Context.in_memory().segmenters, kb.editorial)
    stop = frozenset(kb.editorial.labels.stop_words)

    def lists(found):
        return {a: [(r.unit.section.anchor, r.score) for r in rs] for a, rs in found.items()}

    fresh = lists(link.related_sections(kb.units, seg, stop))
    first = Cache(tmp_path)
    assert lists(link._related_kept(kb.units, seg, stop, first)) == fresh
    first.save()
    compared = []
    rank = link._Run.rank
    monkeypatch.setattr(link._Run, "rank", lambda self, todo: (compared.append(len(todo)), rank(self, todo)))
    kept = link._related_kept(kb.units, seg, stop, Cache(tmp_path))
    assert lists(kept) == fresh and compared == [] and sum(map(len, fresh.values())) > 100
    assert all(r.unit is next(u for u in kb.units if u.section.anchor == r.unit.section.anchor)
               for rs in kept.values() for r in rs)
    # Another topic for one unit: compared again, and the lists are that placement's.
    moved = list(kb.units)
    other = next(t for t in kb.editorial.topics() if t.key != moved[0].topic.key)
    moved[0] = replace(moved[0], topic=other)
    again = link._related_kept(moved, seg, stop, Cache(tmp_path))
    assert compared == [len(moved)] and lists(again) == lists(link.related_sections(moved, seg, stop))
