"""Orders: insertion, forward-only status transitions, and the timeline of what happened."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pymongo import ReturnDocument

STATUSES = (
    "pending",
    "authorized",
    "paid",
    "partially_refunded",
    "refunded",
    "expired",
    "needs_review",
    "disputed",
)


class OrderItem(BaseModel):
    """One line of an order, priced from the database when the order was placed."""

    product_id: str
    name: str
    quantity: int
    unit_amount: int
    amount: int


class Order(BaseModel):
    """An order as stored (list defaults by factory: a literal [] is deep-copied on every validation)."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    id: str = Field(alias="_id")
    status: str
    amount: int
    currency: str
    gateway: str
    country: str
    items: list[OrderItem]
    customer: dict[str, str]
    shipping_address: dict | None = None
    created_at: datetime
    updated_at: datetime | None = None
    razorpay_order_id: str | None = None
    stripe_session_id: str | None = None
    stripe_session_url: str | None = None
    stripe_sessions: list[str] = Field(default_factory=list)
    route: str | None = None
    failover: dict | None = None  # {"from_gateway", "reason", "at"} when Razorpay could not take it
    capture: str = "auto"
    payment: dict | None = None
    amount_paid: int | None = None  # what the gateway took, in our minor units
    paid_at: datetime | None = None  # when the order first became paid: the day its takings count on
    refunds: list[dict] = Field(default_factory=list)
    refunded_amount: int = 0  # refunds the gateway has processed
    refund_committed: int = 0  # refunds asked for or processed and not failed: what may not be refunded again
    dispute: dict | None = None
    attempts: list[dict] = Field(default_factory=list)
    # Failure reports a browser made about this order once it was no longer pending (each a timeline note).
    late_failure_reports: int = 0
    # Second payments that reached an order already paid: {"id", "gateway", "amount", "currency", "status", "at",
    # "refund": {...}}; each is given back in full and never counts as this order's money (galla/store/extra_payments.py).
    extra_payments: list[dict] = Field(default_factory=list)
    review_reason: str | None = None
    # No timeline: it grows with every call and event, and only the trace reads it (get_timeline).


# Every read of an order leaves its timeline in the database: copying it out (and, on the embedded store,
# deep-copying it twice per read) would make each webhook cost more than the one before.
ORDER_PROJECTION = {"timeline": False}


def now() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)


def timeline_entry(kind: str, **data: Any) -> dict:
    """Build one timeline entry stamped with the current time."""
    return {"at": now(), "kind": kind, **data}


async def insert_order(db: Any, doc: dict) -> Order:
    """Store a new order document, with the words of its buyer's name for the admin's search."""
    doc = {**doc, "name_words": name_words(doc.get("customer", {}).get("name", ""))}
    await db.orders.insert_one(doc)
    return Order.model_validate(doc)


def name_words(name: str) -> list[str]:
    """A name's words, casefolded: a case-insensitive prefix search then reads a range of one index."""
    # Punctuation, symbols and spaces part words ("A.J. D'Souza" is a, j, d, souza); letters, digits and the vowel
    # signs of Indian scripts (marks, which regex's \w leaves out) make them.
    spaced = "".join(" " if unicodedata.category(c)[0] in "PSZC" else c for c in name.casefold())
    return sorted(set(spaced.split()))


@dataclass(frozen=True, slots=True)
class OrderMatch:
    """What a search asks of an order, and the declared index that answers it (None: an $or of indexed branches,
    which MongoDB answers with an index per branch only when no hint names one)."""

    condition: dict[str, Any]
    index: str | None


def match_order_id(order_id: str) -> OrderMatch:
    """The order with our id."""
    return OrderMatch({"_id": order_id}, "_id_")


def match_email(email: str) -> OrderMatch:
    """Orders placed with this email (checkout stores it lowercased, so any case finds it)."""
    return OrderMatch({"customer.email": email.lower()}, "customer_email")


def match_phone(e164: str) -> OrderMatch:
    """Orders placed with this phone number, in E.164 as checkout stores it."""
    return OrderMatch({"customer.phone": e164}, "customer_phone")


def match_razorpay_order(razorpay_order_id: str) -> OrderMatch:
    """The order a Razorpay order (order_…) was made for."""
    return OrderMatch({"razorpay_order_id": razorpay_order_id}, "razorpay_order_id_unique")


def match_stripe_session(session_id: str) -> OrderMatch:
    """The order a Stripe Checkout Session (cs_…) was opened for, its current one or an earlier one."""
    return OrderMatch({"stripe_sessions": session_id}, "stripe_sessions")


