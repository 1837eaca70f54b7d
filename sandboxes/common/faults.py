"""Outages a sandbox can play: a share of REST calls failing with a status, or hanging, drawn reproducibly."""

from __future__ import annotations

import argparse
import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field

HANG = "hang"


@dataclass
class FailurePlan:
    """Which REST calls fail and how; mutable, so a test can start and end an outage while the server runs."""

    rate: float = 0.0  # the share of calls that fail: 0 none, 0.5 half, 1 every one
    mode: str = "500"  # an HTTP status to answer ("500", "502", "503", "429"), or "hang"
    hang_seconds: float = 30.0  # how long a hanging call stalls before it is served as usual
    seed: int | None = None
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.reseed(self.seed)

    def reseed(self, seed: int | None) -> None:
        """Restart the draw, so the same seed fails the same calls."""
        self.seed = seed
        self._rng = random.Random(seed)

    def set(self, rate: float, mode: str = "500", *, hang_seconds: float | None = None) -> None:
        """Start (or, with rate 0, end) an outage."""
        self.rate, self.mode = rate, check_mode(mode)
        if hang_seconds is not None:
            self.hang_seconds = hang_seconds

    def draw(self) -> str | None:
        """Decide one call's fate: None to serve it, else the mode it fails with."""
        if self.rate <= 0 or self._rng.random() >= self.rate:
            return None
        return self.mode

    async def stall(self) -> None:
        """Hang as a stuck gateway does; the client's timeout is what ends it for the caller."""
        await asyncio.sleep(self.hang_seconds)


async def play_fault(latency: float, plan: FailurePlan, draw: Callable[[], str | None] | None = None) -> int | None:
    """What a REST call meets before it is served: the latency, then the failure drawn (plan.draw unless given)
    after it; a hang stalls and then lets it be served. Returns the status to fail with, or None to serve it."""
    if latency > 0:
        await asyncio.sleep(latency)
    failure = (draw or plan.draw)()
    if failure == HANG:
        await plan.stall()
        return None
    return None if failure is None else int(failure)


def check_mode(mode: str) -> str:
    """Return a failure mode that is an HTTP error status or "hang", or raise ValueError."""
    if mode != HANG and not (mode.isdigit() and 400 <= int(mode) <= 599):
        raise ValueError(f"mode must be an HTTP error status or {HANG!r}, not {mode!r}")
    return mode


def parse_failure(text: str) -> tuple[float, str]:
    """Read the --fail command-line value "RATE[:MODE]" (e.g. "1:500", "0.5:hang")."""
    rate, _, mode = text.partition(":")
    value = float(rate)
    if not 0 <= value <= 1:
        raise ValueError("the failure rate must be between 0 and 1")
    return value, check_mode(mode or "500")


def add_failure_options(parser: argparse.ArgumentParser) -> None:
    """The command-line options that start an outage: --fail RATE[:MODE] and --seed."""
    parser.add_argument(
        "--fail",
        type=parse_failure,
        metavar="RATE[:MODE]",
        help='an outage: the share of /v1 calls that fail, and how (a status or "hang"), e.g. 1:500, 0.5:hang',
    )
    parser.add_argument("--seed", type=int, help="seed for which calls --fail picks")


def apply_failure_args(plan: FailurePlan, fail: tuple[float, str] | None, seed: int | None) -> None:
    """Start the outage the command line asked for (--fail, --seed)."""
    plan.reseed(seed)
    if fail is not None:
        plan.set(*fail)
