"""Opening the Razorpay order that checkout.js pays, found again by receipt after a lost answer."""

from __future__ import annotations

from typing import Any

from galla.orders.context import Shop
from galla.orders.errors import gateway_failure
from galla.orders.view import call_entry, load_order
from galla.payments.errors import GatewayError
from galla.payments.money import Money
from galla.store.orders import (
    Order,
    append_timeline,
    attach_razorpay_order,
    has_timeline_entry,
    timeline_entry,
)


async def open_razorpay_order(shop: Shop, order: Order) -> Order:
    """Create the Razorpay order for ours (receipt = our id) and remember it."""
    if order.razorpay_order_id:
        return order
    existing = await find_lost_razorpay_order(shop, order)
    if existing is not None:
        return existing
    try:
        created, call = await shop.razorpay_client.create_order(
            Money(order.amount, order.currency),
            receipt=order.id,
            notes={"order_id": order.id},
            capture=shop.capture,
        )
    except GatewayError as exc:
        await append_timeline(shop.db, order.id, call_entry(exc.call))
        raise gateway_failure(exc) from exc
    attached = await attach_razorpay_order(shop.db, order.id, created.id, call_entry(call))
    # None means a concurrent request attached its own Razorpay order first; use that one.
    return attached or await load_order(shop, order.id)


async def find_lost_razorpay_order(shop: Shop, order: Order) -> Order | None:
    """After a failed attempt, look for a Razorpay order made for ours but never saved."""
    if not await has_timeline_entry(shop.db, order.id, kind="gateway_call", method="POST", path="/v1/orders"):
        return None
    try:
        adopted, entries = await adopt_by_receipt(shop, order, [])
    except GatewayError as exc:
        await append_timeline(shop.db, order.id, call_entry(exc.call))
        raise gateway_failure(exc) from exc
    if adopted is None:
        await append_timeline(shop.db, order.id, entries)
    return adopted


async def adopt_by_receipt(
    shop: Shop, order: Order, entries: list[dict[str, Any]]
) -> tuple[Order | None, list[dict[str, Any]]]:
    """Find the Razorpay order whose receipt is ours and remember it; (None, entries to keep) if there is none."""
    found, call = await shop.razorpay_client.find_orders_by_receipt(order.id)
    entries = [*entries, *call_entry(call)]
    match = next((o for o in found if o.receipt == order.id and o.amount == order.amount), None)
    if match is None:
        return None, entries
    entries.append(timeline_entry("note", message=f"found Razorpay order {match.id} by receipt"))
    attached = await attach_razorpay_order(shop.db, order.id, match.id, entries)
    return attached or await load_order(shop, order.id), []


async def adopt_razorpay_order(shop: Shop, order: Order, razorpay_order_id: str) -> Order:
    """Remember a Razorpay order a payment names, if Razorpay says it was made for ours (its receipt)."""
    if order.razorpay_order_id is not None:
        return order
    found, call = await shop.razorpay_client.fetch_order(razorpay_order_id)
    if found.receipt != order.id or found.amount != order.amount:
        await append_timeline(shop.db, order.id, call_entry(call))
        return order
    entries = [*call_entry(call), timeline_entry("note", message=f"found Razorpay order {found.id} by receipt")]
    return await attach_razorpay_order(shop.db, order.id, found.id, entries) or await load_order(shop, order.id)
