"""Reading orders for the buyer: loading one, its status labels, and the checkout.js options (the API builds its
bodies in galla.api.bodies)."""

from __future__ import annotations

import secrets

from galla.orders.context import Shop
from galla.orders.errors import NotFound
from galla.payments.calls import CallRecord
from galla.store.events import PAYLOAD_DEPTH, storable_value
from galla.store.orders import Order, get_order

STATUS_LABELS = {
    "pending": "Waiting for payment",
    "authorized": "Payment authorised",
    "paid": "Paid",
    "partially_refunded": "Partially refunded",
    "refunded": "Refunded",
    "expired": "Expired",
    "needs_review": "Being reviewed",
    "disputed": "Disputed",
}


def new_order_id() -> str:
    """Return a fresh, unguessable order id (120 random bits), short enough for a receipt."""
    return "ord_" + secrets.token_urlsafe(15)


def call_entry(call: CallRecord | None) -> list[dict]:
    """The timeline entries for one gateway exchange, one per attempt (none if there was no exchange)."""
    if call is None:
        return []
    tries = call.attempts()
    numbering = len(tries) > 1
    # A gateway's answer carries what the buyer's browser chose (a payment's notes): made storable, since a key
    # with a NUL (or an integer past 64 bits) would make pymongo refuse every later write to the order.
    return [
        {
            "at": attempt.at,
            "kind": "gateway_call",
            **storable_value(attempt.to_dict(), PAYLOAD_DEPTH),
            **({"attempt": n, "of": len(tries)} if numbering else {}),
        }
        for n, attempt in enumerate(tries, start=1)
    ]


async def load_order(shop: Shop, order_id: str) -> Order:
    """Fetch an order or raise NotFound naming the order_id field."""
    order = await get_order(shop.db, order_id)
    if order is None:
        raise NotFound("no order with this id", field="order_id")
    return order


def razorpay_options(shop: Shop, order: Order) -> dict:
    """The options checkout.js opens its window with; the amount comes from our database."""
    names = ", ".join(f"{i.name} × {i.quantity}" for i in order.items)
    return {
        "key": shop.razorpay.key_id,
        "order_id": order.razorpay_order_id,
        "amount": order.amount,
        "currency": order.currency,
        "name": shop.name,
        "description": f"Order {order.id}: {names}"[:255],
        "prefill": {
            "name": order.customer.get("name", ""),
            "email": order.customer.get("email", ""),
            "contact": order.customer.get("phone", ""),
        },
        "notes": {"order_id": order.id},
    }


def payment_options(shop: Shop, order: Order) -> dict:
    """What the browser needs to pay: checkout.js options, or the Stripe session to go to."""
    if order.gateway == "stripe":
        return {"stripe": {"session_id": order.stripe_session_id, "url": order.stripe_session_url}}
    return {"razorpay": razorpay_options(shop, order)}
