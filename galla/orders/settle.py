"""Moving an order by what a gateway says about its money: one rule for every gateway."""

from __future__ import annotations

from typing import Any

from galla.orders.context import Shop
from galla.orders.disputes import apply_held_dispute
from galla.orders.receipts import queue_receipt
from galla.orders.refunds import count_held_refunds
from galla.orders.second_payments import give_back_second_payment, is_second_payment
from galla.orders.states import OrderStatus, values
from galla.payments.reports import PaymentReport
from galla.store.orders import Order, append_timeline_and_read, get_order, timeline_entry, transition_order

REVIEWABLE = list(values(OrderStatus.PENDING, OrderStatus.AUTHORIZED, OrderStatus.EXPIRED))


async def settle_payment(
    shop: Shop,
    order: Order,
    payment: PaymentReport,
    *,
    target: OrderStatus | None,
    allowed_from: list[str],
    reason: str,
    mismatch: str | None,
    entries: list[dict[str, Any]],
    note: str,
    takes_order: bool = False,
) -> Order:
    """Move the order to `target` when the money matches, to needs_review when it does not.

    Each move is one conditional update, so a duplicate or late report changes nothing; when no
    move applies, the report is kept on the timeline with `note`. A paid order's receipt is queued here,
    where every gateway's payment lands; the mailer sends it later, never inside this request.
    """
    fields = paid_fields(payment, takes_order)
    if target == OrderStatus.PAID and mismatch is None and is_second_payment(order, payment.id):
        return await give_back_second_payment(shop, order, payment, entries)
    if mismatch is None and target is not None:
        # No order ever returns to pending, and authorized is reached from pending alone: an order read outside
        # `allowed_from` stays outside it, so the conditional update could only fail (a repeated report).
        moved = (
            await transition_order(
                shop.db,
                order.id,
                allowed_from=allowed_from,
                to=target.value,
                reason=reason,
                fields=fields,
                entries=entries,
            )
            if order.status in allowed_from
            else None
        )
        if moved is not None:
            await queue_receipt(shop, moved)
            # The order's money status follows from facts, whatever order they came in: refunds of this payment
            # that arrived before it now count (a full one makes it refunded).
            # So does a dispute that came before it.
            return (
                await apply_held_dispute(shop, await count_held_refunds(shop, moved))
                if target == OrderStatus.PAID
                else moved
            )
        # Paid money reaching an order we gave up on is a person's job, never silently kept.
        mismatch = "payment arrived after the order expired" if order.status == OrderStatus.EXPIRED else None
    if mismatch is not None:
        moved = await transition_order(
            shop.db,
            order.id,
            allowed_from=REVIEWABLE,
            to=OrderStatus.NEEDS_REVIEW.value,
            reason=mismatch,
            fields={**fields, "review_reason": mismatch},
            entries=entries,
        )
        if moved is not None:
            # Captured money under review is still the order's: its refunds that came first count, as later ones do.
            return await count_held_refunds(shop, moved) if payment.captured is not False else moved
    if target == OrderStatus.PAID and mismatch is None:
        # Another payment may have paid the order between our read and our write: then this one is the second.
        latest = await get_order(shop.db, order.id) or order
        if is_second_payment(latest, payment.id):
            return await give_back_second_payment(shop, latest, payment, entries)
    current = (
        await append_timeline_and_read(shop.db, order.id, [*entries, timeline_entry("note", message=note)]) or order
    )
    if target == OrderStatus.PAID and current.status == OrderStatus.PAID:
        # A repeat of the payment: queue again in case the first report died between its two writes
        # (the receipt's fixed outbox id makes this a no-op otherwise).
        await queue_receipt(shop, current)
    return current


def paid_fields(payment: PaymentReport, takes_order: bool) -> dict[str, Any]:
    """What the order records of the payment that moves it: the payment, its money, with `takes_order` its gateway."""
    # The order's gateway is the one that took the money: after a failover, a late payment at the first gateway may be
    # the one that pays the order.
    fields = {"payment": payment.stored(), "amount_paid": payment.amount}
    return {**fields, "gateway": payment.gateway} if takes_order else fields
