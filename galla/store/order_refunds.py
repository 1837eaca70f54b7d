"""An order's refunds: each one a list entry keyed by our refund key, moved by one conditional update."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from galla.store.orders import ORDER_PROJECTION, Order, modify_order, now

OPEN_REFUND_STATUSES = ("requested", "pending")


async def reserve_refund(
    db: Any, order_id: str, entry: dict, *, refundable_from: Iterable[str], limit: int, entries: Iterable[dict]
) -> Order | None:
    """Add a requested refund if the order may be refunded and it keeps committed refunds within limit."""
    amount = entry["amount"]
    return await modify_order(
        db,
        {
            "_id": order_id,
            "status": {"$in": list(refundable_from)},
            "refunds.key": {"$ne": entry["key"]},
            # An order that never had a refund has no refund_committed field yet: it counts as 0.
            "$or": [{"refund_committed": {"$lte": limit - amount}}, {"refund_committed": {"$exists": False}}],
        },
        {
            "$push": {"refunds": entry, "timeline": {"$each": list(entries)}},
            "$inc": {"refund_committed": amount},
            "$set": {"updated_at": now()},
        },
    )


async def move_refund(
    db: Any,
    order_id: str,
    key: str,
    *,
    from_statuses: Iterable[str],
    fields: dict,
    inc: dict[str, int],
    entries: Iterable[dict],
    held: bool | None = None,
) -> Order | None:
    """Update the refund entry with this key if its status is one of from_statuses (and, given, its held flag)."""
    index = await refund_index(db, order_id, key)
    if index is None:
        return None
    # Addressed by index (not the positional $), which keeps this one conditional update exact on every MongoDB,
    # the embedded one included. Entries are appended, and only a held one is ever removed (drop_refund): the key
    # checked at the index in the same filter makes an update aimed at a shifted entry miss, never hit another.
    return await modify_order(
        db,
        {
            "_id": order_id,
            f"refunds.{index}.key": key,
            f"refunds.{index}.status": {"$in": list(from_statuses)},
            **(
                {}
                if held is None
                else {f"refunds.{index}.held": True}
                if held
                else {f"refunds.{index}.held": {"$ne": True}}
            ),
        },
        {
            "$set": {**{f"refunds.{index}.{name}": value for name, value in fields.items()}, "updated_at": now()},
            "$inc": inc,
            "$push": {"timeline": {"$each": list(entries)}},
        },
    )


async def refund_index(db: Any, order_id: str, key: str) -> int | None:
    """Where the refund with this key sits in the order's list, if it is there."""
    doc = await db.orders.find_one({"_id": order_id, "refunds.key": key}, {"refunds.key": 1})
    if doc is None:
        return None
    return next(i for i, entry in enumerate(doc["refunds"]) if entry.get("key") == key)


async def add_refund(
    db: Any, order_id: str, entry: dict, *, inc: dict[str, int], entries: Iterable[dict]
) -> Order | None:
    """Add a refund we did not ask for (made in the gateway's dashboard); None if its key is known."""
    return await modify_order(
        db,
        {"_id": order_id, "refunds.key": {"$ne": entry["key"]}},
        {"$push": {"refunds": entry, "timeline": {"$each": list(entries)}}, "$inc": inc, "$set": {"updated_at": now()}},
    )


async def drop_refund(db: Any, order_id: str, key: str, entries: Iterable[dict]) -> Order | None:
    """Remove a held (never counted) refund entry, keeping why on the timeline."""
    return await modify_order(
        db,
        {"_id": order_id, "refunds": {"$elemMatch": {"key": key, "held": True}}},
        {
            "$pull": {"refunds": {"key": key, "held": True}},
            "$push": {"timeline": {"$each": list(entries)}},
            "$set": {"updated_at": now()},
        },
    )


async def find_orders_with_open_refunds(db: Any, limit: int) -> list[Order]:
    """Orders with a refund still requested or pending at the gateway (the refunds.status index)."""
    docs = await db.orders.find({"refunds.status": {"$in": list(OPEN_REFUND_STATUSES)}}, ORDER_PROJECTION).to_list(
        limit
    )
    return [Order.model_validate(doc) for doc in docs]
