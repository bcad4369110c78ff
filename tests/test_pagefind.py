"""Pagefind's records for large sites (kb.site.pagefind): one per section, text cut by kb's
jieba with the user dictionary, words set apart by spaces, anchors kept."""
from __future__ import annotations

import gzip
import json

import pytest
from kb.core.cache import Cache
from kb.core.model import Editorial, Term
from kb.core.segment import Segmenters
from kb.site import pagefind, search
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
    files = pagefind.word_files(records, 1)
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
    meta = json.loads(pagefind.word_files(records, 1)["kb-search.json"])
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


def test_records_are_split_over_indexes_of_at_most_records_per_index_the_same_way_every_time():
    records = [pagefind.Record(url=f"p{i % 7}.html#s{i}", title="", content="词") for i in range(1000)]
    parts = pagefind.parts(records)
    assert len(parts) == -(-1000 // pagefind.RECORDS_PER_INDEX)
    assert sorted((r.url for part in parts for r in part)) == sorted(r.url for r in records)   # each once
    assert pagefind.parts(list(reversed(records))) == [list(reversed(part)) for part in parts]
    assert len(pagefind.parts(records[:pagefind.RECORDS_PER_INDEX])) == 1
    big = [pagefind.Record(url=f"p.html#s{i}", title="", content="词") for i in range(pagefind.RECORDS_PER_INDEX * 4)]
    sizes = [len(part) for part in pagefind.parts(big)]
    assert len(sizes) == 4 and min(sizes) > pagefind.RECORDS_PER_INDEX * 0.8    # a sample each, not one page


def test_a_site_past_records_per_index_gets_one_pagefind_index_per_part_and_says_how_many(cut, tmp_path, monkeypatch):
    import os

    monkeypatch.setattr(pagefind, "RECORDS_PER_INDEX", 2)
    monkeypatch.delenv("PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE", raising=False)
    entries = _entries(cut) + [{"location": f"data/privacy.html#s{i}", "title": cut(f"第{i}节"),
                                "text": f"<p>{cut('联邦学习的第二种说法')}</p>"} for i in range(6)]
    parts = pagefind.parts(pagefind.records(entries))
    assert len(parts) > 1
    assert pagefind.write(tmp_path, entries) == 8
    folder = tmp_path / pagefind.FOLDER
    assert json.loads((folder / "kb-search.json").read_text(encoding="utf-8"))["indexes"] == len(parts)
    for n, part in enumerate(parts):
        entry = json.loads((pagefind.part_folder(folder, n) / "pagefind-entry.json").read_text(encoding="utf-8"))
        assert sum(language["page_count"] for language in entry["languages"].values()) == len(part)
    assert pagefind.part_folder(folder, 1) == folder / "1"
    # Pagefind's scripts, styles and wasm only beside the first index, which serves them.
    assert (folder / "pagefind.js").is_file() and list(folder.glob("wasm.*"))
    assert not [p.name for p in (folder / "1").iterdir() if p.suffix in (".js", ".css") or p.name.startswith("wasm.")]
    assert "PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE" not in os.environ     # set only while indexing


def test_no_index_is_written_without_records():
    records = [pagefind.Record(url=f"p.html#s{i}", title="", content="词") for i in range(3)]
    assert all(pagefind.parts(records[:n]) for n in range(4))
    assert all(part for n in range(1, 4) for part in pagefind.parts(records[:n]))


def test_the_index_chunks_shrink_with_the_number_of_indexes(monkeypatch):
    import os

    monkeypatch.setenv("PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE", "7")
    with pagefind._chunk_positions(4):
        assert os.environ["PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE"] == str(pagefind.CHUNK_POSITIONS // 4)
    assert os.environ["PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE"] == "7"


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


# ---------------------------------------------------------------------------
# Sections that say the same thing (kb.site.search.fold), one rule for both engines

def _copies(cut) -> list[dict]:
    text = f"<p>{cut('采用联邦学习保护用户数据。')}</p>"
    return [
        {"location": "data/privacy.html", "title": cut("用户数据与隐私"), "text": ""},
        {"location": "data/privacy.html#s000-3-2", "title": cut("3.2 联邦学习"), "text": text},
        # The same words in other markup (a list written tight, not loose) are the same text.
        {"location": "data/privacy.html#s001-3-4", "title": cut("3.4 联邦学习"),
         "text": text.replace("<p>", "<p> <span>").replace("</p>", "</span></p>")},
        {"location": "data/privacy.html#s002-1-1", "title": cut("A.1.1 联邦学习"), "text": text},
        # Same text under another heading, and the same heading over other text: kept.
        {"location": "data/privacy.html#s003-2-1", "title": cut("2.1 隐私计算"), "text": text},
        {"location": "data/privacy.html#s004-3-2", "title": cut("3.2 联邦学习"), "text": f"<p>{cut('另一段。')}</p>"},
        # Headings without text are not "the same content".
        {"location": "risk/index.html#s005-4", "title": cut("4 概述"), "text": ""},
        {"location": "risk/index.html#s006-4", "title": cut("4 概述"), "text": ""},
    ]


def test_sections_of_the_same_heading_and_text_are_one_entry_that_counts_the_others(cut):
    entries = _copies(cut)
    before = [dict(e) for e in entries]
    folded = search.fold(entries)
    assert [e["location"] for e in folded] == [
        "data/privacy.html", "data/privacy.html#s000-3-2", "data/privacy.html#s003-2-1",
        "data/privacy.html#s004-3-2", "risk/index.html#s005-4", "risk/index.html#s006-4"]
    assert [e.get(search.SAME, 0) for e in folded] == [0, 2, 0, 0, 0, 0]
    assert entries == before                      # the index's own entries are left as they were


def test_a_heading_without_its_number_is_what_is_compared():
    assert search.unnumbered("3.2\u200b联邦\u200b学习") == "联邦学习"
    assert search.unnumbered("A.1.1 开放\u200b数据集") == "开放数据集"
    assert search.unnumbered("第一章 风险识别") == "风险识别"
    assert search.unnumbered("GPT-3 的训练") == "GPT-3 的训练"


def test_a_folded_section_is_one_pagefind_record_whose_meta_says_how_many(cut, tmp_path):
    assert pagefind.write(tmp_path, search.fold(_copies(cut))) == 6
    fragments = [json.loads(gzip.decompress(p.read_bytes())[len(b"pagefind_dcd"):])
                 for p in (tmp_path / pagefind.FOLDER / "fragment").iterdir()]
    same = {f["url"]: f["meta"].get("same") for f in fragments}
    assert same["data/privacy.html#s000-3-2"] == "2"
    assert [u for u, n in same.items() if n] == ["data/privacy.html#s000-3-2"]


def test_the_bench_sets_the_engine_and_the_folding_once_each(tmp_path):
    from kb.bench.engines import set_engine
    from kb.site.config import KbConfig

    yml = tmp_path / "mkdocs.yml"
    yml.write_text("plugins:\n  - search\n  - kb:\n      sources: sources\n", encoding="utf-8")
    set_engine(yml, "index")
    set_engine(yml, "pagefind", fold=False)
    text = yml.read_text(encoding="utf-8")
    assert text.count("search_engine:") == 1 and "search_engine: pagefind\n" in text
    assert text.count("search_fold:") == 1 and "search_fold: false\n" in text
    config = KbConfig()
    config.load_dict({"search_fold": False})
    assert config.validate() == ([], []) and config.search_fold is False


def test_pagefind_folds_only_when_the_one_file_index_does(cut):
    """Both engines list the same sections: with Material's own index (a custom jieba_dict,
    which kb cannot cut for) neither folds."""
    from kb.site.plugin import KbPlugin

    entries = _entries(cut) + [dict(_entries(cut)[1], location="data/privacy.html#s001-3-2")]
    plugin = KbPlugin()
    errors, _ = plugin.load_config({})
    assert not errors
    plugin.index_segmenter = None                     # Material's own index
    assert plugin.folded(entries) == entries
    plugin.index_segmenter = object()                 # kb's index: it folds
    assert [e["location"] for e in plugin.folded(entries)] == ["data/privacy.html", "data/privacy.html#s000-3-2"]
    plugin.config.search_fold = False
    assert plugin.folded(entries) == entries


def test_a_file_pagefind_has_not_finished_writing_is_waited_for(tmp_path):
    # Pagefind 1.5.2 can answer WriteFiles before its last writes land (kb.site.pagefind._until_written).
    whole = gzip.compress(b"pagefind_dcd" + b"x" * 5000)
    (tmp_path / "a.pf_fragment").write_bytes(whole[:-9])        # cut short
    (tmp_path / "b.pf_index").write_bytes(whole)
    (tmp_path / "pagefind-entry.json").write_text("", encoding="utf-8")
    (tmp_path / "pagefind.js").write_text("export const x = 1", encoding="utf-8")
    paths = sorted(tmp_path.iterdir())
    sizes: dict = {}
    first = pagefind._unwritten(paths, sizes)
    assert [p.name for p in first] == ["a.pf_fragment", "pagefind-entry.json", "pagefind.js"]
    (tmp_path / "a.pf_fragment").write_bytes(whole)
    (tmp_path / "pagefind-entry.json").write_text("{}", encoding="utf-8")
    assert pagefind._unwritten(first, sizes) == []                # the script kept its size
