"""Confirming a Stripe Checkout payment with Stripe itself; the buyer's query string proves nothing."""

from __future__ import annotations

import re
from typing import Any

from galla.orders.context import Shop
from galla.orders.errors import CheckoutError, InvalidInput, gateway_failure
from galla.orders.settle import settle_payment
from galla.orders.states import OrderStatus
from galla.orders.view import call_entry, load_order
from galla.payments.errors import GatewayError, GatewayInvalid
from galla.payments.money import Money
from galla.payments.stripe.client import StripePaymentIntent, StripeSession
from galla.store.orders import Order, append_timeline, has_timeline_entry, timeline_entry

# Stripe's Checkout Session ids: cs_test_… or cs_live_…, letters and digits.
SESSION_ID = re.compile(r"cs_(?:test|live)_[A-Za-z0-9]{1,250}")
# Statuses a return can still change; a settled order is shown as it is.
CONFIRMABLE = (OrderStatus.PENDING, OrderStatus.EXPIRED)


class SessionRefused(CheckoutError, status=400, code="session_invalid"):
    """A Stripe session Stripe does not know, or that belongs to another order."""


async def confirm_stripe_return(shop: Shop, order_id: str, session_id: str) -> Order:
    """Ask Stripe about the session the buyer came back with, and apply it if it is this order's."""
    order = await load_order(shop, order_id)
    if not SESSION_ID.fullmatch(session_id):
        raise InvalidInput(
            "session_id: is not a Stripe Checkout Session id", field="session_id", code="session_invalid"
        )
    # Stamped now: the buyer came back before (and so) the session was looked up.
    came_back = timeline_entry("browser", event="stripe.return", session_id=session_id)
    if order.status not in CONFIRMABLE:
        return await note_late_return(shop, order, came_back)
    try:
        session, call = await shop.stripe_client.retrieve_session(session_id)
    except GatewayInvalid as exc:
        # An id Stripe does not know is the buyer's (or a forger's) mistake: the order is untouched.
        raise SessionRefused("Stripe knows no such payment session", field="session_id") from exc
    except GatewayError as exc:
        raise gateway_failure(exc) from exc
    if not session_belongs(session, order):
        raise SessionRefused("this payment session belongs to another order", field="session_id")
    if session.payment_status != "paid" and await has_timeline_entry(
        shop.db, order.id, kind="browser", event="stripe.return", session_id=session_id
    ):
        # A return with this unpaid session is noted already: a repeat (a reload, or a stranger with the link)
        # changes nothing and adds nothing to the order's document.
        return order
    entries = [came_back, *call_entry(call)]
    return await apply_stripe_session(shop, order, session, entries)


async def note_late_return(shop: Shop, order: Order, came_back: dict[str, Any]) -> Order:
    """Keep on a settled order (its webhook came first) that the buyer came back, once per session it was given:
    the trace tells the whole story, and neither a reload nor a made-up session id grows the order."""
    session_id = came_back["session_id"]
    if session_id in order.stripe_sessions and not await has_timeline_entry(
        shop.db, order.id, kind="browser", event="stripe.return", session_id=session_id
    ):
        await append_timeline(shop.db, order.id, [came_back])
    return order


async def load_order_after_return(shop: Shop, order_id: str, session_id: str | None) -> Order:
    """Load an order; when the buyer came back from Stripe with a session id, check that session first."""
    if session_id is None:
        return await load_order(shop, order_id)
    return await confirm_stripe_return(shop, order_id, session_id)


def session_belongs(session: StripeSession, order: Order) -> bool:
    """Whether Stripe says this session was made for this order."""
    return session.client_reference_id == order.id and session.metadata.get("order_id", order.id) == order.id


def session_mismatch(order: Order, session: StripeSession) -> str | None:
    """Say why a paid session cannot pay this order, or None when it matches exactly."""
    if not session_belongs(session, order):
        return f"session {session.id} belongs to order {session.client_reference_id}, not {order.id}"
    expected = Money(order.amount, order.currency)
    paid = session.money
    if paid is None:
        return f"session {session.id} has no amount"
    if paid.currency != expected.currency:
        return f"session currency {paid.currency} differs from the order's {expected.currency}"
    if paid.amount != expected.amount:
        return f"session amount {paid.amount} differs from the order's {expected.amount}"
    pi = session.payment_intent
    if isinstance(pi, StripePaymentIntent) and pi.money_received != expected:
        # Said in money, not Stripe's wire units (5 ISK is 500 there: docs.stripe.com/currencies#special-cases).
        return f"payment intent {pi.id} received {pi.money_received.format()}"
    return None


async def apply_stripe_session(
    shop: Shop, order: Order, session: StripeSession, entries: list[dict[str, Any]]
) -> Order:
    """Move the order as the session says: paid only when Stripe says paid and the money matches."""
    paid = session.payment_status == "paid"
    return await settle_payment(
        shop,
        order,
        session.report(),
        target=OrderStatus.PAID if paid else None,
        allowed_from=[OrderStatus.PENDING.value],
        reason=f"Stripe session {session.id} paid",
        mismatch=session_mismatch(order, session) if paid else None,
        entries=entries,
        note=f"session {session.id} is {session.status}, payment {session.payment_status}; order left as it was",
    )
