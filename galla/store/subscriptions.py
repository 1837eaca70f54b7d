"""Subscriptions: what a buyer signed up for (plan version, locked price), the gateway's ids, and the state the
gateway last reported, with a timeline of what happened."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pymongo import ReturnDocument

from galla.store.orders import name_words, now

STATUSES = (
    "created",
    "authenticated",
    "active",
    "pending",
    "halted",
    "paused",
    "cancelled",
    "completed",
    "expired",
)
# Razorpay: "cancelled / completed: terminal", "expired: terminal" (SUBSCRIPTIONS.md §5); Stripe's canceled and
# incomplete_expired are final as well (§12). A report never moves a subscription out of one of these.
TERMINAL = ("cancelled", "completed", "expired")
# The ids a subscription may be found by, each backed by an index (galla/store/db.py).
GATEWAY_ID_FIELDS = ("razorpay_subscription_id", "stripe_subscription_id", "stripe_session_id")
PROJECTION = {"timeline": False}
# A subscription lives for years and anyone who knows its id may ask for its return or its portal, each a gateway
# call on the timeline (about 5 KB): its newest entries are kept, so the document stays far below MongoDB's 16 MB.
TIMELINE_LIMIT = 1000


def timeline_push(entries: Iterable[dict]) -> dict[str, Any]:
    """The $push of entries onto a timeline that keeps its newest TIMELINE_LIMIT (MongoDB's $push with $each and
    $slice, in one update)."""
    return {"$each": list(entries), "$slice": -TIMELINE_LIMIT}


class Subscription(BaseModel):
    """A subscription as stored (timeline left out: only the trace reads it)."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    id: str = Field(alias="_id")
    status: str
    plan_id: str
    plan_version: int
    plan_name: str
    interval: str
    interval_count: int = 1
    total_count: int | None = None
    amount: int  # minor units, locked from the plan version at subscribe time
    currency: str
    gateway: str
    country: str
    customer: dict[str, str]
    route: str | None = None
    razorpay_subscription_id: str | None = None
    razorpay_plan_id: str | None = None
    razorpay_customer_id: str | None = None
    short_url: str | None = None
    stripe_session_id: str | None = None
    stripe_session_url: str | None = None
    stripe_subscription_id: str | None = None
    stripe_customer_id: str | None = None
    stripe_test_clock_id: str | None = None  # a sandboxed run's own Stripe test clock (admin's sandbox clock panel)
    current_start: datetime | None = None
    current_end: datetime | None = None
    charge_at: datetime | None = None  # the next charge the gateway has scheduled
    ended_at: datetime | None = None
    cancel_at_period_end: bool = False
    # The period end a cancel at the period's end was asked for (by us): a charge for a later period, or the
    # subscription still running well after it, means the gateway did not do as asked.
    cancel_asked_for: datetime | None = None
    paid_count: int = 0
    payment_method: str | None = None
    synced_at: datetime | None = None  # when the gateway's report now shown was fetched
    next_check_at: datetime | None = None  # when reconcile looks at the gateway again if no event came
    review_reason: str | None = None
    created_at: datetime
    updated_at: datetime | None = None

    @property
    def terminal(self) -> bool:
        """Whether the subscription has ended for good."""
        return self.status in TERMINAL


async def insert_subscription(db: Any, doc: dict) -> Subscription:
    """Store a new subscription document, with its buyer's name words for the admin's search."""
    # An id not known yet is left out, not stored as null: its unique index is sparse, and a sparse index still
    # holds a null, so a second subscription without one would collide.
    doc = {name: value for name, value in doc.items() if not (name in GATEWAY_ID_FIELDS and value is None)}
    doc["name_words"] = name_words(doc.get("customer", {}).get("name", ""))
    await db.subscriptions.insert_one(doc)
    return Subscription.model_validate(doc)


async def modify_subscription(db: Any, filter: dict, update: dict) -> Subscription | None:
    """One conditional update, answered with the subscription as it now is; None when the filter matched none."""
    doc = await db.subscriptions.find_one_and_update(
        filter, update, projection=PROJECTION, return_document=ReturnDocument.AFTER
    )
    return Subscription.model_validate(doc) if doc else None


async def get_subscription(db: Any, subscription_id: str) -> Subscription | None:
    """A subscription by our id."""
    doc = await db.subscriptions.find_one({"_id": subscription_id}, PROJECTION)
    return Subscription.model_validate(doc) if doc else None


async def get_subscription_and_timeline(db: Any, subscription_id: str) -> tuple[Subscription, list[dict]] | None:
    """A subscription and its timeline from one read, so the trace agrees with the status beside it."""
    doc = await db.subscriptions.find_one({"_id": subscription_id})
    if doc is None:
        return None
    timeline = doc.pop("timeline", [])
    return Subscription.model_validate(doc), timeline


async def find_subscription(db: Any, **by: str) -> Subscription | None:
    """A subscription by one gateway id we stored (razorpay_subscription_id, stripe_subscription_id or
    stripe_session_id)."""
    ((field, value),) = by.items()
    if field not in GATEWAY_ID_FIELDS:
        raise ValueError(f"subscriptions are not found by {field}")
    if not isinstance(value, str) or not value:
        return None
    doc = await db.subscriptions.find_one({field: value}, PROJECTION)
    return Subscription.model_validate(doc) if doc else None


