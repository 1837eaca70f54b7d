"""Redaction: configured secrets, card numbers and secret-bearing fields replaced before anyone sees them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

REDACTED = "[redacted]"
# What a buyer may type as a card number in free text (a name, an address line, a note): 12 to 19 digits
# (ISO/IEC 7812 card numbers), in groups split by up to three spaces (any kind: a pasted number brings no-break
# and thin spaces), dashes, dots or slashes, touching letters or not ("card:4111…").
_SEPARATOR = r"[\s./\-\u2010-\u2015]"
TYPED_DIGITS = re.compile(rf"\d(?:{_SEPARATOR}{{0,3}}\d)*")
TYPED_SEPARATOR = re.compile(rf"({_SEPARATOR}{{1,3}})")
# 13 to 19 digits, optionally in groups split by up to three spaces (any kind, not a line break) or dashes: what a
# card number looks like in a log line or a gateway's answer. Dots and slashes are left to redact_card_numbers, for
# what buyers type: in logs they join IP addresses and times, which would be redacted one time in ten (Luhn).
CARD_NUMBER = re.compile(r"\b(?:\d[ \t\u00a0\u2000-\u200b\u202f\u2010-\u2015-]{0,3}){12,18}\d\b")
# Fields whose value is a credential or card data whatever it looks like (a PaymentIntent's client_secret
# lets a browser confirm the payment; a card's number, CVC and expiry are card data).
SENSITIVE_KEYS = frozenset(
    {
        "client_secret",
        "secret",
        "password",
        "key_secret",
        "api_key",
        "authorization",
        "number",
        "card_number",
        "cvc",
        "cvv",
        "card_cvc",
        "card_expiry",
        "expiry",
    }
)


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
            return {
                k: REDACTED if str(k).lower() in SENSITIVE_KEYS and v not in (None, "") else self.value(v)
                for k, v in value.items()
            }
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value


def redact_card_numbers(text: str) -> str:
    """Free text with every card-number-like run of digits (12-19, Luhn-valid, as typed) replaced by REDACTED.

    Used on what buyers type before it is stored: a card number kept in an order would be shown on its pages,
    mailed, exported and backed up, and would bring the shop's database into PCI DSS scope.
    """
    return TYPED_DIGITS.sub(lambda m: redact_run(m.group()), text)


def redact_run(run: str) -> str:
    """One run of digit groups with every group that is part of a possible card number replaced: any window of
    whole groups with 12-19 digits passing Luhn counts, so a card typed beside another number is still caught."""
    parts = TYPED_SEPARATOR.split(run)  # group, separator, group, ...
    groups = parts[0::2]
    hidden = covered_groups(groups)
    out: list[str] = []
    for i, group in enumerate(groups):
        if i in hidden:
            if i - 1 not in hidden:
                out.append(REDACTED)
        else:
            out.append(group)
        if i + 1 < len(groups) and not (i in hidden and i + 1 in hidden):
            out.append(parts[2 * i + 1])  # the separator as typed, unless it is inside what is hidden
    return "".join(out)


def covered_groups(groups: list[str]) -> set[int]:
    """The indices of the groups inside some window of 12-19 digits that passes the Luhn check."""
    hidden: set[int] = set()
    for first in range(len(groups)):
        digits = ""
        for last in range(first, len(groups)):
            digits += groups[last]
            if len(digits) > 19:
                break
            if len(digits) >= 12 and passes_luhn(digits):
                hidden.update(range(first, last + 1))
    return hidden
