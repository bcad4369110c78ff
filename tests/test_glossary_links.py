"""Glossary links and entity names in the glossary's sense: whole jieba words, chapter
scopes, and names the entity index does not list yet (issue 15, item 4)."""
from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kb.core.context import Context
from kb.core.editorial import load_editorial
from kb.core.model import Editorial, KbError, Term
from kb.core.segment import boundaries, words_segmenter
from kb.importer.link import TermLinker, name_shaped
from kbtest import REPO

QUANT = Term("量化", "模型量化。", chapters=["tech"])
TUNE = Term("微调", "让预训练模型适应特定场景。", chapters=["tech", "cases"])
LLM = Term("大模型", "大规模参数的模型。")
CROWD = Term("众筹", "向公众筹集资金。")
EDITORIAL = Editorial([], [], glossary=[QUANT, TUNE, LLM, CROWD], words=["向量化"])
WORDS = words_segmenter(Context.in_memory().segmenters, EDITORIAL)


def _linked(line: str, chapter: str | None = "tech") -> bool:
    linker = TermLinker(EDITORIAL.glossary, "g.md", WORDS, chapter)
    return "](g.md#" in linker([line])[0]


def test_a_term_inside_a_longer_word_is_not_linked():
    assert not _linked("先切分文本，再向量化存储。")          # 量化 in 向量化 (editorial words:)
    assert not _linked("训练一个强大模型需要数据。")          # 大模型 in 强大 + 模型
    assert not _linked("通过互联网平台向公众筹集资金。")      # 众筹 in 公众 + 筹集
    assert _linked("对模型进行量化，降低计算量。") and _linked("大模型的训练。") and _linked("众筹是一种方式。")


def test_a_scoped_term_is_linked_only_in_its_chapters():
    assert not _linked("再微调一下输入框的位置。", chapter="product")
    assert _linked("通过微调适应咨询场景。", chapter="cases")
    assert _linked("再微调一下输入框的位置。", chapter=None) is True     # no page: every term


def test_the_glossary_scope_is_validated_with_file_and_line(tmp_path):
    sources = tmp_path / "sources"
    sources.mkdir()
    text = (REPO / "sources" / "editorial.yml").read_text(encoding="utf-8")
    (sources / "editorial.yml").write_text(text.replace("chapters: [overview, tech, data, cases, appendix]",
                                                         "chapters: [tech, kitchen]", 1), encoding="utf-8")
    with pytest.raises(KbError) as err:
        load_editorial(sources)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "chapters: [overview, tech" in t)
    assert err.value.line == line and "kitchen" in str(err.value)
    (sources / "editorial.yml").write_text(text.replace("words: [向量化]", "words: 向量化"), encoding="utf-8")
    with pytest.raises(KbError, match="`words` must be a list"):
        load_editorial(sources)


def test_one_line_accepts_a_suggested_name(tmp_path):
    sources = tmp_path / "sources"
    sources.mkdir()
    text = (REPO / "sources" / "editorial.yml").read_text(encoding="utf-8")
    (sources / "editorial.yml").write_text(text.replace("entities:\n", "entities:\n- name: ImageNet\n", 1),
                                           encoding="utf-8")
    for article in sorted((REPO / "sources").glob("*.txt")):
        (sources / article.name).write_bytes(article.read_bytes())
    from kb.importer.pipeline import load

    kb, _ = load(sources)
    accepted = next(e for e in kb.editorial.entities if e.name == "ImageNet")
    assert accepted.kind == "other" and sum(m.count for m in kb.links.mentions["ImageNet"]) >= 3
    assert "ImageNet" not in {s.name for s in kb.links.suggestions}


def test_the_five_articles_suggest_imagenet_and_no_common_word(kb):
    names = {s.name for s in kb.links.suggestions}
    assert "ImageNet" in names
    for s in kb.links.suggestions:
        assert s.count >= 3 and s.examples and all(path.startswith("sources/") for path, _, _ in s.examples)


# English words written capitalised in the corpus's Chinese prose: terms, not names.
EVERYDAY = {"Agent", "Adapter", "Prefix", "Feed", "Face", "Hugging", "Starter", "Attention", "Prompt", "Token",
            "Transformer", "Encoder", "Decoder", "Windows", "SaaS"}


