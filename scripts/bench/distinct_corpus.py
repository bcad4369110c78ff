"""Make bench/corpus/distinct.tar.xz and distinct.tsv again from repository snapshots.

    .venv/bin/python scripts/bench/distinct_corpus.py [--mirrors /work/.mirror] [--out bench/corpus]

The distinct corpus (kb.bench.corpus, `--corpus distinct`) is 495 real, public, different
Simplified-Chinese Markdown articles that follow the five real articles at 50 and 500
articles. This script is how they were chosen, so that anyone can audit or redo it: for
each repository in REPOS (pinned commit, licence checked in the LICENSE file at that
commit), its `.md` files in sorted path order, kept when they are

- Chinese text: at least 300 CJK characters (English files such as d2l's *_origin.md drop out);
- long enough: at least 1.5 KB of text outside code fences and table rows;
- not mostly code or tables: code fences and table rows under half of the file's bytes;
- not mostly links: link syntax under 40% of that text (tables of contents, link lists);
- not an exact copy of a file already taken (SHA-256 of the bytes);

then, when a repository has more such files than its quota, the quota taken evenly spaced
over the sorted list (so every part of the repository is represented). The files are copied
byte for byte (text only: images they reference are not taken, and `kb import` reports them
missing). The archive's order interleaves the repositories by their share, so that the first
45 (50 articles) are a mix like the whole. A bare git mirror per repository is read at
MIRRORS/<owner>+<name>/repo; the script stops when a mirror's HEAD is not the pinned commit.

The archive is deterministic: the same mirrors give byte-identical distinct.tar.xz and .tsv.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import re
import subprocess
import sys
import tarfile
from pathlib import Path

# (repository, commit, licence, a string its LICENSE file holds at that commit, quota or None for all)
REPOS = [
    ("liguodongiot/llm-action", "923449432b6bd00674efd5965fdb70365a88ce5e", "Apache-2.0",
     "Apache License\n                           Version 2.0", None),
    ("d2l-ai/d2l-zh", "e6b18ccea71451a55fcd861d7b96fddf2587b09a", "Apache-2.0",
     "Apache License\n                           Version 2.0", None),
    ("microsoft/AI-System", "2a974e1a483eb5c2f714ba5001ac33d8c58998d5", "CC-BY-4.0",
     "Attribution 4.0 International", None),
    ("kaiyuanshe/2023-China-Open-Source-Report", "78480318d744a8f945306a3754791bad55968e99", "CC-BY-SA-4.0",
     "CC BY-SA 4.0", None),
    ("kaiyuanshe/2024-China-Open-Source-Report", "8e53aff3b0b5d19d028c6b5652b78f4950fee64b", "CC-BY-SA-4.0",
     "CC BY-SA 4.0", None),
    ("pingcap/docs-cn", "ae9ab0fd89873986fabc4c8873d77d46ba76f066", "CC-BY-SA-3.0",
     "Attribution-ShareAlike 3.0 Unported", "rest"),
]
TOTAL = 495
FORBIDDEN = ("datawhalechina/", "easychen/one-person-businesses-methodology")
TSV_HEADER = ["article", "repository", "commit", "path", "bytes", "sha256"]

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LINK = re.compile(r"!?\[[^\]]*\]\([^)]*\)")


def _git(mirror: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(mirror), *args], check=True, capture_output=True).stdout


def qualifies(data: bytes) -> bool:
    """Whether a Markdown file is a prose article in Chinese (the rules in the docstring)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    fence = False
    code = table = 0
    prose: list[str] = []
    for line in text.split("\n"):
        size = len(line.encode()) + 1
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            fence = not fence
            code += size
        elif fence:
            code += size
        elif stripped.startswith("|"):
            table += size
        else:
            prose.append(line)
    prose_text = "\n".join(prose)
    prose_bytes = len(prose_text.encode())
    links = sum(len(m.group().encode()) for m in _LINK.finditer(prose_text))
    return (len(_CJK.findall(text)) >= 300 and prose_bytes >= 1536 and code + table < len(data) * 0.5
            and links < 0.4 * prose_bytes)


def candidates(mirror: Path, commit: str) -> list[tuple[str, bytes]]:
    paths = sorted(p for p in _git(mirror, "ls-tree", "-r", "--name-only", commit).decode().splitlines()
                   if p.endswith(".md"))
    return [(p, data) for p in paths if qualifies(data := _git(mirror, "show", f"{commit}:{p}"))]


def _spread(items: list, quota: int) -> list:
    """`quota` items evenly spaced over the list, in its order."""
    if quota >= len(items):
        return list(items)
    return [items[i * len(items) // quota] for i in range(quota)]


def choose(mirrors: Path) -> list[dict]:
    chosen: dict[str, list[dict]] = {}
    seen: set[str] = set()
    for repo, commit, _licence, marker, quota in REPOS:
        if repo.startswith(FORBIDDEN):
            raise SystemExit(f"{repo}: never taken")
        mirror = mirrors / repo.replace("/", "+") / "repo"
        head = _git(mirror, "rev-parse", "HEAD").decode().strip()
        if head != commit:
            raise SystemExit(f"{mirror}: HEAD is {head}, not the pinned {commit}")
        if marker not in _git(mirror, "show", f"{commit}:LICENSE").decode("utf-8-sig"):
            raise SystemExit(f"{repo}: LICENSE at {commit} does not say {marker!r}")
        rows = []
        for path, data in candidates(mirror, commit):
            digest = hashlib.sha256(data).hexdigest()
            if digest in seen:
                continue
            seen.add(digest)
            rows.append({"repository": repo, "commit": commit, "path": path, "data": data, "sha256": digest})
        if quota == "rest":
            quota = TOTAL - sum(len(v) for v in chosen.values())
        chosen[repo] = _spread(rows, quota if quota is not None else len(rows))
    # Interleave by share: each file's place is its position within its repository, scaled.
    order = sorted(((i + 0.5) / len(rows), r, row) for r, rows in enumerate(chosen.values())
                   for i, row in enumerate(rows))
    out = [row for _, _, row in order]
    if len(out) != TOTAL:
        raise SystemExit(f"{len(out)} files qualify, {TOTAL} wanted")
    return out


def write(rows: list[dict], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:xz", format=tarfile.PAX_FORMAT, preset=9) as tar:
        for row in rows:
            info = tarfile.TarInfo(f"{row['repository']}/{row['path']}")
            info.size, info.mtime, info.mode = len(row["data"]), 0, 0o644
            tar.addfile(info, io.BytesIO(row["data"]))
    (out / "distinct.tar.xz").write_bytes(buffer.getvalue())
    lines = ["\t".join(TSV_HEADER)]
    # Articles 1-5 are the real ones; the archive's files are articles 6 onwards.
    for number, row in enumerate(rows, 6):
        lines.append("\t".join([str(number), row["repository"], row["commit"], row["path"], str(len(row["data"])),
                                row["sha256"]]))
    (out / "distinct.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mirrors", default="/work/.mirror", help="folder of <owner>+<name>/repo bare mirrors")
    parser.add_argument("--out", default="bench/corpus", help="folder for distinct.tar.xz and distinct.tsv")
    args = parser.parse_args(argv)
    rows = choose(Path(args.mirrors))
    write(rows, Path(args.out))
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["repository"]] = counts.get(row["repository"], 0) + 1
    for repo, n in counts.items():
        print(f"{repo}: {n} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
