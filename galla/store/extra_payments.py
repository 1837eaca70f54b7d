"""Second payments on an order already paid: kept beside the order's own payment, each given back once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from galla.store.orders import ORDER_PROJECTION, Order, modify_order, now

OPEN_EXTRA_REFUND_STATUSES = ("requested", "pending")


async def add_extra_payment(db: Any, order_id: str, entry: dict, entries: Iterable[dict]) -> Order | None:
    """Record a second payment on the order, once per payment id; None when it is already recorded.

    Only the writer that adds it goes on to refund it, so two reports of one payment make one refund.
    """
    return await modify_order(
        db,
        {"_id": order_id, "extra_payments.id": {"$ne": entry["id"]}},
        {"$push": {"extra_payments": entry, "timeline": {"$each": list(entries)}}, "$set": {"updated_at": now()}},
    )


async def move_extra_refund(
    db: Any, order_id: str, payment_id: str, *, from_statuses: Iterable[str], fields: dict, entries: Iterable[dict]
) -> Order | None:
    """Update the refund of the second payment with this id if its status is one of from_statuses."""
    doc = await db.orders.find_one({"_id": order_id, "extra_payments.id": payment_id}, {"extra_payments.id": 1})
    if doc is None:
        return None
    # Entries are only appended, so an index found once stays right (as models/refunds.move_refund does).
    index = next(i for i, extra in enumerate(doc["extra_payments"]) if extra.get("id") == payment_id)
    return await modify_order(
        db,
        {
            "_id": order_id,
            f"extra_payments.{index}.id": payment_id,
            f"extra_payments.{index}.refund.status": {"$in": list(from_statuses)},
        },
        {
            "$set": {
                **{f"extra_payments.{index}.refund.{name}": value for name, value in fields.items()},
                "updated_at": now(),
            },
            "$push": {"timeline": {"$each": list(entries)}},
        },
    )


async def keep_extra_dispute(
    db: Any, order_id: str, payment_id: str, dispute: dict, entries: Iterable[dict]
) -> Order | None:
    """Keep a dispute on the second payment it is about (the last one reported); None if the order has no such one."""
    return await modify_order(
        db,
        {"_id": order_id, "extra_payments.id": payment_id},
        {
            "$set": {"extra_payments.$.dispute": dispute, "updated_at": now()},
            "$push": {"timeline": {"$each": list(entries)}},
        },
    )


def find_extra_payment(order: Order, payment_id: str | None) -> dict | None:
    """The order's second payment with this id, if it has one."""
    return next((extra for extra in order.extra_payments if payment_id and extra.get("id") == payment_id), None)


async def find_orders_with_open_extra_refunds(db: Any, limit: int) -> list[Order]:
    """Orders whose second payment's refund is still requested or pending (the extra_refunds_status index)."""
    cursor = db.orders.find(
        {"extra_payments.refund.status": {"$in": list(OPEN_EXTRA_REFUND_STATUSES)}}, ORDER_PROJECTION
    )
    return [Order.model_validate(doc) for doc in await cursor.to_list(limit)]
