"""`kb bench classify`: how well sections are placed, on articles the keywords were not
written for.

    kb bench classify                  # writes bench/classify.md and bench/classify.json

Two measurements, both re-runnable and deterministic:

- **Leave one article out** on the five articles of sources/: each article's units are
  placed with the other four as the only labelled examples (their placements as the full
  import makes them, overrides included) and with no override of its own; the figure is
  the share of its placed sections that land on the same topic page (and chapter) as in
  the full import. An older kb without a trained model (`--package DIR`) places the
  held-out article by its keywords alone.
- **The real-world corpus** (tests/fixtures/realworld/, labels in its expected.yml, written
  by hand before any run): strict accuracy (the section's chapter is the first listed),
  lenient accuracy (any listed chapter), sections the import left out that the labels
  place, units marked uncertain, and articles torn apart: an article has a section on
  another page than its parent section (a placed section with text of its own, other than
  the article's title), which a reader meets as `1.4` without its `1.`. Nothing here is
  tuned on these labels.
"""
from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml

REPORT_DIR = Path("bench")
CORPUS = Path("tests/fixtures/realworld")
CORPUS_NOT_ARTICLES = ("README.md", "SOURCES.md")


def add_arguments(parser) -> None:
    parser.add_argument("--out", default=str(REPORT_DIR), help="folder for classify.md and classify.json")
    parser.add_argument("--label", default="", help="a name for this run in the report (default: the commit)")


# --------------------------------------------------------------------------- measures

def placements(kb) -> dict[tuple[str, str], str]:
    """(article path, section anchor) -> topic key, for every placed section."""
    return {key: p.topic.key for key, p in kb.placement().items()}


def leave_one_out(kb, context) -> tuple[dict[tuple[str, str], str], set[tuple[str, str]]]:
    """Each article placed with the other articles as the only labelled examples and no
    overrides of its own: (article path, anchor) -> topic key, and the sections of the
    units marked uncertain."""
    from kb.importer import classify

    out: dict[tuple[str, str], str] = {}
    doubtful: set[tuple[str, str]] = set()
    for article in kb.articles:
        if hasattr(classify, "leave_one_out"):
            placed = classify.leave_one_out(kb, article, context.segmenters)
        else:   # an older kb: keywords alone, the article's overrides set aside
            saved = {id(s): s.override for s in article.sections()}
            for s in article.sections():
                if s.override is not None and s.override.topic:
                    s.override = None
            try:
                placed = classify.place(classify.units(article), kb.editorial)
            finally:
                for s in article.sections():
                    s.override = saved[id(s)]
        for unit in placed:
            for section in unit.sections():
                if not section.dropped:
                    out[(article.path, section.anchor)] = unit.topic.key
                    if getattr(unit, "uncertain", False):
                        doubtful.add((article.path, section.anchor))
    return out, doubtful


def agreement(got: dict, want: dict) -> dict:
    keys = sorted(want)
    same_topic = sum(1 for k in keys if got.get(k) == want[k])
    same_chapter = sum(1 for k in keys if got.get(k, "/").split("/")[0] == want[k].split("/")[0])
    by_article = Counter(k[0] for k in keys)
    same_by_article = Counter(k[0] for k in keys if got.get(k) == want[k])
    return {"sections": len(keys), "topic": round(same_topic / len(keys), 4),
            "chapter": round(same_chapter / len(keys), 4),
            "by_article": {a: round(same_by_article[a] / n, 4) for a, n in sorted(by_article.items())}}


def torn(kb, only: set[str] | None = None) -> dict:
    """Sections on another page than their parent section (placed, with text of its own,
    not the article's title: an article's top sections are meant to spread over topics),
    not by an override: how many, and in how many articles (those in `only`; None: all)."""
    placed = {k: v for k, v in kb.placement().items() if only is None or k[0] in only}
    orphans = []
    for (path, anchor), where in placed.items():
        section = next(s for s in where.unit.sections() if s.anchor == anchor)
        parent = section.parent
        if parent is None or parent.dropped or parent.kind == "title" or (path, parent.anchor) not in placed:
            continue
        if placed[(path, parent.anchor)].topic.key != where.topic.key and not where.unit.overridden:
            orphans.append((path, section.heading))
    pages = {(path, where.topic.key) for (path, _), where in placed.items()}
    per_article = Counter(path for path, _ in pages)
    return {"sections": len(orphans), "articles": len({p for p, _ in orphans}),
            "pages_per_article": round(sum(per_article.values()) / max(1, len(per_article)), 2)}


