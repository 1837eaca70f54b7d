"""Capturing an authorized Razorpay payment (manual capture), by the admin or on its webhook."""

from __future__ import annotations

from galla.orders.context import Shop
from galla.orders.errors import Conflict, gateway_failure
from galla.orders.view import call_entry, load_order
from galla.payments.errors import GatewayError, GatewayInvalid
from galla.payments.money import Money
from galla.payments.razorpay.confirm import apply_razorpay_payment
from galla.store.orders import Order


async def capture_order(shop: Shop, order_id: str) -> Order:
    """Capture the authorized payment of an order the shop captures by hand."""
    order = await load_order(shop, order_id)
    if order.status != "authorized" or not order.payment or order.payment.get("gateway") != "razorpay":
        raise Conflict(
            f"this order is {order.status.replace('_', ' ')}; only an authorized Razorpay payment can be captured",
            field="order_id",
            code="order_not_capturable",
        )
    try:
        return await capture_payment(shop, order, order.payment["id"], [])
    except GatewayError as exc:
        raise gateway_failure(exc) from exc


async def capture_payment(shop: Shop, order: Order, payment_id: str, entries: list[dict]) -> Order:
    """Capture exactly the order's amount, then apply what Razorpay says the payment became."""
    try:
        payment, call = await shop.razorpay.capture_payment(payment_id, Money(order.amount, order.currency))
    except GatewayInvalid as exc:
        # Most often "already captured" (a duplicate webhook, or the admin and a webhook at once):
        # ask what the payment is now rather than trust the error's wording.
        payment, call = await shop.razorpay.fetch_payment(payment_id)
        entries = [*entries, *call_entry(exc.call)]
    return await apply_razorpay_payment(shop, order, payment, [*entries, *call_entry(call)])
