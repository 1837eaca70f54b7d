"""Failover: when Razorpay cannot open an order, an Indian buyer pays through Stripe in rupees instead."""

from __future__ import annotations

from galla.orders.context import Shop
from galla.orders.errors import GatewayBusy, GatewayFailed
from galla.payments.breaker import CircuitOpen
from galla.payments.errors import GatewayError, GatewayUnavailable
from galla.payments.money import AmountNotChargeable, Money, check_chargeable
from galla.payments.razorpay.order import open_razorpay_order
from galla.payments.stripe.session import open_stripe_session
from galla.store.orders import Order, now

FAILOVER_ROUTE = "failover"
RETRY_AFTER_SECONDS = 30


class NoGatewayAvailable(GatewayBusy):
    """Neither gateway can take the order now; it stays pending for the buyer to retry."""

    code = "no_gateway_available"


async def open_razorpay_or_stripe(shop: Shop, order: Order) -> Order:
    """Open the Razorpay order; if Razorpay is down (or its circuit open), a Stripe session in INR instead."""
    try:
        return await open_razorpay_order(shop, order)
    except GatewayFailed as exc:
        if not isinstance(exc.cause, GatewayUnavailable) or not shop.fails_over():
            raise  # Razorpay refused the order itself, or no failover (not wanted, or Stripe is off): not ours
        reason = describe_outage(exc.cause)
    if not stripe_can_charge(order):
        raise NoGatewayAvailable(
            f"{reason}, and this order cannot be paid by card instead; your order "
            "is saved, please try again in a minute",
            headers=retry_after(shop),
        )
    switch = {
        "gateway": "stripe",
        "route": FAILOVER_ROUTE,
        "failover": {"from_gateway": "razorpay", "reason": reason, "at": now()},
    }
    try:
        opened = await open_stripe_session(shop, order, switch=switch)
    except GatewayFailed as exc:
        raise NoGatewayAvailable(
            f"{reason}, and Stripe is not answering either; your order is saved, please try again in a minute",
            headers=retry_after(shop),
        ) from exc
    if shop.on_failover is not None:
        shop.on_failover("razorpay", "stripe")
    return opened


def describe_outage(error: GatewayError) -> str:
    """Say in a buyer's words why Razorpay could not take the order."""
    if isinstance(error, CircuitOpen):
        return "Razorpay is failing repeatedly right now"
    if error.reason == "timeout":
        return "Razorpay did not answer in time"
    if error.http_status == 429:
        return "Razorpay is too busy right now"
    if error.http_status:
        return f"Razorpay answered with an error (HTTP {error.http_status})"
    return "Razorpay could not be reached"


def stripe_can_charge(order: Order) -> bool:
    """Whether Stripe can charge the order's rupee total (its minimum is higher than Razorpay's)."""
    try:
        check_chargeable("stripe", Money(order.amount, order.currency))
    except AmountNotChargeable:
        return False
    return True


def retry_after(shop: Shop) -> dict[str, str]:
    """When to try again: once the sooner gateway's circuit lets a probe through, else in half a minute."""
    waits = [wait for wait in (breaker.retry_after() for breaker in shop.breakers) if wait > 0]
    seconds = min(waits) if waits else RETRY_AFTER_SECONDS
    return {"Retry-After": str(max(1, round(seconds)))}
