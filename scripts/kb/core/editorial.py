"""Load and validate sources/editorial.yml (chapters, topics, per-section overrides,
glossary, entities, and the site's labels over the package's kb/core/labels.yml)."""
from __future__ import annotations

import dataclasses
import functools
import re
import string
import typing
from pathlib import Path

import yaml

from kb.core.model import (
    Chapter,
    Editorial,
    Entity,
    CONTRADICTION_KIND,
    MARKUP_KIND,
    NOTE_KINDS,
    KbError,
    Labels,
    Note,
    Override,
    Place,
    Template,
    Term,
    Topic,
)

EDITORIAL_FILE = "editorial.yml"
# The nine chapters fixed by DESIGN.md, in reading order.
CHAPTER_IDS = ("overview", "strategy", "tech", "data", "product", "marketing", "risk", "cases", "appendix")
_ID = re.compile(r"^[a-z][a-z0-9-]*$")
# `other`: an accepted suggestion (`- name: DeepSeek`, one line) whose kind the editor has not given.
ENTITY_KINDS = ("company", "product", "person", "org", "other")
# libyaml when PyYAML was built with it: the same nodes and marks, several times faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _construct(node: yaml.Node) -> object:
    """The Python value of a composed node, as yaml.safe_load would give it."""
    return yaml.constructor.SafeConstructor().construct_document(node)


def _fields(node: yaml.Node, where: str, path: str) -> dict[str, tuple[object, int]]:
    if not isinstance(node, yaml.MappingNode):
        raise KbError(path, _line(node), f"{where} must be a mapping")
    out = {}
    for key, value in node.value:
        if key.value in out:
            raise KbError(path, _line(key), f"`{key.value}` appears twice in {where}", "merge the two")
        out[key.value] = (_construct(value), _line(value))
    return out


def load_editorial(src_dir: Path) -> Editorial:
    path = src_dir / EDITORIAL_FILE
    shown = f"{src_dir.name}/{EDITORIAL_FILE}"
    if not path.is_file():
        raise KbError(shown, None, "editorial file not found", "restore it from git: it lists chapters and topics")
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise KbError(shown, mark.line + 1 if mark else None, f"not valid YAML: {exc.problem}") from None
    top = _fields(root, "the file", shown)
    if "chapters" not in top:
        raise KbError(shown, 1, "missing `chapters:`")

    chapters: list[Chapter] = []
    seen_topics: set[tuple[str, str]] = set()
    chapter_nodes = next(v for k, v in root.value if k.value == "chapters")
    for cnode in chapter_nodes.value:
        c = _fields(cnode, "a chapter", shown)
        cid, cline = c.get("id", (None, _line(cnode)))
        if cid not in CHAPTER_IDS:
            raise KbError(shown, cline, f"unknown chapter id {cid!r}", f"use one of {', '.join(CHAPTER_IDS)}")
        chapter = Chapter(cid, str(c["title"][0]), str(c.get("description", ("", 0))[0]))
        topic_nodes = next((v for k, v in cnode.value if k.value == "topics"), None)
        for tnode in topic_nodes.value if topic_nodes else []:
            t = _fields(tnode, "a topic", shown)
            tid, tline = t.get("id", (None, _line(tnode)))
            if not isinstance(tid, str) or not _ID.match(tid) or (cid, tid) in seen_topics:
                raise KbError(shown, tline, f"topic id {tid!r} is missing, not lowercase ASCII, or repeated")
            keywords = t.get("keywords", ([], tline))[0] or []
            if not keywords:
                raise KbError(shown, tline, f"topic {tid!r} has no keywords", "give it at least one")
            seen_topics.add((cid, tid))
            chapter.topics.append(Topic(tid, cid, str(t["title"][0]), [str(k) for k in keywords],
                                        str(t.get("summary", ("", 0))[0])))
        if not chapter.topics:
            raise KbError(shown, cline, f"chapter {cid!r} has no topics")
        chapters.append(chapter)
    missing = [c for c in CHAPTER_IDS if c not in {ch.id for ch in chapters}]
    if missing:
        raise KbError(shown, _line(chapter_nodes), f"chapters missing: {', '.join(missing)}")
    chapters.sort(key=lambda ch: CHAPTER_IDS.index(ch.id))

    overrides: list[Override] = []
    onodes = next((v for k, v in root.value if k.value == "overrides"), None)
    for onode in onodes.value if isinstance(onodes, yaml.SequenceNode) else []:
        o = _fields(onode, "an override", shown)
        line = _line(onode)
        if "source" not in o or "heading" not in o:
            raise KbError(shown, line, "an override needs `source:` and `heading:`")
        ov = Override(str(o["source"][0]), str(o["heading"][0]), line=line,
                      topic=o.get("topic", (None, 0))[0], drop=o.get("drop", (None, 0))[0],
                      unit=bool(o.get("unit", (False, 0))[0]))
        if ov.topic is not None:
            chapter_id, _, topic_id = str(ov.topic).partition("/")
            if not any(t.id == topic_id and t.chapter == chapter_id for ch in chapters for t in ch.topics):
                raise KbError(shown, line, f"override names unknown topic {ov.topic!r}",
                              "write it as <chapter>/<topic>, for example risk/identification")
        overrides.append(ov)
    return Editorial(chapters=chapters, overrides=overrides, path=shown,
                     glossary=_glossary(root, shown), entities=_entities(root, shown),
                     labels=_labels(root, shown), ignore=_patterns(root, shown, "ignore"),
                     reviewed=_patterns(root, shown, "reviewed"),
                     notes=_notes(root, shown), words=_words(root, shown))


