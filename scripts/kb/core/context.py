"""context: what a run hands its stages, so that no stage depends on what ran before it.

The CLI makes one context per command and the MkDocs plugin one per build; a test makes
its own (`Context.in_memory()`). Stages read their caches and segmenters from here, never
from module state.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from kb.core.cache import Cache
from kb.core.clock import OFF, Clock
from kb.core.segment import Segmenters


@dataclass
class Context:
    cache: Cache                   # memos kept between runs (build/cache/), or in memory only
    segmenters: Segmenters         # jieba segmenters, their cuts in `cache`
    clock: Clock = field(default=OFF)  # stage timings (kb bench); OFF times nothing

    @classmethod
    def at(cls, cache_dir: Path | None, clock: Clock = OFF) -> "Context":
        """A context whose memos are kept under `cache_dir` (None: in memory only)."""
        cache = Cache(cache_dir)
        return cls(cache, Segmenters(cache), clock)

    @classmethod
    def in_memory(cls) -> "Context":
        return cls.at(None)


WORKERS_ENV = "KB_WORKERS"


def workers() -> int:
    """Processes a run may use for work that is independent (parsing articles, mermaid2's
    pages): the machine's cores, or fewer when KB_WORKERS says so (1: none besides this one)."""
    cores = os.cpu_count() or 1
    try:
        return max(1, min(cores, int(os.environ.get(WORKERS_ENV, cores))))
    except ValueError:
        return cores
