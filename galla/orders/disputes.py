"""Disputes (chargebacks): the order is marked disputed so a person answers it in time."""

from __future__ import annotations

from typing import Any

from galla.orders.context import Shop
from galla.orders.states import OrderStatus, values
from galla.payments.reports import DisputeReport
from galla.store.extra_payments import find_extra_payment, keep_extra_dispute
from galla.store.orders import Order, append_timeline_and_read, keep_dispute, timeline_entry, transition_order

DISPUTABLE = list(
    values(OrderStatus.AUTHORIZED, OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED)
)


async def record_dispute(shop: Shop, order: Order, report: DisputeReport, entries: list[dict[str, Any]]) -> Order:
    """Move a paid order to disputed, keeping the dispute; on any other order, a timeline note."""
    dispute = report.stored()
    if report.payment_id is not None and find_extra_payment(order, report.payment_id) is not None:
        # A chargeback on a second payment, given back already: the shop answers it with that refund, but the
        # order's own payment is not disputed (issue 24 item 4).
        note = timeline_entry(
            "note",
            message=f"dispute {dispute['id']} opened on second payment "
            f"{dispute['payment_id']}, which was refunded automatically; answer "
            "it in the gateway's dashboard",
        )
        kept = await keep_extra_dispute(shop.db, order.id, report.payment_id, dispute, [*entries, note])
        if kept is not None:
            return kept
    moved = await mark_disputed(
        shop,
        order,
        f"dispute {dispute['id']} opened: {dispute.get('reason') or 'no reason'}",
        fields={"dispute": dispute},
        entries=entries,
    )
    if moved is not None:
        return moved
    if order.status == OrderStatus.PENDING:
        # Its payment is not recorded here yet (events arrive in any order): kept until the payment lands, which
        # settle_payment then disputes. Checked again after the write, in case the payment landed meanwhile.
        kept = await keep_dispute(
            shop.db,
            order.id,
            dispute,
            [
                *entries,
                timeline_entry(
                    "note", message=f"dispute {dispute['id']} opened before its payment was recorded; kept until it is"
                ),
            ],
        )
        if kept is not None:
            return await apply_held_dispute(shop, kept)
    note = timeline_entry("note", message=f"dispute {dispute['id']} opened on a {order.status} order")
    return await append_timeline_and_read(shop.db, order.id, [*entries, note]) or order


async def apply_held_dispute(shop: Shop, order: Order) -> Order:
    """Dispute an order that kept a dispute before its payment landed, once it holds the payment disputed."""
    dispute, own = order.dispute, (order.payment or {}).get("id")
    if not dispute or own is None or order.status not in DISPUTABLE or dispute.get("payment_id") not in (None, own):
        return order
    moved = await mark_disputed(
        shop,
        order,
        f"dispute {dispute['id']}, which came before the payment, is open",
        where={"dispute.id": dispute["id"]},
    )
    return moved or order


async def mark_disputed(
    shop: Shop,
    order: Order,
    reason: str,
    *,
    fields: dict[str, Any] | None = None,
    entries: list[dict[str, Any]] | None = None,
    where: dict[str, Any] | None = None,
) -> Order | None:
    """Move a disputable order to disputed in one conditional update; None if it is not disputable (or `where`)."""
    return await transition_order(
        shop.db,
        order.id,
        allowed_from=DISPUTABLE,
        to=OrderStatus.DISPUTED.value,
        reason=reason,
        fields=fields,
        entries=entries or (),
        where=where,
    )