def _words(root: yaml.Node, shown: str) -> list[str]:
    """`words:`: more words the segmenter keeps whole, so that a term inside them is not a term."""
    node = next((v for k, v in root.value if k.value == "words"), None)
    if node is None:
        return []
    if not isinstance(node, yaml.SequenceNode):
        raise KbError(shown, _line(node), "`words` must be a list of words", "for example: words: [向量化]")
    out = []
    for item in node.value:
        value = _construct(item)
        if not isinstance(value, str) or not value.strip() or any(c.isspace() for c in value.strip()):
            raise KbError(shown, _line(item), f"`words` entry {value!r} is not one word",
                          "write a word without spaces, for example 向量化")
        out.append(value.strip())
    return out


def _chapter_ids(value, shown: str, line: int) -> list[str]:
    """A glossary entry's `chapters:`: known chapter ids, where the term's sense holds."""
    if value is None:
        return []
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise KbError(shown, line, "`chapters` must be a list of chapter ids",
                      f"for example: chapters: [tech, cases]; the ids are {', '.join(CHAPTER_IDS)}")
    unknown = [v for v in value if v not in CHAPTER_IDS]
    if unknown:
        raise KbError(shown, line, f"`chapters` names unknown chapter {unknown[0]!r}",
                      f"use some of {', '.join(CHAPTER_IDS)}")
    return list(value)


def _patterns(root: yaml.Node, shown: str, key: str) -> list[str]:
    """`ignore:` (files and folders that are not articles) or `reviewed:` (articles whose
    placement an editor reviewed): glob patterns relative to sources/."""
    node = next((v for k, v in root.value if k.value == key), None)
    if node is None:
        return []
    if not isinstance(node, yaml.SequenceNode):
        raise KbError(shown, _line(node), f"`{key}` must be a list of paths or glob patterns",
                      f"for example: {key}: [drafts, '*/README.md']")
    out = []
    for item in node.value:
        value = _construct(item)
        if not isinstance(value, str) or not value.strip():
            raise KbError(shown, _line(item), f"`{key}` entry {value!r} is not a path or glob pattern",
                          "write it as a string relative to sources/, for example drafts/*.md")
        pattern = value.strip().strip("/") if not value.startswith("/") else value
        if value.startswith("/") or ".." in pattern.split("/") or "\\" in pattern:
            raise KbError(shown, _line(item), f"`{key}` entry {value!r} must be relative to sources/",
                          "use forward slashes and no leading '/' or '..'")
        out.append(pattern)
    return out


def _items(root: yaml.Node, key: str) -> list[yaml.Node]:
    node = next((v for k, v in root.value if k.value == key), None)
    return node.value if isinstance(node, yaml.SequenceNode) else []


def _names(value, where: str, line: int) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise KbError(where, line, "`aliases` must be a list of names")
    return [str(v) for v in value]


def _check_unique(names: list[str], seen: dict[str, int], where: str, line: int) -> None:
    for name in names:
        if name in seen:
            raise KbError(where, line, f"{name!r} is already listed at line {seen[name]}", "keep one entry")
        seen[name] = line


def _glossary(root: yaml.Node, shown: str) -> list[Term]:
    out, seen = [], {}
    for node in _items(root, "glossary"):
        f = _fields(node, "a glossary entry", shown)
        line = _line(node)
        term, definition = f.get("term", (None, 0))[0], f.get("definition", (None, 0))[0]
        if not term or not definition:
            raise KbError(shown, line, "a glossary entry needs `term:` and `definition:`")
        chapters, chapters_line = f.get("chapters", (None, line))
        entry = Term(str(term), str(definition).strip(), _names(f.get("aliases", (None, 0))[0], shown, line),
                     str(f.get("source", ("", 0))[0] or ""), _chapter_ids(chapters, shown, chapters_line))
        _check_unique(entry.names, seen, shown, line)
        out.append(entry)
    return out


