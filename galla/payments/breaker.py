"""A circuit breaker per gateway: stop calling a gateway that keeps failing, and probe it after a cool-down."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from galla.payments.errors import GatewayInProgress, GatewayUnavailable
from galla.payments.labels import gateway_label

State = Literal["closed", "open", "half_open"]
T = TypeVar("T")
# The value the /metrics gauge gives each state.
STATE_NUMBERS = {"closed": 0, "half_open": 1, "open": 2}


class CircuitOpen(GatewayUnavailable):
    """Refused without a call: the gateway failed repeatedly and its cool-down has not passed."""


@dataclass
class CircuitBreaker:
    """Closed: calls pass. Open after `failures_to_open` transient failures in a row: calls are refused at once.
    Half-open once `cooldown` seconds have passed: one probe goes through, and its answer closes or reopens it.

    Per process, as DESIGN.md allows: each process learns a gateway is down from its own calls.
    """

    gateway: str
    failures_to_open: int = 5
    cooldown: float = 30.0
    clock: Callable[[], float] = time.monotonic
    failures: int = 0
    opened_at: float | None = None
    probing: bool = False
    on_change: Callable[[str, State], None] | None = field(default=None, repr=False)
    _state: State = field(default="closed", init=False)

    @property
    def state(self) -> State:
        """The state as a caller would find it now (an open circuit past its cool-down reads half-open)."""
        if self._state == "open" and self.retry_after() == 0:
            return "half_open"
        return self._state

    def retry_after(self) -> float:
        """Seconds until an open circuit lets a probe through (0 when it would now)."""
        if self._state != "open" or self.opened_at is None:
            return 0.0
        return max(0.0, self.opened_at + self.cooldown - self.clock())

    def admit(self) -> None:
        """Let a call through, or raise CircuitOpen."""
        if self._state == "open":
            wait = self.retry_after()
            if wait > 0:
                raise self._refusal(f"repeated failures; trying again in {wait:.0f} s")
            self._move("half_open")
        if self._state == "half_open":
            if self.probing:
                raise self._refusal("a probe call is under way")
            self.probing = True

    def record_success(self) -> None:
        """The gateway answered (a refusal such as a decline counts: it is up)."""
        self.failures, self.probing = 0, False
        self._move("closed")

    def record_failure(self) -> None:
        """A transient failure: timeout, connection error, 5xx or 429."""
        self.failures += 1
        self.probing = False
        if self._state == "half_open" or self.failures >= self.failures_to_open:
            self.opened_at = self.clock()
            self._move("open")

    def release(self) -> None:
        """The call ended without a verdict on the gateway (cancelled); let the next one probe."""
        self.probing = False

    async def call(self, send: Callable[[], Awaitable[T]]) -> T:
        """Run one call through the breaker, recording how it went."""
        self.admit()
        try:
            result = await send()
        except GatewayInProgress:
            self.record_success()  # it answered, busy with that one payment (Razorpay's 409): not an outage
            raise
        except GatewayUnavailable:
            self.record_failure()
            raise
        except Exception:
            self.record_success()  # the gateway answered, if only to refuse
            raise
        except BaseException:
            self.release()
            raise
        self.record_success()
        return result

    def _refusal(self, why: str) -> CircuitOpen:
        name = gateway_label(self.gateway)
        return CircuitOpen(f"{name} is paused after {why}", gateway=self.gateway, code="CIRCUIT_OPEN")

    def _move(self, state: State) -> None:
        if state != self._state:
            self._state = state
            if self.on_change is not None:
                self.on_change(self.gateway, state)
