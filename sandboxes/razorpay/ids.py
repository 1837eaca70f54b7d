"""Razorpay-shaped ids: a prefix and 14 base62 characters."""

from __future__ import annotations

from ..common.ids import random_chars


def new_id(prefix: str) -> str:
    """Return a fresh id such as order_EKwxwAgItmmXdp."""
    return prefix + random_chars(14)
