"""Search support: the jieba user dictionary, the index's segmentation and the
Traditional-character table.

Both are derived data, made at build time from what a human edits (the glossary and
entity index in sources/editorial.yml) or from a pinned package (opencc-js), so that
neither is committed twice.

- The user dictionary makes every domain term a single jieba token in the search index
  (大模型, 联邦学习, 百度飞桨 ...), so a query for the term matches the term and not
  its pieces scattered through unrelated sections.
- The Traditional-character table lets the search worker tell, without the converter,
  that a query holds Traditional characters; only then does it load the converter.
- The search worker itself is put together here: the table and the search engine
  (worker/kb-search.js) in one script (see worker_script), the same in every edition.
"""
from __future__ import annotations

import functools
import hashlib
import json
import re
from pathlib import Path

from kb.core.model import KbError
from kb.core.plan import Role
from kb.site import pagefind
from kb.core.segment import Segmenter, Segmenters, dictionary_words, user_dictionary  # noqa: F401 (used by the plugin and export)
from kb.importer.parse import CHAPTER_RE, NUMBERED_RE, PART_RE

def index_segmenter(segmenters: Segmenters, dictionary: str) -> Segmenter:
    """The segmenter that cuts the search index's text: jieba with the user dictionary
    (`user_dictionary(editorial)`) and its model for unknown words, as Material's search
    plugin cuts with `jieba_dict_user`. The site (kb.site.plugin) and the single file
    (kb.export) cut with it."""
    return segmenters.get("index", user_dictionary=dictionary, hmm=True)


def traditional_characters(ts_characters: str) -> str:
    """Characters that only Traditional text uses, from OpenCC's TSCharacters table.

    `ts_characters` is that table as opencc-js ships it: `繁 简|...` entries separated
    by `|` (a Traditional character may list several Simplified forms). A character is
    kept when it differs from its Simplified form and is not itself the Simplified form
    of another character, so Simplified text never trips the check.
    """
    return "".join(sorted(traditional_map(ts_characters)))


def traditional_map(ts_characters: str) -> dict[str, str]:
    """Each Traditional-only character (see traditional_characters) -> its Simplified form
    (the first OpenCC lists): character by character, without OpenCC's phrase table. For
    the single-file edition, which cannot carry the converter."""
    pairs = [entry.split(" ") for entry in ts_characters.split("|") if entry.strip()]
    simplified = {s for _, *forms in pairs for s in forms}
    return {t: forms[0] for t, *forms in pairs
            if len(t) == 1 and forms and t not in forms and t not in simplified}


_JS_EXPORT = re.compile(r'export\s+default\s+("(?:[^"\\]|\\.)*")', re.S)


def read_opencc_dict(module_text: str, where: str) -> str:
    """The dictionary string of an opencc-js `dist/esm-lib/dict/*.js` module."""
    match = _JS_EXPORT.search(module_text)
    if not match:
        raise ValueError(f"{where}: no `export default \"...\"` dictionary string found")
    return json.loads(match.group(1))


# ---------------------------------------------------------------------------
# The index's segmentation

# Material's own pattern for the text it gives to jieba (SearchIndex._segment_chinese).
_HAN_SCRIPT = None


def index_text(text: str, seg: Segmenter) -> str:
    """The text as Material's search plugin indexes it (`SearchIndex._segment_chinese`):
    each run of Han characters cut into words, the words set apart by zero-width spaces.
    The same output as the plugin with the same user dictionary loaded into jieba; the
    cut comes from a cached segmenter (kb.segment)."""
    global _HAN_SCRIPT
    if _HAN_SCRIPT is None:
        from backrefs import bre

        _HAN_SCRIPT = bre.compile(r"(\p{script: Han}+)", bre.UNICODE)

    def replace(match) -> str:
        return "\u200b" + "\u200b".join(seg.cut(match.group(0))) + "\u200b"

    return _HAN_SCRIPT.sub(replace, text).strip("\u200b")


def entries_key(page) -> str:
    """A digest of everything Material's SearchIndex.add_entry_from_context reads of a
    page: its URL, title, front matter (title, search, tags), headings' ids and content."""
    def ids(items) -> list:
        return [[item.id, ids(item.children)] for item in items]

    meta = {k: page.meta.get(k) for k in ("title", "search", "tags")}
    parts = json.dumps([page.url, page.title, meta, ids(page.toc)], ensure_ascii=False, default=str)
    return hashlib.sha256(f"{parts}\n{page.content}".encode("utf-8")).hexdigest()


