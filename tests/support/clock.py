"""A settable clock for the sandboxes' tests, so created times, expiries, filters and key pruning are exact."""

from __future__ import annotations

NOW = 1_767_225_600  # 2026-01-01T00:00:00Z


class Clock:
    """A settable clock: call it for the time; set `now` or `advance` it."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
