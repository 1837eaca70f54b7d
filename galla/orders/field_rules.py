"""A form field's rule: what it needs, how it is tidied, and what to tell a person when it breaks.

One rule is checked twice: by the server (galla/orders/inputs.py, through `check`) and, before the round trip,
by the checkout page (shop-checkout.js, from `to_dict`). So a pattern uses only the regular-expression syntax
Python and JavaScript share (no named groups, no look-behind), is matched whole, and `\\d` is ASCII on both sides.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# How a value is tidied before it is checked, step by step; shop-checkout.js's TIDY knows the same steps.
TIDY_STEPS: dict[str, Callable[[str], str]] = {
    "trim": str.strip,
    "one_space": lambda value: " ".join(value.split()),
    "upper": str.upper,
    "no_spaces": lambda value: "".join(value.split()),
    # What people put between a phone number's digits: spaces, hyphens, dots and brackets.
    "phone": lambda value: re.sub(r"[\s().-]", "", value),
}


class RuleBroken(ValueError):
    """A value that breaks its field's rule; the message is the one to show next to the field."""


@dataclass(frozen=True, slots=True)
class FieldRule:
    """What one field needs, and what to say when it is empty, too long or not in its shape."""

    missing: str
    invalid: str = ""
    required: bool = True
    max_length: int = 100
    pattern: str | None = None  # matched whole against the tidied value
    tidy: tuple[str, ...] = ("trim",)
    example: str = ""  # a value written well, the box's placeholder

    @property
    def too_long(self) -> str:
        """What to say when the value is longer than the field takes."""
        return f"Use at most {self.max_length} characters here"

    def tidied(self, value: str) -> str:
        """The value as it is checked and kept."""
        for step in self.tidy:
            value = TIDY_STEPS[step](value)
        return value

    def check(self, value: str | None) -> str | None:
        """The tidied value, None when it is empty and may be; RuleBroken with the message to show otherwise."""
        value = self.tidied(value or "")
        if not value:
            if self.required:
                raise RuleBroken(self.missing)
            return None
        if len(value) > self.max_length:
            raise RuleBroken(self.too_long)
        if self.pattern and not re.fullmatch(self.pattern, value, re.ASCII):
            raise RuleBroken(self.invalid or self.missing)
        return value

    def message_for(self, problem: str) -> str:
        """The message for one of pydantic's error types on this field (missing, too short, too long, other)."""
        if problem in ("missing", "string_too_short"):
            return self.missing
        if problem == "string_too_long":
            return self.too_long
        return self.invalid or self.missing

    def to_dict(self) -> dict[str, Any]:
        """The rule as the checkout page reads it."""
        return {
            "missing": self.missing,
            "invalid": self.invalid or self.missing,
            "too_long": self.too_long,
            "required": self.required,
            "max_length": self.max_length,
            "pattern": self.pattern,
            "tidy": list(self.tidy),
            "example": self.example,
        }


class FieldInvalid(ValueError):
    """A field of a request that breaks its rule, named by its path in the body ("customer.phone")."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message
