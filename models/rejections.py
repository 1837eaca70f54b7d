"""Webhook deliveries refused for a bad signature: kept a while so an order's trace can show forgeries."""

from __future__ import annotations

from typing import Any

from models.orders import now

# Long enough to look into a complaint about an order; the TTL index in models/db.py removes them after.
KEEP_DAYS = 30


async def record_rejection(db: Any, *, gateway: str, reason: str, claimed: dict[str, Any]) -> None:
    """Keep what a refused delivery claimed (event id, type, order): unverified, so never acted on."""
    await db.webhook_rejections.insert_one({"gateway": gateway, "received_at": now(), "reason": reason[:300],
                                            **{k: v for k, v in claimed.items() if v is not None}})


async def find_order_rejections(db: Any, order_id: str) -> list[dict]:
    """Refused deliveries that named this order, oldest first (the order_id index)."""
    cursor = db.webhook_rejections.find({"order_id": order_id}, {"_id": 0}).sort("received_at", 1)
    return await cursor.to_list(length=100)
