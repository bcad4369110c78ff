"""Search past one file: the site's index split by word with Pagefind, for large sites.

Material's search index is one file (search/search_index.json) that every page downloads
and the worker loads whole: 0.7 MB at five articles, 68 MB at 500. Past `PAGEFIND_MIN_ARTICLES`
articles (or when mkdocs.yml says `search_engine: pagefind`), the site served over http
searches Pagefind's index instead, which a query reads only the parts of:

- one Pagefind record per entry of Material's index (a page's opening, or a section): its
  URL with the section's #anchor, so results open the section; its heading as the `title`
  (Pagefind weighs a match there more); its text. Both come from Material's index entries,
  whose Han text kb's segmenter has already cut (jieba with the editorial user dictionary,
  kb.site.search.index_text); here the words are set apart by spaces, which is where
  Pagefind's own tokenizer splits, so Pagefind's words are jieba's. Past RECORDS_PER_INDEX
  records they are split over several Pagefind indexes (pagefind/, pagefind/1/ ...; `parts`),
  which the worker merges: a Pagefind search costs about the sections it finds times the
  sections of its words.
- `pagefind/kb-words/N.json`: the index's Han words, split by their first character, so
  the worker cuts a query into the index's own words (kb-query.js, as the one-file engine
  does) fetching only the files of the query's characters; `pagefind/kb-search.json` says
  how many files there are, the longest word, each page's title and how many indexes.

The worker (worker/kb-pagefind.js) answers Material's search box; overrides/main.html points
the page at it over http, and answers Material's request for search_index.json itself so
that the file is not downloaded. The file:// editions (kb export) keep the one-file engine:
Pagefind fetches its index, which a browser does not allow from file://.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import html
import json
import math
import os
import re
import shutil
import zlib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from kb.core import atomic, cache
from kb.core.segment import HAN

# Past this many articles the served site searches with Pagefind (search_engine: auto). At
# five articles the one-file index is 83 KB gzipped and a keystroke is answered in under
# 100 ms; at 50 it is 0.3-0.8 MB that every page downloads and p95 is 0.2-0.6 s
# (bench/report.md). Twenty articles is where the one file passes about 3 MB raw.
PAGEFIND_MIN_ARTICLES = 20
ENGINES = ("auto", "index", "pagefind")

# Where the index goes in the site, and the worker that reads it.
FOLDER = "pagefind"
WORKER_TARGET = "assets/javascripts/workers/kb-pagefind.js"
ENGINE_SOURCE = Path(__file__).parent / "worker" / "kb-pagefind.js"

# The records' language: one that Pagefind neither stems nor segments (for zh, ja and th the
# extended binary and pagefind.js cut again, with their own dictionaries, what jieba cut).
LANGUAGE = "und"
# Records sent to Pagefind's service before waiting for its answers.
BATCH = 256
# About this many words per file of the query segmenter's dictionary.
WORDS_PER_SHARD = 256
# At most about this many records per Pagefind index. Pagefind 1.5's search compares every
# section it found with every section of every word it matched (search_term in
# pagefind_web/src/search.rs; upstream pull request #1334), so one search costs about
# (sections found) x (sections of its words): 大模型, in 17,010 of 24,560 sections at 500
# articles, took 1.7 s. Records split over K indexes, which the worker merges
# (pagefind.mergeIndex) and whose results Pagefind ranks together, cost 1/K of that, but a
# query then fetches an index chunk per word from each of the K indexes. The query set in
# Chromium at 500 articles without folding (24,560 records), p95 from the query to the
# worker's answer: K=1 340 ms, K=3 210 ms, K=5 137 ms (load 5-7), K=9 157 ms (load 3).
RECORDS_PER_INDEX = 5000
# Pagefind's index chunk, in word positions (its default; PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE):
# divided by the number of indexes, so that a query, which fetches a chunk per word from
# every index, downloads about what it would from one index.
CHUNK_POSITIONS = 20_000

_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"[\s\u200b]+")
_HAN_ONLY = re.compile(f"^[{HAN}]+$")
# A word Pagefind would read as one of its directives (___PAGEFIND_WEIGHT___ ...).
_CUT = re.compile(r"(?<=[^\x00-\x7f]) +| +(?=[^\x00-\x7f])")
_DIRECTIVE = re.compile(r"(?<!\S)_")


def engine(option: str, articles: int, serving: bool = False) -> str:
    """The served site's search engine, "index" (one file) or "pagefind", for the kb
    plugin's `search_engine` option and the number of articles. A preview (kb serve) keeps
    the one file: it costs nothing to download from 127.0.0.1, while Pagefind's index is
    written whole, so every edit would wait for the whole site to be indexed again (at 50
    articles an edit took 1.8 s to show instead of 1.0 s)."""
    if serving:
        return "index"
    if option == "auto":
        return "pagefind" if articles > PAGEFIND_MIN_ARTICLES else "index"
    return option


@dataclass(frozen=True)
class Record:
    """One Pagefind record: an entry of Material's search index."""
    url: str          # where it opens, relative to the site: `risk/identification.html#anchor`
    title: str        # the heading (a page's entry: its title), words set apart by spaces
    content: str      # the text, words set apart by spaces
    same: int = 0     # other sections of the same heading and text folded into it (search.fold)


