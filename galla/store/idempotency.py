"""Idempotency keys for POST /api/checkout: one key, one request body, one order."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo.errors import DuplicateKeyError


async def claim_key(db: Any, key: str, *, fingerprint: str, order_id: str) -> dict | None:
    """Claim the key for a new order; return the earlier claim instead if the key was used."""
    doc = {"_id": key, "fingerprint": fingerprint, "order_id": order_id, "created_at": datetime.now(UTC)}
    try:
        await db.idempotency_keys.insert_one(doc)
        return None
    except DuplicateKeyError:
        return await db.idempotency_keys.find_one({"_id": key})


async def release_key(db: Any, key: str, order_id: str) -> None:
    """Forget a claim whose order was never stored, so the buyer can retry with the same key."""
    await db.idempotency_keys.delete_one({"_id": key, "order_id": order_id})
