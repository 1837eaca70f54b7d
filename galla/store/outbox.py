"""The email outbox: messages queued by the flows, claimed and sent by the mailer, kept for the admin."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pymongo import DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from galla.store.orders import now

# queued → sending → sent; "held" waits for SMTP to be configured; "failed" gave up after its attempts.
OUTBOX_STATUSES = ("queued", "sending", "sent", "held", "failed")
RESENDABLE = ["held", "failed"]


class OutboxMessage(BaseModel):
    """One email as stored in the outbox."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    id: str = Field(alias="_id")
    kind: str
    order_id: str | None = None
    to: str
    subject: str
    text: str
    html: str | None = None
    status: str
    attempts: int = 0
    next_attempt_at: datetime | None = None
    claimed_until: datetime | None = None
    claimed_by: str | None = None
    created_at: datetime
    sent_at: datetime | None = None
    last_error: str | None = None


def new_message(
    message_id: str,
    *,
    kind: str,
    to: str,
    subject: str,
    text: str,
    html: str | None,
    order_id: str | None = None,
    held: bool = False,
) -> dict:
    """A fresh outbox document, due now (held: kept until an SMTP server is configured)."""
    stamp = now()
    return {
        "_id": message_id,
        "kind": kind,
        "order_id": order_id,
        "to": to,
        "subject": subject,
        "text": text,
        "html": html,
        "status": "held" if held else "queued",
        "attempts": 0,
        "next_attempt_at": stamp,
        "claimed_until": None,
        "claimed_by": None,
        "created_at": stamp,
        "sent_at": None,
        "last_error": None,
    }


async def queue_message(db: Any, doc: dict) -> bool:
    """Insert a message; False when one with its _id is already queued (so queuing twice sends once)."""
    try:
        await db.outbox.insert_one(doc)
    except DuplicateKeyError:
        return False
    return True


async def message_exists(db: Any, message_id: str) -> bool:
    """Whether a message with this id was ever queued (a lookup by _id, nothing copied out)."""
    return await db.outbox.find_one({"_id": message_id}, {"_id": True}) is not None


async def find_message_ids(db: Any, message_ids: Iterable[str]) -> set[str]:
    """Which of these message ids were ever queued (one lookup by _id, nothing else copied out)."""
    docs = await db.outbox.find({"_id": {"$in": list(message_ids)}}, {"_id": True}).to_list(None)
    return {doc["_id"] for doc in docs}


async def claim_message(
    db: Any, holder: str, lease: timedelta, *, include_held: bool = False, at: datetime | None = None
) -> OutboxMessage | None:
    """Take one due message for `holder` until the lease ends, in one conditional update; None when none is due.

    Due means queued and its next attempt has come, or left "sending" by a holder whose lease ran out
    (it died mid-send). Only one claimant can win a message, however many processes ask at once."""
    stamp = at or now()
    due: list[dict] = [
        {"status": "queued", "next_attempt_at": {"$lte": stamp}},
        {"status": "sending", "claimed_until": {"$lt": stamp}},
    ]
    if include_held:
        due.append({"status": "held"})
    doc = await db.outbox.find_one_and_update(
        {"$or": due},
        {"$set": {"status": "sending", "claimed_by": holder, "claimed_until": stamp + lease}, "$inc": {"attempts": 1}},
        sort=[("next_attempt_at", 1)],
        return_document=ReturnDocument.AFTER,
    )
    return OutboxMessage.model_validate(doc) if doc else None


async def mark_sent(db: Any, message_id: str, holder: str) -> bool:
    """Record a message as sent, if `holder` still holds its claim."""
    result = await db.outbox.update_one(
        {"_id": message_id, "status": "sending", "claimed_by": holder},
        {"$set": {"status": "sent", "sent_at": now(), "claimed_until": None, "last_error": None}},
    )
    return result.modified_count == 1


async def mark_attempt_failed(db: Any, message_id: str, holder: str, error: str, retry_at: datetime | None) -> bool:
    """Keep why sending failed; due again at retry_at, or "failed" for good when retry_at is None."""
    status = {"status": "queued", "next_attempt_at": retry_at} if retry_at else {"status": "failed"}
    result = await db.outbox.update_one(
        {"_id": message_id, "status": "sending", "claimed_by": holder},
        {"$set": {**status, "claimed_until": None, "last_error": error[:500]}},
    )
    return result.modified_count == 1


async def hold_queued(db: Any) -> int:
    """Park every queued message as held (no SMTP server configured); returns how many."""
    result = await db.outbox.update_many({"status": "queued"}, {"$set": {"status": "held"}})
    return result.modified_count


async def requeue_message(db: Any, message_id: str) -> OutboxMessage | None:
    """Make a held or failed message due now with fresh attempts; None if it is in another state."""
    doc = await db.outbox.find_one_and_update(
        {"_id": message_id, "status": {"$in": RESENDABLE}},
        {"$set": {"status": "queued", "attempts": 0, "next_attempt_at": now()}},
        return_document=ReturnDocument.AFTER,
    )
    return OutboxMessage.model_validate(doc) if doc else None


async def get_message(db: Any, message_id: str) -> OutboxMessage | None:
    """Fetch one message by its id."""
    doc = await db.outbox.find_one({"_id": message_id})
    return OutboxMessage.model_validate(doc) if doc else None


async def find_order_messages(db: Any, order_id: str, limit: int = 20) -> list[dict]:
    """The messages about one order (the order_id index), without their bodies."""
    return await db.outbox.find({"order_id": order_id}, {"text": 0, "html": 0}).to_list(limit)


async def list_messages(db: Any, *, status: str | None = None, limit: int = 100) -> list[OutboxMessage]:
    """The newest messages first, optionally in one status."""
    query = {"status": status} if status else {}
    cursor = db.outbox.find(query, {"text": 0, "html": 0}).sort([("created_at", DESCENDING), ("_id", DESCENDING)])
    return [OutboxMessage.model_validate({"text": "", **doc}) for doc in await cursor.to_list(limit)]


async def count_by_status(db: Any) -> dict[str, int]:
    """How many messages are in each status."""
    rows = await db.outbox.aggregate([{"$group": {"_id": "$status", "n": {"$sum": 1}}}]).to_list(None)
    return {row["_id"]: row["n"] for row in rows}
