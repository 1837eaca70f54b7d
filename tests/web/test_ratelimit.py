"""The per-client moving window: the same answers as counting every hit by hand, and memory only for the active."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from galla.web.ratelimit import ClientLimiter


class Clock:
    """Time that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_moving_window_frees_a_slot_when_the_oldest_hit_leaves_it():
    clock = Clock()
    limiter = ClientLimiter("3/minute", clock=clock)
    for step in (0, 10, 20):
        clock.now = 1000 + step
        assert limiter.hit("a") is None
    clock.now = 1030
    assert limiter.hit("a") == 30 and limiter.retry_after("a") == 30  # the hit at 1000 leaves at 1060
    assert limiter.hit("b") is None  # per client
    clock.now = 1060.5
    assert limiter.retry_after("a") is None and limiter.hit("a") is None
    assert limiter.hit("a") == 10  # 1070 is when the hit at 1010 leaves


def test_idle_clients_are_forgotten_once_their_window_has_passed():
    clock = Clock()
    limiter = ClientLimiter("5/second", clock=clock)
    for n in range(100):
        limiter.hit(f"client-{n}")
    clock.now += 2.5
    limiter.hit("still-here")
    assert list(limiter.hits) == ["still-here"]


@given(st.lists(st.tuples(st.floats(0, 5, allow_nan=False), st.sampled_from("ab")), max_size=60), st.integers(1, 4))
def test_answers_match_counting_every_allowed_hit(steps, limit):
    clock = Clock()
    limiter = ClientLimiter(f"{limit}/10 seconds", clock=clock)
    allowed: dict[str, list[float]] = {"a": [], "b": []}
    for gap, client in steps:
        clock.now += gap
        inside = sorted(t for t in allowed[client] if t > clock.now - 10)
        expected = None if len(inside) < limit else max(1, math.ceil(inside[0] + 10 - clock.now))
        assert limiter.retry_after(client) == expected
        assert limiter.hit(client) == expected
        if expected is None:
            allowed[client].append(clock.now)
