"""Failover: when a gateway cannot open an order, the buyer pays through its backup (Razorpay's: Stripe, in rupees)."""

from __future__ import annotations

from galla.orders.context import Shop
from galla.orders.errors import GatewayBusy, GatewayFailed
from galla.payments.breaker import CircuitOpen
from galla.payments.errors import GatewayError, GatewayUnavailable
from galla.payments.labels import gateway_label
from galla.payments.money import AmountNotChargeable, Money, check_chargeable
from galla.store.orders import Order, now

FAILOVER_ROUTE = "failover"
RETRY_AFTER_SECONDS = 30


class NoGatewayAvailable(GatewayBusy, code="no_gateway_available"):
    """Neither gateway can take the order now; it stays pending for the buyer to retry."""


async def open_payment_or_fail_over(shop: Shop, order: Order) -> Order:
    """Open the order's payment at its gateway; if that gateway is down (or its circuit open), at its backup."""
    provider = shop.provider(order.gateway)
    # A plain str: it is stored on the order (the store takes exactly str, galla/orders/states.py says why).
    backup = provider.fails_over_to.value if provider.fails_over_to is not None else None
    try:
        return await provider.open_payment(shop, order)
    except GatewayFailed as exc:
        if backup is None or not isinstance(exc.cause, GatewayUnavailable) or not shop.fails_over(backup):
            raise  # the gateway refused the order itself, or no failover (none, not wanted, or it is off): not ours
        reason = describe_outage(exc.cause)
    if not can_charge(backup, order):
        raise NoGatewayAvailable(
            f"{reason}, and this order cannot be paid by card instead; your order "
            "is saved, please try again in a minute",
            headers=retry_after(shop),
        )
    switch = {
        "gateway": backup,
        "route": FAILOVER_ROUTE,
        "failover": {"from_gateway": order.gateway, "reason": reason, "at": now()},
    }
    try:
        opened = await shop.provider(backup).open_payment(shop, order, switch=switch)
    except GatewayFailed as exc:
        raise NoGatewayAvailable(
            f"{reason}, and {gateway_label(backup)} is not answering either; your order is saved, please try again "
            "in a minute",
            headers=retry_after(shop),
        ) from exc
    if shop.on_failover is not None:
        shop.on_failover(order.gateway, backup)
    return opened


def describe_outage(error: GatewayError) -> str:
    """Say in a buyer's words why the gateway could not take the order."""
    name = gateway_label(error.gateway)
    if isinstance(error, CircuitOpen):
        return f"{name} is failing repeatedly right now"
    if error.reason == "timeout":
        return f"{name} did not answer in time"
    if error.http_status == 429:
        return f"{name} is too busy right now"
    if error.http_status:
        return f"{name} answered with an error (HTTP {error.http_status})"
    return f"{name} could not be reached"


def can_charge(gateway: str, order: Order) -> bool:
    """Whether the gateway can charge the order's total (Stripe's minimum is higher than Razorpay's)."""
    try:
        check_chargeable(gateway, Money(order.amount, order.currency))
    except AmountNotChargeable:
        return False
    return True


def retry_after(shop: Shop) -> dict[str, str]:
    """When to try again: once the sooner gateway's circuit lets a probe through, else in half a minute."""
    waits = [wait for wait in (breaker.retry_after() for breaker in shop.breakers) if wait > 0]
    seconds = min(waits) if waits else RETRY_AFTER_SECONDS
    return {"Retry-After": str(max(1, round(seconds)))}
