"""Moving an order by what a gateway says about its money: one rule for every gateway."""

from __future__ import annotations

from galla.orders.context import Shop
from galla.orders.disputes import apply_held_dispute
from galla.orders.receipts import queue_receipt
from galla.orders.refunds import count_held_refunds
from galla.orders.second_payments import give_back_second_payment, is_second_payment
from galla.store.orders import Order, append_timeline_and_read, get_order, timeline_entry, transition_order

REVIEWABLE = ["pending", "authorized", "expired"]


async def settle_payment(
    shop: Shop,
    order: Order,
    *,
    target: str | None,
    allowed_from: list[str],
    reason: str,
    fields: dict,
    mismatch: str | None,
    entries: list[dict],
    note: str,
) -> Order:
    """Move the order to `target` when the money matches, to needs_review when it does not.

    Each move is one conditional update, so a duplicate or late report changes nothing; when no
    move applies, the report is kept on the timeline with `note`. A paid order's receipt is queued here,
    where every gateway's payment lands; the mailer sends it later, never inside this request.
    """
    incoming = fields.get("payment") or {}
    if target == "paid" and mismatch is None and is_second_payment(order, incoming.get("id")):
        return await give_back(shop, order, fields, entries)
    if mismatch is None and target is not None:
        # No order ever returns to pending, and authorized is reached from pending alone: an order read outside
        # `allowed_from` stays outside it, so the conditional update could only fail (a repeated report).
        moved = (
            await transition_order(
                shop.db, order.id, allowed_from=allowed_from, to=target, reason=reason, fields=fields, entries=entries
            )
            if order.status in allowed_from
            else None
        )
        if moved is not None:
            await queue_receipt(shop, moved)
            # The order's money status follows from facts, whatever order they came in: refunds of this payment
            # that arrived before it now count (a full one makes it refunded).
            # So does a dispute that came before it.
            return await apply_held_dispute(shop, await count_held_refunds(shop, moved)) if target == "paid" else moved
        # Paid money reaching an order we gave up on is a person's job, never silently kept.
        mismatch = "payment arrived after the order expired" if order.status == "expired" else None
    if mismatch is not None:
        moved = await transition_order(
            shop.db,
            order.id,
            allowed_from=REVIEWABLE,
            to="needs_review",
            reason=mismatch,
            fields={**fields, "review_reason": mismatch},
            entries=entries,
        )
        if moved is not None:
            # Captured money under review is still the order's: its refunds that came first count, as later ones do.
            return await count_held_refunds(shop, moved) if incoming.get("captured") is not False else moved
    if target == "paid" and mismatch is None:
        # Another payment may have paid the order between our read and our write: then this one is the second.
        latest = await get_order(shop.db, order.id) or order
        if is_second_payment(latest, incoming.get("id")):
            return await give_back(shop, latest, fields, entries)
    current = await append_timeline_and_read(shop.db, order.id, [*entries, timeline_entry("note", message=note)])
    if target == "paid" and current.status == "paid":
        # A repeat of the payment: queue again in case the first report died between its two writes
        # (the receipt's fixed outbox id makes this a no-op otherwise).
        await queue_receipt(shop, current)
    return current


async def give_back(shop: Shop, order: Order, fields: dict, entries: list[dict]) -> Order:
    """Refund a second captured payment reaching an order another payment already paid."""
    payment = fields["payment"]
    return await give_back_second_payment(
        shop,
        order,
        {
            "id": payment["id"],
            "gateway": payment.get("gateway"),
            "method": payment.get("method"),
            "amount": fields.get("amount_paid") or payment.get("amount"),
            "currency": payment.get("currency"),
        },
        entries,
    )
