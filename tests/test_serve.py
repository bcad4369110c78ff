"""kb serve: an update renders only what changed and gives the site a full build gives."""
from __future__ import annotations

import json
import os
import threading

import pytest
from kb.core.context import Context
from kb.core.repro import differences
from kb.importer.pages import read_tree
from kb.importer.pipeline import generate
from kb.site import build as site
from kb.site.serve import Preview
from kbtest import lock_held, make_root

ARTICLE = "001_03f5ad9a677c0859.txt"
SENTENCE = "AI 大模型的发展历程可以分为几个阶段："
URL = "http://127.0.0.1:8000/"


@pytest.fixture(scope="module")
def preview(tmp_path_factory):
    """A repository with its site built as `kb serve` builds it."""
    tmp = tmp_path_factory.mktemp("serve")
    with site.mkdocs_logging():
        shown = Preview(make_root(tmp / "root", docs=True), tmp / "site", URL)
        shown.build()
        shown.warm_up()
        yield shown


def _edit(path, old: str, new: str) -> None:
    """Change a file, keeping its modification time (the build date comes from it)."""
    stat = path.stat()
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def _full_build(root, tmp_path):
    with site.mkdocs_logging():
        Preview(root, tmp_path / "full", URL).build()
    return tmp_path / "full"


def _imported(preview) -> dict[str, str]:
    """What `kb import` writes to docs/ from the sources as they are now, from nothing."""
    return generate(preview.sources_dir, Context.in_memory())[0]


def _index_text(site_dir) -> str:
    index = json.loads((site_dir / "search" / "search_index.json").read_text(encoding="utf-8"))
    return "\n".join(doc["text"] for doc in index["docs"])


def test_an_edit_to_an_article_renders_its_pages_again_and_gives_the_full_builds_site(preview, tmp_path):
    _edit(preview.sources_dir / ARTICLE, SENTENCE, SENTENCE + "编辑预览鲲鹏测试。")
    with site.mkdocs_logging():
        result = preview.update()
    assert result.imported and not result.full
    # Only the edited article was imported again, and docs/ is what `kb import` writes.
    assert ARTICLE not in preview.importer.reused and len(preview.importer.reused) == 4
    assert read_tree(preview.docs_dir) == _imported(preview)
    assert {"overview/history.md", "sources/001.md"} <= set(result.pages) and len(result.pages) < 10
    assert "编辑预览鲲鹏测试" in (preview.site_dir / "overview" / "history.html").read_text(encoding="utf-8")
    assert "鲲鹏" in _index_text(preview.site_dir)
    assert differences(preview.site_dir, _full_build(preview.root, tmp_path)) == []


def test_a_second_look_at_the_same_files_changes_nothing(preview):
    with site.mkdocs_logging():
        result = preview.update()
    assert not result.changed and not result.imported


def test_an_edit_to_a_docs_page_renders_that_page_again(preview, tmp_path):
    _edit(preview.docs_dir / "risk" / "identification.md", "\n## ", "\n直接编辑文档页。\n\n## ")
    with site.mkdocs_logging():
        result = preview.update()
    assert result.pages == ["risk/identification.md"] and not result.imported
    assert differences(preview.site_dir, _full_build(preview.root, tmp_path)) == []


def test_an_article_that_fails_to_import_leaves_the_site_as_it_was(preview, capsys):
    before = (preview.site_dir / "overview" / "history.html").read_bytes()
    _edit(preview.sources_dir / ARTICLE, SENTENCE, SENTENCE + "\n\n```python\n未闭合的代码块\n")
    with site.mkdocs_logging():
        result = preview.update()
    assert not result.changed and not result.imported
    assert "never closed" in capsys.readouterr().err
    assert (preview.site_dir / "overview" / "history.html").read_bytes() == before
    _edit(preview.sources_dir / ARTICLE, "\n\n```python\n未闭合的代码块\n", "")
    with site.mkdocs_logging():
        assert preview.update().imported


def test_an_update_writes_docs_only_after_a_kb_command_writing_the_repository_lets_go(preview):
    page = preview.docs_dir / "overview" / "history.md"
    before = page.read_text(encoding="utf-8")
    with lock_held(preview.root) as holder:
        _edit(preview.sources_dir / ARTICLE, SENTENCE, SENTENCE + "锁外等待测试。")
        done = threading.Event()

        def update():
            with site.mkdocs_logging():
                preview.update()
            done.set()

        thread = threading.Thread(target=update)
        thread.start()
        # It waits (polling the lock) while the other command holds it, writing nothing.
        assert not done.wait(timeout=2.0)
        assert page.read_text(encoding="utf-8") == before
        holder.stdin.write("done\n")
        holder.stdin.flush()
        assert holder.wait(timeout=60) == 0
        thread.join(timeout=120)
    assert done.is_set()
    assert "锁外等待测试。" in page.read_text(encoding="utf-8")
    assert "锁外等待测试。" in (preview.site_dir / "overview" / "history.html").read_text(encoding="utf-8")
    _edit(preview.sources_dir / ARTICLE, SENTENCE + "锁外等待测试。", SENTENCE)
    with site.mkdocs_logging():
        assert preview.update().imported


