"""The record of one exchange with a gateway, as an order's timeline keeps it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One HTTP exchange with a gateway (no credentials in it)."""

    gateway: str
    method: str
    path: str
    request: dict | None
    status: int | None
    response: Any
    duration_ms: float
    error: dict | None = None
    request_id: str | None = None

    def to_dict(self) -> dict:
        """The timeline entry's fields."""
        return {
            "gateway": self.gateway, "method": self.method, "path": self.path,
            "request": self.request, "status": self.status, "response": self.response,
            "duration_ms": round(self.duration_ms, 2), "error": self.error,
            "request_id": self.request_id,
        }


def elapsed_ms(started: float) -> float:
    """Milliseconds since a time.perf_counter() reading."""
    return (time.perf_counter() - started) * 1000