def match_payment(payment_id: str) -> OrderMatch:
    """The order a gateway payment (pay_…, pi_…) paid, reached as a second payment, or failed on."""
    branches = [{"payment.id": payment_id}, {"extra_payments.id": payment_id}, {"attempts.payment_id": payment_id}]
    return OrderMatch({"$or": branches}, None)


def match_name(text: str) -> OrderMatch:
    """Orders whose buyer's name has a word starting with each word typed, in any case (typed text is literal)."""
    # Anchored and case-sensitive on casefolded words, each regex is a range of the name_words index on MongoDB.
    words = name_words(text)
    if not words:
        raise ValueError("a name search needs a letter or a digit")
    return OrderMatch({"$and": [{"name_words": {"$regex": "^" + re.escape(word)}} for word in words]}, "name_words")


async def modify_order(db: Any, filter: dict, update: dict) -> Order | None:
    """Apply one conditional update to an order and return it as it now is (timeline left out); None when the
    filter matched no order."""
    doc = await db.orders.find_one_and_update(
        filter, update, projection=ORDER_PROJECTION, return_document=ReturnDocument.AFTER
    )
    return Order.model_validate(doc) if doc else None


async def get_order(db: Any, order_id: str) -> Order | None:
    """Fetch an order by its id."""
    doc = await db.orders.find_one({"_id": order_id}, ORDER_PROJECTION)
    return Order.model_validate(doc) if doc else None


async def get_order_and_timeline(db: Any, order_id: str) -> tuple[Order, list[dict]] | None:
    """An order and its timeline from one read, so the two agree (a trace beside the status it explains)."""
    doc = await db.orders.find_one({"_id": order_id})
    if doc is None:
        return None
    timeline = doc.pop("timeline", [])
    return Order.model_validate(doc), timeline


async def get_timeline(db: Any, order_id: str) -> list[dict]:
    """An order's timeline, oldest entry first ([] for no such order)."""
    doc = await db.orders.find_one({"_id": order_id}, {"timeline": True})
    return (doc or {}).get("timeline", [])


async def has_timeline_entry(db: Any, order_id: str, **match: Any) -> bool:
    """Whether the order's timeline holds an entry with these fields, asked of the database."""
    doc = await db.orders.find_one({"_id": order_id, "timeline": {"$elemMatch": match}}, {"_id": True})
    return doc is not None


async def find_order_by_payment_id(db: Any, payment_id: str) -> Order | None:
    """Fetch the order a gateway payment (Razorpay pay_…, Stripe pi_…) paid, or reached as a second payment.

    Each branch of the $or has its own index (payment_id, extra_payment_id), so neither scans the collection.
    """
    doc = await db.orders.find_one(
        {"$or": [{"payment.id": payment_id}, {"extra_payments.id": payment_id}]}, ORDER_PROJECTION
    )
    return Order.model_validate(doc) if doc else None


async def find_stale_orders(db: Any, statuses: Iterable[str], before: datetime, limit: int) -> list[Order]:
    """Orders in these statuses created before a time, oldest first (the list_by_status index, read backwards)."""
    cursor = db.orders.find({"status": {"$in": list(statuses)}, "created_at": {"$lt": before}}, ORDER_PROJECTION)
    docs = await cursor.sort("created_at", 1).to_list(limit)
    return [Order.model_validate(doc) for doc in docs]


async def find_failed_over_orders(
    db: Any, statuses: Iterable[str], since: datetime, before: datetime, limit: int
) -> list[Order]:
    """Orders in these statuses, created in [since, before), that failed over from a Razorpay order and were not yet
    looked at for a late payment there (the list_by_status index narrows them by status and creation)."""
    cursor = db.orders.find(
        {
            "status": {"$in": list(statuses)},
            "created_at": {"$gte": since, "$lt": before},
            "failover": {"$ne": None},
            "razorpay_order_id": {"$ne": None},
            "late_payments_checked_at": None,
        },
        ORDER_PROJECTION,
    )
    return [Order.model_validate(doc) for doc in await cursor.sort("created_at", 1).to_list(limit)]


async def mark_late_payments_checked(db: Any, order_id: str, entries: Iterable[dict]) -> Order | None:
    """Note that an order's Razorpay order was looked at for late payments (once is enough)."""
    return await modify_order(
        db,
        {"_id": order_id},
        {
            "$set": {"late_payments_checked_at": now(), "updated_at": now()},
            "$push": {"timeline": {"$each": list(entries)}},
        },
    )


async def find_order_by_razorpay_id(db: Any, razorpay_order_id: str) -> Order | None:
    """Fetch an order by the Razorpay order made for it (indexed)."""
    doc = await db.orders.find_one({"razorpay_order_id": razorpay_order_id}, ORDER_PROJECTION)
    return Order.model_validate(doc) if doc else None