def uncertain(kb, only: set[str] | None = None) -> dict:
    units = [u for u in kb.units if only is None or u.article.path in only]
    if units and hasattr(units[0], "uncertain"):
        flagged = [u for u in units if u.uncertain]
        fallback = [u for u in units if getattr(u, "fallback", False)]
    else:   # an older kb: no confidence; its report calls a score under LOW_SCORE low, 0 the first topic
        from kb.importer.report import LOW_SCORE

        flagged = [u for u in units if not u.overridden and u.score < LOW_SCORE]
        fallback = [u for u in units if not u.overridden and u.score <= 0]
    return {"units": len(units), "uncertain": len(flagged), "fallback": len(fallback)}


def five_articles(root: Path) -> dict:
    from kb.core.context import Context
    from kb.importer.pipeline import load

    context = Context.in_memory()
    started = time.perf_counter()
    kb, _ = load(root / "sources", context)
    want = placements(kb)
    got, doubtful = leave_one_out(kb, context)
    confident = {k: v for k, v in want.items() if k not in doubtful}
    return {"leave_one_out": {**agreement(got, want), "uncertain_sections": len(doubtful),
                              "confident_topic": agreement(got, confident)["topic"] if confident else None},"placements": uncertain(kb), "torn": torn(kb),
            "seconds": round(time.perf_counter() - started, 2)}


def corpus_root(root: Path, dest: Path) -> Path:
    """A copy of this project at dest (its articles and editorial file) with the real-world
    corpus added to sources/ (its notes ignored): the corpus is placed as new articles are,
    with the project's reviewed articles as the labelled examples."""
    from kb.core.project import scratch_copy

    scratch_copy(root, dest, articles=sorted(p for p in (root / "sources").iterdir()
                                             if p.is_file() and p.name != "editorial.yml"))
    sources = dest / "sources"
    shutil.copytree(root / CORPUS, sources, dirs_exist_ok=True)
    with (sources / "editorial.yml").open("a", encoding="utf-8") as f:
        f.write("\nignore:\n" + "".join(f"  - {p!r}\n" for p in CORPUS_NOT_ARTICLES))
    return dest


def realworld(root: Path) -> dict:
    from kb.core.context import Context
    from kb.importer.pipeline import load

    expected = yaml.safe_load((root / CORPUS / "expected.yml").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="kb-bench-classify-") as tmp:
        project = corpus_root(root, Path(tmp) / "corpus")
        kb, _ = load(project / "sources", Context.in_memory())
    paths = set(expected)
    placed = kb.placement()
    by_line = {(a.path, s.start): (a, s) for a in kb.articles for s in a.sections()}
    labelled = strict = lenient = left_out = missing = 0
    misses = []
    for path, entry in expected.items():
        for item in entry.get("sections") or []:
            chapters = item.get("chapters") or []
            if not chapters or item.get("drop"):
                continue
            labelled += 1
            found = by_line.get((path, item["line"]))
            if found is None:
                missing += 1
                continue
            article, section = found
            where = placed.get((path, section.anchor))
            if where is None:
                left_out += 1
                continue
            chapter = where.topic.chapter
            strict += chapter == chapters[0]
            lenient += chapter in chapters
            if chapter not in chapters:
                misses.append(f"{path}:{item['line']} {item['heading']} -> {where.topic.key} (labels: {', '.join(chapters)})")
    return {"articles": len(paths), "labelled_sections": labelled,
            "strict": round(strict / labelled, 4), "lenient": round(lenient / labelled, 4),
            "left_out": left_out, "no_such_heading": missing,
            "placements": uncertain(kb, paths), "torn": torn(kb, paths), "misses": misses}


