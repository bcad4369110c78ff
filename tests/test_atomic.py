"""kb.atomic: files and folders are replaced whole, and what a killed process left is cleaned up."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from kb.core import atomic


def _tree(folder) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(proc.stdout)


@pytest.fixture
def site(tmp_path):
    """A folder with an old version in it."""
    folder = tmp_path / "site"
    (folder / "sub").mkdir(parents=True)
    (folder / "index.html").write_text("old", encoding="utf-8")
    (folder / "sub" / "page.html").write_text("old page", encoding="utf-8")
    return folder


def test_a_file_is_replaced_whole_and_no_temporary_file_stays(tmp_path):
    path = tmp_path / "cache" / "memo.json"
    atomic.write_file(path, b"first")
    atomic.write_file(path, b"second")
    assert path.read_bytes() == b"second"
    assert [p.name for p in path.parent.iterdir()] == ["memo.json"]


def test_a_write_that_fails_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "memo.json"
    path.write_bytes(b"old")

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", fail)
    with pytest.raises(OSError):
        atomic.write_file(path, b"new")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["memo.json"]


def test_exchange_swaps_two_folders_in_one_step_on_linux(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "x").write_text("in a", encoding="utf-8")
    (b / "y").write_text("in b", encoding="utf-8")
    swapped = atomic.exchange(a, b)
    assert swapped == sys.platform.startswith("linux")
    if swapped:
        assert _tree(a) == {"y": "in b"} and _tree(b) == {"x": "in a"}
    else:
        assert _tree(a) == {"x": "in a"} and _tree(b) == {"y": "in b"}


def test_a_committed_folder_replaces_the_old_one_and_the_old_one_is_removed(site):
    with atomic.staged(site) as staging:
        (staging.path / "index.html").write_text("new", encoding="utf-8")
        staging.commit()
    assert _tree(site) == {"index.html": "new"}
    assert [p.name for p in site.parent.iterdir()] == ["site"]


def test_the_swap_never_moves_the_old_folder_away_where_exchange_works(site, monkeypatch):
    renamed = []
    real_rename = os.rename

    def rename(src, dst):
        renamed.append(str(src))
        real_rename(src, dst)

    monkeypatch.setattr(atomic.os, "rename", rename)
    with atomic.staged(site) as staging:
        (staging.path / "index.html").write_text("new", encoding="utf-8")
        staging.commit()
    assert _tree(site) == {"index.html": "new"}
    # With renameat2 the folder is exchanged in one step: site/ exists at every moment.
    assert (str(site) in renamed) == (atomic._renameat2 is None)


def test_without_exchange_two_renames_give_the_same_result(site, monkeypatch):
    monkeypatch.setattr(atomic, "_renameat2", None)
    with atomic.staged(site) as staging:
        (staging.path / "index.html").write_text("new", encoding="utf-8")
        staging.commit()
    assert _tree(site) == {"index.html": "new"}
    assert [p.name for p in site.parent.iterdir()] == ["site"]


def test_a_folder_that_did_not_exist_is_created_by_the_commit(tmp_path):
    target = tmp_path / "dist"
    with atomic.staged(target) as staging:
        (staging.path / "a.html").write_text("new", encoding="utf-8")
        staging.commit()
    assert _tree(target) == {"a.html": "new"}


def test_an_error_before_the_commit_leaves_the_folder_as_it_was(site):
    with pytest.raises(RuntimeError):
        with atomic.staged(site) as staging:
            (staging.path / "index.html").write_text("half", encoding="utf-8")
            raise RuntimeError("build failed")
    assert _tree(site) == {"index.html": "old", "sub/page.html": "old page"}
    assert [p.name for p in site.parent.iterdir()] == ["site"]


def test_leftovers_of_a_dead_process_are_removed_and_a_live_ones_kept(site):
    dead = site.parent / f".site.kb-tmp-{_dead_pid()}-0a1b2c3d"
    live = site.parent / f".site.kb-tmp-{os.getppid()}-0a1b2c3d"
    dead_file = site.parent / f".memo.json.kb-tmp-{_dead_pid()}-0a1b2c3d"
    for folder in (dead, live):
        (folder / "sub").mkdir(parents=True)
        (folder / "sub" / "half.html").write_text("half", encoding="utf-8")
    dead_file.write_bytes(b"half")
    with atomic.staged(site) as staging:
        staging.commit()
    assert not dead.exists() and not dead_file.exists()
    assert live.exists()
