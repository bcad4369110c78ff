"""The search dictionary, the Traditional-character table, the search worker and what the index skips."""
from __future__ import annotations

import json
import re
from pathlib import Path

import jieba
import pytest
from kb.core.cache import Cache
from kb.core.model import Editorial, Entity, Term
from kb.core.segment import Segmenters
from kb.importer.pipeline import plan as read_plan
from kb.site.search import (
    dictionary_words,
    index_text,
    is_reference,
    mark_unsearchable,
    read_opencc_dict,
    traditional_characters,
    traditional_map,
    user_dictionary,
    QUERY_SOURCE,
    worker_files,
    worker_script,
)
from kbtest import REPO

FIVE = ["大模型", "联邦学习", "差分隐私", "智能客服", "百度飞桨"]


def _editorial(terms=(), entities=()) -> Editorial:
    return Editorial(chapters=[], overrides=[], glossary=list(terms), entities=list(entities))


@pytest.fixture
def small_editorial() -> Editorial:
    return _editorial(
        terms=[Term("大模型", "参数规模巨大的模型", aliases=["AI大模型", "大型人工智能模型"]),
               Term("联邦学习", "数据不出本地的联合训练"),
               Term("差分隐私", "给数据加噪声保护个体"),
               Term("智能客服", "用模型回答用户问题")],
        entities=[Entity("百度飞桨", "product", aliases=["PaddlePaddle（飞桨）"]),
                  Entity("OpenAI", "company")])


def test_every_han_name_and_alias_becomes_a_dictionary_word(small_editorial):
    words = dictionary_words(small_editorial)
    assert set(FIVE) | {"大型人工智能模型", "飞桨"} == set(words)


def test_latin_names_are_left_to_the_separator(small_editorial):
    # jieba only ever sees Han runs; "OpenAI" or the "AI" of "AI大模型" do not belong there.
    assert not any(ch.isascii() for word in dictionary_words(small_editorial) for ch in word)


def test_the_dictionary_is_jieba_format_and_stable(small_editorial, tmp_path):
    text = user_dictionary(small_editorial)
    assert text == user_dictionary(small_editorial)
    assert all(len(line.split(" ")) == 2 and line.endswith(" nz") for line in text.splitlines())
    assert text.splitlines()[0] == "大型人工智能模型 nz"  # longest first


def test_the_dictionary_makes_the_terms_single_jieba_tokens(small_editorial, tmp_path):
    sentence = "创业公司用大模型做智能客服，并以联邦学习和差分隐私保护数据，框架选百度飞桨。"
    plain = jieba.Tokenizer()
    assert not set(FIVE) <= set(plain.lcut(sentence)), "the terms should need the dictionary"
    path = tmp_path / "user.dict"
    path.write_text(user_dictionary(small_editorial), encoding="utf-8")
    tuned = jieba.Tokenizer()
    tuned.load_userdict(str(path))
    assert set(FIVE) <= set(tuned.lcut(sentence))


def test_the_index_text_is_cut_as_materials_search_plugin_cuts_it(small_editorial, tmp_path, monkeypatch):
    # The build gives Material's search index a cached segmenter (kb.site.plugin);
    # the index must not change: the same words and zero-width spaces as the plugin's own
    # jieba with the same user dictionary.
    import material.plugins.search.plugin as material_search

    path = tmp_path / "user.dict"
    path.write_text(user_dictionary(small_editorial), encoding="utf-8")
    plugins_jieba = jieba.Tokenizer()
    plugins_jieba.load_userdict(str(path))
    monkeypatch.setattr(material_search, "jieba", plugins_jieba)
    text = ("第1章 大模型（LLM）与智能客服：用联邦学习和差分隐私保护数据；框架选百度飞桨 PaddlePaddle。"
            "\n　未登录词如鲲鹏昇腾也要切分。")
    expected = material_search.SearchIndex()._segment_chinese(text)
    seg = Segmenters(Cache(None)).get("test", user_dictionary=path.read_text(encoding="utf-8"), hmm=True)
    assert index_text(text, seg) == expected
    assert "\u200b大模型\u200b" in expected


def test_a_pages_search_entries_are_reused_only_for_the_same_inputs():
    from types import SimpleNamespace

    from kb.site.search import add_entries

    class Index:
        entries: list = []

    def page(content, toc_id="s1"):
        item = SimpleNamespace(id=toc_id, children=[])
        return SimpleNamespace(url="a.html", title="甲", meta={}, toc=[item], content=content)

    calls = []

    def add(p):          # what Material's add_entry_from_context does: append the page's entries
        calls.append(p.content)
        Index.entries.append({"location": p.url, "title": p.title, "text": p.content})

    memo = Cache(None).memo("search-entries-test", "x")
    for p in (page("<p>一</p>"), page("<p>一</p>"), page("<p>二</p>"), page("<p>一</p>", toc_id="s2")):
        add_entries(p, index=Index, memo=memo, add=add)
    assert calls == ["<p>一</p>", "<p>二</p>", "<p>一</p>"]
    assert [e["text"] for e in Index.entries] == ["<p>一</p>", "<p>一</p>", "<p>二</p>", "<p>一</p>"]


def test_the_real_editorial_file_covers_the_five_terms():
    from kb.core.editorial import load_editorial

    words = set(dictionary_words(load_editorial(REPO / "sources")))
    assert set(FIVE) <= words