async def attach_razorpay_order(
    db: Any, order_id: str, razorpay_order_id: str, entries: Iterable[dict]
) -> Order | None:
    """Remember the Razorpay order made for ours, unless one is already remembered."""
    return await modify_order(
        db,
        {"_id": order_id, "razorpay_order_id": {"$exists": False}},
        {
            "$set": {"razorpay_order_id": razorpay_order_id, "updated_at": now()},
            "$push": {"timeline": {"$each": list(entries)}},
        },
    )


async def attach_stripe_session(
    db: Any,
    order_id: str,
    session_id: str,
    url: str | None,
    entries: Iterable[dict],
    fields: dict | None = None,
) -> Order | None:
    """Make a Checkout Session the pending order's current one (setting `fields` too); None if it moved on."""
    return await modify_order(
        db,
        {"_id": order_id, "status": "pending"},
        {
            "$set": {"stripe_session_id": session_id, "stripe_session_url": url, "updated_at": now(), **(fields or {})},
            "$addToSet": {"stripe_sessions": session_id},
            "$push": {"timeline": {"$each": list(entries)}},
        },
    )


async def transition_order(
    db: Any,
    order_id: str,
    *,
    allowed_from: Iterable[str],
    to: str,
    reason: str,
    fields: dict | None = None,
    entries: Iterable[dict] = (),
    where: dict | None = None,
) -> Order | None:
    """Move an order to a new status in one conditional update; None if its status (or `where`) forbids it."""
    allowed = list(allowed_from)
    if to not in STATUSES or not set(allowed) <= set(STATUSES):
        raise ValueError(f"unknown status in {allowed} -> {to}")
    stamp = now()
    return await modify_order(
        db,
        {**(where or {}), "_id": order_id, "status": {"$in": allowed}},
        {
            "$set": {
                "status": to,
                "updated_at": stamp,
                **({"paid_at": stamp} if to == "paid" else {}),
                **(fields or {}),
            },
            "$push": {
                "timeline": {
                    "$each": [
                        *entries,
                        {"at": stamp, "kind": "status", "to": to, "reason": reason},
                    ]
                }
            },
        },
    )


async def keep_dispute(db: Any, order_id: str, dispute: dict, entries: Iterable[dict]) -> Order | None:
    """Keep a dispute on an order, its status unchanged, unless the order already has one; None if it has."""
    return await modify_order(
        db,
        {"_id": order_id, "dispute": None},  # None matches a missing field too
        {"$set": {"dispute": dispute, "updated_at": now()}, "$push": {"timeline": {"$each": list(entries)}}},
    )


# Failed attempts an order keeps, the latest: anyone who knows an order id may report failures, and a document
# must not grow without end (MongoDB refuses one over 16 MB). A buyer rarely fails more than a few times.
MAX_ATTEMPTS = 20


async def append_timeline(db: Any, order_id: str, entries: Iterable[dict], *, attempt: dict | None = None) -> None:
    """Add entries to an order's timeline and, when given, a failed payment attempt (once per payment, the
    last MAX_ATTEMPTS kept)."""
    await db.orders.update_one({"_id": order_id}, timeline_update(entries))
    if attempt is not None:
        # The browser and the webhook may both report one failed payment: keep it once.
        filter_: dict[str, Any] = {"_id": order_id}
        if attempt.get("payment_id"):
            filter_["attempts.payment_id"] = {"$ne": attempt["payment_id"]}
        # $slice with $each (MongoDB's $push modifiers) keeps the newest MAX_ATTEMPTS in the same update.
        await db.orders.update_one(filter_, {"$push": {"attempts": {"$each": [attempt], "$slice": -MAX_ATTEMPTS}}})


async def count_late_failure_report(db: Any, order_id: str) -> None:
    """Count one browser failure report noted on an order no longer pending (they are bounded by this count)."""
    await db.orders.update_one({"_id": order_id}, {"$inc": {"late_failure_reports": 1}})


async def restate_attempt(db: Any, order_id: str, payment_id: str, report: dict) -> None:
    """Replace what an order's failed attempt says happened, once more is known (a late authorisation given back)."""
    await db.orders.update_one(
        {"_id": order_id, "attempts.payment_id": payment_id},
        {"$set": {f"attempts.$.{name}": value for name, value in report.items()}},
    )


async def append_timeline_and_read(db: Any, order_id: str, entries: Iterable[dict]) -> Order | None:
    """Add entries to an order's timeline and return the order as it then is, in one round trip, not two."""
    return await modify_order(db, {"_id": order_id}, timeline_update(entries))


def timeline_update(entries: Iterable[dict]) -> dict:
    """The update adding entries to an order's timeline."""
    return {"$push": {"timeline": {"$each": list(entries)}}, "$set": {"updated_at": now()}}
