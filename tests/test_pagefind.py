"""Pagefind's records for large sites (kb.site.pagefind): one per section, text cut by kb's
jieba with the user dictionary, words set apart by spaces, anchors kept."""
from __future__ import annotations

import json

import pytest
from kb.core.cache import Cache
from kb.core.model import Editorial, Term
from kb.core.segment import Segmenters
from kb.site import pagefind
from kb.site.search import index_text, user_dictionary


@pytest.fixture(scope="module")
def cut():
    editorial = Editorial(chapters=[], overrides=[], entities=[],
                          glossary=[Term("联邦学习", "数据不出本地的联合训练"), Term("差分隐私", "给数据加噪声")])
    seg = Segmenters(Cache(None)).get("test", user_dictionary=user_dictionary(editorial), hmm=True)
    return lambda text: index_text(text, seg)


def _entries(cut) -> list[dict]:
    # As Material's search index holds them (kb's segmenter has cut the Han text).
    return [
        {"location": "data/privacy.html", "title": cut("用户数据与隐私"), "text": f"<p>{cut('本章讲数据。')}</p>"},
        {"location": "data/privacy.html#s000-3-2", "title": cut("3.2 联邦学习与差分隐私"),
         "text": f"<p>{cut('采用联邦学习保护用户数据，')}<code>CNN</code>{cut('模型')} &amp; 更多</p>"},
    ]


def test_each_entry_is_one_record_that_opens_its_section(cut):
    records = pagefind.records(_entries(cut))
    assert [r.url for r in records] == ["data/privacy.html", "data/privacy.html#s000-3-2"]
    assert records[1].page == "data/privacy.html"


def test_record_text_is_cut_into_the_user_dictionarys_words_set_apart_by_spaces(cut):
    section = pagefind.records(_entries(cut))[1]
    assert "联邦学习" in section.content.split(" ")     # one word, as the user dictionary says
    assert "联邦" not in section.content.split(" ")
    assert section.title.split(" ") == ["3.2", "联邦学习", "与", "差分隐私"]
    # Tags gone, entities decoded, no zero-width spaces left for Pagefind to keep in a word.
    assert "<" not in section.content and "&amp;" not in section.content and "&" in section.content
    assert "\u200b" not in section.content and "CNN 模型" in section.content


def test_a_word_that_looks_like_a_pagefind_directive_is_only_text():
    text = pagefind.words_text("<p>___PAGEFIND_WEIGHT___0 看不见</p>")
    assert not text.startswith("_") and text.replace("\u200b", "") == "___PAGEFIND_WEIGHT___0 看不见"


def test_the_query_segmenters_words_are_split_by_first_character(cut):
    records = pagefind.records(_entries(cut))
    files = pagefind.word_files(records)
    meta = json.loads(files["kb-search.json"])
    shards = [json.loads(files[f"kb-words/{n}.json"]) for n in range(meta["shards"])]
    words = pagefind.han_words(records)
    assert "联邦学习" in words and "CNN" not in words
    assert sorted(w for shard in shards for w in shard) == words
    assert all(ord(w[0]) % meta["shards"] == n for n, shard in enumerate(shards) for w in shard)
    assert meta["longest"] == max(len(w) for w in words)
    # Each page's title, as the page writes it, for a group whose page entry did not match.
    assert meta["pages"] == {"data/privacy.html": "用户数据与隐私"}


def test_many_words_go_to_more_files():
    records = [pagefind.Record(url=f"p.html#s{i}", title="", content=" ".join(
        chr(0x4e00 + i * 7 + k) + chr(0x4e00 + k) for k in range(7))) for i in range(200)]
    meta = json.loads(pagefind.word_files(records)["kb-search.json"])
    assert meta["shards"] > 1 and meta["shards"] * pagefind.WORDS_PER_SHARD >= len(pagefind.han_words(records))


