"""The sandboxes' outage plans: the command line's --fail, and the same seed failing the same calls."""

from __future__ import annotations

import pytest

from sandboxes.common.faults import FailurePlan, parse_failure


def test_fail_option_reads_a_rate_and_a_mode():
    assert parse_failure("1") == (1.0, "500")
    assert parse_failure("0.5:hang") == (0.5, "hang")
    assert parse_failure("0.25:429") == (0.25, "429")
    for bad in ("2", "-0.1", "0.5:slow", "1:200", "x:500"):
        with pytest.raises(ValueError):
            parse_failure(bad)


def test_the_same_seed_fails_the_same_calls_and_the_rate_holds():
    first, second = FailurePlan(rate=0.5, seed=3), FailurePlan(rate=0.5, seed=3)
    draws = [first.draw() for _ in range(2000)]
    assert draws == [second.draw() for _ in range(2000)]
    assert set(draws) == {None, "500"} and 900 < draws.count("500") < 1100
    first.set(0)
    assert {first.draw() for _ in range(100)} == {None}
