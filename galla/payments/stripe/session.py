"""Opening the Stripe Checkout Session that pays an order, reusing the open one when there is one."""

from __future__ import annotations

from typing import Any

from galla.orders.context import Shop
from galla.orders.errors import gateway_failure
from galla.orders.view import call_entry, load_order
from galla.payments.calls import CallRecord
from galla.payments.errors import GatewayError, GatewayInvalid
from galla.payments.money import Money
from galla.payments.stripe.client import SESSION_ID_PLACEHOLDER, SessionLine, StripeSession
from galla.payments.stripe.confirm import apply_stripe_session
from galla.store.customers import forget_stripe_customer, get_customer, remember_stripe_customer
from galla.store.orders import Order, append_timeline, attach_stripe_session


async def open_stripe_session(shop: Shop, order: Order, *, switch: dict[str, Any] | None = None) -> Order:
    """Give a pending order an open Checkout Session: its current one if still open, else a new one.

    `switch` holds fields set with the new session in the same update (a failover's gateway and reason).
    """
    entries: list[dict[str, Any]] = []
    try:
        if order.stripe_session_id:
            current, call = await shop.stripe_client.retrieve_session(order.stripe_session_id)
            entries += call_entry(call)
            if current.status == "open":
                # Still the one to pay with: nothing changed, so nothing is written (anyone with the order id may
                # ask again without end, and each write would grow the order's document).
                return order
            if current.status == "complete":
                # Paid already (the buyer paid in another tab): settle instead of charging twice.
                return await apply_stripe_session(shop, order, current, entries)
        session, call = await create_buyers_session(shop, order, entries)
        entries += call_entry(call)
    except GatewayError as exc:
        await append_timeline(shop.db, order.id, [*entries, *call_entry(exc.call)])
        raise gateway_failure(exc) from exc
    attached = await attach_stripe_session(shop.db, order.id, session.id, session.url, entries, switch)
    # None: the order stopped being pending meanwhile (paid by a webhook); show it as it is.
    return attached or await load_order(shop, order.id)


async def create_buyers_session(
    shop: Shop, order: Order, entries: list[dict[str, Any]]
) -> tuple[StripeSession, CallRecord]:
    """Create the order's next Checkout Session as the buyer's Stripe customer.

    A customer id remembered under other keys (the sandbox's, test mode's before live) or deleted in the Dashboard
    is refused: "No such customer: 'cus_…'; a similar object exists in test mode, but a live mode key was used"
    (woocommerce/woocommerce-gateway-stripe#3109). It is forgotten, the buyer's customer on this account found or
    made, and the session asked for again under a key of its own (the refused request may be saved under the first).
    """
    customer_id = await ensure_stripe_customer(shop, order, entries)
    try:
        return await create_session(shop, order, customer_id)
    except GatewayInvalid as exc:
        if not unknown_customer(exc):
            raise
        entries += call_entry(exc.call)
    await forget_stripe_customer(shop.db, order.customer["email"], customer_id)
    customer_id = await ensure_stripe_customer(shop, order, entries)
    return await create_session(shop, order, customer_id, key_suffix=f"-{customer_id}")


async def create_session(
    shop: Shop, order: Order, customer_id: str, key_suffix: str = ""
) -> tuple[StripeSession, CallRecord]:
    """Ask Stripe for the order's next Checkout Session, paid as this customer."""
    return await shop.stripe_client.create_session(
        order_id=order.id,
        attempt=len(order.stripe_sessions) + 1,
        lines=session_lines(order),
        success_url=f"{shop.order_url(order.id)}?session_id={SESSION_ID_PLACEHOLDER}",
        cancel_url=f"{shop.order_url(order.id)}?cancelled=1",
        customer_id=customer_id,
        customer_email=order.customer.get("email"),
        shipping=order.shipping_address,
        key_suffix=key_suffix,
    )


def unknown_customer(exc: GatewayInvalid) -> bool:
    """Whether Stripe refused a request for naming a customer it does not have (resource_missing on `customer`)."""
    return exc.code == "resource_missing" and exc.field == "customer"


def session_lines(order: Order) -> list[SessionLine]:
    """The session's line items: our product names and the unit prices stored on the order."""
    return [
        SessionLine(name=item.name, unit=Money(item.unit_amount, order.currency), quantity=item.quantity)
        for item in order.items
    ]


async def ensure_stripe_customer(shop: Shop, order: Order, entries: list[dict[str, Any]]) -> str:
    """Return the buyer's Stripe customer id: remembered, found by email, or created once."""
    email = order.customer["email"]
    customer = await get_customer(shop.db, email) or {}
    if customer.get("stripe_customer_id"):
        remembered: str = customer["stripe_customer_id"]
        return remembered
    found, call = await shop.stripe_client.find_customer(email)
    entries += call_entry(call)
    if found is None:
        found, call = await shop.stripe_client.create_customer(
            email=email, name=order.customer.get("name", ""), phone=order.customer.get("phone")
        )
        entries += call_entry(call)
    return await remember_stripe_customer(shop.db, email, found.id)
