"""Paths shared by the tests (kept out of conftest.py so test modules can import them)."""
from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

# The one formula of the five articles KaTeX cannot typeset as written (002, line 403, a stray
# \end{for}): an editor's note in sources/editorial.yml corrects it, so the five articles give
# no warning. Copies of 002 under another name (kb bench's corpus) have no note: they give this.
KNOWN_BAD_TEX_WARNING = ("sources/002_e776048416465ebb.txt:403: \\end{for} does not close an open \\begin: "
                         "KaTeX cannot typeset the formula, readers see its source")


def only_the_known_bad_formula(warnings: list[str]) -> bool:
    """Whether every warning is the known bad formula (in a copy of the article)."""
    return all(w.split(":", 2)[2] == KNOWN_BAD_TEX_WARNING.split(":", 2)[2] for w in warnings)


SEED_NAMES = sorted(p.name for p in (REPO / "sources").glob("*.txt"))


def make_root(dest: Path, *, sources: bool = True, docs: bool = False) -> Path:
    """A repository root at dest that `kb import` and `kb build` can run in: the config,
    theme overrides and front-end libraries, with a copy of sources/ (only the editorial
    file when `sources` is False) and, if asked, of docs/."""
    from kb.core.project import scratch_copy

    articles = sorted(p for p in (REPO / "sources").iterdir() if p.name != "editorial.yml") if sources else []
    scratch_copy(REPO, dest, articles=articles, docs=docs)
    return dest


REALWORLD = REPO / "tests" / "fixtures" / "realworld"
# The corpus's own notes are not articles.
REALWORLD_NOT_ARTICLES = ("README.md", "SOURCES.md")


def realworld_root(dest: Path, *, ignore: tuple[str, ...] = ()) -> Path:
    """A repository root at dest whose sources/ is the real-world corpus (tests/fixtures/
    realworld/, folders and images as they are) with the project's editorial file, which
    lists the corpus's notes (and `ignore`) under `ignore:`."""
    import shutil

    make_root(dest, sources=False)
    sources = dest / "sources"
    shutil.copytree(REALWORLD, sources, dirs_exist_ok=True)
    patterns = [*REALWORLD_NOT_ARTICLES, *ignore]
    with (sources / "editorial.yml").open("a", encoding="utf-8") as f:
        f.write("\nignore:\n" + "".join(f"  - {p!r}\n" for p in patterns))
    return dest


def realworld_articles() -> list[str]:
    """Every article of the corpus, as a POSIX path relative to it, in path order."""
    return sorted(p.relative_to(REALWORLD).as_posix() for p in REALWORLD.rglob("*")
                  if p.suffix in (".md", ".txt", ".markdown") and p.is_file()
                  and p.relative_to(REALWORLD).as_posix() not in REALWORLD_NOT_ARTICLES)


def realworld_images() -> dict[str, list[dict]]:
    """article -> the images expected.yml marks `exists: true` whose address resolves,
    relative to the article's own file, to a file in the corpus (each with `file`: that
    file relative to the corpus)."""
    import posixpath
    from urllib.parse import unquote

    import yaml

    expected = yaml.safe_load((REALWORLD / "expected.yml").read_text(encoding="utf-8"))
    out: dict[str, list[dict]] = {}
    for article, entry in expected.items():
        for image in entry.get("images") or []:
            src = unquote(image["src"])
            if not image.get("exists") or src.startswith("/") or "://" in src:
                continue
            file = posixpath.normpath(posixpath.join(posixpath.dirname(article), src))
            if not file.startswith("../") and (REALWORLD / file).is_file():
                out.setdefault(article, []).append({**image, "file": file})
    return out


_HOLDER = """import sys
from pathlib import Path
from kb.core.lock import one_writer

with one_writer(Path(sys.argv[1]), "import"):
    print("held", flush=True)
    sys.stdin.readline()
"""


@contextlib.contextmanager
def lock_held(root: Path):
    """A process holding the repository's lock as a writing kb command does (kb.core.lock);
    write a line to its stdin to release it. Killed on leaving, if still running."""
    proc = subprocess.Popen([sys.executable, "-c", _HOLDER, str(root)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline() == "held\n"
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