def words_text(markup: str) -> str:
    """Text of Material's index HTML as Pagefind reads it: tags dropped, entities decoded,
    the zero-width spaces kb's segmenter put between words made spaces. A word that starts
    with `_` gets a zero-width space in front, which Pagefind drops, so that no text of an
    article is read as a Pagefind directive."""
    text = _SPACE.sub(" ", html.unescape(_TAG.sub(" ", markup))).strip()
    return _DIRECTIVE.sub("\u200b_", text)


def plain_text(markup: str) -> str:
    """The text of HTML as a reader reads it, entities as written: tags dropped, each run of
    blanks (the segmenter's zero-width spaces included) one space."""
    return _SPACE.sub(" ", _TAG.sub(" ", markup)).strip()


def unspaced(text: str) -> str:
    """Words set apart by spaces as the page writes them: no space beside a Chinese
    character or mark (kb-pagefind.js does the same to what it shows)."""
    return _CUT.sub("", text)


def records(entries: list[dict]) -> list[Record]:
    """One record per entry of Material's search index (`search_index.entries`), in order."""
    return [Record(url=entry["location"], title=words_text(entry.get("title") or ""),
                   content=words_text(entry.get("text") or ""), same=entry.get("same", 0))   # search.SAME
            for entry in entries]


def han_words(items: list[Record]) -> list[str]:
    """The records' distinct Han words, sorted: what the query segmenter may cut into."""
    found = {word for record in items for text in (record.title, record.content)
             for word in text.replace("\u200b", "").split() if _HAN_ONLY.match(word)}
    return sorted(found)


def word_files(items: list[Record], indexes: int) -> dict[str, str]:
    """{path under pagefind/: JSON text}: the Han words split by their first character's
    code point modulo the number of files, and kb-search.json (that number, the longest
    word, each page's title, and `indexes`: how many Pagefind indexes the records are
    split over, `parts`)."""
    words = han_words(items)
    shards = 1
    while shards * WORDS_PER_SHARD < len(words):
        shards *= 2
    split: list[list[str]] = [[] for _ in range(shards)]
    for word in words:
        split[ord(word[0]) % shards].append(word)
    pages = {record.url: unspaced(record.title) for record in items if "#" not in record.url}
    out = {f"kb-words/{n}.json": _json(split[n]) for n in range(shards)}
    out["kb-search.json"] = _json({"shards": shards, "longest": max(map(len, words), default=1),
                                   "pages": pages, "indexes": indexes})
    return out


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


class _AsyncioWithoutPollDelay:
    """asyncio for Pagefind's Python service module, its `sleep` only yielding.

    pagefind 1.5.2's PagefindService._wait_for_responses sleeps 0.1 s before reading each
    answer of the Pagefind binary (the read that follows waits for data anyway), so a site
    fed one record per section waits 0.1 s per section: 40 minutes at 500 articles.
    tests/test_pagefind.py holds the pinned version to that line."""

    def __getattr__(self, name):
        return getattr(asyncio, name)

    @staticmethod
    async def sleep(delay, result=None):
        return await asyncio.sleep(0, result)


def parts(items: list[Record]) -> list[list[Record]]:
    """The records split over the Pagefind indexes (RECORDS_PER_INDEX each at most), each
    in the index its URL's hash says (the same records are split the same way every time),
    so that every index holds a sample of the whole site and the word frequencies each one
    scores with (BM25's IDF) are about the site's."""
    count = max(1, math.ceil(len(items) / RECORDS_PER_INDEX))
    split: list[list[Record]] = [[] for _ in range(count)]
    for record in items:
        split[zlib.crc32(record.url.encode("utf-8")) % count].append(record)
    return [part for part in split if part] or [[]]     # an index of no records would not load


def part_folder(folder: Path, n: int) -> Path:
    """Where index `n` goes: the first in pagefind/ (the worker imports its pagefind.js),
    the others in pagefind/N/."""
    return folder if n == 0 else folder / str(n)


