"""The record of one exchange with a gateway, as an order's timeline keeps it."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# A path segment holding an object id (order_…, pay_…, cs_test_…): folded so metrics keep few label values.
_ID_SEGMENT = re.compile(r"/[^/]*_[^/]*")


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One HTTP exchange with a gateway (no credentials in it)."""

    gateway: str
    method: str
    path: str
    request: dict[str, Any] | None
    status: int | None
    response: Any
    duration_ms: float
    error: dict[str, Any] | None = None
    request_id: str | None = None
    at: datetime = field(default_factory=lambda: datetime.now(UTC))  # when the answer (or failure) came
    # The failed tries before this one when the call was retried: the trace shows every attempt.
    earlier: tuple[CallRecord, ...] = ()

    @property
    def operation(self) -> str:
        """The call's kind, ids left out: "GET /v1/payments/{id}"."""
        return f"{self.method} {_ID_SEGMENT.sub('/{id}', self.path)}"

    @property
    def outcome(self) -> str:
        """ "ok", or the kind of GatewayError the call ended in (GatewayUnavailable, GatewayInvalid…)."""
        return "ok" if self.error is None else self.error.get("kind", "error")

    def attempts(self) -> list[CallRecord]:
        """Every try of this call, first to last."""
        return [*self.earlier, self]

    def to_dict(self) -> dict[str, Any]:
        """The timeline entry's fields."""
        return {
            "gateway": self.gateway,
            "method": self.method,
            "path": self.path,
            "request": self.request,
            "status": self.status,
            "response": self.response,
            "duration_ms": round(self.duration_ms, 2),
            "error": self.error,
            "request_id": self.request_id,
        }


def elapsed_ms(started: float) -> float:
    """Milliseconds since a time.perf_counter() reading."""
    return (time.perf_counter() - started) * 1000


# Told of every exchange as it ends (the app feeds gateway latency metrics with it).
CallObserver = Callable[[CallRecord], None]
