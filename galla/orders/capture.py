"""Capturing an authorized payment (manual capture), by the admin: through the gateway that authorized it."""

from __future__ import annotations

from galla.orders.context import Shop
from galla.orders.errors import Conflict, gateway_failure
from galla.orders.states import OrderStatus
from galla.orders.view import load_order
from galla.payments.errors import GatewayError
from galla.store.orders import Order


async def capture_order(shop: Shop, order_id: str) -> Order:
    """Capture the authorized payment of an order the shop captures by hand."""
    order = await load_order(shop, order_id)
    payment = order.payment or {}
    gateway = payment.get("gateway")
    if (
        order.status != OrderStatus.AUTHORIZED
        or not isinstance(gateway, str)
        or gateway not in shop.providers
        or not shop.provider(gateway).captures_by_hand
    ):
        raise Conflict(
            f"this order is {order.status.replace('_', ' ')}; only an authorized Razorpay payment can be captured",
            field="order_id",
            code="order_not_capturable",
        )
    try:
        return await shop.provider(gateway).capture(shop, order, payment["id"])
    except GatewayError as exc:
        raise gateway_failure(exc) from exc
