"""repro: builds that depend only on their inputs, and a byte-for-byte comparison of two.

MkDocs stamps the build date into sitemap.xml (`lastmod`) and the gzip header of
sitemap.xml.gz, and takes it from the clock unless SOURCE_DATE_EPOCH is set. `kb build`
sets it (when the user has not) to the date of the inputs: the last git commit of the
repository, or, outside git, the newest modification time of the files under sources/.
"""
from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

BUILD_INPUTS = ("sources", "docs", "overrides", "mkdocs.yml", "package-lock.json", "pyproject.toml")


def build_epoch(root: Path) -> int:
    """Seconds since the epoch that stand for 'when these inputs were made'."""
    try:
        out = subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%ct", "--", *BUILD_INPUTS],
                             capture_output=True, text=True, timeout=30)
        if out.returncode == 0 and out.stdout.strip().isdigit():
            return int(out.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    files = [p for p in (root / "sources").rglob("*") if p.is_file()]
    return max((int(p.stat().st_mtime) for p in files), default=0)


def digest(target: Path) -> dict[str, str]:
    """{relative path: sha256} of every file under target (or of target itself, a file)."""
    if target.is_file():
        return {target.name: hashlib.sha256(target.read_bytes()).hexdigest()}
    return {p.relative_to(target).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(target.rglob("*")) if p.is_file()}


def differences(first: Path, second: Path) -> list[str]:
    """What differs between two builds (directories or single files); empty when identical."""
    a, b = digest(first), digest(second)
    out = [f"only in {first}: {p}" for p in sorted(a.keys() - b.keys())]
    out += [f"only in {second}: {p}" for p in sorted(b.keys() - a.keys())]
    out += [f"differs: {p}" for p in sorted(a.keys() & b.keys()) if a[p] != b[p]]
    return out
