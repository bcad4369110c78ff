"""context: what a run hands its stages, so that no stage depends on what ran before it.

The CLI makes one context per command and the MkDocs plugin one per build; a test makes
its own (`Context.in_memory()`). Stages read their caches and segmenters from here, never
from module state.
"""
from __future__ import annotations

import ctypes
import os
import signal
import threading
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
    """Processes a run may use for work that is independent (parsing articles): the
    machine's cores, or fewer when KB_WORKERS says so (1: none besides this one)."""
    cores = os.cpu_count() or 1
    try:
        return max(1, min(cores, int(os.environ.get(WORKERS_ENV, cores))))
    except ValueError:
        return cores


def may_fork() -> bool:
    """Whether independent work may go to forked worker processes: there is another core
    to use (workers()) and no other thread runs in this process (a fork copies only the
    calling thread; kb serve's import and build run beside its server's threads)."""
    return workers() > 1 and threading.active_count() == 1


def worker_pool(count: int):
    """A pool of `count` forked worker processes that die with this one: a kb command
    killed mid-way (SIGKILL runs no cleanup) leaves no worker behind, still running and
    holding the command's output pipes open. Forked whatever Python's default start method
    (forkserver on Linux from 3.14): a worker finds what its caller set up before the pool
    (kb.importer.link's _FORKED), and starts at no cost."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork"),
                               initializer=_die_with_parent, initargs=(os.getpid(),))


def _die_with_parent(parent: int) -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)     # 1: PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:          # the parent died before the line above
        os._exit(1)
