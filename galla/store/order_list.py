"""The admin's order list: filtered, newest first, paged by (created_at, _id) through a declared index."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import DESCENDING

from galla.store.orders import Order, OrderMatch

# Which index serves a query, by the filter it leads with. When several filters are given, the one most
# likely to be rare leads (a status such as needs_review is rarer than a method, a method rarer than a
# gateway) and the others are checked on the index's documents. Every index ends (created_at, _id), so a
# page is a range scan in order and never an in-memory sort (tests/admin/test_admin_orders.py checks both).
LIST_INDEXES = {"status": "list_by_status", "payment.method": "list_by_method", "gateway": "list_by_gateway"}
UNFILTERED_INDEX = "list_all"
SORT = [("created_at", DESCENDING), ("_id", DESCENDING)]
# The list needs none of these, and an order's timeline can be long.
LIST_PROJECTION = {"timeline": 0, "attempts": 0}


@dataclass(frozen=True, slots=True)
class OrderFilter:
    """What the admin asked for: each field None when not filtered on; `since`/`before` bound created_at."""

    status: str | None = None
    gateway: str | None = None
    method: str | None = None
    since: datetime | None = None
    before: datetime | None = None
    search: OrderMatch | None = None  # what the search box asked for, beside the filters

    def equalities(self) -> dict[str, str]:
        """The equality filters given, by stored field name."""
        fields = {"status": self.status, "payment.method": self.method, "gateway": self.gateway}
        return {field: value for field, value in fields.items() if value is not None}


@dataclass(frozen=True, slots=True)
class PageMark:
    """Where a page ended: the last order's created_at and id; the next page starts just after it."""

    created_at: datetime
    order_id: str

    def encode(self) -> str:
        """An opaque token for a query string."""
        raw = json.dumps([self.created_at.isoformat(), self.order_id]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> PageMark | None:
        """The mark a token holds, or None if it is not one of ours."""
        try:
            created, order_id = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            return cls(datetime.fromisoformat(created), str(order_id))
        except (ValueError, TypeError, binascii.Error):
            return None


def choose_index(filters: OrderFilter) -> str | None:
    """The name of the declared index a filtered list reads (None: the search's $or, an index per branch)."""
    # A search matches few orders, far fewer than any filter: its index leads and the filters are checked after.
    if filters.search is not None:
        return filters.search.index
    for field in LIST_INDEXES:
        if field in filters.equalities():
            return LIST_INDEXES[field]
    return UNFILTERED_INDEX


def build_query(filters: OrderFilter, after: PageMark | None) -> dict[str, Any]:
    """The find filter for one page."""
    query: dict[str, Any] = dict(filters.equalities())
    created: dict[str, datetime] = {}
    if filters.since is not None:
        created["$gte"] = filters.since
    if filters.before is not None:
        created["$lt"] = filters.before
    if after is not None:
        # One range on created_at keeps the scan a single index range in sort order; the few orders made
        # in the same millisecond as the mark and already shown are dropped by _id.
        created["$lte"] = after.created_at
        query["$nor"] = [{"created_at": after.created_at, "_id": {"$gte": after.order_id}}]
    if created:
        query["created_at"] = created
    if filters.search is not None:
        query["$and"] = [filters.search.condition]
    return query


def find_listed(db: Any, filters: OrderFilter, after: PageMark | None) -> Any:
    """The cursor of the list's orders from a mark, newest first, read through its declared index."""
    cursor = db.orders.find(build_query(filters, after), LIST_PROJECTION).sort(SORT)
    index = choose_index(filters)
    return cursor.hint(index) if index else cursor


async def list_orders(
    db: Any, filters: OrderFilter, after: PageMark | None, limit: int
) -> tuple[list[Order], PageMark | None]:
    """One page of orders, newest first, and the mark for the next page (None on the last)."""
    docs = await find_listed(db, filters, after).limit(limit + 1).to_list(length=limit + 1)
    orders = [Order.model_validate(doc) for doc in docs[:limit]]
    more = len(docs) > limit
    return orders, PageMark(orders[-1].created_at, orders[-1].id) if more else None


async def stream_orders(db: Any, filters: OrderFilter, batch_size: int) -> AsyncGenerator[list[Order], None]:
    """Every order of the list, newest first, a batch at a time as the cursor fetches them (never all at once)."""
    cursor = find_listed(db, filters, None).batch_size(batch_size)
    batch: list[Order] = []
    try:
        async for doc in cursor:
            batch.append(Order.model_validate(doc))
            if len(batch) == batch_size:
                yield batch
                batch = []
        if batch:
            yield batch
    finally:
        # A download given up half way kills its cursor on the server now, not at MongoDB's 10-minute timeout.
        await cursor.close()
