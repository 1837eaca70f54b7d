"""Reading orders for the buyer: loading one, its status labels, and the checkout.js options (the API builds its
bodies in galla.api.bodies)."""

from __future__ import annotations

import secrets
from typing import Any

from galla.orders.context import Shop
from galla.orders.errors import NotFound
from galla.orders.states import OrderStatus
from galla.payments.calls import CallRecord
from galla.store.events import PAYLOAD_DEPTH, storable_value
from galla.store.orders import Order, get_order

STATUS_LABELS: dict[str, str] = {
    OrderStatus.PENDING: "Waiting for payment",
    OrderStatus.AUTHORIZED: "Payment authorised",
    OrderStatus.PAID: "Paid",
    OrderStatus.PARTIALLY_REFUNDED: "Partially refunded",
    OrderStatus.REFUNDED: "Refunded",
    OrderStatus.EXPIRED: "Expired",
    OrderStatus.NEEDS_REVIEW: "Being reviewed",
    OrderStatus.DISPUTED: "Disputed",
}


def new_order_id() -> str:
    """Return a fresh, unguessable order id (120 random bits), short enough for a receipt."""
    return "ord_" + secrets.token_urlsafe(15)


def call_entry(call: CallRecord | None) -> list[dict[str, Any]]:
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


def payment_options(shop: Shop, order: Order) -> dict[str, Any]:
    """What the browser needs to pay: its gateway's checkout options (checkout.js's, or the Stripe session)."""
    return shop.provider(order.gateway).checkout_options(shop, order)
