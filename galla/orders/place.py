"""Placing an order: quote the cart, store the order, open its payment at the routed gateway."""

from __future__ import annotations

from typing import Any

from galla.orders.context import Shop
from galla.orders.errors import CheckoutError, Conflict
from galla.orders.failover import open_payment_or_fail_over
from galla.orders.idempotency import claim_or_replay, still_in_progress
from galla.orders.inputs import CheckoutRequest
from galla.orders.quote import Quote, quote_cart
from galla.orders.states import OrderStatus
from galla.orders.view import load_order, new_order_id
from galla.store.customers import upsert_customer
from galla.store.idempotency import release_key
from galla.store.orders import Order, get_order, insert_order, now


async def place_order(shop: Shop, request: CheckoutRequest, idempotency_key: str | None) -> tuple[Order, bool]:
    """Create the order and open its payment at the gateway its route names; return it and whether it is new."""
    quote = await quote_cart(shop, request)
    order_id = new_order_id()
    if idempotency_key and (earlier := await claim_or_replay(shop.db, idempotency_key, request, order_id)):
        return await replay_order(shop, earlier), False
    try:
        await upsert_customer(
            shop.db, email=str(request.customer.email), name=request.customer.name, phone=request.customer.phone
        )
        order = await insert_order(shop.db, new_order_doc(order_id, request, quote, shop))
    except BaseException:
        if idempotency_key:
            await release_key(shop.db, idempotency_key, order_id)
        raise
    return await open_payment(shop, order), True


async def open_payment(shop: Shop, order: Order) -> Order:
    """Ready a pending order for the buyer to pay at its gateway (or at the gateway's backup, failing over)."""
    try:
        return await open_payment_or_fail_over(shop, order)
    except CheckoutError as exc:
        exc.extra["order_id"] = order.id  # the order is kept: the buyer can pay it later
        raise


def new_order_doc(order_id: str, request: CheckoutRequest, quote: Quote, shop: Shop) -> dict[str, Any]:
    """The document of a new pending order."""
    stamp = now()
    customer = request.customer
    return {
        "_id": order_id,
        "status": OrderStatus.PENDING.value,
        "created_at": stamp,
        "updated_at": stamp,
        "amount": quote.total.amount,
        "currency": quote.total.currency,
        "gateway": quote.route.gateway,
        "route": quote.route.reason,
        "country": request.country,
        "capture": shop.capture,
        "items": quote.lines,
        "customer": {"email": str(customer.email).lower(), "name": customer.name, "phone": customer.phone},
        "shipping_address": request.shipping_address.model_dump(),
        "attempts": [],
        "timeline": [{"at": stamp, "kind": "status", "to": OrderStatus.PENDING.value, "reason": "order placed"}],
    }


async def replay_order(shop: Shop, order_id: str) -> Order:
    """Answer a repeated Idempotency-Key with the order its first request made."""
    order = await get_order(shop.db, order_id)
    if order is None:
        raise still_in_progress()
    if order.status == OrderStatus.PENDING:
        order = await open_payment(shop, order)
    return order


async def prepare_payment(shop: Shop, order_id: str) -> Order:
    """Ready a pending order for another payment attempt at its gateway."""
    order = await load_order(shop, order_id)
    if order.status != OrderStatus.PENDING:
        raise Conflict(
            f"this order is {order.status.replace('_', ' ')} and cannot be paid again",
            field="order_id",
            code="order_not_payable",
        )
    return await open_payment(shop, order)
