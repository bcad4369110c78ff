"""segment: jieba word segmentation, loaded once per process and cached by content.

`kb import` (related sections) and `kb build` (the search index) both cut Chinese text
with jieba. Loading jieba's dictionary takes longer than cutting all five articles, and
from one run to the next almost all of the text is the same. So:

- A `Segmenter` memoises its cuts, {text: tokens}, in a memo of the run's kb.core.cache
  `Cache` (build/cache/ for the CLI and the MkDocs plugin), so unchanged text is never cut
  again and, when nothing changed, jieba's dictionary is not even loaded. `Segmenters`
  holds one run's segmenters, one per setting.
- The memo's setting is everything that decides a cut: jieba's files, the words added (a
  new glossary term in sources/editorial.yml), their frequency, the options, Python's
  version. Change any of them and a new memo starts; a stale cut is never reused.
- The dictionary itself (jieba's word frequencies) is read in one piece from jieba's own
  cache file in the temporary folder: three times faster than jieba, which `marshal.load`s
  it from a file object. When that file is not there, jieba builds the dictionary and a
  copy is kept in the same folder as the memos, as one marshal blob.

The cut is jieba's own (`Tokenizer.lcut`), on a fresh copy of the dictionary for each set
of added words: adding words to a shared tokenizer changes its totals, so the same text
would be cut differently after a second import in one process (`kb serve`).
"""
from __future__ import annotations

import importlib.util
import io
import logging
import marshal
import re
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from kb.core import atomic, cache
from kb.core.model import Editorial

# jieba's own dictionary, (FREQ, total), read once per process: a pure function of
# jieba's files (_dictionary_id), whoever asks first.
_BASE = None
_DICTIONARY_ID: str | None = None

# Bump when what a memo holds changes.
_FORMAT = 1


def import_jieba():
    """jieba, imported without pkg_resources.

    jieba 0.42 imports pkg_resources (a tenth of a second, and deprecated) only to open
    its own data files, and opens them directly when that import fails; make it fail,
    for jieba alone. Call before anything imports jieba (Material's search plugin does,
    when MkDocs loads the configuration)."""
    if "jieba" not in sys.modules:
        blocked = "pkg_resources" not in sys.modules
        if blocked:
            sys.modules["pkg_resources"] = None        # `import pkg_resources` raises ImportError
        try:
            import jieba  # noqa: F401
        finally:
            if blocked:
                del sys.modules["pkg_resources"]
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


# The files of the jieba package that decide a cut: the code, the dictionary, the model
# for unknown words. Their sizes and times stand for jieba's version without importing it.
_JIEBA_FILES = ("__init__.py", "dict.txt", "finalseg/__init__.py", "finalseg/prob_emit.py",
                "finalseg/prob_start.py", "finalseg/prob_trans.py")


def _dictionary_id() -> str:
    """jieba's code, dictionary and model files (path, size, modification time)."""
    global _DICTIONARY_ID
    if _DICTIONARY_ID is None:
        spec = importlib.util.find_spec("jieba")
        package = Path(spec.origin).parent if spec and spec.origin else None
        files = []
        for name in _JIEBA_FILES:
            path = package / name if package else None
            stat = path.stat() if path and path.is_file() else None
            files.append(f"{path}:{stat and stat.st_size}:{stat and stat.st_mtime_ns}")
        _DICTIONARY_ID = " ".join(files)
    return _DICTIONARY_ID


def _base(folder: Path | None) -> tuple[dict, int]:
    """jieba's word frequencies and their total, loaded once per process (from a copy
    under `folder`, the cache folder, when one is there, else from jieba's own cache)."""
    global _BASE
    if _BASE is not None:
        return _BASE
    stored = folder / f"jieba-dict-{cache.digest(_dictionary_id(), sys.version_info[:2])}.marshal" if folder else None
    if stored is not None and stored.is_file():
        try:
            freq, total = marshal.loads(stored.read_bytes())
            _BASE = freq, total
            return _BASE
        except (EOFError, ValueError, TypeError):
            pass                           # a damaged file: load from jieba and write it again
    # jieba's own cache file is read in one piece, as the copy would be: copying it would
    # cost a first run about 0.05 s of CPU (marshal.dumps and the write) and gain nothing.
    _BASE = _jieba_cache()
    if _BASE is None:
        _BASE = _jieba_initialize()
        if stored is not None:
            atomic.write_file(stored, marshal.dumps(_BASE))
    return _BASE


def _jieba_cache() -> tuple[dict, int] | None:
    """What jieba itself would load for its default dictionary, if it cached it before:
    its marshal file in the temporary folder (jieba trusts that file whenever it exists),
    read in one piece."""
    path = Path(tempfile.gettempdir()) / "jieba.cache"
    try:
        freq, total = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return (freq, total) if isinstance(freq, dict) and isinstance(total, int) else None


def _jieba_initialize() -> tuple[dict, int]:
    tok = import_jieba().Tokenizer()
    tok.initialize()
    return tok.FREQ, tok.total


