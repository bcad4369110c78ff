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
