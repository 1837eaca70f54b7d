"""Read-only figures about subscriptions for the admin's dashboard: recurring amounts by currency and period,
subscribers, failed charges and halted subscriptions. Each query reads an index led by the field it matches
(galla/store/db.py: subscriptions.status_newest, subscription_charges.status_updated)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Subscriptions that are billing: active, or pending (a charge failed and the gateway is retrying it).
BILLING = ("active", "pending")


@dataclass(frozen=True, slots=True)
class RecurringRow:
    """The locked amounts of the billing subscriptions of one currency and one billing period, summed."""

    currency: str
    interval: str
    interval_count: int
    amount: int
    count: int


def recurring_pipeline() -> list[dict[str, Any]]:
    """Billing subscriptions' amounts summed by currency and period."""
    return [
        {"$match": {"status": {"$in": list(BILLING)}}},
        {
            "$group": {
                "_id": {"currency": "$currency", "interval": "$interval", "interval_count": "$interval_count"},
                "amount": {"$sum": "$amount"},
                "count": {"$sum": 1},
            }
        },
    ]


async def sum_recurring(db: Any) -> list[RecurringRow]:
    """The billing subscriptions' locked amounts by currency and period."""
    rows = await db.subscriptions.aggregate(recurring_pipeline()).to_list(None)
    return [
        RecurringRow(
            currency=row["_id"]["currency"],
            interval=row["_id"]["interval"],
            interval_count=row["_id"].get("interval_count") or 1,
            amount=row["amount"],
            count=row["count"],
        )
        for row in rows
    ]


async def count_subscribers(db: Any, status: str) -> tuple[int, int]:
    """How many subscriptions are in status, and how many buyers (by email) they belong to."""
    pipeline = [{"$match": {"status": status}}, {"$group": {"_id": "$customer.email", "n": {"$sum": 1}}}]
    buyers = await db.subscriptions.aggregate(pipeline).to_list(None)
    return sum(row["n"] for row in buyers), len(buyers)


async def count_subscriptions_in_status(db: Any, status: str) -> int:
    """How many subscriptions are in status now."""
    return int(await db.subscriptions.count_documents({"status": status}))


def failed_charges_filter(since: datetime) -> dict[str, Any]:
    """Charges failed now whose last change (the failed attempt) came at or after since."""
    # No upper bound "until now": a charge stored in the same millisecond as the dashboard's clock reading may read
    # back a moment later (stores keep milliseconds), and a failure cannot come from the future anyway.
    return {"status": "failed", "updated_at": {"$gte": since}}


async def count_failed_charges(db: Any, since: datetime) -> int:
    """How many charges last failed at or after since and have not been paid since."""
    return int(await db.subscription_charges.count_documents(failed_charges_filter(since)))