@contextlib.contextmanager
def _chunk_positions(count: int):
    """Pagefind's index chunks 1/count of its default size while the services started
    meanwhile index (read from the environment when the service starts)."""
    name = "PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE"
    before = os.environ.get(name)
    os.environ[name] = str(max(1, CHUNK_POSITIONS // count))
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


async def _index(split: list[list[Record]], folder: Path) -> None:
    """Index each part of the records (`parts`) into its folder."""
    # The indexes are independent: as many at once as there are cores.
    running = asyncio.Semaphore(os.cpu_count() or 1)

    async def one(n: int, part: list[Record]) -> None:
        async with running:
            await _index_part(part, part_folder(folder, n))

    with _chunk_positions(len(split)):
        await asyncio.gather(*(one(n, part) for n, part in enumerate(split)))
    # A merged index is read for its entry, metadata, chunks and fragments only: the
    # scripts, styles and wasm Pagefind writes beside each are the first index's to serve.
    for n in range(1, len(split)):
        for path in part_folder(folder, n).iterdir():
            if path.is_file() and (path.suffix in (".js", ".css") or path.name.startswith("wasm.")):
                path.unlink()


async def _index_part(items: list[Record], folder: Path) -> None:
    import pagefind.service
    from pagefind.service import PagefindService

    pagefind.service.asyncio = _AsyncioWithoutPollDelay()
    service = await PagefindService().launch()
    try:
        index = await service.create_index()
        # Sent in batches: the service answers each record, and one at a time a large
        # site spends most of its indexing time waiting for the answers.
        for start in range(0, len(items), BATCH):
            await asyncio.gather(*(index.add_custom_record(url=record.url, content=record.content,
                                                           language=LANGUAGE, meta=_meta(record))
                                   for record in items[start:start + BATCH]))
        await index.write_files(output_path=str(folder))
        await _until_written(folder)
    finally:
        await service.close()


# Pagefind's files that are gzipped (its index, fragments, metadata, wasm) and JSON.
_GZIPPED = (".pf_meta", ".pf_index", ".pf_fragment", ".pf_filter", ".pagefind")
WRITE_WAIT_S = 30.0


async def _until_written(folder: Path) -> None:
    """Wait until every file Pagefind said it wrote is whole. Pagefind 1.5.2 answers
    WriteFiles while its last writes may still be in flight, and closing the service kills
    it: under load a file was left truncated (upstream fix fab688b, after 1.5.2). So the
    service is closed only once every gzipped file decompresses, every JSON file parses
    and the other files have kept their size for a moment."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WRITE_WAIT_S
    # The other indexes' folders (pagefind/1/ ...) are theirs to wait for.
    pending = sorted(p for p in folder.rglob("*") if p.is_file() and not p.relative_to(folder).parts[0].isdigit())
    sizes: dict[Path, int] = {}
    while True:
        pending = await asyncio.to_thread(_unwritten, pending, sizes)
        if not pending:
            return
        if loop.time() > deadline:
            raise RuntimeError(f"Pagefind did not finish writing {pending[0]}")
        await asyncio.sleep(0.05)


def _unwritten(paths: list[Path], sizes: dict[Path, int]) -> list[Path]:
    """Those of `paths` that are not whole yet (see _until_written); `sizes`: each file's
    size at the last look, for the files that are neither gzipped nor JSON, updated."""
    import gzip

    out = []
    for path in paths:
        if path.suffix in _GZIPPED:
            try:
                gzip.decompress(path.read_bytes())
            except (EOFError, OSError, zlib.error):
                out.append(path)
        elif path.suffix == ".json":
            try:
                json.loads(path.read_bytes())
            except ValueError:
                out.append(path)
        else:
            size = path.stat().st_size
            if sizes.get(path) != size or size == 0:
                out.append(path)
            sizes[path] = size
    return out


def _meta(record: Record) -> dict[str, str]:
    """The record's Pagefind meta (strings): its heading, and how many sections were folded
    into it when any (kb-pagefind.js says so under the result)."""
    return {"title": record.title, **({"same": str(record.same)} if record.same else {})}


def _run(coroutine) -> None:
    """Run `coroutine` to its end, also when this thread already runs an event loop (a
    build called from asynchronous code, or beside Playwright's synchronous API, whose
    loop is this thread's): asyncio.run refuses that, so it then runs in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(coroutine)
        return
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine).result()


def write(site_dir: Path, entries: list[dict], kept: Path | None = None) -> int:
    """Write the Pagefind index of Material's index `entries` (as kb.site.search.fold left
    them: one record for sections of the same heading and text) and the query segmenter's
    dictionary into site_dir/pagefind/; the number of records. `kept`: where the last
    index written is kept under the digest of what made it (the kb plugin's
    build/cache/pagefind/): a build whose records did not change copies it instead of
    indexing the site again (at 500 articles, most of a later build)."""
    items = records(entries)
    folder = site_dir / FOLDER
    # The digest reads every record's text: only for a build that keeps the index.
    key = _index_key(items) if kept is not None else None
    if key is not None and (kept / key).is_dir():
        shutil.copytree(kept / key, folder)
        return len(items)
    split = parts(items)
    _run(_index(split, folder))
    for name, text in word_files(items, len(split)).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if key is not None:
        _keep(folder, kept / key)
    return len(items)


def _index_key(items: list[Record]) -> str:
    """What decides the index: the records, Pagefind's version and this code."""
    return cache.digest(metadata.version("pagefind"), cache.source_digest(__file__),
                        [dataclasses.astuple(record) for record in items])


def _keep(folder: Path, target: Path) -> None:
    """A copy of the index just written at `target`, the only index kept beside it (copied
    whole or not at all: a killed build leaves no half index under that name)."""
    with atomic.staged(target) as staging:
        shutil.copytree(folder, staging.path, dirs_exist_ok=True)
        staging.commit()
    for other in target.parent.iterdir():
        if other != target:
            shutil.rmtree(other, ignore_errors=True)
