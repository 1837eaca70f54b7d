"""Capturing an authorized Razorpay payment (manual capture), for the admin (galla/orders/capture.py) or a webhook."""

from __future__ import annotations

from typing import Any

# Its old home: galla/admin imports it from here (an explicit re-export).
from galla.orders.capture import capture_order as capture_order
from galla.orders.context import Shop
from galla.orders.view import call_entry
from galla.payments.errors import GatewayInvalid
from galla.payments.money import Money
from galla.payments.razorpay.confirm import apply_razorpay_payment
from galla.store.orders import Order


async def capture_payment(shop: Shop, order: Order, payment_id: str, entries: list[dict[str, Any]]) -> Order:
    """Capture exactly the order's amount, then apply what Razorpay says the payment became."""
    try:
        payment, call = await shop.razorpay_client.capture_payment(payment_id, Money(order.amount, order.currency))
    except GatewayInvalid as exc:
        # Most often "already captured" (a duplicate webhook, or the admin and a webhook at once):
        # ask what the payment is now rather than trust the error's wording.
        payment, call = await shop.razorpay_client.fetch_payment(payment_id)
        entries = [*entries, *call_entry(exc.call)]
    return await apply_razorpay_payment(shop, order, payment, [*entries, *call_entry(call)])
