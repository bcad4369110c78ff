"""Read raw articles from sources/: decode bytes into lines, or fail with file:line."""
from __future__ import annotations

import codecs
import fnmatch
import os
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from kb.core.model import Article, KbError

SOURCE_SUFFIXES = (".txt", ".md", ".markdown")
_NEWLINE = re.compile(r"\r\n|\r|\n")


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef"


def decode(data: bytes, path: str) -> str:
    """UTF-8 (with or without BOM) and UTF-16 with BOM are read as they are.

    A file that is not UTF-8 but decodes as GB18030 into Chinese text is accepted
    (GBK is what Chinese Windows editors save); anything else is an error naming the
    first bad line.
    """
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise KbError(path, None, f"UTF-16 file with a broken byte sequence at byte {exc.start}",
                          "re-save it as UTF-8") from None
    if b"\x00" in data:
        raise KbError(path, _line_of(data, data.index(b"\x00")),
                      "binary file (NUL byte): not a text article",
                      "remove it from sources/ or export it as UTF-8 text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad_line = _line_of(data, exc.start)
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        non_ascii = [ch for ch in text if ord(ch) > 127]
        if non_ascii and sum(map(_is_cjk, non_ascii)) / len(non_ascii) >= 0.9:
            return text
    raise KbError(path, bad_line, "not valid UTF-8 text",
                  "convert it, for example: iconv -f GBK -t UTF-8")


def split_lines(text: str) -> list[str]:
    lines = _NEWLINE.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def article_key(stem: str) -> str:
    """A short ASCII key: the leading token of '000_661c…' or an ASCII slug of the name."""
    head = re.split(r"[_\s]", stem, maxsplit=1)[0]
    if re.fullmatch(r"[A-Za-z0-9]{1,12}", head):
        return head.lower()
    ascii_name = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:24]
    return slug


def is_ignored(rel: str, patterns: Sequence[str]) -> bool:
    """Whether the POSIX path `rel` (relative to sources/) matches an `ignore:` pattern of
    the editorial file, itself or through one of its folders (`drafts` ignores drafts/a.md)."""
    parts = rel.split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    return any(fnmatch.fnmatchcase(prefix, pattern) for pattern in patterns for prefix in prefixes)


def _article_files(src_dir: Path, patterns: Sequence[str]) -> list[tuple[str, Path]]:
    """(POSIX path relative to sources/, path) of every article file below src_dir, at any
    depth, sorted by that relative path; hidden files and folders, the editorial file and
    ignored paths left out. Links to folders are not followed (a link to a file is read)."""
    found: list[tuple[str, Path]] = []
    for folder, dirs, files in os.walk(src_dir):
        base = Path(folder)
        rel_dir = base.relative_to(src_dir).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir + "/"
        dirs[:] = [d for d in dirs if not d.startswith(".") and not is_ignored(rel_dir + d, patterns)]
        for name in files:
            rel = rel_dir + name
            if (name.startswith(".") or Path(name).suffix.lower() not in SOURCE_SUFFIXES
                    or is_ignored(rel, patterns)):
                continue
            found.append((rel, base / name))
    return sorted(found)


def _page_name(rel: str, key: str, taken: set[str]) -> str:
    """The article's page under docs/sources/, without '.md': a file directly in sources/
    with an ASCII key keeps it (`000_661c….txt` -> `000`); any other is its path without the
    suffix, Chinese kept readable (`tutorial/第一章/C1`), characters that break a URL replaced."""
    if "/" not in rel and key:
        name = key
    else:
        stem = rel.rsplit(".", 1)[0]
        name = "/".join(re.sub(r"[\s#?%&'\"<>\\]+", "-", part).strip("-") or "article" for part in stem.split("/"))
    if name == "index" or name.endswith("/index"):
        name += "-article"                        # sources/index.md is the list of articles
    unique, n = name, 2
    while unique.lower() in taken:                # deterministic: in path order, -2, -3 …
        unique, n = f"{name}-{n}", n + 1
    taken.add(unique.lower())
    return unique


def read_sources(src_dir: Path, ignore: Sequence[str] = ()) -> tuple[list[Article], list[str]]:
    """Every article file below src_dir (in folders too), in path order, and warnings for
    files skipped. `ignore`: the editorial file's `ignore:` glob patterns."""
    import hashlib

    articles: list[Article] = []
    warnings: list[str] = []
    pages: set[str] = set()
    if not src_dir.is_dir():
        raise KbError(str(src_dir), None, "sources folder not found", "create it and add articles")
    root = src_dir.resolve()
    for rel, path in _article_files(src_dir, ignore):
        shown = f"{src_dir.name}/{rel}"
        if path.is_symlink():
            try:
                real = path.resolve(strict=True)
            except (OSError, RuntimeError):       # missing target, or a loop of links
                raise KbError(shown, None, "symbolic link that leads to no file (missing target or a loop)",
                              "put the article itself in sources/ or remove the link") from None
            if root not in real.parents:
                raise KbError(shown, None, "symbolic link pointing outside sources/",
                              "copy the article into sources/ instead of linking to it")
        if not path.is_file():
            continue
        text = decode(path.read_bytes(), shown)
        lines = split_lines(text)
        if not any(line.strip() for line in lines):
            warnings.append(f"{shown}: empty file, skipped")
            continue
        key = article_key(path.stem)
        if not key or any(a.key == key for a in articles):
            key = "a" + hashlib.sha1(rel.encode()).hexdigest()[:8]
        articles.append(Article(path=rel, key=key, lines=lines, page=_page_name(rel, key, pages)))
    return articles, warnings
