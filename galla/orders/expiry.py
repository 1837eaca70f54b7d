"""Giving up an order left unpaid: the one move to expired every gateway's reconciliation ends with."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from galla.orders.context import Shop
from galla.orders.states import OrderStatus
from galla.orders.view import load_order
from galla.store.orders import Order, transition_order


async def expire_if_due(shop: Shop, order: Order, expire_before: datetime, entries: list[dict[str, Any]]) -> Order:
    """Give up an unpaid order older than its expiry; a younger one is left waiting, with nothing written."""
    if order.created_at >= expire_before:
        return order
    return await expire_order(shop, order, "unpaid past its expiry", entries)


async def expire_order(shop: Shop, order: Order, reason: str, entries: list[dict[str, Any]]) -> Order:
    """Move a pending order to expired; the order as it is when it was not pending."""
    return await mark_expired(shop, order, reason, entries) or await load_order(shop, order.id)


async def mark_expired(
    shop: Shop,
    order: Order,
    reason: str,
    entries: list[dict[str, Any]],
    *,
    allowed_from: OrderStatus = OrderStatus.PENDING,
    fields: dict[str, Any] | None = None,
) -> Order | None:
    """Give an order up (from pending, or `allowed_from`) in one conditional update; None if its status forbids it."""
    return await transition_order(
        shop.db,
        order.id,
        allowed_from=[allowed_from.value],
        to=OrderStatus.EXPIRED.value,
        reason=reason,
        fields=fields,
        entries=entries,
    )