def test_traditional_table_keeps_only_characters_simplified_text_never_uses():
    table = "風 风|險 险|識 识|別 别|乾 干 乾|后 后|髮 发|發 发"
    chars = traditional_characters(table)
    assert set(chars) == {"風", "險", "識", "別", "髮", "發"}  # 乾 maps to itself too; 后 is unchanged


def test_traditional_map_gives_each_traditional_only_character_its_simplified_form():
    table = "風 风|險 险|乾 干 乾|后 后|髮 发|發 发|藉 借 藉"
    assert traditional_map(table) == {"風": "风", "險": "险", "髮": "发", "發": "发"}


def test_the_shipped_table_and_converter_come_from_opencc_js():
    files = worker_files(REPO / "node_modules")
    worker = files["assets/javascripts/workers/kb-search.js"]
    assert isinstance(worker, str)
    table = json.loads(re.search(r"^self\.KB_TRADITIONAL = (.*);$", worker, re.M).group(1))
    for ch in "風險識別聯學習":
        assert ch in table
    for ch in "风险识别联邦学习大模型":
        assert ch not in table
    assert files["assets/javascripts/vendor/opencc-t2cn.js"].is_file()
    assert set(files) == {"assets/javascripts/workers/kb-search.js", "assets/javascripts/vendor/opencc-t2cn.js"}


def test_a_pagefind_site_gets_the_pagefind_worker_with_the_same_query_reader():
    files = worker_files(REPO / "node_modules", pagefind_engine=True)
    index, split = files["assets/javascripts/workers/kb-search.js"], files["assets/javascripts/workers/kb-pagefind.js"]
    reader = QUERY_SOURCE.read_text(encoding="utf-8").rstrip()
    assert reader in index and reader in split
    # One copy of the query code: neither engine keeps its own.
    assert index.count("FUNCTION_WORDS = new Set") == split.count("FUNCTION_WORDS = new Set") == 1


def test_the_worker_is_one_script_table_then_query_reader_then_engine_and_no_second_engine():
    script = worker_script("風險", "(function () { engine })()\n")
    code = [line for line in script.splitlines() if not line.startswith("//")]
    reader = QUERY_SOURCE.read_text(encoding="utf-8").rstrip().splitlines()
    reader[-1] += ";"
    assert code == ['"use strict";', 'self.KB_TRADITIONAL = "風險";', *reader, "(function () { engine })();"]
    # The engine answers Material's messages itself: Material's lunr worker is not in it.
    shipped = worker_files(REPO / "node_modules")["assets/javascripts/workers/kb-search.js"]
    assert "lunr" not in shipped.lower()


def test_reading_an_opencc_module_that_is_not_one_is_an_error():
    with pytest.raises(ValueError, match="x.js"):
        read_opencc_dict("export default [1, 2]", "x.js")


def test_source_lines_are_skipped_everywhere_and_entries_only_on_reference_pages():
    html = '<h1 id="t">T</h1><h2 id="a">A</h2><p class="kb-source">来源：x</p><h3 id="b">B</h3><p>text</p>'
    topic = mark_unsearchable(html, reference_page=False)
    assert '<p class="kb-source" data-search-exclude="source">' in topic
    assert '<h2 id="a">' in topic and '<h3 id="b">' in topic
    reference = mark_unsearchable(html, reference_page=True)
    assert '<h1 id="t">' in reference
    assert '<h2 data-search-exclude="reference" id="a">' in reference
    assert '<h3 data-search-exclude="reference" id="b">' in reference


def test_reference_pages_are_the_home_chapter_glossary_and_entity_pages():
    plan = read_plan(REPO / "sources")
    assert all(is_reference(plan.role(p)) for p in ("index.md", "risk/index.md", "glossary.md", "entities.md"))
    assert not any(is_reference(plan.role(p)) for p in ("risk/identification.md", "sources/000.md"))


def test_related_lines_and_the_backlinks_section_are_not_indexed():
    # They restate other sections' headings: a query for a heading would find every
    # section that lists it.
    html = ('<h2 id="a">风险识别</h2><p>正文</p><p class="kb-related">相关章节：<a href="x.html#b">应对策略</a></p>'
            '<h2 id="backlinks">被引用于</h2><p>以下章节……</p><ul><li>风险识别</li></ul>')
    out = mark_unsearchable(html, reference_page=False)
    assert '<p class="kb-related" data-search-exclude="related">' in out
    assert '<h2 data-search-exclude="backlinks" id="backlinks">' in out
    assert '<h2 id="a">' in out


def test_materials_parser_leaves_the_related_lines_and_backlinks_out_of_the_index():
    # Material's own parser leaves an excluded heading's whole section out.
    from material.plugins.search.plugin import Parser

    html = mark_unsearchable('<h2 id="a">甲</h2><p>正文</p><p class="kb-related">相关章节：乙</p>'
                             '<h2 id="backlinks">被引用于</h2><ul><li>丙</li></ul>', reference_page=False)
    parser = Parser()
    parser.feed(html)
    parser.close()
    kept = [s for s in parser.data if not s.is_excluded()]
    assert [s.id for s in kept if s.id] == ["a"]
    assert not any("相关章节" in "".join(s.text) or "丙" in "".join(s.text) for s in kept)
