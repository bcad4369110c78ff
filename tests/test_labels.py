"""The site's words and word lists are data: kb/core/labels.yml, overridden in sources/editorial.yml."""
from __future__ import annotations

import pytest
import yaml
from kb.core.editorial import ENTITY_KINDS, default_labels, load_editorial
from kb.core.model import FlowWords, KbError
from kb.importer.clean import REASON_IDS
from kb.importer.link import flow_steps
from kb.importer.pipeline import generate, load


def _with_labels(root, text: str) -> int:
    """Append a `labels:` block to the scratch editorial file; returns the block's first line."""
    path = root / "sources" / "editorial.yml"
    before = path.read_text(encoding="utf-8").rstrip("\n") + "\n\n"
    path.write_text(before + text, encoding="utf-8")
    return before.count("\n") + 1


def test_the_package_labels_name_every_drop_reason_and_entity_kind():
    labels = default_labels()
    assert set(labels.drop_reasons) == set(REASON_IDS.values())
    assert tuple(labels.entities.kinds) == ENTITY_KINDS


def test_a_label_overridden_in_the_editorial_file_appears_on_the_page(scratch):
    _with_labels(scratch, "labels:\n  topic:\n    related: 延伸阅读：\n  glossary:\n    title: 名词解释\n")
    files, _ = generate(scratch / "sources")
    assert "\n延伸阅读：[《" in files["risk/identification.md"]
    assert "\n相关章节：" not in files["risk/identification.md"]
    assert files["glossary.md"].startswith("# 名词解释\n")
    assert "另有[名词解释](glossary.md)与[案例与机构索引](entities.md)。" in files["index.md"]
    nav = yaml.safe_load(files[".nav.yml"])["nav"]
    assert {"名词解释": "glossary.md"} in nav


def test_keys_not_overridden_keep_the_package_words(scratch):
    _with_labels(scratch, "labels:\n  entities:\n    kinds:\n      person: 人物与团队\n")
    labels = load_editorial(scratch / "sources").labels
    assert labels.entities.kinds == {"company": "公司", "product": "产品与平台", "person": "人物与团队", "org": "机构",
                                     "other": "其他名称"}
    assert labels.entities.title == default_labels().entities.title
    assert labels.topic == default_labels().topic


def test_a_template_with_an_unknown_field_is_an_error_with_its_line(scratch):
    first = _with_labels(scratch, "labels:\n  topic:\n    intro: 本页共 {units} 节\n")
    with pytest.raises(KbError) as error:
        load_editorial(scratch / "sources")
    assert str(error.value).startswith(f"sources/editorial.yml:{first + 2}: `labels.topic.intro` has an unknown "
                                       "field {units}")
    assert "{articles}, {topic}, {sections}" in str(error.value)


@pytest.mark.parametrize("intro, problem", [("共 {sections:>3} 节", "write the field as {sections}"),
                                             ("共 {sections 节", "expected '}' before end of string")])
def test_a_template_field_with_a_format_or_an_unpaired_brace_is_an_error(scratch, intro, problem):
    first = _with_labels(scratch, f"labels:\n  topic:\n    intro: {intro}\n")
    with pytest.raises(KbError) as error:
        load_editorial(scratch / "sources")
    assert str(error.value).startswith(f"sources/editorial.yml:{first + 2}: `labels.topic.intro`")
    assert problem in str(error.value)


def test_an_unknown_label_key_is_an_error_with_its_line(scratch):
    first = _with_labels(scratch, "labels:\n  topic:\n    realted: 延伸阅读：\n")
    with pytest.raises(KbError, match=rf"^sources/editorial.yml:{first + 2}: unknown key `labels.topic.realted`"):
        load_editorial(scratch / "sources")


def test_an_unknown_entity_kind_or_drop_reason_is_an_error_with_its_line(scratch):
    first = _with_labels(scratch, "labels:\n  drop_reasons:\n    duplicate: 重复\n")
    with pytest.raises(KbError, match=rf"editorial.yml:{first + 2}: unknown key `labels.drop_reasons.duplicate`"):
        load_editorial(scratch / "sources")


def test_a_label_that_is_not_text_is_an_error(scratch):
    first = _with_labels(scratch, "labels:\n  stop_words: [以下, [包括]]\n")
    with pytest.raises(KbError, match=rf"editorial.yml:{first + 1}: `labels.stop_words` must be text"):
        load_editorial(scratch / "sources")


def test_the_site_title_must_agree_with_mkdocs_site_name(scratch):
    _with_labels(scratch, "labels:\n  site_title: 另一个知识库\n")
    with pytest.raises(KbError, match=r"^mkdocs.yml:1: site_name 'AI大模型创业知识库' differs from the labels' "
                                      r"site_title '另一个知识库'"):
        generate(scratch / "sources")
    config = scratch / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("site_name: AI大模型创业知识库",
                                                                 "site_name: 另一个知识库"), encoding="utf-8")
    files, _ = generate(scratch / "sources")
    assert files["index.md"].startswith("# 另一个知识库\n")


def test_the_stop_words_of_the_editorial_file_decide_related_sections(scratch, kb):
    words = ", ".join(default_labels().stop_words + ("风险", "用户", "数据", "市场", "技术", "产品"))
    _with_labels(scratch, f"labels:\n  stop_words: [{words}]\n")
    mine, _ = load(scratch / "sources")

    def pairs(base) -> set[tuple[str, str]]:
        return {(anchor, r.unit.section.anchor) for anchor, related in base.links.related.items() for r in related}

    assert pairs(mine) != pairs(kb)


def test_the_flow_words_decide_which_numbered_lists_become_flowcharts():
    body = ["上线前要做这些事：", "", "1. **需求分析**：a", "2. **模型设计**：b", "3. **模型训练**：c"]
    words = default_labels().flow
    assert flow_steps(body, "3.2 上线准备", words) is None
    mine = FlowWords(process=(*words.process, "准备"), not_process=words.not_process,
                     intro_after=words.intro_after, intro_before=words.intro_before)
    assert flow_steps(body, "3.2 上线准备", mine) == (["需求分析", "模型设计", "模型训练"], 5)
