"""Reconciling with Stripe: an order's Checkout Sessions, looked up when no webhook came."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from galla.orders.context import Shop
from galla.orders.expiry import expire_if_due, expire_order
from galla.orders.view import call_entry
from galla.payments.gateways import Gateway
from galla.payments.stripe.client import StripeSession
from galla.payments.stripe.confirm import apply_stripe_session
from galla.store.orders import Order, timeline_entry


async def reconcile_stripe_order(shop: Shop, order: Order, expire_before: datetime) -> Order:
    """Ask Stripe about every session the order had: a paid one settles it, an expired current one ends it."""
    entries = [timeline_entry("reconcile", gateway="stripe")]
    paid, current = await scan_sessions(shop, order, entries)
    if paid is not None:
        return paid
    for other in sorted(shop.live - {Gateway.STRIPE}):
        # Failed over from another gateway: a late payment there may pay the order. Asked before the Stripe session
        # is expired, so a paid order is never given up.
        found = await shop.provider(other).apply_best_payment(shop, order, entries)
        if found is not None:
            return found
    if current is not None and current.status == "open" and order.created_at < expire_before:
        # Close it at Stripe first, so nobody pays an order we have given up.
        current, call = await shop.stripe_client.expire_session(current.id)
        entries += call_entry(call)
    if current is not None and current.status == "expired":
        return await expire_order(shop, order, f"Stripe session {current.id} expired unpaid", entries)
    return await expire_if_due(shop, order, expire_before, entries)


async def scan_sessions(
    shop: Shop, order: Order, entries: list[dict[str, Any]]
) -> tuple[Order | None, StripeSession | None]:
    """Apply the order's completed session, newest first, if it has one; else the order's current session."""
    current = None
    sessions = order.stripe_sessions or ([order.stripe_session_id] if order.stripe_session_id else [])
    for session_id in reversed(sessions):
        session, call = await shop.stripe_client.retrieve_session(session_id)
        entries += call_entry(call)
        if session.status == "complete":
            return await apply_stripe_session(shop, order, session, entries), None
        if session_id == order.stripe_session_id:
            current = session
    return None, current


async def give_back_late_stripe_payments(
    shop: Shop, order: Order, entries: list[dict[str, Any]]
) -> tuple[Order, list[dict[str, Any]]]:
    """Give back each paid session of a failed-over paid order that is not its own payment (its webhook lost)."""
    own, known = (order.payment or {}).get("id"), {extra.get("id") for extra in order.extra_payments}
    for session_id in order.stripe_sessions:
        session, call = await shop.stripe_client.retrieve_session(session_id)
        entries = [*entries, *call_entry(call)]
        paid_by = session.summary().get("id")
        if session.payment_status == "paid" and paid_by not in (own, None, *known):
            order = await apply_stripe_session(shop, order, session, entries)
            entries = []
    return order, entries
