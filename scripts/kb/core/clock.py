"""Seconds spent in each named stage of a command, for `kb bench`.

A stage may be entered many times (parse runs once per article); its time adds up.
The default clock measures nothing, so the stages pay nothing when no one is timing.
"""
from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator


class Clock:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started


class _Off(Clock):
    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        yield


OFF = _Off()
