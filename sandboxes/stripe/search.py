"""Stripe's search query language, as far as customers need it.

email:'asha@example.in'        exact (case-insensitive)     name~'Asha'    substring (≥ 3 characters)
metadata['order_id']:'42'      metadata value               -email:'x@y.z' negation
created>1767225600             numbers: : > >= < <=         a AND b, a OR b (not both), or a b (AND)
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import StripeError

STRING_FIELDS = {"email", "name", "phone"}
NUMBER_FIELDS = {"created"}
PARSE_ERROR = (
    "We were unable to parse your search query. Try using the format `metadata['key']:'value'` to query "
    "for metadata or `key:'value'` to query for other fields."
)

_CLAUSE = re.compile(
    r"""
    (?P<negated>-)?
    (?: metadata\[(?:'(?P<key1>(?:[^'\\]|\\.)*)'|"(?P<key2>(?:[^"\\]|\\.)*)")\] | (?P<field>[a-z_]+) )
    (?P<op>:|~|>=|<=|>|<)
    (?: '(?P<single>(?:[^'\\]|\\.)*)' | "(?P<double>(?:[^"\\]|\\.)*)" | (?P<number>-?\d+) | (?P<null>null) )
""",
    re.VERBOSE,
)
_CONNECTOR = re.compile(r"\s+(?:(?P<word>AND|OR)\s+)?", re.IGNORECASE)
_ESCAPE = re.compile(r"\\(.)")
# How a number field compares with a clause's value, by the clause's operator.
_COMPARISONS: dict[str, Callable[[Any, int], bool]] = {
    ":": operator.eq,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


@dataclass(frozen=True)
class Clause:
    """One field op value test; field is "metadata" with key set for metadata clauses."""

    field: str
    key: str | None
    op: str
    value: str | int | None
    negated: bool


def unescape(text: str) -> str:
    """Undo backslash escapes inside a quoted value: \\' is ', \\\\ is \\."""
    return _ESCAPE.sub(r"\1", text)


def read_clause(match: re.Match[str]) -> Clause:
    """Turn one matched clause into a Clause, refusing fields and operators customers do not have."""
    key = match.group("key1") if match.group("key1") is not None else match.group("key2")
    field = "metadata" if key is not None else match.group("field")
    op = match.group("op")
    if match.group("single") is not None or match.group("double") is not None:
        raw = match.group("single") if match.group("single") is not None else match.group("double")
        value: str | int | None = unescape(raw)
    elif match.group("number") is not None:
        value = int(match.group("number"))
    else:
        value = None
    if field not in STRING_FIELDS | NUMBER_FIELDS | {"metadata"}:
        raise StripeError(
            f"Field '{field}' is an unsupported search field for resource customers. See "
            "http://stripe.com/docs/search#query-fields-for-customers for a list of supported fields.",
            param="query",
        )
    numeric = field in NUMBER_FIELDS
    if (numeric and not isinstance(value, int)) or (not numeric and isinstance(value, int)):
        raise StripeError(PARSE_ERROR, param="query")
    if op in (">", ">=", "<", "<=") and not numeric:
        raise StripeError(f"The operator '{op}' is not supported for the field '{field}'.", param="query")
    if op == "~" and (field not in STRING_FIELDS or not isinstance(value, str) or len(value) < 3):
        raise StripeError(
            "Substring matching (~) needs a string field (email, name, phone) and at least 3 characters.", param="query"
        )
    return Clause(
        field=field,
        key=None if key is None else unescape(key),
        op=op,
        value=value,
        negated=bool(match.group("negated")),
    )


def parse_query(query: str) -> tuple[list[Clause], str]:
    """Return the clauses of a query and how they combine ("and" or "or"); 400 for anything unparseable."""
    clauses: list[Clause] = []
    connectors: set[str] = set()
    position, text = 0, query.strip()
    while True:
        match = _CLAUSE.match(text, position)
        if not match:
            raise StripeError(PARSE_ERROR, param="query")
        clauses.append(read_clause(match))
        position = match.end()
        if position == len(text):
            break
        between = _CONNECTOR.match(text, position)
        if not between:
            raise StripeError(PARSE_ERROR, param="query")
        connectors.add((between.group("word") or "and").lower())
        position = between.end()
    if len(connectors) > 1:
        raise StripeError("Search queries cannot combine AND and OR.", param="query")
    return clauses, connectors.pop() if connectors else "and"


def clause_matches(obj: dict[str, Any], clause: Clause) -> bool:
    """Whether one object passes one clause (before negation)."""
    if clause.field == "metadata":
        actual = obj.get("metadata", {}).get(clause.key)
        return actual is None if clause.value is None else actual == clause.value
    actual = obj.get(clause.field)
    value = clause.value
    if isinstance(value, int):  # a number field's (read_clause takes numbers for those only)
        return _COMPARISONS[clause.op](actual, value)
    if value is None:
        return actual is None
    if actual is None:
        return False
    if clause.op == "~":
        return value.lower() in actual.lower()
    return actual.lower() == value.lower()


def matches(obj: dict[str, Any], clauses: list[Clause], combinator: str) -> bool:
    """Whether the object passes the whole query."""
    results = (clause_matches(obj, clause) != clause.negated for clause in clauses)
    return all(results) if combinator == "and" else any(results)
