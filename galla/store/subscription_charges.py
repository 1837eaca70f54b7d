"""A subscription's charges: one document per gateway invoice (one billing cycle), recorded once however many
events and fetches report it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from galla.store.orders import now

CHARGE_STATUSES = ("open", "failed", "paid")
# A refund of a charge still open at its gateway: asked for and not answered, or answered and not finished.
OPEN_CHARGE_REFUNDS = ("requested", "pending")
# A refund's status moves forward only, whatever order its reports come in: pending follows requested; processed
# follows any other (a refund we recorded as failed that the gateway then processed gave the money back all the
# same); failed follows an open one.
REFUND_MAY_BECOME = {
    "pending": ("requested",),
    "processed": ("requested", "pending", "failed"),
    "failed": OPEN_CHARGE_REFUNDS,
}
# A charge only moves forward: an open invoice may fail and be retried, and once paid it stays paid (a refund is
# kept beside it, never as a status).
MAY_BECOME = {"open": ("open",), "failed": ("open", "failed"), "paid": ("open", "failed")}


class Charge(BaseModel):
    """One billing cycle's charge as stored."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    id: str = Field(alias="_id")
    subscription_id: str
    gateway: str
    invoice_id: str
    payment_id: str | None = None
    amount: int
    currency: str
    status: str
    attempts: int = 0
    period_start: datetime | None = None
    period_end: datetime | None = None
    paid_at: datetime | None = None
    review_reason: str | None = None
    refunds: list[dict] = Field(default_factory=list)
    refunded_amount: int = 0  # refunds the gateway has processed
    refund_committed: int = 0  # refunds asked for and not failed: what may not be refunded again
    dispute: dict | None = None  # the chargeback opened against its payment (DisputeReport.stored)
    created_at: datetime
    updated_at: datetime | None = None


def charge_key(gateway: str, invoice_id: str) -> str:
    """A charge's id: its gateway and invoice, so each cycle is one document."""
    return f"{gateway}:{invoice_id}"


async def record_charge(db: Any, doc: dict[str, Any]) -> tuple[Charge, bool]:
    """Insert a charge or move the stored one forward (open → failed → paid); answer it and whether this call made
    it paid. A report that would move it back (a stale failure after the payment) changes nothing."""
    key = charge_key(doc["gateway"], doc["invoice_id"])
    stamp = now()
    status = doc["status"]
    if status not in CHARGE_STATUSES:
        raise ValueError(f"unknown charge status {status}")
    fields = {name: value for name, value in doc.items() if name not in ("status", "attempts") and value is not None}
    try:
        await db.subscription_charges.insert_one(
            {**doc, "_id": key, "created_at": stamp, "updated_at": stamp, "refunds": [], "refunded_amount": 0}
        )
        return Charge.model_validate(await db.subscription_charges.find_one({"_id": key})), status == "paid"
    except DuplicateKeyError:
        pass
    # The status moves only from one it may come from; the attempts count only grows.
    moved = await db.subscription_charges.find_one_and_update(
        {"_id": key, "status": {"$in": list(MAY_BECOME[status])}},
        {"$set": {**fields, "status": status, "updated_at": stamp}, "$max": {"attempts": doc.get("attempts", 0)}},
        return_document=ReturnDocument.BEFORE,
    )
    after = await db.subscription_charges.find_one({"_id": key})
    return Charge.model_validate(after), bool(moved and status == "paid" and moved["status"] != "paid")


async def get_charge(db: Any, charge_id: str) -> Charge | None:
    """A charge by its id."""
    doc = await db.subscription_charges.find_one({"_id": charge_id})
    return Charge.model_validate(doc) if doc else None


async def list_charges(db: Any, subscription_id: str) -> list[Charge]:
    """A subscription's charges, oldest cycle first."""
    cursor = db.subscription_charges.find({"subscription_id": subscription_id}).sort(
        [("period_start", 1), ("created_at", 1)]
    )
    return [Charge.model_validate(doc) async for doc in cursor]


async def find_payment_charge(db: Any, payment_id: str) -> Charge | None:
    """The charge a gateway payment paid (the payment_id index), for its refunds' and disputes' webhooks."""
    doc = await db.subscription_charges.find_one({"payment_id": payment_id})
    return Charge.model_validate(doc) if doc else None


async def find_charges_with_open_refunds(db: Any, limit: int) -> list[Charge]:
    """Charges with a refund still requested or pending at the gateway (the refunds_status index)."""
    cursor = db.subscription_charges.find({"refunds.status": {"$in": list(OPEN_CHARGE_REFUNDS)}})
    return [Charge.model_validate(doc) for doc in await cursor.to_list(limit)]