def test_auto_uses_pagefind_only_past_the_threshold():
    assert pagefind.engine("auto", pagefind.PAGEFIND_MIN_ARTICLES) == "index"
    assert pagefind.engine("auto", pagefind.PAGEFIND_MIN_ARTICLES + 1) == "pagefind"
    assert pagefind.engine("pagefind", 5) == "pagefind" and pagefind.engine("index", 500) == "index"
    # A preview keeps the one file: Pagefind's index would be written whole on every edit.
    assert pagefind.engine("pagefind", 500, serving=True) == "index"
    assert pagefind.engine("auto", 500, serving=True) == "index"


def test_pagefind_writes_one_fragment_per_record_with_its_anchor(cut, tmp_path):
    assert pagefind.write(tmp_path, _entries(cut)) == 2
    folder = tmp_path / pagefind.FOLDER
    assert (folder / "pagefind.js").is_file() and (folder / "pagefind-entry.json").is_file()
    assert len(list((folder / "fragment").iterdir())) == 2
    assert (folder / "kb-search.json").is_file()


def _tree(folder) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_build_with_the_same_records_copies_the_kept_index_instead_of_indexing_again(cut, tmp_path, monkeypatch):
    kept = tmp_path / "cache" / "pagefind"
    assert pagefind.write(tmp_path / "one", _entries(cut), kept=kept) == 2
    first = _tree(tmp_path / "one" / pagefind.FOLDER)
    assert len(list(kept.iterdir())) == 1

    async def no_indexing(items, folder):
        raise AssertionError("indexed again")

    monkeypatch.setattr(pagefind, "_index", no_indexing)
    assert pagefind.write(tmp_path / "two", _entries(cut), kept=kept) == 2
    assert _tree(tmp_path / "two" / pagefind.FOLDER) == first
    monkeypatch.undo()
    # Another text: indexed again, and only its index kept.
    changed = _entries(cut)
    changed[1]["text"] = f"<p>{cut('采用差分隐私保护用户数据')}</p>"
    pagefind.write(tmp_path / "three", changed, kept=kept)
    assert _tree(tmp_path / "three" / pagefind.FOLDER) != first
    assert len(list(kept.iterdir())) == 1
    assert _tree(next(kept.iterdir())) == _tree(tmp_path / "three" / pagefind.FOLDER)


def test_pagefind_writes_its_index_from_a_thread_that_runs_an_event_loop(cut, tmp_path):
    # A build called from asynchronous code, or in a process where Playwright's synchronous
    # API is open (its loop is the thread's): asyncio.run alone refuses to start.
    # (In a thread of its own: this one may run a loop already, left by the browser tests.)
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    async def build_inside_a_loop():
        return pagefind.write(tmp_path, _entries(cut))

    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, build_inside_a_loop()).result() == 2
    assert len(list((tmp_path / pagefind.FOLDER / "fragment").iterdir())) == 2


def test_the_site_zip_leaves_pagefinds_index_out(tmp_path):
    # Read from file://, the unzipped site searches the one-file index: Pagefind's files
    # could not be fetched there.
    import zipfile

    from kb.export.book import zip_site

    site = tmp_path / "site"
    for name in ("index.html", "search/search_index.js", "pagefind/pagefind.js", "pagefind/kb-words/0.json"):
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text("x", encoding="utf-8")
    assert zip_site(site, tmp_path / "site.zip", "kb") == 2
    assert zipfile.ZipFile(tmp_path / "site.zip").namelist() == ["kb/index.html", "kb/search/search_index.js"]


def test_the_pinned_pagefind_service_still_waits_before_each_answer():
    # kb.site.pagefind gives the service module an asyncio whose sleep only yields, for
    # this one line; when a new Pagefind drops it, the workaround can go too.
    import inspect

    from pagefind.service import PagefindService

    assert "await asyncio.sleep(0.1)" in inspect.getsource(PagefindService._wait_for_responses)
