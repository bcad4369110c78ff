"""classify: each section lands on a chapter an editor would defend; new articles need no code."""
from __future__ import annotations

from collections import Counter

from kb.core.editorial import CHAPTER_IDS
from kb.core.model import Article
from kb.importer.classify import place, units
from kb.importer.clean import mark_dropped
from kb.importer.parse import parse


def placed(kb) -> dict[tuple[str, str], str]:
    return {(u.article.key, u.section.heading): u.topic.key for u in kb.units}


def test_every_chapter_gets_sections_from_the_five_articles(kb):
    chapters = Counter(u.topic.chapter for u in kb.units)
    assert set(chapters) == set(CHAPTER_IDS)


def test_sections_on_the_same_topic_from_different_articles_sit_together(kb):
    p = placed(kb)
    assert p[("000", "7.1 风险识别")] == p[("003", "6.1 创业者如何识别AI大模型风险")] == "risk/identification"
    assert p[("001", "3.2 商业模式设计")] == p[("003", "5.3 创业者如何制定AI大模型商业计划")] \
        == "strategy/business-model"
    assert p[("000", "1.2 AI大模型的技术演进")] == p[("002", "2.3 AI大模型的发展历程")] \
        == p[("003", "2.1 AI大模型的发展历史")] == "overview/history"


def test_spot_checks_across_the_nine_chapters(kb):
    p = placed(kb)
    assert p[("000", "3.3 持续集成与持续部署")] == "tech/cicd"
    assert p[("002", "4.2 数学模型和数学公式讲解")] == "tech/math"
    assert p[("000", "4.2 计算资源规划")] == "data/compute"
    assert p[("001", "2.1 用户数据的价值分析")] == "data/user-data"
    assert p[("001", "2.2 用户画像与用户需求分析")] == "product/personas"
    assert p[("000", "6.1 品牌建设")] == "marketing/brand"
    assert p[("002", "7.2 失败案例分析")] == "cases/failure"
    assert p[("004", "4.1 大模型创业的融资渠道")] == "strategy/financing"
    assert p[("004", "附录B：大模型创业相关法律法规")] == "appendix/laws"


def test_appendix_sections_stay_in_the_appendix_chapter(kb):
    for unit in kb.units:
        if any(s.kind == "appendix" for s in (unit.section, *unit.section.ancestors())):
            assert unit.topic.chapter == "appendix", unit.section.heading


def test_an_override_in_the_editorial_file_wins(kb):
    unit = next(u for u in kb.units if u.section.heading == "8.3 挑战与机遇")
    assert unit.overridden and unit.topic.key == "risk/challenges"


def test_a_sixth_article_of_the_same_kind_lands_with_no_code_change(kb):
    text = "\n".join([
        "# 大模型创业实录", "", "## 目录", "", "1. 融资", "2. 风险", "",
        "## 一、融资经历", "", "### 1.1 天使轮融资", "", "我们在种子期获得天使投资，融资策略是分阶段融资。", "",
        "### 1.2 团队组建", "", "团队由算法工程师和产品经理组成，激励机制采用股权激励。", "",
        "## 二、风险与教训", "", "### 2.1 风险识别", "", "市场风险与技术风险需要尽早识别。", "",
        "### 2.2 品牌推广", "", "通过内容营销和广告投放进行品牌推广。", "",
        "```python", "# 训练模型", "model.fit(x, y)", "```", "",
        "作者：某创业者",
    ])
    article = mark_dropped(parse(Article(path="005_new.txt", key="005", lines=text.split("\n"))))
    dropped = {s.anchor for s in article.sections() if s.dropped}
    got = {u.section.heading: u.topic.key for u in place(units(article), kb.editorial)}
    assert got["1.1 天使轮融资"] == "strategy/financing"
    assert got["1.2 团队组建"] == "strategy/team"
    assert got["2.1 风险识别"] == "risk/identification"
    assert got["2.2 品牌推广"].startswith("marketing/")
    assert "toc" in {s.kind for s in article.sections() if s.anchor in dropped}
    assert "author" in {s.kind for s in article.sections() if s.anchor in dropped}


# --------------------------------------------------------------------------- issue 15: learnt placement

from kb.core.context import Context
from kb.core.model import KnowledgeBase
from kb.importer import report
from kb.importer.classify import MARGIN_MIN, classify, leave_one_out
from kb.importer.clean import MAX_UNIT_LINES
from kb.importer.pages import pages
from kbtest import REALWORLD, REPO, SEED_NAMES