async def flag_charge(db: Any, charge_id: str, reason: str) -> None:
    """Keep why a charge needs the owner's review (the first reason is kept)."""
    await db.subscription_charges.update_one(
        {"_id": charge_id, "review_reason": None}, {"$set": {"review_reason": reason}}
    )


async def reserve_charge_refund(db: Any, charge_id: str, entry: dict[str, Any], limit: int) -> Charge | None:
    """Reserve a refund on a paid charge in one conditional update, so its refunds never add up to more than
    limit (what it took); None when this one would, or when its key was reserved already."""
    amount = entry["amount"]
    doc = await db.subscription_charges.find_one_and_update(
        {
            "_id": charge_id,
            "status": "paid",
            "refunds.key": {"$ne": entry["key"]},
            "$or": [{"refund_committed": {"$lte": limit - amount}}, {"refund_committed": {"$exists": False}}],
        },
        {"$push": {"refunds": entry}, "$inc": {"refund_committed": amount}, "$set": {"updated_at": now()}},
        return_document=ReturnDocument.AFTER,
    )
    return Charge.model_validate(doc) if doc else None


async def settle_charge_refund(db: Any, charge_id: str, key: str, fields: dict[str, Any]) -> Charge | None:
    """Record what the gateway reported of a reserved refund, forward only (REFUND_MAY_BECOME): processed counts as
    refunded once, failed frees what it reserved; a stale report changes nothing. None if no refund has the key."""
    # The whole refunds list, not the positional projection {"refunds.$": True}: the embedded store (mongomock)
    # does not implement positional projection, and a charge has few refunds.
    doc = await db.subscription_charges.find_one({"_id": charge_id, "refunds.key": key}, {"refunds": True})
    if doc is None:
        return None
    before = next(refund for refund in doc["refunds"] if refund.get("key") == key)
    status, was = fields.get("status"), before.get("status")
    inc: dict[str, int] = {}
    if status in REFUND_MAY_BECOME and was not in REFUND_MAY_BECOME[status]:
        return await get_charge(db, charge_id)  # already there, or further on
    if status == "processed":
        inc["refunded_amount"] = before["amount"]
        if was == "failed":  # its amount was freed: held again
            inc["refund_committed"] = before["amount"]
    if status == "failed":
        inc["refund_committed"] = -before["amount"]
    update: dict[str, Any] = {"$set": {**{f"refunds.$.{k}": v for k, v in fields.items()}, "updated_at": now()}}
    if inc:
        update["$inc"] = inc
    # Conditional on the status read, so two reports of the same move count it once.
    after = await db.subscription_charges.find_one_and_update(
        {"_id": charge_id, "refunds": {"$elemMatch": {"key": key, "status": was}}},
        update,
        return_document=ReturnDocument.AFTER,
    )
    return Charge.model_validate(after) if after else await get_charge(db, charge_id)


async def add_charge_refund(db: Any, charge_id: str, entry: dict[str, Any]) -> Charge | None:
    """Keep a refund we did not ask for (made in the gateway's dashboard) on its charge, counted by its status;
    None when a refund with its key is there already."""
    amount = entry["amount"]
    inc = {
        "processed": {"refunded_amount": amount, "refund_committed": amount},
        "pending": {"refund_committed": amount},
    }.get(entry["status"], {})
    update: dict[str, Any] = {"$push": {"refunds": entry}, "$set": {"updated_at": now()}}
    if inc:  # MongoDB refuses an empty $inc
        update["$inc"] = inc
    doc = await db.subscription_charges.find_one_and_update(
        {"_id": charge_id, "refunds.key": {"$ne": entry["key"]}}, update, return_document=ReturnDocument.AFTER
    )
    return Charge.model_validate(doc) if doc else None


async def keep_charge_dispute(db: Any, charge_id: str, dispute: dict[str, Any], reason: str) -> Charge | None:
    """Keep a dispute opened against a charge's payment, and flag the charge for review; None if it was kept
    already."""
    doc = await db.subscription_charges.find_one_and_update(
        {"_id": charge_id, "dispute.id": {"$ne": dispute["id"]}},
        {"$set": {"dispute": dispute, "updated_at": now()}},
        return_document=ReturnDocument.AFTER,
    )
    if doc is None:
        return None
    await flag_charge(db, charge_id, reason)
    return await get_charge(db, charge_id)
