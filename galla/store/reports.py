"""The dashboard's queries: a period's orders read through an index and summed by MongoDB, day by day.

Each query starts with a $match that an index answers (INDEX_OF names which), so a real MongoDB reads only
the period's documents. Days are bucketed by comparing against the day boundaries the caller passes (the
shop's days begin at IST midnight), which needs no time-zone support from the server.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

# The declared indexes (galla/store/db.py) each query's first $match starts on; one per clause of a top-level $or.
INDEX_OF = {
    "takings": ("paid_at",),
    "failed_attempts": ("list_all",),
    "refunds": ("refunds_requested_at", "refunds_settled_at"),
    "routed": ("list_all",),
    "in_status": ("list_by_status",),
    "second_payments": ("extra_payments_at",),
}
Row = TypeVar("Row")


@dataclass(frozen=True, slots=True)
class TakingsRow:
    """What orders paid on one day took in one currency, through one gateway and payment method."""

    day: int
    currency: str
    gateway: str
    method: str
    amount: int
    count: int


@dataclass(frozen=True, slots=True)
class AttemptsRow:
    """How many payment attempts failed on one day at one gateway."""

    day: int
    gateway: str
    count: int


@dataclass(frozen=True, slots=True)
class RefundsRow:
    """Refunds asked for on one day in one currency, now in one status."""

    day: int
    currency: str
    status: str
    amount: int
    count: int


def day_of(field: str | dict, boundaries: Sequence[datetime]) -> dict:
    """An expression numbering the day a date field falls on: 0 before the first boundary, 1 after it, …"""
    return {"$add": [0, *({"$cond": [{"$gte": [field, at]}, 1, 0]} for at in boundaries)]}


def takings_pipeline(since: datetime, until: datetime, boundaries: Sequence[datetime]) -> list[dict]:
    """Orders paid in [since, until), summed by day, currency, gateway and payment method."""
    return [
        {"$match": {"paid_at": {"$gte": since, "$lt": until}}},
        {
            "$group": {
                "_id": {
                    "day": day_of("$paid_at", boundaries),
                    "currency": "$currency",
                    "gateway": "$gateway",
                    "method": {"$ifNull": ["$payment.method", "other"]},
                },
                # amount_paid is what the gateway took; an order paid before it was recorded took its amount.
                "amount": {"$sum": {"$ifNull": ["$amount_paid", "$amount"]}},
                "count": {"$sum": 1},
            }
        },
    ]


def failed_attempts_pipeline(
    created_since: datetime, since: datetime, until: datetime, boundaries: Sequence[datetime]
) -> list[dict]:
    """Failed attempts made in [since, until) on orders placed since created_since, by day and gateway."""
    when = {"$gte": since, "$lt": until}
    return [
        {"$match": {"created_at": {"$gte": created_since}, "attempts.at": when}},
        {"$project": {"gateway": 1, "attempts.at": 1}},
        {"$unwind": "$attempts"},
        {"$match": {"attempts.at": when}},
        {"$group": {"_id": {"day": day_of("$attempts.at", boundaries), "gateway": "$gateway"}, "count": {"$sum": 1}}},
    ]


def refunds_pipeline(since: datetime, until: datetime, boundaries: Sequence[datetime]) -> list[dict]:
    """Refunds asked for in [since, until), by day, currency and status.

    A refund made in the gateway's own dashboard was never asked for here (requested_at is None): it counts
    on the day we learned of it (settled_at)."""
    when = {"$gte": since, "$lt": until}
    return [
        {"$match": {"$or": [{"refunds.requested_at": when}, {"refunds.settled_at": when}]}},
        {
            "$project": {
                "currency": 1,
                "refunds.amount": 1,
                "refunds.currency": 1,
                "refunds.status": 1,
                "refunds.held": 1,
                "refunds.requested_at": 1,
                "refunds.settled_at": 1,
            }
        },
        {"$unwind": "$refunds"},
        # A held refund (it came before its payment) counts nowhere until that payment makes it the order's.
        {
            "$match": {
                "refunds.held": {"$ne": True},
                "$or": [{"refunds.requested_at": when}, {"refunds.requested_at": None, "refunds.settled_at": when}],
            }
        },
        {
            "$group": {
                "_id": {
                    "day": day_of({"$ifNull": ["$refunds.requested_at", "$refunds.settled_at"]}, boundaries),
                    "currency": {"$ifNull": ["$refunds.currency", "$currency"]},
                    "status": "$refunds.status",
                },
                "amount": {"$sum": "$refunds.amount"},
                "count": {"$sum": 1},
            }
        },
    ]


def second_payments_pipeline(since: datetime, until: datetime, boundaries: Sequence[datetime]) -> list[dict]:
    """Second payments that reached orders already paid in [since, until), counted by day (each given back)."""
    when = {"$gte": since, "$lt": until}
    return [
        {"$match": {"extra_payments.at": when}},
        {"$project": {"extra_payments.at": 1}},
        {"$unwind": "$extra_payments"},
        {"$match": {"extra_payments.at": when}},
        {"$group": {"_id": day_of("$extra_payments.at", boundaries), "count": {"$sum": 1}}},
    ]


def routed_pipeline(route: str, since: datetime, until: datetime, boundaries: Sequence[datetime]) -> list[dict]:
    """Orders placed in [since, until) on this route, counted by day."""
    return [
        {"$match": {"created_at": {"$gte": since, "$lt": until}, "route": route}},
        {"$group": {"_id": day_of("$created_at", boundaries), "count": {"$sum": 1}}},
    ]


async def group_rows(db: Any, pipeline: list[dict], row: Callable[..., Row]) -> list[Row]:
    """Run a pipeline over the orders; each group's _id fields and its sums, by name, make one row."""
    groups = await db.orders.aggregate(pipeline).to_list(None)
    return [row(**group.pop("_id"), **group) for group in groups]