def add_entries(page, *, index, memo, add) -> None:
    """Material's `index.add_entry_from_context(page)` (`add`), or the entries it made
    before for the same inputs, from `memo`."""
    key = entries_key(page)
    stored = memo.get(key)
    if stored is not None:
        index.entries.extend(dict(entry) for entry in stored)
        return
    start = len(index.entries)
    add(page)
    memo.put(key, index.entries[start:])


# ---------------------------------------------------------------------------
# Sections that say the same thing

# The field of a folded entry that counts the other places of its text: in
# search_index.json (kb-search.js) and in the Pagefind record's meta (kb-pagefind.js).
SAME = "same"


def unnumbered(title: str) -> str:
    """A heading as the index holds it without its section number (3.2, A.1.1, 第一章):
    the number says where a section is, not what it says."""
    text = title.replace("\u200b", "").strip()
    match = NUMBERED_RE.match(text)
    if match:
        return match.group(2)
    match = PART_RE.match(text) or CHAPTER_RE.match(text)
    return text[match.end():].strip() if match else text


# kb serve folds the whole index again after every edit: an unchanged section's text is
# read once, not on every update (at 50 articles 0.08 s of an edit's 0.4 s of CPU).
_fold_text = functools.lru_cache(maxsize=1 << 16)(pagefind.plain_text)


def fold(entries: list[dict]) -> list[dict]:
    """Material's index entries with the sections that say the same thing as one: a section
    whose heading (its number aside) and text (its markup aside) are those of an earlier
    section is left out, and the earlier one counts it in SAME. A reader gains nothing from
    a list of the same text five times (a section copied into several articles, or repeated
    within one), and it pushes every other answer off the first screen; the result says how
    many other places hold it. Pages' own entries and sections without text stay as they are. The
    one rule for both engines: the one-file index (kb.site.mkdocs_compat) and Pagefind's
    records (kb.site.pagefind) are written from its output."""
    first: dict[tuple[str, str], dict] = {}
    out = []
    for entry in entries:
        # Tags and the spaces between words aside: a list written loose or tight says the same.
        text = _fold_text(entry.get("text") or "")
        if "#" not in entry["location"] or not text:
            out.append(entry)
            continue
        key = (unnumbered(entry.get("title") or ""), text)
        kept = first.get(key)
        if kept is None:
            first[key] = entry = dict(entry)
            out.append(entry)
        else:
            kept[SAME] = kept.get(SAME, 0) + 1
    return out


# ---------------------------------------------------------------------------
# What the search worker needs in the site

T2CN_SOURCE = Path("opencc-js/dist/umd/t2cn.js")
TS_CHARACTERS = Path("opencc-js/dist/esm-lib/dict/TSCharacters.js")
T2CN_TARGET = "assets/javascripts/vendor/opencc-t2cn.js"
# The search engine; never served alone (see worker_script).
ENGINE_SOURCE = Path(__file__).parent / "worker" / "kb-search.js"
# How a query is read, shared by both engines (kb-search.js and kb-pagefind.js).
QUERY_SOURCE = Path(__file__).parent / "worker" / "kb-query.js"
WORKER_TARGET = "assets/javascripts/workers/kb-search.js"


def worker_script(traditional: str, engine: str) -> str:
    """The search worker as one script: the Traditional-character table, how a query is
    read (worker/kb-query.js, shared by both engines), then the engine (worker/kb-search.js,
    or worker/kb-pagefind.js: kb.site.pagefind), which answers Material's search messages
    itself.

    One script, so that nothing is imported when the worker starts: from file:// Material
    runs its worker in an iframe (the iframe-worker shim) where importScripts is
    asynchronous. The single file (kb.export) starts the same text as a Blob worker.
    """
    return "".join([
        "// Generated at build time by scripts/kb/site/search.py: the knowledge base's search worker.\n",
        "// Characters only Traditional Chinese uses (opencc-js TSCharacters), how a query is\n",
        "// read (scripts/kb/site/worker/kb-query.js), then the search engine.\n",
        '"use strict";\n',
        f"self.KB_TRADITIONAL = {json.dumps(traditional, ensure_ascii=False)};\n",
        QUERY_SOURCE.read_text(encoding="utf-8").rstrip() + ";\n",
        engine.rstrip() + ";\n",
    ])


