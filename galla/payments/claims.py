"""Reading what an unverified webhook body claims to be, defensively: for the record of a refused delivery."""

from __future__ import annotations

from typing import Any


def dig(value: Any, *keys: str) -> dict[str, Any]:
    """value[k1][k2]… when each step is a dict, else {} (Razorpay sends empty notes as [])."""
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, dict) else {}


def short(value: Any) -> str | None:
    """A claimed string, cut short; anything else dropped."""
    return value[:100] if isinstance(value, str) else None
