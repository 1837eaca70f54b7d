"""Placing an order: price the cart from the database, store the order, open a Razorpay order."""

from __future__ import annotations

import hashlib
import json

from checkout.errors import Conflict, GatewayBusy, GatewayFailed, InvalidInput
from checkout.orders import call_entry, new_order_id
from checkout.schemas import CheckoutRequest
from checkout.shop import Shop
from gateway.errors import GatewayError, GatewayUnavailable
from gateway.money import Money, razorpay_minimum
from models.customers import upsert_customer
from models.idempotency import claim_key, release_key
from models.orders import (Order, append_timeline, attach_razorpay_order, get_order, insert_order,
                           now, timeline_entry)
from models.products import get_products

HOME_COUNTRY = "IN"
HOME_CURRENCY = "INR"


class IdempotencyKeyReused(InvalidInput):
    code = "idempotency_key_reused"


async def place_order(shop: Shop, request: CheckoutRequest, idempotency_key: str | None) -> tuple[Order, bool]:
    """Create the order and its Razorpay order; return it and whether it is new."""
    if request.country != HOME_COUNTRY:
        raise InvalidInput("Galla takes payments from buyers in India for now; international "
                           "checkout is coming", field="country", code="country_not_supported")
    lines, total = await price_cart(shop, request)
    order_id = new_order_id()
    if idempotency_key:
        digest = fingerprint(request)
        earlier = await claim_key(shop.db, idempotency_key, fingerprint=digest, order_id=order_id)
        if earlier is not None:
            return await replay_order(shop, earlier, digest), False
    try:
        await upsert_customer(shop.db, email=str(request.customer.email),
                              name=request.customer.name, phone=request.customer.phone)
        order = await insert_order(shop.db, new_order_doc(order_id, request, lines, total, shop))
    except BaseException:
        if idempotency_key:
            await release_key(shop.db, idempotency_key, order_id)
        raise
    return await open_razorpay_order(shop, order), True


async def price_cart(shop: Shop, request: CheckoutRequest) -> tuple[list[dict], Money]:
    """Price every line from the database; amounts sent by a browser are never used."""
    quantities = request.quantities()
    products = await get_products(shop.db, list(quantities))
    lines, total = [], Money(0, HOME_CURRENCY)
    for i, item in enumerate(request.items):
        product = products.get(item.product_id)
        if product is None:
            raise InvalidInput(f"no product with id {item.product_id!r}",
                               field=f"items[{i}].product_id", code="unknown_product")
        if HOME_CURRENCY not in product.prices:
            raise InvalidInput(f"{product.name} is not sold in {HOME_CURRENCY}",
                               field=f"items[{i}].product_id", code="not_for_sale")
    for product_id, quantity in quantities.items():
        product = products[product_id]
        unit = Money(product.prices[HOME_CURRENCY], HOME_CURRENCY)
        lines.append({"product_id": product.id, "name": product.name, "quantity": quantity,
                      "unit_amount": unit.amount, "amount": (unit * quantity).amount})
        total += unit * quantity
    minimum = razorpay_minimum(HOME_CURRENCY)
    if total.amount < minimum.amount:
        raise InvalidInput(f"the order total {total.format()} is below the smallest payment "
                           f"Razorpay accepts, {minimum.format()}", field="items",
                           code="amount_too_small")
    return lines, total


def new_order_doc(order_id: str, request: CheckoutRequest, lines: list[dict], total: Money,
                  shop: Shop) -> dict:
    """The document of a new pending order."""
    stamp = now()
    customer = request.customer
    return {
        "_id": order_id, "status": "pending", "created_at": stamp, "updated_at": stamp,
        "amount": total.amount, "currency": total.currency, "gateway": "razorpay",
        "country": request.country, "capture": shop.capture, "items": lines,
        "customer": {"email": str(customer.email).lower(), "name": customer.name,
                     "phone": customer.phone},
        "attempts": [],
        "timeline": [{"at": stamp, "kind": "status", "to": "pending", "reason": "order placed"}],
    }


def fingerprint(request: CheckoutRequest) -> str:
    """A digest of the validated request, so a reused Idempotency-Key can be compared."""
    canonical = json.dumps(request.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def replay_order(shop: Shop, earlier: dict, digest: str) -> Order:
    """Answer a repeated Idempotency-Key with the order it made, if the body is the same."""
    if earlier.get("fingerprint") != digest:
        raise IdempotencyKeyReused("this Idempotency-Key was used with a different request body",
                                   field="Idempotency-Key")
    order = await get_order(shop.db, earlier["order_id"])
    if order is None:
        raise Conflict("the first request with this Idempotency-Key is still being processed",
                       code="request_in_progress", headers={"Retry-After": "1"})
    if order.razorpay_order_id is None and order.status == "pending":
        order = await open_razorpay_order(shop, order)
    return order


async def open_razorpay_order(shop: Shop, order: Order) -> Order:
    """Create the Razorpay order for ours (receipt = our id) and remember it."""
    if order.razorpay_order_id:
        return order
    existing = await find_lost_razorpay_order(shop, order)
    if existing is not None:
        return existing
    try:
        created, call = await shop.razorpay.create_order(
            Money(order.amount, order.currency), receipt=order.id,
            notes={"order_id": order.id}, capture=shop.capture,
        )
    except GatewayError as exc:
        await append_timeline(shop.db, order.id, call_entry(exc.call))
        raise gateway_failure(exc) from exc
    attached = await attach_razorpay_order(shop.db, order.id, created.id, call_entry(call))
    # None means a concurrent request attached its own Razorpay order first; use that one.
    return attached or await get_order(shop.db, order.id)


async def find_lost_razorpay_order(shop: Shop, order: Order) -> Order | None:
    """After a failed attempt, look for a Razorpay order made for ours but never saved."""
    tried = any(e.get("kind") == "gateway_call" and e.get("method") == "POST"
                and e.get("path") == "/v1/orders"
                for e in order.timeline)
    if not tried:
        return None
    try:
        found, call = await shop.razorpay.find_orders_by_receipt(order.id)
    except GatewayError as exc:
        await append_timeline(shop.db, order.id, call_entry(exc.call))
        raise gateway_failure(exc) from exc
    match = next((o for o in found if o.receipt == order.id and o.amount == order.amount), None)
    if match is None:
        await append_timeline(shop.db, order.id, call_entry(call))
        return None
    entries = call_entry(call) + [timeline_entry("note", message=f"found Razorpay order {match.id} by receipt")]
    return await attach_razorpay_order(shop.db, order.id, match.id, entries) or await get_order(shop.db, order.id)


def gateway_failure(exc: GatewayError) -> GatewayFailed:
    """The error to show a buyer when Razorpay could not open the order; the order is kept."""
    if isinstance(exc, GatewayUnavailable):
        return GatewayBusy("Razorpay is not answering right now; your order is saved, please try "
                           "again in a minute", headers={"Retry-After": "30"})
    return GatewayFailed(f"Razorpay refused the order: {exc.description}")
