"""Applying Stripe's webhook events to orders, forward only; events come late, twice or out of order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from galla.orders.context import Shop
from galla.orders.disputes import record_dispute
from galla.orders.expiry import mark_expired
from galla.orders.refunds import settle_refund
from galla.orders.subscription_refunds import (
    apply_charge_dispute,
    apply_charge_refund,
    find_payment_subscription,
    settle_charge_reports,
)
from galla.orders.view import call_entry
from galla.payments.razorpay.confirm import record_attempt
from galla.payments.stripe.client import StripeCharge, StripeDispute, StripeRefund, StripeSession, StripeWebhookEvent
from galla.payments.stripe.confirm import apply_stripe_session, session_belongs
from galla.store.orders import (
    Order,
    append_timeline_and_read,
    find_order_by_payment_id,
    get_order,
    timeline_entry,
)
from galla.store.subscriptions import Subscription

Handler = Callable[[Shop, Order, dict[str, Any], list[dict[str, Any]]], Awaitable[Order]]


async def find_event_order(shop: Shop, resource: dict[str, Any], event_type: str) -> Order | None:
    """Our order an event's object is about: by client_reference_id or metadata, else by its PaymentIntent."""
    metadata = resource.get("metadata")
    if not isinstance(metadata, dict):
        metadata = {}
    for order_id in (resource.get("client_reference_id"), metadata.get("order_id")):
        if isinstance(order_id, str) and (order := await get_order(shop.db, order_id)):
            return order
    intent = resource.get("id") if event_type.startswith("payment_intent.") else resource.get("payment_intent")
    if isinstance(intent, dict):
        intent = intent.get("id")
    return await find_order_by_payment_id(shop.db, intent) if isinstance(intent, str) else None


async def apply_stripe_event(
    shop: Shop, event: StripeWebhookEvent, entries: list[dict[str, Any]]
) -> tuple[Order | Subscription | None, Order | Subscription | None]:
    """Apply one verified event; return the order (or, for a subscription charge's refund or dispute, the
    subscription) before and after (None, None when it concerns none)."""
    handler = HANDLERS.get(event.type)
    resource = event.resource
    if handler is None or not resource.get("id"):
        return None, None
    order = await find_event_order(shop, resource, event.type)
    if order is None:
        return await apply_charge_event(shop, resource, event.type, entries)
    return order, await handler(shop, order, resource, entries)


async def apply_charge_event(
    shop: Shop, resource: dict[str, Any], event_type: str, entries: list[dict[str, Any]]
) -> tuple[Subscription | None, Subscription | None]:
    """A refund or dispute of a PaymentIntent no order holds: a subscription charge's, found by the PaymentIntent
    stored on it (Refund.payment_intent, Dispute.payment_intent, Charge.payment_intent: docs.stripe.com/api/refunds/
    object, /api/disputes/object, /api/charges/object)."""
    if event_type.startswith("refund."):
        return await apply_charge_refund(shop, StripeRefund.model_validate(resource).report(), entries)
    if event_type == "charge.dispute.created":
        return await apply_charge_dispute(shop, StripeDispute.model_validate(resource).report(), entries)
    if event_type == "charge.refunded":
        # It names no refund: each of the PaymentIntent's refunds is settled by its key, as for an order.
        charge = StripeCharge.model_validate(resource)
        found = await find_payment_subscription(shop, charge.payment_intent)
        if found is None or not charge.payment_intent:
            return None, None
        sub, stored = found
        reports, call = await shop.provider("stripe").list_refunds(shop, charge.payment_intent)
        return sub, await settle_charge_reports(shop, sub, stored, reports, [*entries, *call_entry(call)])
    return None, None


async def on_session_paid(shop: Shop, order: Order, resource: dict[str, Any], entries: list[dict[str, Any]]) -> Order:
    """checkout.session.completed / async_payment_succeeded: paid only when Stripe says paid."""
    return await apply_stripe_session(shop, order, StripeSession.model_validate(resource), entries)