# Measured with `kb bench classify` (bench/classify.md): 73.4 % of the five articles'
# placed sections land on the same topic page when their article is left out of the
# training set and its overrides are set aside. The keywords alone scored 99.6 % on this,
# only because they were written while reading these articles.
LEAVE_ONE_OUT_FLOOR = 0.70


def _new_article(path: str, text: str) -> Article:
    return Article(path=path, key=path.split(".")[0], lines=text.split("\n"))


def _import_with(kb, *extra: Article) -> KnowledgeBase:
    """The five articles (the reviewed, labelled examples) and `extra` articles, placed."""
    from kb.importer.parse import parse

    parsed = [mark_dropped(parse(a)) for a in extra]
    return classify(KnowledgeBase(kb.editorial, [*kb.articles, *parsed]), Context.in_memory().segmenters)


def test_leaving_one_article_out_still_agrees_with_its_placements_above_the_measured_floor(kb):
    want = {key: p.topic.key for key, p in kb.placement().items()}
    segmenters = Context.in_memory().segmenters
    same = total = 0
    for article in kb.articles:
        for unit in leave_one_out(kb, article, segmenters):
            assert not unit.overridden, "the held-out article's overrides are set aside"
            for section in unit.sections():
                if not section.dropped:
                    total += 1
                    same += want[(article.path, section.anchor)] == unit.topic.key
    assert total == len(want)
    assert same / total >= LEAVE_ONE_OUT_FLOOR


def test_the_reviewed_articles_keep_their_keyword_and_override_placements(kb):
    assert all(u.overridden or u.why.startswith("keywords") for u in kb.units)
    assert not any(u.uncertain for u in kb.units)


def test_a_new_article_is_placed_by_what_the_reviewed_articles_teach_and_says_which_words_decided(kb):
    text = "\n".join(["# 一家创业公司的笔记", "",
                      "## 天使轮与A轮", "", "我们先拿到天使投资，再和风险投资机构谈估值、股权稀释与投资条款。", "",
                      "## 用户画像", "", "我们的用户画像来自访谈：用户需求集中在效率，需求分析按场景分层。"])
    placed = {u.section.heading: u for u in _import_with(kb, _new_article("new.md", text)).units
              if u.article.path == "new.md"}
    assert placed["天使轮与A轮"].topic.key == "strategy/financing"
    assert placed["用户画像"].topic.key == "product/personas"
    for unit in placed.values():
        assert unit.why and unit.runner_up is not None and unit.runner_up is not unit.topic
        assert 0 <= unit.margin <= 1


def test_a_unit_that_matches_nothing_is_reported_uncertain_not_silently_put_on_the_first_topic(kb):
    text = "\n".join(["# Notes", "", "qwerty zxcvb asdfg.", "", "## Misc", "", "lorem ipsum dolor."])
    base = _import_with(kb, _new_article("nothing.md", text))
    unit = next(u for u in base.units if u.article.path == "nothing.md")
    assert unit.fallback and unit.uncertain
    told = [p for p in base.problems if p.path == "sources/nothing.md" and p.kind == "placement"]
    assert told and "matches no topic keyword" in told[0].message
    review = report.review(base)
    assert "nothing matched" in review and "Uncertain placements" in review
    assert "(0 uncertain)" not in report.summary(base, ["nothing.md"])[0]


def test_an_uncertain_placement_lists_the_two_best_topics_in_the_import_report(kb):
    text = "\n".join(["# 随笔", "", "## 想法", "", "团队的融资计划和品牌推广都需要时间。"])
    base = _import_with(kb, _new_article("mixed.md", text))
    doubtful = [u for u in base.units if u.article.path == "mixed.md" and u.uncertain]
    assert doubtful, "a section about three things at once is not placed with confidence"
    review = report.review(base)
    for unit in doubtful:
        assert unit.margin < MARGIN_MIN or unit.fallback
        assert f"on {unit.topic.key}, runner-up {unit.runner_up.key}, margin {unit.margin:.2f}" in review


