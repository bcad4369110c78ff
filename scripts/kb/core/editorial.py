"""Load and validate sources/editorial.yml (chapters, topics, per-section overrides)."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from kb.core.model import Chapter, Editorial, Entity, KbError, Override, Term, Topic

EDITORIAL_FILE = "editorial.yml"
# The nine chapters fixed by DESIGN.md, in reading order.
CHAPTER_IDS = ("overview", "strategy", "tech", "data", "product", "marketing", "risk", "cases", "appendix")
_ID = re.compile(r"^[a-z][a-z0-9-]*$")
ENTITY_KINDS = ("company", "product", "person", "org")
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
                     glossary=_glossary(root, shown), entities=_entities(root, shown))


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
        entry = Term(str(term), str(definition).strip(), _names(f.get("aliases", (None, 0))[0], shown, line),
                     str(f.get("source", ("", 0))[0] or ""))
        _check_unique(entry.names, seen, shown, line)
        out.append(entry)
    return out


def _entities(root: yaml.Node, shown: str) -> list[Entity]:
    out, seen = [], {}
    for node in _items(root, "entities"):
        f = _fields(node, "an entity", shown)
        line = _line(node)
        name, kind = f.get("name", (None, 0))[0], f.get("kind", (None, 0))[0]
        if not name or kind not in ENTITY_KINDS:
            raise KbError(shown, line, "an entity needs `name:` and `kind:`", f"kind is one of {', '.join(ENTITY_KINDS)}")
        entry = Entity(str(name), kind, _names(f.get("aliases", (None, 0))[0], shown, line))
        _check_unique(entry.names, seen, shown, line)
        out.append(entry)
    return out
