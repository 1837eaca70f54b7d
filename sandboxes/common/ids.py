"""Random id material both gateways use: base62 characters after a prefix, and digits for reference numbers."""

from __future__ import annotations

import secrets
import string

_ALPHABET = string.ascii_letters + string.digits


def random_chars(length: int) -> str:
    """Return length random base62 characters."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_digits(length: int) -> str:
    """Return a random string of decimal digits, for RRNs, ARNs and auth codes."""
    return "".join(secrets.choice(string.digits) for _ in range(length))
