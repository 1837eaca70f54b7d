"""The webhook ledger: each verified gateway event stored once, under "<gateway>:<event_id>"."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bson.errors import InvalidDocument
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError, WriteError

from galla.store.orders import now

# How long one delivery may hold an event while applying it before another delivery may take over.
CLAIM_SECONDS = 30
# A gateway retrying for days could redeliver hundreds of times; the trace needs only the latest.
REDELIVERIES_KEPT = 20
# The ledger job gives up re-applying an event after this many tries (it stays stored, with its last error).
MAX_APPLY_ATTEMPTS = 20
# MongoDB keeps documents nested at most 100 levels (docs/manual/reference/limits, "Nested Depth for BSON
# Documents"); the ledger's copy of a payload keeps far fewer, and nothing Galla reads is that deep.
PAYLOAD_DEPTH = 32
INT64 = range(-(2**63), 2**63)


def event_key(gateway: str, event_id: str) -> str:
    """The ledger's _id for an event."""
    return f"{gateway}:{event_id}"


async def store_event(
    db: Any, *, gateway: str, event_id: str, event_type: str, created: int | None, payload: dict
) -> bool:
    """Store a newly received event, claimed for applying; False if the ledger already has it."""
    stamp = now()
    entry = {
        "_id": event_key(gateway, event_id),
        "gateway": gateway,
        "event_id": event_id,
        "type": event_type,
        "created": created,
        "received_at": stamp,
        "deliveries": 1,
        "status": "received",
        "attempts": 1,
        "claimed_until": stamp + timedelta(seconds=CLAIM_SECONDS),
    }
    try:
        try:
            await db.events.insert_one({**entry, "payload": payload})
        except DuplicateKeyError:
            raise
        except (InvalidDocument, OverflowError, WriteError):
            # A key BSON refuses (a NUL in a notes key the buyer's browser chose), an integer past 64 bits, or a
            # nesting MongoDB refuses: failing here would answer 500 on every retry until the gateway disables
            # the endpoint. Keep a copy that stores, and the payload whole as text.
            await db.events.insert_one({**entry, **storable_payload(payload)})
    except DuplicateKeyError:
        return False
    return True


def storable_payload(payload: dict) -> dict[str, Any]:
    """A payload as fields any MongoDB stores: a copy with NULs in keys replaced, integers past 64 bits and
    parts nested too deep as JSON text, and the payload itself as text."""
    return {"payload": storable_value(payload, PAYLOAD_DEPTH), "payload_text": json.dumps(payload)}


def storable_value(value: Any, depth: int) -> Any:
    """One value of a payload made storable (see storable_payload)."""
    if isinstance(value, dict):
        if depth <= 0:
            return json.dumps(value)
        return {str(key).replace("\x00", "\ufffd"): storable_value(item, depth - 1) for key, item in value.items()}
    if isinstance(value, list):
        return json.dumps(value) if depth <= 0 else [storable_value(item, depth - 1) for item in value]
    if isinstance(value, int) and not isinstance(value, bool) and value not in INT64:
        return str(value)
    return value


async def note_redelivery(db: Any, key: str) -> dict | None:
    """Count one more delivery of a stored event, keep when it came (the last few), and return the entry."""
    return await db.events.find_one_and_update(
        {"_id": key},
        {"$inc": {"deliveries": 1}, "$push": {"redelivered_at": {"$each": [now()], "$slice": -REDELIVERIES_KEPT}}},
        return_document=ReturnDocument.AFTER,
    )


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
    cursor = db.events.find(
        {"status": "received", "claimed_until": {"$lt": now()}, "attempts": {"$not": {"$gte": MAX_APPLY_ATTEMPTS}}}
    ).sort("received_at", 1)
    return await cursor.limit(limit).to_list(length=None)


async def finish_event(db: Any, key: str, *, outcome: str, order_id: str | None) -> None:
    """Mark an event applied, with what it did."""
    await db.events.update_one(
        {"_id": key}, {"$set": {"status": "applied", "outcome": outcome, "order_id": order_id, "applied_at": now()}}
    )


async def release_event(db: Any, key: str, error: str) -> None:
    """Give up the claim after applying failed, so the gateway's next delivery applies it again."""
    # A second in the past: MongoDB keeps milliseconds, and a delivery in the same one must find it free.
    await db.events.update_one(
        {"_id": key}, {"$set": {"claimed_until": now() - timedelta(seconds=1), "error": error[:500]}}
    )
