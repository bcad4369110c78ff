"""The cached segmenter: jieba's own cut, kept between runs, never stale."""
from __future__ import annotations

import jieba
import pytest
from kb.core import segment
from kb.core.context import Context

TEXT = "创业公司用大模型做智能客服，并以联邦学习和差分隐私保护数据。"
WORDS = ["大模型", "智能客服", "联邦学习"]


class Run:
    """One `kb` process: its own context over a cache folder (None: in memory only)."""

    def __init__(self, folder):
        self.context = Context.at(folder)

    def segmenter(self, purpose, **settings):
        return self.context.segmenters.get(purpose, **settings)

    def save(self):
        self.context.cache.save()


@pytest.fixture
def cache_dir(tmp_path):
    """A fresh cache folder."""
    return tmp_path


def _jieba_with(words, freq) -> jieba.Tokenizer:
    tok = jieba.Tokenizer()
    for word in sorted(words):
        tok.add_word(word, freq=freq)
    return tok


def test_a_cut_is_jiebas_own_cut_with_the_words_added(cache_dir):
    run = Run(cache_dir)
    seg = run.segmenter("test", words=WORDS, word_freq=100_000, hmm=False)
    assert seg.cut(TEXT) == _jieba_with(WORDS, 100_000).lcut(TEXT, HMM=False)
    assert {"大模型", "智能客服", "联邦学习"} <= set(seg.cut(TEXT))


def test_the_dictionary_read_from_jiebas_own_cache_is_what_jieba_loads(cache_dir, monkeypatch):
    run = Run(cache_dir)
    jieba.Tokenizer().initialize()                  # jieba's cache file exists from here on
    monkeypatch.setattr(segment, "_BASE", None)     # as in a new process, with an empty build/cache
    seg = run.segmenter("test", words=WORDS, word_freq=100_000, hmm=False)
    assert seg.cut(TEXT) == _jieba_with(WORDS, 100_000).lcut(TEXT, HMM=False)
    reference = jieba.Tokenizer()
    reference.initialize()
    assert segment._BASE == (reference.FREQ, reference.total)


def test_the_dictionary_is_copied_to_the_cache_folder_only_when_jiebas_own_cache_is_missing(cache_dir, monkeypatch):
    jieba.Tokenizer().initialize()                  # jieba's cache file exists from here on
    monkeypatch.setattr(segment, "_BASE", None)
    Run(cache_dir).segmenter("test", words=WORDS, hmm=False).cut(TEXT)
    assert not list(cache_dir.glob("jieba-dict-*"))
    monkeypatch.setattr(segment, "_BASE", None)
    monkeypatch.setattr(segment, "_jieba_cache", lambda: None)
    seg = Run(cache_dir).segmenter("test", words=WORDS, word_freq=100_000, hmm=False)
    assert seg.cut(TEXT) == _jieba_with(WORDS, 100_000).lcut(TEXT, HMM=False)
    assert len(list(cache_dir.glob("jieba-dict-*.marshal"))) == 1


def test_a_user_dictionary_is_loaded_as_jieba_loads_the_file(cache_dir, tmp_path):
    run = Run(cache_dir)
    path = tmp_path / "user.dict"
    path.write_text("联邦学习 nz\n差分隐私 nz\n", encoding="utf-8")
    expected = jieba.Tokenizer()
    expected.load_userdict(str(path))
    seg = run.segmenter("test", user_dictionary=path.read_text(encoding="utf-8"), hmm=True)
    assert seg.cut(TEXT) == expected.lcut(TEXT, HMM=True)


def test_the_next_run_takes_the_cut_from_the_cache_without_loading_the_dictionary(cache_dir):
    run = Run(cache_dir)
    first = run.segmenter("test", words=WORDS, word_freq=100_000, hmm=False)
    cut = first.cut(TEXT)
    assert first.loaded
    run.save()
    run = Run(cache_dir)     # a new process: nothing in memory, the files under cache_dir
    again = run.segmenter("test", words=WORDS, word_freq=100_000, hmm=False)
    assert again.cut(TEXT) == cut
    assert not again.loaded


def test_other_words_never_reuse_a_cut_made_with_the_old_ones(cache_dir):
    run = Run(cache_dir)
    run.segmenter("test", words=WORDS, word_freq=100_000, hmm=False).cut(TEXT)
    run.save()
    run = Run(cache_dir)     # a new process: nothing in memory, the files under cache_dir
    seg = run.segmenter("test", words=[*WORDS, "差分隐私"], word_freq=100_000, hmm=False)
    assert "差分隐私" in seg.cut(TEXT)
    assert seg.loaded


def test_a_run_writes_back_only_the_text_it_cut(cache_dir):
    run = Run(cache_dir)
    seg = run.segmenter("test", words=WORDS, hmm=False)
    seg.cut("旧的文字")
    run.save()
    run = Run(cache_dir)     # a new process: nothing in memory, the files under cache_dir
    seg = run.segmenter("test", words=WORDS, hmm=False)
    seg.cut(TEXT)
    run.save()
    (memo,) = cache_dir.glob("cuts-test-*.json")
    assert "旧的文字" not in memo.read_text(encoding="utf-8")
    assert TEXT in memo.read_text(encoding="utf-8")


def test_a_memo_under_new_settings_replaces_the_old_file(cache_dir):
    run = Run(cache_dir)
    run.segmenter("test", words=WORDS, hmm=False).cut(TEXT)
    run.save()
    run = Run(cache_dir)     # a new process: nothing in memory, the files under cache_dir
    run.segmenter("test", words=[*WORDS, "差分隐私"], hmm=False).cut(TEXT)
    run.save()
    assert len(list(cache_dir.glob("cuts-test-*.json"))) == 1


def test_damaged_cache_files_are_made_again(cache_dir, monkeypatch):
    run = Run(cache_dir)
    seg = run.segmenter("test", words=WORDS, hmm=False)
    cut = seg.cut(TEXT)
    run.save()
    for path in cache_dir.iterdir():
        path.write_bytes(path.read_bytes()[:100])
    run = Run(cache_dir)     # a new process: nothing in memory, the files under cache_dir
    monkeypatch.setattr(segment, "_BASE", None)     # the dictionary too, as in a new process
    assert run.segmenter("test", words=WORDS, hmm=False).cut(TEXT) == cut


def test_without_a_cache_folder_nothing_is_written(tmp_path):
    run = Run(None)
    run.segmenter("test", words=WORDS, hmm=False).cut(TEXT)
    run.save()
    assert list(tmp_path.iterdir()) == []
