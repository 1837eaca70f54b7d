"""Razorpay-shaped ids: a prefix and 14 base62 characters."""

from __future__ import annotations

import secrets
import string

_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str) -> str:
    """Return a fresh id such as order_EKwxwAgItmmXdp."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(14))


def new_digits(length: int) -> str:
    """Return a random string of decimal digits, for RRNs, ARNs and auth codes."""
    return "".join(secrets.choice(string.digits) for _ in range(length))
