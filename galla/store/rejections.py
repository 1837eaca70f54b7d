"""Webhook deliveries refused for a bad signature: kept a while so an order's trace can show forgeries."""

from __future__ import annotations

from typing import Any

from galla.store.orders import now

# Long enough to look into a complaint about an order; the TTL index in galla/store/db.py removes them after.
KEEP_DAYS = 30
# Refusals naming one order kept at most (the trace shows them; a flood of forgeries adds nothing past these).
KEEP_PER_ORDER = 100


async def record_rejection(db: Any, *, gateway: str, reason: str, claimed: dict[str, Any]) -> bool:
    """Keep what a refused delivery claimed (event id, type, order): unverified, so never acted on. Only one naming
    an order of ours, and only KEEP_PER_ORDER per order: the webhook endpoints take any number of requests (a
    gateway's retries are never refused), so keeping every refusal would let a stranger fill the database."""
    order_id = claimed.get("order_id")
    if not order_id or await db.orders.find_one({"_id": order_id}, {"_id": True}) is None:
        return False
    if await db.webhook_rejections.count_documents({"order_id": order_id}, limit=KEEP_PER_ORDER) >= KEEP_PER_ORDER:
        return False
    await db.webhook_rejections.insert_one(
        {
            "gateway": gateway,
            "received_at": now(),
            "reason": reason[:300],
            **{k: v for k, v in claimed.items() if v is not None},
        }
    )
    return True


async def find_order_rejections(db: Any, order_id: str) -> list[dict]:
    """Refused deliveries that named this order, oldest first (the order_id index)."""
    cursor = db.webhook_rejections.find({"order_id": order_id}, {"_id": 0}).sort("received_at", 1)
    return await cursor.to_list(length=100)