async def on_session_expired(
    shop: Shop, order: Order, resource: dict[str, Any], entries: list[dict[str, Any]]
) -> Order:
    """The order's current session expired unpaid: the order is given up; an older session is only noted."""
    session = StripeSession.model_validate(resource)
    if session.id == order.stripe_session_id and session_belongs(session, order):
        moved = await mark_expired(shop, order, f"Stripe session {session.id} expired unpaid", entries)
        if moved is not None:
            return moved
    note = timeline_entry("note", message=f"session {session.id} expired; order left as it was")
    return await append_timeline_and_read(shop.db, order.id, [*entries, note]) or order


async def on_async_payment_failed(
    shop: Shop, order: Order, resource: dict[str, Any], entries: list[dict[str, Any]]
) -> Order:
    """A delayed payment method failed: a failed attempt on the order."""
    session = StripeSession.model_validate(resource)
    report = {
        "code": "async_payment_failed",
        "description": "the payment did not go through",
        "payment_id": session.payment_intent_id,
        "method": None,
    }
    return await record_attempt(shop, order, report, entries)


async def on_payment_failed(shop: Shop, order: Order, resource: dict[str, Any], entries: list[dict[str, Any]]) -> Order:
    """payment_intent.payment_failed: a declined card, kept as a failed attempt with Stripe's words."""
    error = resource.get("last_payment_error") or {}
    charge = error.get("charge")
    report = {
        "code": error.get("decline_code") or error.get("code"),
        "description": error.get("message"),
        "payment_id": charge if isinstance(charge, str) else resource.get("id"),
        "method": (error.get("payment_method") or {}).get("type", "card"),
    }
    return await record_attempt(shop, order, report, entries)


async def on_charge_refunded(
    shop: Shop, order: Order, resource: dict[str, Any], entries: list[dict[str, Any]]
) -> Order:
    """charge.refunded names no refund: when it shows more refunded than we know, ask Stripe which refunds."""
    charge = StripeCharge.model_validate(resource)
    if charge.money_refunded.amount <= order.refunded_amount or not charge.payment_intent:
        # In money, not Stripe's wire units (5 ISK is 500 there: docs.stripe.com/currencies#special-cases).
        note = timeline_entry(
            "note",
            message=f"charge {charge.id} refunded {charge.money_refunded.format()}; every refund already recorded",
        )
        return await append_timeline_and_read(shop.db, order.id, [*entries, note]) or order
    refunds, call = await shop.stripe_client.list_refunds(charge.payment_intent)
    known = {(r.get("refund_id"), r.get("status")) for r in order.refunds}
    after = order
    entries = [*entries, *call_entry(call)]
    for report in (refund.report() for refund in refunds):
        if (report.refund_id, report.status) not in known:
            after = await settle_refund(shop, after, report, entries)
            entries = []
    if entries:
        after = await append_timeline_and_read(shop.db, order.id, entries) or after
    return after


async def on_refund(shop: Shop, order: Order, resource: dict[str, Any], entries: list[dict[str, Any]]) -> Order:
    """refund.created / updated / failed: settle that refund."""
    return await settle_refund(shop, order, StripeRefund.model_validate(resource).report(), entries)


async def on_dispute(shop: Shop, order: Order, resource: dict[str, Any], entries: list[dict[str, Any]]) -> Order:
    """charge.dispute.created: the order is disputed."""
    return await record_dispute(shop, order, StripeDispute.model_validate(resource).report(), entries)


HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": on_session_paid,
    "checkout.session.async_payment_succeeded": on_session_paid,
    "checkout.session.async_payment_failed": on_async_payment_failed,
    "checkout.session.expired": on_session_expired,
    "payment_intent.payment_failed": on_payment_failed,
    "charge.refunded": on_charge_refunded,
    "refund.created": on_refund,
    "refund.updated": on_refund,
    "refund.failed": on_refund,
    "charge.dispute.created": on_dispute,
}
