"""Receipts: what a paid order's receipt says, the email that carries it, and its place in the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from galla.orders.addresses import address_lines
from galla.orders.calendar import shop_time
from galla.orders.context import Shop
from galla.orders.emails import build_buyer_email
from galla.orders.errors import Conflict, InvalidInput, NotFound
from galla.orders.states import OrderStatus, values
from galla.payments.labels import gateway_label, method_label
from galla.store.orders import Order
from galla.store.outbox import (
    OUTBOX_STATUSES,
    OutboxMessage,
    count_by_status,
    get_message,
    list_messages,
    message_exists,
    queue_message,
    requeue_message,
)

RECEIPT_STATUSES = values(OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED)

# How long a refund takes to show in the buyer's account, as each gateway tells its merchants. Razorpay, normal
# refunds (the speed Galla asks for): "Amount is refunded within 5-7 working days"
# (https://razorpay.com/docs/payments/refunds/; https://razorpay.com/docs/payments/refunds/normal/). Stripe: "it can
# take anywhere from 5-10 business days to show up on your customer's bank account"
# (https://support.stripe.com/questions/customer-refund-processing-time).
ARRIVES_WITHIN = {"razorpay": "5–7 working days", "stripe": "5–10 business days"}


def format_shop_time(at: datetime | None) -> str | None:
    """An instant as a receipt shows it, in IST: "4 Mar 2025, 3:07 pm IST"."""
    if at is None:
        return None
    t = shop_time(at)
    return f"{t.day} {t:%b %Y}, {t.hour % 12 or 12}:{t:%M} {'am' if t.hour < 12 else 'pm'} IST"


def refund_arrival(gateway: str | None) -> str:
    """How long a refund through this gateway takes to show in the buyer's account, as its docs say."""
    return ARRIVES_WITHIN.get(gateway or "", "a few working days")


def describe_receipt(shop: Shop, order: Order) -> dict[str, Any]:
    """The facts a receipt shows, for the order page and the email alike."""
    payment = order.payment or {}
    return {
        "shop_name": shop.name,
        "order_id": order.id,
        "order_url": shop.order_url(order.id),
        "status": order.status,
        "paid_at": format_shop_time(order.paid_at or order.updated_at),
        "placed_at": format_shop_time(order.created_at),
        "customer_name": order.customer.get("name", ""),
        "customer_email": order.customer.get("email", ""),
        "delivery_lines": address_lines(order.shipping_address),
        "items": [item.model_dump() for item in order.items],
        "amount": order.amount,
        "currency": order.currency,
        "refunded_amount": order.refunded_amount,
        "net_amount": order.amount - order.refunded_amount,
        "payment_method": method_label(payment.get("method")),
        "payment_id": payment.get("id") or "",
        "gateway": gateway_label(order.gateway),
        "refund_arrives_within": refund_arrival(payment.get("gateway") or order.gateway),
    }


def build_receipt_email(shop: Shop, order: Order) -> dict[str, Any]:
    """The receipt as an outbox document: subject, plain text and HTML, addressed to the buyer."""
    return build_buyer_email(
        shop,
        order,
        receipt_message_id(order.id),
        kind="receipt",
        subject=f"Your {shop.name} receipt for order {order.id}",
        template="receipt",
        receipt=describe_receipt(shop, order),
    )


def receipt_message_id(order_id: str) -> str:
    """An order's receipt has one outbox id, so however many reports pay it, one email is queued."""
    return f"receipt:{order_id}"


async def queue_receipt(shop: Shop, order: Order) -> bool:
    """Queue the paid order's receipt email (one insert; the mailer sends it later); False if already queued."""
    if order.status not in RECEIPT_STATUSES or not order.customer.get("email"):
        return False
    # Every repeat of a payment report asks again: answer those without rendering two templates for nothing.
    if await message_exists(shop.db, receipt_message_id(order.id)):
        return False
    return await queue_message(shop.db, build_receipt_email(shop, order))


async def show_outbox(shop: Shop, status: str | None) -> dict[str, Any]:
    """The admin's outbox: newest messages first, optionally in one status, and counts by status."""
    if status and status not in OUTBOX_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(OUTBOX_STATUSES)}", field="status")
    return {
        "messages": await list_messages(shop.db, status=status or None),
        "counts": await count_by_status(shop.db),
        "status": status or "",
        "statuses": OUTBOX_STATUSES,
    }


async def load_message(shop: Shop, message_id: str) -> OutboxMessage:
    """One outbox message, or NotFound naming message_id."""
    message = await get_message(shop.db, message_id)
    if message is None:
        raise NotFound("no message with this id", field="message_id")
    return message


async def resend_message(shop: Shop, message_id: str) -> OutboxMessage:
    """Put a held or failed message back in the queue for the mailer's next pass."""
    message = await requeue_message(shop.db, message_id)
    if message is None:
        current = await load_message(shop, message_id)
        raise Conflict(
            f"this message is {current.status}; only held or failed messages can be sent again",
            field="message_id",
            code="message_not_resendable",
        )
    return message
