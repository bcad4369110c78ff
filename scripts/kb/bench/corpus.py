"""Corpora of N articles for measuring how cost grows: `copies` (the default) and `distinct`.

Both start with the five real articles, unchanged (so a corpus of 5 is the real site).

`distinct`: articles 6 to N are the first N - 5 of 495 different real, public Chinese
Markdown articles (bench/corpus/distinct.tar.xz, listed with repository, commit, path and
SHA-256 in bench/corpus/distinct.tsv; bench/corpus/SOURCES.md gives their licences, and
scripts/bench/distinct_corpus.py makes the archive again from the repositories), copied
byte for byte, in the archive's order.

`copies`: article k of the corpus is real article k mod 5. The first five are the real articles,
unchanged (so the corpus of 5 is the real site); every later copy gets a distinct title
and file name, and its `x.y` sections (with their subsections) shuffled within their
chapter and renumbered, so that each copy is still a valid article: numbering runs
1, 2, 3 … under every chapter, and `kb import` places it like any new article.

The same (sources, n, seed) always give byte-identical files.
"""
from __future__ import annotations

import csv
import hashlib
import random
import re
import shutil
import tarfile
from pathlib import Path

from kb.core.model import Article, Section
from kb.core.project import scratch_copy
from kb.importer.parse import parse
from kb.importer.source import SOURCE_SUFFIXES, decode, split_lines

SEED = 7
KINDS = ("copies", "distinct")
DISTINCT_ARCHIVE = Path("bench/corpus/distinct.tar.xz")
DISTINCT_MANIFEST = Path("bench/corpus/distinct.tsv")


def real_articles(sources: Path) -> list[Path]:
    return sorted(p for p in sources.iterdir() if p.suffix in SOURCE_SUFFIXES and not p.name.startswith("."))


def _read(path: Path) -> Article:
    lines = split_lines(decode(path.read_bytes(), path.name))
    return parse(Article(path=path.name, key=path.stem.split("_")[0], lines=lines))


def _sibling_groups(article: Article) -> list[list[Section]]:
    """Runs of consecutive `x.y` sections under one parent, numbered x.1, x.2, … in order."""
    groups = []
    for section in article.root.walk():
        run: list[Section] = []
        for child in section.children + [None]:
            number = child.number if child is not None and child.kind == "numbered" else None
            if number and number.count(".") == 1 and number.split(".")[1].isdigit() and (
                    not run or (number.split(".")[0] == run[0].number.split(".")[0]
                                and int(number.split(".")[1]) == int(run[-1].number.split(".")[1]) + 1)):
                run.append(child)
                continue
            if len(run) >= 2:
                groups.append(run)
            run = [child] if number and number.count(".") == 1 and number.split(".")[1].isdigit() else []
    return groups


def _renumber(line: str, old: str, new: str) -> str:
    """The heading line with its section number `old` written as `new`."""
    return re.sub(rf"(?<![0-9.]){re.escape(old)}(?![0-9]|\.[0-9])", new, line, count=1)


def _retitle(line: str, suffix: str) -> str:
    stripped = line.rstrip()
    if stripped.endswith("》"):
        return stripped[:-1] + suffix + "》"
    return stripped + suffix


def variant(article: Article, copy: int, rng: random.Random) -> list[str]:
    """The lines of copy number `copy` (>= 1) of a parsed article."""
    lines = list(article.lines)
    # From the end of the file up, so that the line numbers of the groups not yet done hold.
    for group in sorted(_sibling_groups(article), key=lambda g: -g[0].start):
        first, last = group[0].start, group[-1].subtree_end
        blocks = []
        for section in group:
            block = lines[section.start - 1:section.subtree_end]
            blocks.append((section, block))
        order = list(range(len(blocks)))
        rng.shuffle(order)
        prefix = group[0].number.split(".")[0]
        out: list[str] = []
        for position, index in enumerate(order, 1):
            section, block = blocks[index]
            block = list(block)
            old, new = section.number, f"{prefix}.{position}"
            for node in section.walk():
                if node.kind == "numbered" and (node.number == old or node.number.startswith(old + ".")):
                    at = node.start - section.start
                    block[at] = _renumber(block[at], node.number, new + node.number[len(old):])
            out.extend(block)
            # A block that does not end with a blank line would run into the next heading.
            if out and out[-1].strip():
                out.append("")
        while len(out) > last - first + 1 and not out[-1].strip():
            out.pop()
        lines[first - 1:last] = out
    suffix = f"（扩展样本 {copy:03d}）"
    if article.root.md_level > 0:
        lines[article.root.start - 1] = _retitle(lines[article.root.start - 1], suffix)
    return lines


