"""Redaction: configured secrets, card numbers and secret-bearing fields replaced before anyone sees them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# 13 to 19 digits, optionally in groups: what a card number looks like in free text.
CARD_NUMBER = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
REDACTED = "[redacted]"
# Fields whose value is a credential or card data whatever it looks like (a PaymentIntent's client_secret
# lets a browser confirm the payment; a card's number, CVC and expiry are card data).
SENSITIVE_KEYS = frozenset({"client_secret", "secret", "password", "key_secret", "api_key", "authorization",
                            "number", "card_number", "cvc", "cvv", "card_cvc", "card_expiry", "expiry"})


def passes_luhn(text: str) -> bool:
    """Whether a digit run carries a valid card check digit (so timestamps and amounts are mostly left alone)."""
    digits = [int(c) for c in text if c.isdigit()]
    total = 0
    for i, digit in enumerate(reversed(digits)):
        if i % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


class Redactor:
    """Replaces known secret values and card numbers in text, and sensitive fields in JSON-like values."""

    def __init__(self, secrets: Iterable[str]) -> None:
        # Short values would redact ordinary words; real secrets are long.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def text(self, text: str) -> str:
        """The text with every secret and card number replaced."""
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return CARD_NUMBER.sub(lambda m: REDACTED if passes_luhn(m.group()) else m.group(), text)

    def value(self, value: Any) -> Any:
        """A copy of a decoded JSON value with sensitive fields and secret text replaced."""
        if isinstance(value, dict):
            return {k: REDACTED if str(k).lower() in SENSITIVE_KEYS and v not in (None, "")
                    else self.value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value
