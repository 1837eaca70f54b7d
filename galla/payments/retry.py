"""Retrying calls that are safe to repeat: exponential backoff with full jitter, only on transient failures."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from galla.payments.breaker import CircuitOpen
from galla.payments.errors import GatewayUnavailable

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently to ask again."""

    attempts: int = 3
    base_delay: float = 0.2
    max_delay: float = 2.0

    def delays(self, rng: random.Random) -> Iterator[float]:
        """The pauses before each retry: full jitter, so many clients do not retry in step."""
        for n in range(self.attempts - 1):
            yield rng.uniform(0, min(self.max_delay, self.base_delay * 2**n))


NO_RETRY = RetryPolicy(attempts=1)
_rng = random.Random()


async def call_with_retries(send: Callable[[], Awaitable[T]], policy: RetryPolicy) -> T:
    """Run send(), again after a pause when it fails transiently, until the policy's attempts are spent."""
    pauses = policy.delays(_rng)
    while True:
        try:
            return await send()
        except CircuitOpen:
            raise  # the breaker says stop: asking again now would only be refused again
        except GatewayUnavailable:
            pause = next(pauses, None)
            if pause is None:
                raise
        await asyncio.sleep(pause)