class Segmenter:
    """jieba's cut with some words added, memoised by text.

    `words` are added with `word_freq` each (sorted, so the order of the list does not
    matter); `user_dictionary` is jieba user-dictionary text, loaded as
    `jieba.load_userdict` loads a file. `hmm` is jieba's option for unknown words.
    """

    def __init__(self, memo: cache.Memo, words: list[str], word_freq: int | None, user_dictionary: str,
                 hmm: bool, folder: Path | None = None):
        self.memo = memo
        self._folder = folder
        self._words, self._word_freq, self._user_dictionary, self._hmm = words, word_freq, user_dictionary, hmm
        self._tokenizer = None

    @property
    def loaded(self) -> bool:
        """Whether jieba's dictionary had to be loaded (some text was not in the memo)."""
        return self._tokenizer is not None

    def tokenizer(self):
        if self._tokenizer is None:
            freq, total = _base(self._folder)
            tok = import_jieba().Tokenizer()
            tok.FREQ, tok.total, tok.initialized = dict(freq), total, True
            for word in self._words:
                tok.add_word(word, freq=self._word_freq)
            if self._user_dictionary:
                tok.load_userdict(io.BytesIO(self._user_dictionary.encode("utf-8")))
            self._tokenizer = tok
        return self._tokenizer

    def cut(self, text: str) -> list[str]:
        tokens = self.memo.get(text)
        if tokens is None:
            tokens = self.tokenizer().lcut(text, HMM=self._hmm)
            self.memo.put(text, tokens)
        return tokens


class Segmenters:
    """One run's segmenters, one per setting (one tokenizer and memo each), their cuts
    kept in `cache`."""

    def __init__(self, cache: cache.Cache):
        self.cache = cache
        self._made: dict[str, Segmenter] = {}

    def get(self, purpose: str, *, words: Iterable[str] = (), word_freq: int | None = None,
            user_dictionary: str = "", hmm: bool = True) -> Segmenter:
        """The segmenter for these settings; `purpose` names its memo (`cuts-<purpose>`
        under build/cache/)."""
        words = sorted(set(words))
        memo = self.cache.memo(f"cuts-{purpose}", _FORMAT, _dictionary_id(), sys.version_info[:2], words,
                               word_freq, user_dictionary, hmm)
        if memo.name not in self._made:
            self._made[memo.name] = Segmenter(memo, words, word_freq, user_dictionary, hmm, self.cache.folder)
        return self._made[memo.name]

    def warm_up(self) -> None:
        """Load the dictionary of every segmenter made so far, so that the next new text
        is cut without waiting (`kb serve`, before the first edit)."""
        for seg in self._made.values():
            seg.tokenizer()


# --------------------------------------------------------------------------- the user dictionary

# The Han characters (CJK unified ideographs, extension A, compatibility ideographs), as a
# character class's inside.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Runs of Han characters: jieba only ever sees these (the search plugin segments
# nothing else), so only they belong in its dictionary.
_HAN_RUN = re.compile(f"[{HAN}]{{2,}}")
# A dictionary word needs a part-of-speech tag for jieba; nz = other proper noun.
_TAG = "nz"


def dictionary_words(editorial: Editorial) -> list[str]:
    """The Han words that must stay whole: every glossary term and entity name, and
    every alias, taken run by run (`PaddlePaddle（飞桨）` gives 飞桨), and the editorial
    file's `words:` (向量化, so that 量化 inside it is not cut out)."""
    names: Iterable[str] = (
        name for entry in [*editorial.glossary, *editorial.entities] for name in entry.names
    )
    words = {run for name in [*names, *editorial.words] for run in _HAN_RUN.findall(name)}
    # Longest first, then by code point: stable output, and a reader scanning the
    # file sees compound terms before their parts.
    return sorted(words, key=lambda w: (-len(w), w))


def user_dictionary(editorial: Editorial) -> str:
    """jieba user-dictionary text: one `word tag` per line.

    No frequency is written: jieba then computes one just high enough for the word to
    be cut whole (jieba.Tokenizer.add_word -> suggest_freq).
    """
    return "".join(f"{word} {_TAG}\n" for word in dictionary_words(editorial))


def words_segmenter(segmenters: Segmenters, editorial: Editorial) -> Segmenter:
    """The segmenter whose words glossary links and entity mentions must be: jieba with
    the search index's user dictionary and settings (kb.site.search.index_segmenter), so a
    term is linked where a search finds it as a word; its own memo (`cuts-words`), since
    the import cuts other pieces of text than the index does."""
    return segmenters.get("words", user_dictionary=user_dictionary(editorial), hmm=True)


def boundaries(seg: Segmenter, text: str) -> frozenset[int]:
    """The offsets in `text` where a word of `seg` starts or ends (0 and len(text) included)."""
    out, pos = [0], 0
    for token in seg.cut(text):
        pos += len(token)
        out.append(pos)
    return frozenset(out)