def generate(sources: Path, n: int, dest: Path, seed: int = SEED) -> list[Path]:
    """Write n articles made from the real articles in `sources` into `dest`; returns them."""
    reals = real_articles(sources)
    if not reals:
        raise ValueError(f"{sources}: no articles to make a corpus from")
    dest.mkdir(parents=True, exist_ok=True)
    parsed = {}
    written = []
    for k in range(n):
        real = reals[k % len(reals)]
        copy = k // len(reals)
        if copy == 0:
            target = dest / real.name
            shutil.copyfile(real, target)
        else:
            if real not in parsed:
                parsed[real] = _read(real)
            rng = random.Random(f"{seed}:{k}")
            digest = hashlib.sha1(f"{real.name}:{k}".encode()).hexdigest()[:16]
            target = dest / f"{k:03d}_{digest}.txt"
            target.write_text("\n".join(variant(parsed[real], copy, rng)) + "\n", encoding="utf-8")
        written.append(target)
    return written


def distinct_manifest(root: Path) -> list[dict]:
    """The rows of bench/corpus/distinct.tsv (article number, repository, commit, path,
    bytes, sha256), in the archive's order."""
    with (root / DISTINCT_MANIFEST).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def distinct_files(root: Path, count: int | None = None) -> list[tuple[dict, bytes]]:
    """The first `count` (all when None) articles of the distinct archive with their
    manifest rows; an archive that does not match its manifest is an error."""
    rows = distinct_manifest(root)[:count]
    out = []
    with tarfile.open(root / DISTINCT_ARCHIVE, "r:xz") as tar:
        for row, member in zip(rows, tar):
            name = f"{row['repository']}/{row['path']}"
            data = tar.extractfile(member).read() if member.isfile() else b""
            if member.name != name or hashlib.sha256(data).hexdigest() != row["sha256"]:
                raise ValueError(f"{root / DISTINCT_ARCHIVE}: member {member.name} does not match "
                                 f"{DISTINCT_MANIFEST} article {row['article']} ({name})")
            out.append((row, data))
    if len(out) < len(rows):
        raise ValueError(f"{root / DISTINCT_ARCHIVE}: {len(out)} files, the manifest lists {len(rows)}")
    return out


def generate_distinct(root: Path, n: int, dest: Path) -> list[Path]:
    """Write the distinct corpus of n articles into `dest`: the real articles of
    root/sources, then the first n - 5 of the archive as `NNN_<sha256>.md`; returns them."""
    reals = real_articles(root / "sources")
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for real in reals[:n]:
        shutil.copyfile(real, dest / real.name)
        written.append(dest / real.name)
    extra = n - len(written)
    if extra > 0:
        files = distinct_files(root, extra)
        if len(files) < extra:
            raise ValueError(f"the distinct corpus has {len(reals) + len(files)} articles, not {n}")
        for k, (row, data) in enumerate(files, len(written)):
            target = dest / f"{k:03d}_{row['sha256'][:16]}.md"
            target.write_bytes(data)
            written.append(target)
    return written


def add_corpus_option(parser) -> None:
    """The `--corpus` option of the bench targets that measure at several sizes."""
    parser.add_argument("--corpus", choices=KINDS, default="copies",
                        help="articles after the fifth: copies of the five (default) or distinct real articles "
                             "(kb.bench.corpus); the report keeps each corpus's figures apart")


def work_folder(parent: Path, size: int, kind: str) -> Path:
    """A target's scratch root for `size` articles of corpus `kind`: parent/nSIZE for the
    copies, parent/nSIZE-KIND for another corpus (both kept side by side)."""
    return (parent / (f"n{size}" if kind == "copies" else f"n{size}-{kind}")).resolve()


def scratch_root(root: Path, dest: Path, articles: int | None = None, seed: int = SEED,
                 kind: str = "copies") -> Path:
    """A repository root at `dest` that `kb import`/`kb build`/`kb serve` run in: the
    project at `root` (kb.core.project.scratch_copy) with `articles` articles of the
    corpus `kind` in sources/ (the real ones when None)."""
    if kind not in KINDS:
        raise ValueError(f"corpus {kind!r}: one of {', '.join(KINDS)}")
    if dest.exists():
        shutil.rmtree(dest)
    copy = scratch_copy(root, dest, articles=real_articles(root / "sources") if articles is None else ())
    if articles is not None and kind == "distinct":
        generate_distinct(root, articles, copy.sources)
    elif articles is not None:
        generate(root / "sources", articles, copy.sources, seed)
    return dest
