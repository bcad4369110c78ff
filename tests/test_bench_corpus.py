"""The distinct bench corpus (kb.bench.corpus, `--corpus distinct`): real, different
articles after the five, deterministic, each file traced to a licensed repository."""
from __future__ import annotations

import hashlib
import re
import tarfile

import pytest
from kb.bench import corpus, engines, report
from kbtest import REPO

ALLOWED = {"MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "CC-BY-4.0", "CC-BY-SA-3.0", "CC-BY-SA-4.0", "CC0-1.0"}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_distinct_corpus_is_the_real_five_then_different_articles_in_the_archives_order(tmp_path):
    written = corpus.generate_distinct(REPO, 500, tmp_path / "a")
    assert len(written) == 500
    reals = corpus.real_articles(REPO / "sources")
    assert [p.read_bytes() for p in written[:5]] == [p.read_bytes() for p in reals]
    assert [p.name for p in written[:5]] == [p.name for p in reals]
    # No two articles byte-identical, the five real ones included.
    assert len({_sha(p.read_bytes()) for p in written}) == 500
    rows = corpus.distinct_manifest(REPO)
    assert [_sha(p.read_bytes()) for p in written[5:]] == [r["sha256"] for r in rows]
    assert all(p.suffix == ".md" and p.name.startswith(f"{k:03d}_") for k, p in enumerate(written[5:], 5))


def test_the_distinct_corpus_is_byte_identical_every_time_and_a_prefix_of_the_larger_one(tmp_path):
    small = corpus.generate_distinct(REPO, 50, tmp_path / "a")
    again = corpus.generate_distinct(REPO, 50, tmp_path / "b")
    assert len(small) == 50
    assert [(p.name, p.read_bytes()) for p in small] == [(p.name, p.read_bytes()) for p in again]
    five = corpus.generate_distinct(REPO, 5, tmp_path / "c")
    assert [(p.name, p.read_bytes()) for p in five] == [(p.name, p.read_bytes()) for p in small[:5]]
    with pytest.raises(ValueError, match="not 501"):
        corpus.generate_distinct(REPO, 501, tmp_path / "d")


def test_every_archived_file_is_listed_in_the_manifest_with_its_repository_commit_and_path():
    rows = corpus.distinct_manifest(REPO)
    assert len(rows) == 495
    assert [int(r["article"]) for r in rows] == list(range(6, 501))
    with tarfile.open(REPO / corpus.DISTINCT_ARCHIVE, "r:xz") as tar:
        members = [(m.name, tar.extractfile(m).read()) for m in tar if m.isfile()]
    assert [name for name, _ in members] == [f"{r['repository']}/{r['path']}" for r in rows]
    for (name, data), row in zip(members, rows):
        assert re.fullmatch(r"[0-9a-f]{40}", row["commit"]) and row["path"].endswith(".md"), name
        assert (len(data), _sha(data)) == (int(row["bytes"]), row["sha256"]), name
    assert (REPO / corpus.DISTINCT_ARCHIVE).stat().st_size <= 6_000_000


def test_every_repository_used_is_in_the_licence_list_at_its_commit_with_a_licence_that_allows_copies():
    table = (REPO / "bench" / "corpus" / "SOURCES.md").read_text(encoding="utf-8")
    listed = {m.group(1): (m.group(2), m.group(3).split()[0], int(m.group(4)))
              for m in re.finditer(r"^\| \[([^\]]+)\]\([^)]+\) \| `([0-9a-f]{40})` \| ([^|]+?) \| (\d+) \|", table, re.M)}
    rows = corpus.distinct_manifest(REPO)
    used = {r["repository"] for r in rows}
    assert used <= set(listed)
    for repo in used:
        commit, licence, files = listed[repo]
        assert licence in ALLOWED, repo
        assert {r["commit"] for r in rows if r["repository"] == repo} == {commit}, repo
        assert sum(r["repository"] == repo for r in rows) == files, repo
    assert not any(repo.startswith(("datawhalechina/", "easychen/one-person-businesses-methodology")) for repo in used)


def test_an_unknown_corpus_kind_is_refused(tmp_path):
    with pytest.raises(ValueError, match="one of copies, distinct"):
        corpus.scratch_root(REPO, tmp_path / "x", 5, kind="clones")


def _figures(**extra) -> dict:
    kinds = {"keyword": {"hit@1": 1.0, "hit@5": 1.0, "mrr": 1.0, "queries": 1}}
    return {"queries": 1, "hit@1": 1.0, "hit@5": 1.0, "mrr": 1.0, "median_ms": 10, "p95_ms": 20, "max_ms": 30,
            "open_bytes_median": 1000, "query_bytes_median": 100, "query_bytes_p95": 200, "query_bytes_max": 300,
            "index_requested": False, "index_raw_bytes": 1, "pagefind_bytes": 2, "misses_at_5": [],
            "by_kind": kinds, "meta": {"when": "x", "load": [1, 2], "cpus": 2, "build_s": 3}, **extra}


def test_engines_md_says_which_corpus_each_row_was_measured_on(tmp_path):
    data = {"sizes": {"500": {"pagefind": _figures(p95_ms=70),
                              engines.row_key("pagefind", "distinct"): _figures(corpus="distinct", p95_ms=90)}}}
    engines.write(tmp_path, data)
    text = (tmp_path / "engines.md").read_text(encoding="utf-8")
    assert "| 500 篇 | 副本 | Pagefind 分片索引（kb-pagefind.js） | 1 |" in text
    assert re.search(r"\| 500 篇 \| 不同文章 \| Pagefind 分片索引（kb-pagefind.js） \| 1 \|.*\*\*90 ms\*\*", text)
    assert "- 500 篇（不同文章），pagefind：" in text


def test_the_report_keeps_the_distinct_corpus_apart_and_labels_its_rows():
    build = {"runs": 1, "plain": {"median": 10.0, "first": 10.0}, "import": {"median": 5.0, "first": 5.0},
             "build": {"median": 6.0, "first": 6.0}, "ratio": {"median": 1.1, "first": 1.1},
             "meta": {"when": "x", "load": [1, 1], "cpus": 2, "command": "kb bench build --corpus distinct"}}
    text = report.markdown({"sizes": {}, "distinct": {"sizes": {"500": {"build": build}}}})
    section = text[text.index("## 不同文章语料"):]
    assert "| 500 篇（不同文章） | 1 | 10.00 s | 5.00 s | 6.00 s | **1.10×** |" in section
    assert "`kb bench build --corpus distinct`" in section