async def attach_gateway_ids(
    db: Any, subscription_id: str, fields: dict[str, Any], entries: Iterable[dict] = ()
) -> Subscription | None:
    """Keep the ids the gateway gave (its subscription, plan, session); an id already kept is never replaced."""
    unset = {name: None for name in fields if name in GATEWAY_ID_FIELDS}  # None matches a missing field too
    return await modify_subscription(
        db,
        {"_id": subscription_id, **unset},
        {"$set": {**fields, "updated_at": now()}, "$push": {"timeline": timeline_push(entries)}},
    )


async def apply_report(
    db: Any,
    subscription_id: str,
    fields: dict[str, Any],
    fetched_at: datetime,
    entries: Iterable[dict] = (),
    *,
    expect_status: str,
) -> Subscription | None:
    """Set the state a gateway fetch reported, in one conditional update: only while the subscription is still
    in expect_status (so a status entry says truly where it came from), no later fetch was applied already, and
    never out of a terminal status; None when it was not applied."""
    if expect_status in TERMINAL and fields.get("status") != expect_status:
        return None
    return await modify_subscription(
        db,
        {
            "_id": subscription_id,
            "status": expect_status,
            "$or": [{"synced_at": None}, {"synced_at": {"$lte": fetched_at}}],
        },
        {
            "$set": {**fields, "synced_at": fetched_at, "updated_at": now()},
            "$push": {"timeline": timeline_push(entries)},
        },
    )


async def keep_cancel_at_period_end(db: Any, subscription_id: str, period_end: datetime | None) -> None:
    """Note a cancel at the period's end the gateway accepted, and the end it was asked for, whatever fetch is applied
    first: a gateway that keeps no such flag (Razorpay) leaves ours as the only record of it."""
    await db.subscriptions.update_one(
        {"_id": subscription_id, "status": {"$nin": list(TERMINAL)}},
        {"$set": {"cancel_at_period_end": True, "cancel_asked_for": period_end}},
    )


async def append_subscription_timeline(db: Any, subscription_id: str, entries: Iterable[dict]) -> Subscription | None:
    """Add entries to a subscription's timeline; the subscription as it then is."""
    return await modify_subscription(
        db, {"_id": subscription_id}, {"$push": {"timeline": timeline_push(entries)}, "$set": {"updated_at": now()}}
    )


async def mark_for_review(db: Any, subscription_id: str, reason: str, entries: Iterable[dict]) -> Subscription | None:
    """Flag a subscription for the owner's review (the first reason is kept)."""
    await db.subscriptions.update_one(
        {"_id": subscription_id, "review_reason": None}, {"$set": {"review_reason": reason}}
    )
    return await append_subscription_timeline(db, subscription_id, entries)


async def list_subscriptions(
    db: Any,
    *,
    status: str | None = None,
    plan_id: str | None = None,
    gateway: str | None = None,
    text: str | None = None,
    limit: int = 100,
) -> list[Subscription]:
    """Subscriptions newest first, filtered by status, plan and gateway, and found by an id, an email or a name."""
    filter_: dict[str, Any] = {}
    for name, value in (("status", status), ("plan_id", plan_id), ("gateway", gateway)):
        if value:
            filter_[name] = value
    if text and (text := text.strip()):
        filter_.update(match_text(text))
    cursor = db.subscriptions.find(filter_, PROJECTION).sort([("created_at", -1), ("_id", -1)]).limit(limit)
    return [Subscription.model_validate(doc) async for doc in cursor]


def match_text(text: str) -> dict[str, Any]:
    """The filter a search box's text means: one of our or the gateway's ids, an email, or a name's words."""
    if text.startswith("sbn_"):
        return {"_id": text}
    if text.startswith("cs_"):
        return {"stripe_session_id": text}
    if text.startswith("sub_"):
        # Razorpay's and Stripe's subscription ids share the prefix.
        return {"$or": [{"razorpay_subscription_id": text}, {"stripe_subscription_id": text}]}
    if "@" in text:
        return {"customer.email": text.lower()}
    words = name_words(text)
    return {"$and": [{"name_words": {"$regex": "^" + re.escape(word)}} for word in words]} if words else {}


async def find_due_subscriptions(db: Any, at: datetime, limit: int) -> list[Subscription]:
    """Subscriptions not ended that are due a look at the gateway by `at` (their next_check_at, set by each sync;
    never synced counts as due), the longest waiting first: the ones reconcile brings up to date."""
    cursor = (
        db.subscriptions.find(
            {
                "status": {"$nin": list(TERMINAL)},
                "$or": [{"next_check_at": None}, {"next_check_at": {"$lte": at}}],
            },
            PROJECTION,
        )
        .sort([("next_check_at", 1), ("_id", 1)])
        .limit(limit)
    )
    return [Subscription.model_validate(doc) async for doc in cursor]


async def set_next_check(db: Any, subscription_id: str, at: datetime) -> None:
    """When reconcile should look at a subscription again (one the gateway has nothing of yet, say)."""
    await db.subscriptions.update_one({"_id": subscription_id}, {"$set": {"next_check_at": at}})