def _opencc_file(node_modules: Path, path: Path) -> Path:
    if not (node_modules / path).is_file():
        raise KbError(str(node_modules / path), None, "opencc-js is not installed",
                      "run `npm ci` (or `make setup`) in the repository root")
    return node_modules / path


def opencc_characters(node_modules: Path) -> str:
    """OpenCC's TSCharacters table (Traditional -> Simplified characters) from opencc-js."""
    table = _opencc_file(node_modules, TS_CHARACTERS)
    return read_opencc_dict(table.read_text(encoding="utf-8"), str(table))


def converter_file(node_modules: Path) -> Path:
    """opencc-js's Traditional-to-Simplified converter, which the worker loads when a
    query holds a Traditional character."""
    return _opencc_file(node_modules, T2CN_SOURCE)


def worker_files(node_modules: Path, pagefind_engine: bool = False) -> dict[str, Path | str]:
    """{site path: file on disk, or generated text}: the search worker (see worker_script)
    and the converter it loads when a query holds a Traditional character; with
    `pagefind_engine`, the worker that reads Pagefind's index too (kb.site.pagefind)."""
    chars = traditional_characters(opencc_characters(node_modules))
    out = {T2CN_TARGET: converter_file(node_modules),
           WORKER_TARGET: worker_script(chars, ENGINE_SOURCE.read_text(encoding="utf-8"))}
    if pagefind_engine:
        out[pagefind.WORKER_TARGET] = worker_script(chars, pagefind.ENGINE_SOURCE.read_text(encoding="utf-8"))
    return out


# ---------------------------------------------------------------------------
# What is indexed

# The "来源：《article》· heading" line under every section: it would put the five
# article titles into every section's text. The "相关章节：" line after a section and the
# "被引用于" list at the end of a topic page likewise: they restate other sections' article
# titles and headings, and a query for a heading would find every section that lists it.
_SOURCE_LINE = re.compile(r'<p class="kb-source"')
_RELATED_LINE = re.compile(r'<p class="kb-related"')
_BACKLINKS = re.compile(r'<h([2-6]) id="backlinks"')
_SUBHEADING = re.compile(r"<h([2-6])(?=[\s>])")


# Pages that list or restate other pages: the home and chapter pages (lists of topics),
# the glossary (definitions quoted from the sections, each linking to them), the entity
# index (lists of mentions), the 勘误表 (the editor's notes, each also after its claim on
# a topic page, where search finds it) and the list of articles.
REFERENCE_ROLES = frozenset({Role.HOME, Role.CHAPTER, Role.GLOSSARY, Role.ENTITIES, Role.ERRATA,
                             Role.SOURCES_INDEX})
# The faithful source pages repeat every section of the topic pages under the same
# anchors; searching them too would list each answer twice.
UNSEARCHED_ROLES = frozenset({Role.SOURCES_INDEX, Role.SOURCE})


def is_reference(role: Role | None) -> bool:
    """Whether a page of this role (kb.core.plan; None: not written by the import) lists
    or restates other pages."""
    return role in REFERENCE_ROLES


def is_unsearched(role: Role | None) -> bool:
    """Whether a page of this role stays out of the search index altogether."""
    return role in UNSEARCHED_ROLES


def mark_unsearchable(html: str, reference_page: bool) -> str:
    """Mark what the search plugin must skip (`data-search-exclude`, which it strips
    from the page afterwards): the source line and the related-sections line of each
    section, the list of sections that point to the page, and on reference pages
    every entry below the page title. Those would otherwise outrank the section they
    point to (a glossary entry's heading is the bare term); the page itself stays
    findable by its title and opening lines."""
    html = _SOURCE_LINE.sub('<p class="kb-source" data-search-exclude="source"', html)
    html = _RELATED_LINE.sub('<p class="kb-related" data-search-exclude="related"', html)
    # An excluded heading leaves its whole section out (the list under it too).
    html = _BACKLINKS.sub(r'<h\1 data-search-exclude="backlinks" id="backlinks"', html)
    if reference_page:
        html = _SUBHEADING.sub(r'<h\1 data-search-exclude="reference"', html)
    return html