# --------------------------------------------------------------------------- report

def markdown(data: dict) -> str:
    out = ["# kb bench classify", "",
           "Placement quality (`kb bench classify`, scripts/kb/bench/classify.py). Each run is one column.", ""]
    runs = data["runs"]
    names = list(runs)
    rows = [
        ("five articles: leave-one-out, same topic page", lambda r: _pct(r["five"]["leave_one_out"]["topic"])),
        ("five articles: leave-one-out, same chapter", lambda r: _pct(r["five"]["leave_one_out"]["chapter"])),
        ("five articles: leave-one-out, sections marked uncertain",
         lambda r: str(r["five"]["leave_one_out"].get("uncertain_sections", 0))),
        ("five articles: leave-one-out, same topic page for the sections not marked uncertain",
         lambda r: _pct(r["five"]["leave_one_out"].get("confident_topic") or r["five"]["leave_one_out"]["topic"])),
        ("five articles: units / uncertain / fallback", lambda r: _triple(r["five"]["placements"])),
        ("five articles: sections apart from their parent (articles)", lambda r: _torn(r["five"]["torn"])),
        ("real-world: labelled sections", lambda r: str(r["realworld"]["labelled_sections"])),
        ("real-world: strict accuracy (chapter)", lambda r: _pct(r["realworld"]["strict"])),
        ("real-world: lenient accuracy (chapter)", lambda r: _pct(r["realworld"]["lenient"])),
        ("real-world: labelled sections left out by the import", lambda r: str(r["realworld"]["left_out"])),
        ("real-world: units / uncertain / fallback", lambda r: _triple(r["realworld"]["placements"])),
        ("real-world: sections apart from their parent (articles)", lambda r: _torn(r["realworld"]["torn"])),
        ("real-world: topic pages per article", lambda r: str(r["realworld"]["torn"]["pages_per_article"])),
    ]
    out.append("| measure | " + " | ".join(names) + " |")
    out.append("| --- |" + " ---: |" * len(names))
    for label, cell in rows:
        out.append(f"| {label} | " + " | ".join(cell(runs[n]) for n in names) + " |")
    out += ["", "An older kb has no confidence: its uncertain count is what its import report called low "
            "confidence (a score under LOW_SCORE), its fallback the units that matched no keyword and went to "
            "the first topic without a word; it places a left-out article by its keywords alone.", ""]
    for name in names:
        r = runs[name]
        out += [f"## {name}", "", f"{r['when']}, commit {r['commit']}.", "",
                "Leave-one-out by article (same topic page): "
                + ", ".join(f"{a} {_pct(v)}" for a, v in r["five"]["leave_one_out"]["by_article"].items()) + ".", ""]
        out += ["Real-world sections on a chapter the labels do not accept:", ""]
        out += [f"- {m}" for m in r["realworld"]["misses"]] or ["- none"]
        out.append("")
    return "\n".join(out)


def _pct(value: float) -> str:
    return f"{100 * value:.1f} %"


def _triple(p: dict) -> str:
    return f"{p['units']} / {p['uncertain']} / {p['fallback']}"


def _torn(t: dict) -> str:
    return f"{t['sections']} ({t['articles']})"


def run(root: Path, args) -> int:
    import subprocess

    out = root / args.out
    out.mkdir(parents=True, exist_ok=True)
    path = out / "classify.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    data.setdefault("runs", {})
    commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "?"
    label = args.label or commit
    print(f"kb bench classify: the five articles (leave one article out)", flush=True)
    five = five_articles(root)
    print(f"kb bench classify: the real-world corpus ({CORPUS})", flush=True)
    world = realworld(root)
    data["runs"][label] = {"when": time.strftime("%Y-%m-%d %H:%M"), "commit": commit, "five": five, "realworld": world}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (out / "classify.md").write_text(markdown(data), encoding="utf-8")
    print(f"kb bench classify: wrote {out / 'classify.md'} and {path}")
    return 0