def test_placement_is_deterministic(kb):
    # A copy of a reviewed article under another name is placed by the model, twice.
    text = "\n".join(kb.articles[2].lines)
    first = _import_with(kb, _new_article("copy.txt", text))
    second = _import_with(kb, _new_article("copy.txt", text))

    def seen(base):
        return [(u.section.anchor, u.topic.key, u.runner_up and u.runner_up.key, u.score, u.margin, u.why)
                for u in base.units if u.article.path == "copy.txt"]

    assert seen(first) == seen(second)
    assert any("like its placed sections" in why for *_, why in seen(first))


# --------------------------------------------------------------------------- issue 15: units by structure and size

def _hostile_subtree(child_lines: int) -> str:
    body = ["授权内容与条款说明，商业模式与变现方式。"] * child_lines
    return "\n".join(["# 资源汇总", "", "前言：本文收集资料。", "",
                      "## 关键资源", "", "这里列出书籍、课程与社区资源。", "",
                      "### 作者授权", "", *body, "",
                      "### 联系方式说明", "", "社区资源的入口与课程链接。", "",
                      "## 其他", "", "一些补充的学习资源。"])


def test_a_child_stays_on_its_parent_page_and_in_order(kb):
    base = _import_with(kb, _new_article("res.md", _hostile_subtree(3)))
    placed = {s.heading: p.topic.key for (path, _), p in base.placement().items() if path == "res.md"
              for s in [next(x for x in p.unit.sections() if x.anchor == _)]}
    assert placed["作者授权"] == placed["关键资源"] == placed["联系方式说明"]
    page = pages(base)[base.editorial.topic(placed["关键资源"]).page]
    assert page.index("关键资源") < page.index("作者授权") < page.index("联系方式说明")


def test_a_very_large_subtree_is_split_at_its_own_headings(kb):
    base = _import_with(kb, _new_article("big.md", _hostile_subtree(MAX_UNIT_LINES + 5)))
    heads = [u.section.heading for u in base.units if u.article.path == "big.md"]
    assert "作者授权" in heads and "联系方式说明" in heads


def test_a_corpus_article_stays_together_and_in_order_on_one_page(kb):
    name = "dive-into-dl-pytorch/docs/chapter10_natural-language-processing/10.11_attention.md"
    base = _import_with(kb, _new_article(name, (REALWORLD / name).read_text(encoding="utf-8")))
    where = [(s, p) for (path, anchor), p in base.placement().items() if path == name
             for s in p.unit.sections() if s.anchor == anchor]
    assert len({p.topic.key for _, p in where}) == 1
    headings = [s.heading for s, _ in sorted(where, key=lambda sp: sp[0].start)]
    assert headings[:3] == ["10.11 注意力机制", "10.11.1 计算背景变量", "10.11.1.1 矢量化计算"]
    page = pages(base)[where[0][1].topic.page]
    positions = [page.index(h) for h in headings]
    assert positions == sorted(positions)


def test_reviewed_must_be_a_list_of_patterns_and_names_the_labelled_articles(empty_scratch):
    import pytest
    from kb.core.editorial import load_editorial
    from kb.core.model import KbError

    editorial = empty_scratch / "sources" / "editorial.yml"
    assert load_editorial(empty_scratch / "sources").reviewed == SEED_NAMES
    text = editorial.read_text(encoding="utf-8")
    editorial.write_text(text.replace("reviewed:\n", "reviewed: 000_661c61a2ff7bbbb3.txt\nreviewed_was:\n"),
                         encoding="utf-8")
    with pytest.raises(KbError, match="`reviewed` must be a list"):
        load_editorial(empty_scratch / "sources")


def test_a_later_import_reads_the_reviewed_articles_placements_from_the_cache(tmp_path, monkeypatch):
    import pytest
    from kb.core.cache import Cache
    from kb.importer import classify as classify_module
    from kb.importer.pipeline import load

    def placements(kb):
        return [(u.article.path, u.section.anchor, u.topic.key, u.runner_up and u.runner_up.key, u.score, u.margin,
                 u.fallback, u.uncertain, u.why) for u in kb.units]

    first, again = load(REPO / "sources")[0], load(REPO / "sources")[0]
    expected = placements(first)          # placed without a cache
    cache = Cache(tmp_path)
    assert placements(classify_module.classify(first, cache=cache)) == expected
    cache.save()
    # Nothing changed: no unit is scored again.
    monkeypatch.setattr(classify_module, "_by_keywords",
                        lambda unit, topics: pytest.fail(f"{unit.section.heading} scored again"))
    assert placements(classify_module.classify(again, cache=Cache(tmp_path))) == expected