def _entities(root: yaml.Node, shown: str) -> list[Entity]:
    out, seen = [], {}
    for node in _items(root, "entities"):
        f = _fields(node, "an entity", shown)
        line = _line(node)
        name, kind = f.get("name", (None, 0))[0], f.get("kind", ("other", 0))[0]
        if not name or kind not in ENTITY_KINDS:
            raise KbError(shown, line, "an entity needs `name:` (and `kind:`, or it is listed under other)",
                          f"kind is one of {', '.join(ENTITY_KINDS)}")
        entry = Entity(str(name), kind, _names(f.get("aliases", (None, 0))[0], shown, line))
        _check_unique(entry.names, seen, shown, line)
        out.append(entry)
    return out


# --------------------------------------------------------------------------- editor's notes

_NOTE_KEYS = ("source", "claim", "kind", "correction", "reference", "url", "replacement", "with")
_URL = re.compile(r"^https?://[^\s<>\"]+$")


def _notes(root: yaml.Node, shown: str) -> list[Note]:
    """`notes:`: each names the words of one article, what is wrong with them, and a
    reference. Whether the words are there (exactly once) is checked by the import
    (kb.importer.notes), which knows the articles."""
    node = next((v for k, v in root.value if k.value == "notes"), None)
    if node is not None and not isinstance(node, yaml.SequenceNode):
        raise KbError(shown, _line(node), "`notes` must be a list of notes", "see the comment at the top of the file")
    out = []
    for item in node.value if node is not None else []:
        f = _fields(item, "a note", shown)
        line = _line(item)
        for key, (_, key_line) in f.items():
            if key not in _NOTE_KEYS:
                raise KbError(shown, key_line, f"unknown key `{key}` in a note", f"a note has {', '.join(_NOTE_KEYS)}")
        kind = f.get("kind", (None, line))
        if kind[0] not in NOTE_KINDS:
            raise KbError(shown, kind[1], f"note kind {kind[0]!r} is not one of {' | '.join(NOTE_KINDS)}")
        correction = _note_text(f, "correction", shown, line)
        reference = _note_text(f, "reference", shown, line, required=kind[0] != MARKUP_KIND)
        url = _note_text(f, "url", shown, line, required=False)
        if url and not _URL.match(url):
            raise KbError(shown, f["url"][1], f"`url` {url!r} is not an http(s) address")
        replacement = f.get("replacement", (None, 0))
        if replacement[0] is not None and (not isinstance(replacement[0], str) or "\n" in replacement[0]):
            raise KbError(shown, replacement[1], "`replacement` must be text on one line")
        other = None
        if "with" in f:
            if kind[0] != CONTRADICTION_KIND:
                raise KbError(shown, f["with"][1], "`with:` belongs to a 前后矛盾 note",
                              "it names the other place the same fact is stated differently")
            value, wline = f["with"]
            if not isinstance(value, dict) or set(value) != {"source", "claim"}:
                raise KbError(shown, wline, "`with:` needs `source:` and `claim:` (and nothing else)")
            other = _place(value, shown, wline)
        out.append(Note(_place({k: v for k, (v, _) in f.items()}, shown, line), kind[0], correction, reference,
                        url, replacement[0], other, line))
    return out


def _place(value: dict, shown: str, line: int) -> Place:
    source, claim = value.get("source"), value.get("claim")
    if not isinstance(source, str) or not source.strip():
        raise KbError(shown, line, "a note needs `source:`, the article's path relative to sources/")
    if not isinstance(claim, str) or not claim.strip():
        raise KbError(shown, line, "a note needs `claim:`, the exact words of the article",
                      "copy them from the article, in quotes")
    if "\n" in claim.strip("\n"):
        raise KbError(shown, line, "a claim must be words of one line of the article", "quote part of one line")
    return Place(source.strip(), claim.strip("\n"))


def _note_text(f: dict, key: str, shown: str, line: int, required: bool = True) -> str:
    value, key_line = f.get(key, (None, line))
    if value is None or value == "":
        if required:
            raise KbError(shown, line, f"a note needs `{key}:`",
                          "the reference names a publication, official page or paper, with a date"
                          if key == "reference" else "")
        return ""
    if not isinstance(value, (str, int, float)):
        raise KbError(shown, key_line, f"`{key}` must be text")
    return " ".join(str(value).split())


# --------------------------------------------------------------------------- labels

LABELS_FILE = Path(__file__).with_name("labels.yml")
LABELS_SHOWN = "scripts/kb/core/labels.yml"      # how errors name it


