"""What every read shares: expanding ids into objects, and cursor pagination of lists."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from .errors import StripeError, no_such
from .objects import list_object

MAX_EXPAND_DEPTH = 4  # Stripe refuses deeper expansions
DEFAULT_LIMIT = 10

# object type -> field -> the table its id is looked up in (see StripeSandboxState.lookup); "" is a field
# Stripe expands but the sandbox has nothing to expand it into
EXPANDABLE: dict[str, dict[str, str]] = {
    "checkout.session": {
        "payment_intent": "payment_intents",
        "customer": "customers",
        "line_items": "line_items",
        "subscription": "subscriptions",
        "invoice": "invoices",
    },
    "subscription": {"customer": "customers", "latest_invoice": "invoices", "test_clock": "test_clocks"},
    "invoice": {"customer": "customers", "payments": "invoice_payments"},
    "payment_intent": {"latest_charge": "charges", "customer": "customers"},
    "charge": {"payment_intent": "payment_intents", "customer": "customers", "balance_transaction": ""},
    "refund": {"charge": "charges", "payment_intent": "payment_intents", "balance_transaction": ""},
    "price": {"product": "products"},
}
Lookup = Callable[[str, dict[str, Any], str], Any]  # (table, parent object, field) -> expanded value


def expand(obj: dict[str, Any], paths: Iterable[str], lookup: Lookup) -> dict[str, Any]:
    """Return a deep copy of obj with each dotted path expanded, e.g. "payment_intent.latest_charge"."""
    result = copy.deepcopy(obj)
    for path in paths:
        segments = path.split(".")
        if len(segments) > MAX_EXPAND_DEPTH:
            raise StripeError(
                f"You cannot expand more than {MAX_EXPAND_DEPTH} levels of a property. Property: {path}", param="expand"
            )
        expand_path(result, segments, path, lookup)
    return result


def expand_path(node: Any, segments: list[str], path: str, lookup: Lookup) -> None:
    """Expand one path in place below node; "data" walks every item of a list object."""
    if not isinstance(node, dict) or not segments:
        return
    head, rest = segments[0], segments[1:]
    if node.get("object") in ("list", "search_result") and head == "data":
        for item in node["data"]:
            expand_path(item, rest, path, lookup)
        return
    table = EXPANDABLE.get(node.get("object", ""), {}).get(head)
    if table is None and not isinstance(node.get(head), dict):
        raise StripeError(f"This property cannot be expanded ({head}).", param="expand")
    if table == "":
        raise StripeError(f"The Stripe sandbox cannot expand {head} (Stripe can).", param="expand")
    if table:
        value = node.get(head)
        if isinstance(value, str) or head not in node:
            node[head] = lookup(table, node, head)
    expand_path(node.get(head), rest, path, lookup)


def paginate(objects: list[dict[str, Any]], fields: dict[str, Any], url: str, kind: str) -> dict[str, Any]:
    """Return one page of objects (newest first) as a list object, honouring limit, starting_after, ending_before."""
    limit = fields.get("limit", DEFAULT_LIMIT)
    ids = [obj["id"] for obj in objects]
    if "starting_after" in fields:
        cursor = fields["starting_after"]
        if cursor not in ids:
            raise no_such(kind, cursor, param="starting_after")
        window = objects[ids.index(cursor) + 1 :]
        page = window[:limit]
    elif "ending_before" in fields:
        cursor = fields["ending_before"]
        if cursor not in ids:
            raise no_such(kind, cursor, param="ending_before")
        window = objects[: ids.index(cursor)]
        page = window[-limit:]
    else:
        window = objects
        page = window[:limit]
    return list_object(copy.deepcopy(page), url, has_more=len(window) > len(page))


def created_matches(obj: dict[str, Any], bounds: dict[str, int] | None) -> bool:
    """Whether obj["created"] satisfies created / created[gt|gte|lt|lte]."""
    if not bounds:
        return True
    created = obj["created"]
    checks = {
        "eq": created == bounds.get("eq"),
        "gt": created > bounds.get("gt", 0),
        "gte": created >= bounds.get("gte", 0),
        "lt": created < bounds.get("lt", 0),
        "lte": created <= bounds.get("lte", 0),
    }
    return all(checks[op] for op in bounds)


def newest_first(objects: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return objects newest first; within one second, the later-made first (as Stripe lists them)."""
    ordered = list(objects)
    ordered.reverse()
    return sorted(ordered, key=lambda obj: obj["created"], reverse=True)
