"""Readers for decoded request parameters: each checks one value and answers in Stripe's words when it is wrong.

A reader is called as reader(value, param) with the decoded value and its bracket name
("line_items[0][quantity]"), and returns the value cleaned up (an int, a bool, a dict…).
`hash_of` builds the reader of a whole parameter set, refusing names it does not know.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from .errors import StripeError, missing_param, one_of, unknown_params, unsupported_param
from .money import SUPPORTED

Reader = Callable[[Any, str], Any]

MAX_STRING = 5000  # Stripe's default limit for a string parameter
METADATA_KEYS, METADATA_KEY_LENGTH, METADATA_VALUE_LENGTH = 50, 40, 500
_INTEGER = re.compile(r"^-?\d+$")
_DECIMAL = re.compile(r"^-?\d+(?:\.\d{1,12})?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def join(param: str, key: str | int) -> str:
    """Return the bracket name of a child parameter: join("line_items", 0) == "line_items[0]"."""
    return str(key) if not param else f"{param}[{key}]"


def preview(value: Any) -> str:
    """Return a value as Stripe quotes it in messages, cut short."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def empty_value(param: str) -> StripeError:
    """The 400 for "" where a parameter cannot be unset."""
    return StripeError(
        f"You passed an empty string for '{param}'. We assume empty values are an attempt to unset a "
        f"parameter; however '{param}' cannot be unset. You should remove '{param}' from your request "
        "or supply a non-empty value.",
        code="parameter_invalid_empty",
        param=param,
    )


def expect_string(value: Any, param: str) -> str:
    """Return value if it is a non-empty string."""
    if isinstance(value, dict):
        raise StripeError(f"Invalid string: {param} was given as a hash", param=param)
    if isinstance(value, list):
        raise StripeError(f"Invalid string: {param} was given as an array", param=param)
    if value == "":
        raise empty_value(param)
    return str(value)


def text(max_length: int = MAX_STRING, choices: Sequence[str] | None = None) -> Reader:
    """A string, at most max_length long, or one of choices."""

    def read(value: Any, param: str) -> str:
        value = expect_string(value, param)
        if choices is not None and value not in choices:
            raise StripeError(f"Invalid {param}: must be one of {one_of(list(choices))}", param=param)
        if len(value) > max_length:
            raise StripeError(
                f"Invalid string: {preview(value)}; must be at most {max_length} characters",
                code="string_length_exceeded" if max_length != MAX_STRING else None,
                param=param,
            )
        return value

    return read


def integer(minimum: int | None = None, maximum: int | None = None) -> Reader:
    """A whole number, written in decimal digits, within the bounds given."""

    def read(value: Any, param: str) -> int:
        raw = expect_string(value, param)
        if not _INTEGER.match(raw):
            raise StripeError(f"Invalid integer: {preview(raw)}", code="parameter_invalid_integer", param=param)
        number = int(raw)
        if minimum is not None and number < minimum:
            raise StripeError(f"This value must be greater than or equal to {minimum}.", param=param)
        if maximum is not None and number > maximum:
            raise StripeError(f"This value must be less than or equal to {maximum}.", param=param)
        return number

    return read


def decimal_text(minimum: Decimal | None = None) -> Reader:
    """A decimal string with at most 12 places (unit_amount_decimal), kept exact."""

    def read(value: Any, param: str) -> Decimal:
        raw = expect_string(value, param)
        try:
            number = Decimal(raw) if _DECIMAL.match(raw) else None
        except InvalidOperation:
            number = None
        if number is None:
            raise StripeError(f"Invalid decimal: {preview(raw)}", param=param)
        if minimum is not None and number < minimum:
            raise StripeError(f"This value must be greater than or equal to {minimum}.", param=param)
        return number

    return read


def boolean(value: Any, param: str) -> bool:
    """The strings true and false, as the SDK sends booleans."""
    raw = expect_string(value, param)
    if raw not in ("true", "false"):
        raise StripeError(f"Invalid boolean: {preview(raw)}", param=param)
    return raw == "true"


