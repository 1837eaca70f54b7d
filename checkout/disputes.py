"""Disputes (chargebacks): the order is marked disputed so a person answers it in time."""

from __future__ import annotations

from checkout.shop import Shop
from models.orders import Order, append_timeline_and_read, timeline_entry, transition_order

DISPUTABLE = ["authorized", "paid", "partially_refunded", "refunded"]


async def record_dispute(shop: Shop, order: Order, dispute: dict, entries: list[dict]) -> Order:
    """Move a paid order to disputed, keeping the dispute; on any other order, a timeline note."""
    moved = await transition_order(shop.db, order.id, allowed_from=DISPUTABLE, to="disputed",
                                   reason=f"dispute {dispute['id']} opened: {dispute.get('reason') or 'no reason'}",
                                   fields={"dispute": dispute}, entries=entries)
    if moved is not None:
        return moved
    note = timeline_entry("note", message=f"dispute {dispute['id']} opened on a {order.status} order")
    return await append_timeline_and_read(shop.db, order.id, [*entries, note])