async def count_by_day(db: Any, pipeline: list[dict]) -> dict[int, int]:
    """Run a pipeline over the orders that groups by day (its _id) and counts."""
    return {group["_id"]: group["count"] for group in await db.orders.aggregate(pipeline).to_list(None)}


async def sum_takings(db: Any, since: datetime, until: datetime, boundaries: Sequence[datetime]) -> list[TakingsRow]:
    """Takings of orders paid in [since, until) (the paid_at index)."""
    return await group_rows(db, takings_pipeline(since, until, boundaries), TakingsRow)


async def count_failed_attempts(
    db: Any, created_since: datetime, since: datetime, until: datetime, boundaries: Sequence[datetime]
) -> list[AttemptsRow]:
    """Failed payment attempts made in [since, until) (the list_all index, from created_since)."""
    return await group_rows(db, failed_attempts_pipeline(created_since, since, until, boundaries), AttemptsRow)


async def sum_refunds(db: Any, since: datetime, until: datetime, boundaries: Sequence[datetime]) -> list[RefundsRow]:
    """Refunds asked for in [since, until), whatever became of them since."""
    return await group_rows(db, refunds_pipeline(since, until, boundaries), RefundsRow)


async def count_routed(
    db: Any, route: str, since: datetime, until: datetime, boundaries: Sequence[datetime]
) -> dict[int, int]:
    """How many orders placed in [since, until) took this route, by day (the list_all index)."""
    return await count_by_day(db, routed_pipeline(route, since, until, boundaries))


async def count_second_payments(
    db: Any, since: datetime, until: datetime, boundaries: Sequence[datetime]
) -> dict[int, int]:
    """How many second payments reached paid orders in [since, until), by day (the extra_payments_at index)."""
    return await count_by_day(db, second_payments_pipeline(since, until, boundaries))


def in_status_filter(status: str) -> dict:
    """Orders in a status now."""
    return {"status": status}


async def count_in_status(db: Any, status: str) -> int:
    """How many orders are in a status now (the list_by_status index)."""
    return await db.orders.count_documents(in_status_filter(status))
