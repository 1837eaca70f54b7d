"""A second captured payment on an order already paid: recorded beside the order's own payment, given back in full.

Two attempts that both went through, a late authorisation after the buyer paid another way, a Razorpay success
after failover to Stripe: the shop keeps one payment per order. The other is refunded automatically, exactly once
(only the writer that records it sends the refund, under an idempotency key derived from the payment id), and it
never counts against the order's own payment (refunded_amount and refund_committed are left alone).
"""

from __future__ import annotations

from typing import Any

from galla.orders.context import Shop
from galla.orders.states import OrderStatus, RefundStatus, values
from galla.orders.view import call_entry, load_order
from galla.payments.errors import GatewayError, GatewayInvalid
from galla.payments.money import Money, format_money
from galla.payments.reports import PaymentReport, RefundReport
from galla.store.extra_payments import (
    OPEN_EXTRA_REFUND_STATUSES,
    add_extra_payment,
    find_extra_payment,
    move_extra_refund,
)
from galla.store.orders import Order, append_timeline_and_read, now, timeline_entry

# Statuses in which an order already holds its own captured payment.
PAID_STATUSES = values(OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED, OrderStatus.DISPUTED)


# Which recorded statuses a report moves a second payment's refund from: a processed one wins over anything we
# recorded (the gateway gave the money back); pending only moves one not yet answered; failed, open ones.
EXTRA_REFUND_FROM: dict[str, list[str]] = {
    RefundStatus.PROCESSED: list(values(RefundStatus.REQUESTED, RefundStatus.PENDING, RefundStatus.FAILED)),
    RefundStatus.PENDING: [RefundStatus.REQUESTED.value],
    RefundStatus.FAILED: list(OPEN_EXTRA_REFUND_STATUSES),
}


def extra_refund_key(payment_id: str | None) -> str:
    """Our refund key for giving a second payment back: one per payment, so every retry is the same refund."""
    return f"xp_{payment_id}"


def is_second_payment(order: Order, payment_id: str | None) -> bool:
    """Whether a captured payment reaching this order is not the one that paid it."""
    own = (order.payment or {}).get("id")
    return order.status in PAID_STATUSES and own is not None and own != payment_id


async def give_back_second_payment(
    shop: Shop, order: Order, payment: PaymentReport, entries: list[dict[str, Any]]
) -> Order:
    """Record a second captured payment and refund it in full, once."""
    if payment.amount is None or payment.currency is None:
        raise ValueError(f"payment {payment.id} names no money to give back")
    key = extra_refund_key(payment.id)
    stamp = now()
    entry = {
        **payment.brief(),
        "status": "captured",
        "at": stamp,
        "refund": {
            "key": key,
            "amount": payment.amount,
            "currency": payment.currency,
            "status": RefundStatus.REQUESTED.value,
            "refund_id": None,
            "requested_at": stamp,
        },
    }
    amount = format_money(payment.amount, payment.currency)
    noted = timeline_entry(
        "second_payment",
        payment_id=payment.id,
        gateway=payment.gateway,
        amount=payment.amount,
        currency=payment.currency,
        message=f"second payment {payment.id} of {amount} reached an order already paid by "
        f"{(order.payment or {}).get('id')}; refunding it in full",
    )
    added = await add_extra_payment(shop.db, order.id, entry, [*entries, noted])
    if added is None:  # already recorded (a repeated report): its refund is under way or done
        note = timeline_entry("note", message=f"second payment {payment.id} already recorded; refunded once")
        return await append_timeline_and_read(shop.db, order.id, [note]) or order
    return await send_extra_refund(shop, added, entry)


async def send_extra_refund(shop: Shop, order: Order, entry: dict[str, Any]) -> Order:
    """Ask the payment's gateway to refund it all; a timeout or 409 leaves it requested for reconciliation."""
    refund, payment_id = entry["refund"], entry["id"]
    notes = {"refund_key": refund["key"], "order_id": order.id, "reason": "second_payment"}
    money = Money(refund["amount"], refund["currency"])
    try:
        report, call = await shop.refund(entry["gateway"], payment_id, money, key=refund["key"], notes=notes)
    except GatewayInvalid as exc:
        # Refused for good (already refunded by the gateway itself, say): shown to the admin, never retried.
        moved = await move_extra_refund(
            shop.db,
            order.id,
            payment_id,
            from_statuses=[RefundStatus.REQUESTED.value],
            fields={"status": RefundStatus.FAILED.value, "error": exc.description},
            entries=call_entry(exc.call),
        )
        return moved or await load_order(shop, order.id)
    except GatewayError as exc:
        # No answer, or another refund of it in progress (409): it may exist. It stays requested under its key.
        return await append_timeline_and_read(shop.db, order.id, call_entry(exc.call)) or order
    moved = await move_extra_refund(
        shop.db,
        order.id,
        payment_id,
        from_statuses=[RefundStatus.REQUESTED.value],
        fields={
            "status": report.status,
            "refund_id": report.refund_id,
            **({"settled_at": now()} if report.status != RefundStatus.PENDING.value else {}),
        },
        entries=call_entry(call),
    )
    return moved or await append_timeline_and_read(shop.db, order.id, call_entry(call)) or order


async def settle_extra_refund(
    shop: Shop, order: Order, report: RefundReport, entries: list[dict[str, Any]]
) -> Order | None:
    """Apply a refund report about one of the order's second payments; None when it is about none of them."""
    extra = find_extra_payment(order, report.payment_id)
    if extra is None:
        return None
    fields = {"status": report.status, "refund_id": report.refund_id, "settled_at": now()}
    allowed = EXTRA_REFUND_FROM[report.status]
    note = timeline_entry(
        "note",
        message=f"refund {report.refund_id} of second payment {report.payment_id} is "
        f"{report.status}; the order's own payment is untouched",
    )
    moved = await move_extra_refund(
        shop.db, order.id, extra["id"], from_statuses=allowed, fields=fields, entries=[*entries, note]
    )
    return moved or await append_timeline_and_read(shop.db, order.id, [*entries, note])