def url(value: Any, param: str) -> str:
    """An absolute http(s) URL; `{CHECKOUT_SESSION_ID}` and other braces are allowed, as Stripe allows them."""
    raw = text(MAX_STRING)(value, param)
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise StripeError("Not a valid URL", code="url_invalid", param=param)
    return raw


def email(value: Any, param: str) -> str:
    """An email address, at most 512 characters."""
    raw = text(512)(value, param)
    if not _EMAIL.match(raw):
        raise StripeError(f"Invalid email address: {preview(raw)}", code="email_invalid", param=param)
    return raw


def currency(value: Any, param: str) -> str:
    """A three-letter currency Stripe supports, returned lowercase as Stripe returns it."""
    raw = expect_string(value, param).lower()
    if raw not in SUPPORTED:
        raise StripeError(
            f"Invalid currency: {preview(raw)}. Stripe currently supports these currencies: "
            + ", ".join(sorted(SUPPORTED)),
            param=param,
        )
    return raw


def metadata(value: Any, param: str) -> dict[str, str]:
    """Stripe's metadata: ≤50 string pairs, keys ≤40 characters without brackets, values ≤500; "" unsets."""
    if value == "":
        return {}  # metadata= clears every key
    if isinstance(value, list):  # keys "0".."n-1" were read as an array; they are keys all the same
        value = {str(index): item for index, item in enumerate(value)}
    if not isinstance(value, dict):
        raise StripeError("Invalid hash", param=param)
    cleaned: dict[str, str] = {}
    for key, item in value.items():
        if len(key) > METADATA_KEY_LENGTH:
            raise StripeError(
                f"Metadata keys can have up to {METADATA_KEY_LENGTH} characters; {preview(key)} has {len(key)}",
                param=join(param, key),
            )
        if not isinstance(item, str):
            raise StripeError(
                f"Invalid value for metadata key {preview(key)}: metadata values must be strings "
                "(keys cannot contain [ or ])",
                param=join(param, key),
            )
        if len(item) > METADATA_VALUE_LENGTH:
            raise StripeError(
                f"Metadata values can have up to {METADATA_VALUE_LENGTH} characters; the value of "
                f"{preview(key)} has {len(item)}",
                param=join(param, key),
            )
        if item:  # an empty value unsets its key
            cleaned[key] = item
    if len(cleaned) > METADATA_KEYS:
        raise StripeError(f"Metadata can have up to {METADATA_KEYS} keys; {len(cleaned)} were given", param=param)
    return cleaned


def array_of(item: Reader, max_items: int | None = None) -> Reader:
    """A list of values each read by item; `a[0]`, `a[1]` and `a[]` both arrive as lists."""

    def read(value: Any, param: str) -> list[Any]:
        if value == "":
            return []
        if not isinstance(value, list):
            raise StripeError("Invalid array", param=param)
        if max_items is not None and len(value) > max_items:
            raise StripeError(
                f"Invalid array: {param} can have at most {max_items} items; {len(value)} were given", param=param
            )
        return [item(element, join(param, index)) for index, element in enumerate(value)]

    return read


def anything(value: Any, param: str) -> Any:
    """Accepted as given: a parameter the sandbox takes but does not act on."""
    return value


def unsupported(value: Any, param: str) -> Any:
    """A real Stripe parameter the sandbox refuses rather than silently ignores."""
    raise unsupported_param(param)


def hash_of(fields: Mapping[str, Reader], *, required: Sequence[str] = ()) -> Reader:
    """A hash with exactly these fields (each read by its reader); unknown names and missing required ones fail."""

    def read(value: Any, param: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise StripeError("Invalid hash", param=param or None)
        unknown = [join(param, key) for key in value if key not in fields]
        if unknown:
            raise unknown_params(unknown)
        for name in required:
            if name not in value:
                raise missing_param(join(param, name))
        return {key: fields[key](item, join(param, key)) for key, item in value.items()}

    return read


EXPAND = array_of(text(MAX_STRING))