@pytest.fixture(scope="module")
def corpus_kb(tmp_path_factory):
    """The real-world corpus and the five articles, imported together."""
    from kbtest import realworld_root
    from kb.importer.pipeline import load

    root = realworld_root(tmp_path_factory.mktemp("corpus"))
    for article in sorted((REPO / "sources").glob("*.txt")):
        (root / "sources" / article.name).write_bytes(article.read_bytes())
    kb, _ = load(root / "sources")
    return kb


def test_the_corpus_suggests_model_and_product_names_not_everyday_words(corpus_kb):
    names = {s.name for s in corpus_kb.links.suggestions}
    assert {"DeepSeek", "LangChain", "LLaMA", "ChatGLM", "ChatGPT"} <= names
    assert not names & EVERYDAY
    known = {n.lower() for e in corpus_kb.editorial.entities for n in e.names}
    assert all(name_shaped(n) and n.lower() not in known for n in names)


# --- the built site -------------------------------------------------------------------------

BLOCKS = {"p", "li", "td", "th", "dd", "dt", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption"}


class _GlossaryLinks(HTMLParser):
    """Each glossary link in a page, with the text of its innermost block and its span there."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[list] = []         # [text parts, [(start, end, term id)]]
        self.link: tuple[int, str] | None = None
        self.found: list[tuple[str, int, int, str]] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code", "pre"):
            self.skip += 1
        if tag in BLOCKS:
            self.blocks.append([[], []])
        href = dict(attrs).get("href") or ""
        if tag == "a" and "glossary.html#g-" in href and self.blocks:
            self.link = (len("".join(self.blocks[-1][0])), href.split("#", 1)[1])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code", "pre"):
            self.skip -= 1
        if tag == "a" and self.link and self.blocks:
            start, term = self.link
            self.blocks[-1][1].append((start, len("".join(self.blocks[-1][0])), term))
            self.link = None
        if tag in BLOCKS and self.blocks:
            parts, links = self.blocks.pop()
            text = "".join(parts)
            self.found += [(text, s, e, t) for s, e, t in links]
            if self.blocks:
                self.blocks[-1][0].append(text)

    def handle_data(self, data):
        if self.blocks:
            self.blocks[-1][0].append(data if not self.skip else " ")


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    from kbtest import make_root

    root = make_root(tmp_path_factory.mktemp("site"), docs=True)
    proc = subprocess.run([sys.executable, "-m", "kb", "--root", str(root), "build"], capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return root / "site"


def _page_links(site: Path):
    for page in sorted(site.rglob("*.html")):
        parser = _GlossaryLinks()
        parser.feed(page.read_text(encoding="utf-8"))
        yield page.relative_to(site).as_posix(), parser.found


def test_no_glossary_link_of_the_built_site_sits_inside_a_longer_word(built_site):
    words = words_segmenter(Context.in_memory().segmenters, load_editorial(REPO / "sources"))
    links, inside = 0, []
    for page, found in _page_links(built_site):
        for text, start, end, term in found:
            links += 1
            # The paragraph as readers see it, cut line by line as the linker cuts it.
            line_start = text.rfind("\n", 0, start) + 1
            line_end = text.find("\n", end)
            line = text[line_start:line_end if line_end >= 0 else len(text)]
            bounds = boundaries(words, line)
            if start - line_start not in bounds or end - line_start not in bounds:
                inside.append(f"{page}: {text[start:end]} in {line[max(0, start - line_start - 8):end - line_start + 8]}")
    assert links > 200 and inside == []


def test_scoped_terms_are_not_linked_outside_their_chapters(built_site):
    from kb.importer.link import glossary_id

    editorial = load_editorial(REPO / "sources")
    scoped = {glossary_id(t): t.chapters for t in editorial.glossary if t.chapters}
    assert scoped
    linked_in: dict[str, set[str]] = {}
    for page, found in _page_links(built_site):
        for _, _, _, term in found:
            if term in scoped and "/" in page:
                linked_in.setdefault(term, set()).add(page.split("/")[0])
    assert linked_in.get("g-微调") == {"cases"}
    for term, chapters in linked_in.items():
        assert chapters <= set(scoped[term]), term
    assert re.search(r"g-微调", (built_site / "glossary.html").read_text(encoding="utf-8"))


def test_chinese_names_are_found_in_lists_with_names_and_through_their_gloss(tmp_path):
    from kb.importer.pipeline import load

    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "editorial.yml").write_bytes((REPO / "sources" / "editorial.yml").read_bytes())
    (sources / "a.md").write_text(
        "# 国内大模型\n\n## 产品与公司\n\n"
        "国内外有 ChatGPT、文心一言、通义千问等产品，文心一言和通义千问都在迭代。\n\n"
        "OpenAI、文心一言、通义千问等公司各有所长。\n\n"
        "深度求索（DeepSeek）开源了模型，DeepSeek 的论文和 DeepSeek 的代码都公开。\n\n"
        "技术方面，如自然语言处理、推荐系统、图像识别等；推荐系统最常见。\n\n"
        "常见的技术，如自然语言处理、推荐系统、图像识别等。\n",
        encoding="utf-8")
    kb, _ = load(sources)
    found = {s.name: s for s in kb.links.suggestions}
    assert found["文心一言"].count == 3 and found["通义千问"].count == 3
    assert found["DeepSeek"].aliases == ("深度求索",)
    assert "推荐系统" not in found and "图像识别" not in found        # a list of terms names no company
    assert found["文心一言"].examples[0][:2] == ("sources/a.md", 5)


def test_suggestions_from_the_cache_are_those_computed_from_the_articles(corpus_kb, tmp_path, monkeypatch):
    from kb.core.cache import Cache
    from kb.importer import link

    cache = Cache(tmp_path)
    first = link.suggest_entities(corpus_kb, cache)
    cache.save()
    assert first == corpus_kb.links.suggestions          # as without a cache (the fixture's import)
    # A later run reads every article's part from build/cache/ and only combines.
    monkeypatch.setattr(link, "_chinese_prose", lambda article: pytest.fail(f"{article.path} read again"))
    assert link.suggest_entities(corpus_kb, Cache(tmp_path)) == first


def test_a_changed_article_is_read_again_and_the_others_come_from_the_cache(kb, tmp_path, monkeypatch):
    from dataclasses import replace

    from kb.core.cache import Cache
    from kb.core.model import KnowledgeBase
    from kb.importer import link

    cache = Cache(tmp_path)
    link.suggest_entities(kb, cache)
    cache.save()
    lines = list(kb.articles[0].lines)
    lines[99] += "另见 FooModel。"
    changed = replace(kb.articles[0], lines=lines)
    other = KnowledgeBase(kb.editorial, [changed, *kb.articles[1:]])
    fresh = link.suggest_entities(other)
    read = []
    real = link._chinese_prose
    monkeypatch.setattr(link, "_chinese_prose", lambda article: read.append(article.path) or real(article))
    assert link.suggest_entities(other, Cache(tmp_path)) == fresh
    assert read == [changed.path]


@given(st.lists(st.tuples(st.integers(0, 3), st.booleans()), max_size=30))
def test_a_tally_of_each_articles_tallies_keeps_what_one_tally_of_every_mention_keeps(mentions):
    from kb.importer.link import _Tally

    whole, parts = _Tally(), {}
    # Mentions come article after article, as suggest_entities reads them.
    mentions = sorted(mentions, key=lambda m: m[0])
    for line, (article, placed) in enumerate(mentions):
        whole.add("Foo", (f"a{article}", line), f"s{line}", placed)
        parts.setdefault(article, _Tally()).add("Foo", (f"a{article}", line), f"s{line}", placed)
    merged = _Tally()
    for article in sorted(parts):
        part = parts[article]
        merged.merge("Foo", part.counts["Foo"], f"a{article}", "Foo" in part.placed, part.examples["Foo"])
    if mentions:
        assert merged.suggestion("Foo") == whole.suggestion("Foo")
        # Both keep the first examples of every mention, those in placed sections first.
        every = [(placed, (f"a{article}", line, f"s{line}")) for line, (article, placed) in enumerate(mentions)]
        assert whole.suggestion("Foo").examples == tuple(e for _, e in sorted(every, key=lambda m: not m[0])[:2])
