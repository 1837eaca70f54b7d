"""The webhook ledger: each verified gateway event stored once, under "<gateway>:<event_id>"."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from models.orders import now

# How long one delivery may hold an event while applying it before another delivery may take over.
CLAIM_SECONDS = 30
# A gateway retrying for days could redeliver hundreds of times; the trace needs only the latest.
REDELIVERIES_KEPT = 20
# The ledger job gives up re-applying an event after this many tries (it stays stored, with its last error).
MAX_APPLY_ATTEMPTS = 20


def event_key(gateway: str, event_id: str) -> str:
    """The ledger's _id for an event."""
    return f"{gateway}:{event_id}"


async def store_event(db: Any, *, gateway: str, event_id: str, event_type: str, created: int | None,
                      payload: dict) -> bool:
    """Store a newly received event, claimed for applying; False if the ledger already has it."""
    stamp = now()
    try:
        await db.events.insert_one({
            "_id": event_key(gateway, event_id), "gateway": gateway, "event_id": event_id, "type": event_type,
            "created": created, "received_at": stamp, "deliveries": 1, "status": "received",
            "attempts": 1, "claimed_until": stamp + timedelta(seconds=CLAIM_SECONDS), "payload": payload,
        })
    except DuplicateKeyError:
        return False
    return True


async def note_redelivery(db: Any, key: str) -> dict | None:
    """Count one more delivery of a stored event, keep when it came (the last few), and return the entry."""
    return await db.events.find_one_and_update(
        {"_id": key},
        {"$inc": {"deliveries": 1}, "$push": {"redelivered_at": {"$each": [now()], "$slice": -REDELIVERIES_KEPT}}},
        return_document=ReturnDocument.AFTER)


async def find_order_events(db: Any, order_id: str) -> list[dict]:
    """The ledger's events about one order, as received (the order_received index)."""
    cursor = db.events.find({"order_id": order_id}, {"payload": 0}).sort("received_at", 1)
    return await cursor.to_list(length=None)


async def claim_event(db: Any, key: str) -> bool:
    """Take a stored, unapplied event whose last claim ran out (its applying failed or crashed)."""
    stamp = now()
    doc = await db.events.find_one_and_update(
        {"_id": key, "status": {"$ne": "applied"}, "claimed_until": {"$lt": stamp}},
        {"$set": {"claimed_until": stamp + timedelta(seconds=CLAIM_SECONDS)}, "$inc": {"attempts": 1}},
    )
    return doc is not None


async def find_unapplied_events(db: Any, limit: int) -> list[dict]:
    """Stored events no delivery is applying now (never applied, or their applying failed), oldest first."""
    # "attempts" is missing on events stored before it was counted: $not/$gte matches those too.
    cursor = db.events.find({"status": "received", "claimed_until": {"$lt": now()},
                             "attempts": {"$not": {"$gte": MAX_APPLY_ATTEMPTS}}}).sort("received_at", 1)
    return await cursor.limit(limit).to_list(length=None)


async def finish_event(db: Any, key: str, *, outcome: str, order_id: str | None) -> None:
    """Mark an event applied, with what it did."""
    await db.events.update_one({"_id": key}, {"$set": {
        "status": "applied", "outcome": outcome, "order_id": order_id, "applied_at": now()}})


async def release_event(db: Any, key: str, error: str) -> None:
    """Give up the claim after applying failed, so the gateway's next delivery applies it again."""
    # A second in the past: MongoDB keeps milliseconds, and a delivery in the same one must find it free.
    await db.events.update_one({"_id": key}, {"$set": {"claimed_until": now() - timedelta(seconds=1),
                                                       "error": error[:500]}})