@functools.lru_cache(maxsize=1)
def default_labels() -> Labels:
    """The package's labels (kb/core/labels.yml): every key, each checked like an editor's."""
    try:
        root = yaml.compose(LABELS_FILE.read_text(encoding="utf-8"), Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise KbError(LABELS_SHOWN, mark.line + 1 if mark else None, f"not valid YAML: {exc.problem}") from None
    return _group(root, Labels, None, LABELS_SHOWN, "labels")


def _labels(root: yaml.Node, shown: str) -> Labels:
    """The package's labels with the keys the editorial file's `labels:` gives replaced."""
    node = next((v for k, v in root.value if k.value == "labels"), None)
    if node is None:
        return default_labels()
    return _group(node, Labels, default_labels(), shown, "labels")


def _group(node: yaml.Node, kind: type, base, shown: str, key: str):
    """A labels dataclass from a mapping node: every key when there is no `base`, else
    the keys given, the rest taken from `base`."""
    if not isinstance(node, yaml.MappingNode):
        raise KbError(shown, _line(node), f"`{key}` must be a mapping of keys to labels")
    fields = {f.name: f for f in dataclasses.fields(kind)}
    hints = typing.get_type_hints(kind)
    values: dict[str, object] = {}
    for knode, vnode in node.value:
        name = knode.value
        if name not in fields:
            raise KbError(shown, _line(knode), f"unknown key `{key}.{name}`",
                          f"`{key}` has {', '.join(fields)}")
        if name in values:
            raise KbError(shown, _line(knode), f"`{key}.{name}` appears twice", "keep one")
        values[name] = _label(vnode, hints[name], fields[name], getattr(base, name) if base else None,
                              shown, f"{key}.{name}")
    if base is not None:
        return dataclasses.replace(base, **values)
    missing = [name for name in fields if name not in values]
    if missing:
        raise KbError(shown, _line(node), f"`{key}` lacks {', '.join(missing)}")
    return kind(**values)


def _label(node: yaml.Node, hint, spec: dataclasses.Field, base, shown: str, key: str):
    if dataclasses.is_dataclass(hint):
        return _group(node, hint, base, shown, key)
    if typing.get_origin(hint) is tuple:
        if not isinstance(node, yaml.SequenceNode):
            raise KbError(shown, _line(node), f"`{key}` must be a list of words")
        return tuple(_text(item, shown, key) for item in node.value)
    if typing.get_origin(hint) is dict:
        if not isinstance(node, yaml.MappingNode):
            raise KbError(shown, _line(node), f"`{key}` must be a mapping")
        out = dict(base or {})
        for knode, vnode in node.value:
            # The package file names the keys; an editor changes their labels.
            if base is not None and knode.value not in base:
                raise KbError(shown, _line(knode), f"unknown key `{key}.{knode.value}`",
                              f"`{key}` has {', '.join(base)}")
            out[knode.value] = _text(vnode, shown, f"{key}.{knode.value}")
        return out
    text = _text(node, shown, key)
    if hint is Template:
        _check_template(text, spec.metadata["fields"], shown, _line(node), key)
        return Template(text)
    return text


def _text(node: yaml.Node, shown: str, key: str) -> str:
    value = _construct(node) if isinstance(node, yaml.ScalarNode) else None
    if not isinstance(value, str) or not value:
        raise KbError(shown, _line(node), f"`{key}` must be text", "write the words, in quotes if YAML reads them otherwise")
    return value


def _check_template(text: str, allowed: tuple[str, ...], shown: str, line: int, key: str) -> None:
    """Only the named fields the label declares, each written plainly as {name}."""
    fields = ", ".join(f"{{{name}}}" for name in allowed) or "no fields"
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise KbError(shown, line, f"`{key}`: {exc}", "write a brace that is text as {{ or }}") from None
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in allowed:
            raise KbError(shown, line, f"`{key}` has an unknown field {{{name}}}", f"it may use {fields}")
        if spec or conversion:
            raise KbError(shown, line, f"`{key}`: write the field as {{{name}}}, without a format", f"it may use {fields}")


def check_site_name(editorial: Editorial, mkdocs_yml: Path) -> None:
    """mkdocs.yml's `site_name` (the browser's title, the header) and the labels'
    `site_title` (the home page's title) name the site the same way."""
    if not mkdocs_yml.is_file():
        return
    # Composed, not loaded: mkdocs.yml has !!python/name tags that only MkDocs constructs.
    root = yaml.compose(mkdocs_yml.read_text(encoding="utf-8"), Loader=_LOADER)
    node = next((v for k, v in root.value if k.value == "site_name"), None) if isinstance(root, yaml.MappingNode) else None
    title = editorial.labels.site_title
    if node is not None and node.value != title:
        raise KbError(mkdocs_yml.name, _line(node), f"site_name {node.value!r} differs from the labels' site_title {title!r}",
                      f"make them the same: `site_name:` here and `labels: site_title:` in {editorial.path}")
