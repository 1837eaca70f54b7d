"""Stripe's request encoding: form fields with bracket keys, decoded into nested dicts and lists.

    line_items[0][price_data][currency]=usd&metadata[order_id]=42&expand[]=payment_intent
    → {"line_items": [{"price_data": {"currency": "usd"}}], "metadata": {"order_id": "42"},
       "expand": ["payment_intent"]}

Values stay strings: what a field means (an integer, a boolean) is for the endpoint's params to say.
As in Rack, which Stripe's API grew up on, a repeated plain key keeps its last value and `[]` appends.
A hash whose keys are exactly 0..n-1 is an array, which is how the SDKs send arrays (`a[0]`, `a[1]`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
APPEND = ""  # the segment `[]` leaves


class FormError(ValueError):
    """A form that cannot be decoded: a malformed key, or one field given as both a value and a hash."""

    def __init__(self, message: str, param: str) -> None:
        super().__init__(message)
        self.param = param


def split_key(key: str) -> list[str]:
    """Split "a[b][0][]" into ["a", "b", "0", ""]; raise FormError for anything else."""
    match = _KEY.match(key)
    if not match:
        raise FormError(f"Invalid parameter name: {key}", key)
    segments = [match.group(1), *_SEGMENT.findall(match.group(2))]
    if APPEND in segments[1:-1]:
        raise FormError(f"Invalid parameter name: {key} (`[]` may only come last)", key)
    return segments


def insert(tree: dict[str, Any], segments: list[str], value: str, key: str) -> None:
    """Put value at the path of segments, creating hashes on the way; a final `[]` appends to a list."""
    appending = len(segments) > 1 and segments[-1] == APPEND
    path = segments[:-1] if appending else segments
    node = tree
    for segment in path[:-1]:
        child = node.setdefault(segment, {})
        if not isinstance(child, dict):
            raise FormError(f"Invalid hash: {key} conflicts with an earlier field", key)
        node = child
    last = path[-1]
    if appending:
        current = node.setdefault(last, [])
        if not isinstance(current, list):
            raise FormError(f"Invalid array: {key} conflicts with an earlier field", key)
        current.append(value)
    elif isinstance(node.get(last), (dict, list)):
        raise FormError(f"Invalid hash: {key} conflicts with an earlier field", key)
    else:
        node[last] = value


def arrays_from_indexes(value: Any) -> Any:
    """Turn every hash keyed exactly "0".."n-1" into a list, depth first."""
    if isinstance(value, list):
        return [arrays_from_indexes(item) for item in value]
    if not isinstance(value, dict):
        return value
    converted = {key: arrays_from_indexes(item) for key, item in value.items()}
    if converted and set(converted) == {str(index) for index in range(len(converted))}:
        return [converted[str(index)] for index in range(len(converted))]
    return converted


def decode_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Decode (key, value) pairs with bracket keys into nested dicts and lists."""
    tree: dict[str, Any] = {}
    for key, value in pairs:
        insert(tree, split_key(key), value, key)
    return arrays_from_indexes(tree)


def decode_form(body: str) -> dict[str, Any]:
    """Decode an application/x-www-form-urlencoded body (or query string); blank values are kept."""
    try:
        pairs = parse_qsl(body, keep_blank_values=True, strict_parsing=False, errors="strict")
    except UnicodeDecodeError:
        raise FormError("Invalid request: the body is not valid UTF-8", "body") from None
    return decode_pairs(pairs)