def test_an_update_that_cannot_get_the_lock_in_time_says_so_and_imports_at_the_next_look(preview, monkeypatch, caplog):
    page = preview.docs_dir / "overview" / "history.md"
    before = page.read_text(encoding="utf-8")
    monkeypatch.setenv("KB_LOCK_TIMEOUT", "0.3")
    with lock_held(preview.root):
        _edit(preview.sources_dir / ARTICLE, SENTENCE, SENTENCE + "锁超时测试。")
        with site.mkdocs_logging():
            result = preview.update()
        assert not result.imported and not result.changed
        assert page.read_text(encoding="utf-8") == before
    assert "docs/ was not updated: build/kb.lock: another kb command" in caplog.text
    assert "save the article again" in caplog.text
    with site.mkdocs_logging():
        assert preview.update().imported
    assert "锁超时测试。" in page.read_text(encoding="utf-8")
    _edit(preview.sources_dir / ARTICLE, SENTENCE + "锁超时测试。", SENTENCE)
    with site.mkdocs_logging():
        assert preview.update().imported


def test_a_new_page_title_builds_the_whole_site_again(preview, tmp_path):
    # A page without a title in the navigation file takes its heading, which other pages
    # may show (navigation, previous/next links).
    _edit(preview.docs_dir / "overview" / "index.md", "# 概述\n", "# 概述与背景\n")
    with site.mkdocs_logging():
        result = preview.update()
    assert result.full
    assert "<title>概述与背景" in (preview.site_dir / "overview" / "index.html").read_text(encoding="utf-8")
    assert differences(preview.site_dir, _full_build(preview.root, tmp_path)) == []


def test_a_new_chapter_title_builds_the_whole_site_again(preview, tmp_path):
    # The editorial file names the chapters: the navigation of every page changes.
    _edit(preview.sources_dir / "editorial.yml", "title: 风险与应对", "title: 风险识别与应对")
    with site.mkdocs_logging():
        result = preview.update()
    assert result.imported and result.full
    assert read_tree(preview.docs_dir) == _imported(preview)
    assert "风险识别与应对" in (preview.site_dir / "tech" / "math.html").read_text(encoding="utf-8")
    assert differences(preview.site_dir, _full_build(preview.root, tmp_path)) == []


def test_an_image_an_edit_newly_draws_is_copied_into_the_site_without_a_full_build(preview, tmp_path):
    import base64

    png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")
    folder = preview.sources_dir / "pics"
    folder.mkdir()
    (folder / "new.png").write_bytes(png)
    _edit(preview.sources_dir / ARTICLE, SENTENCE, SENTENCE + "\n\n![发展阶段](pics/new.png)\n\n")
    with site.mkdocs_logging():
        result = preview.update()
    assert result.imported and not result.full and "sources/001.md" in result.pages
    assert result.images == ["assets/sources/pics/new.png"]
    assert read_tree(preview.docs_dir) == _imported(preview)
    assert (preview.site_dir / "assets" / "sources" / "pics" / "new.png").read_bytes() == png
    assert differences(preview.site_dir, _full_build(preview.root, tmp_path)) == []


def test_plain_mkdocs_serve_watches_the_search_worker_scripts():
    """`mkdocs serve` (not kb serve) calls the plugin's on_serve: it must watch folders that exist."""
    from kb.site.plugin import KbPlugin

    class Server:
        def __init__(self):
            self.watched = []

        def watch(self, path):
            self.watched.append(path)

    server = Server()
    assert KbPlugin().on_serve(server, config=None, builder=None) is server
    assert server.watched and all(os.path.isdir(p) for p in server.watched)
    assert any(os.path.exists(os.path.join(p, "kb-search.js")) for p in server.watched)


def test_a_build_after_kb_serve_in_the_same_process_does_not_keep_serves_context():
    """MkDocs keeps a plugin instance with on_startup across configurations in a process, so
    kb serve's context (its caches, and 'not a first build') must not reach a later build."""
    from kb.site.plugin import KbPlugin

    plugin = KbPlugin()
    plugin.keep_across_builds(Context.at(None))
    plugin.on_startup(command="serve", dirty=False)
    assert plugin.given is not None
    plugin.on_startup(command="build", dirty=False)
    assert plugin.given is None
