"""Moving an order by what a gateway says about its money: one rule for every gateway."""

from __future__ import annotations

from checkout.shop import Shop
from models.orders import Order, append_timeline, get_order, timeline_entry, transition_order

REVIEWABLE = ["pending", "authorized", "expired"]


async def settle_payment(
    shop: Shop, order: Order, *, target: str | None, allowed_from: list[str], reason: str,
    fields: dict, mismatch: str | None, entries: list[dict], note: str,
) -> Order:
    """Move the order to `target` when the money matches, to needs_review when it does not.

    Each move is one conditional update, so a duplicate or late report changes nothing; when no
    move applies, the report is kept on the timeline with `note`.
    """
    if mismatch is None and target is not None:
        moved = await transition_order(shop.db, order.id, allowed_from=allowed_from, to=target,
                                       reason=reason, fields=fields, entries=entries)
        if moved is not None:
            return moved
        # Paid money reaching an order we gave up on is a person's job, never silently kept.
        mismatch = "payment arrived after the order expired" if order.status == "expired" else None
    if mismatch is not None:
        moved = await transition_order(shop.db, order.id, allowed_from=REVIEWABLE, to="needs_review",
                                       reason=mismatch, fields={**fields, "review_reason": mismatch},
                                       entries=entries)
        if moved is not None:
            return moved
    await append_timeline(shop.db, order.id, [*entries, timeline_entry("note", message=note)])
    return await get_order(shop.db, order.id)
