"""Applying Razorpay's webhook events to orders, forward only; the payload is a snapshot, maybe late."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, TypeVar

from galla.orders.context import Shop
from galla.orders.disputes import record_dispute
from galla.orders.refunds import drop_held_refunds, settle_refund
from galla.orders.states import OrderStatus
from galla.orders.subscription_refunds import apply_charge_dispute, apply_charge_refund
from galla.payments.razorpay.capture import capture_payment
from galla.payments.razorpay.client import RazorpayDispute, RazorpayEvent, RazorpayRefund
from galla.payments.razorpay.confirm import apply_razorpay_payment, failure_report, is_given_back, record_attempt
from galla.payments.razorpay.order import adopt_razorpay_order
from galla.store.orders import Order, find_order_by_payment_id, find_order_by_razorpay_id, get_order
from galla.store.subscriptions import Subscription

Entity = TypeVar("Entity")


def carried(entity: Entity | None) -> Entity:
    """An entity of the event a handler applies: apply_razorpay_event checked the payload has it (NEEDS)."""
    if entity is None:
        raise LookupError("the event's payload lacks the entity its handler reads")
    return entity


Handler = Callable[[Shop, Order, RazorpayEvent, list[dict[str, Any]]], Awaitable[Order]]


async def find_event_order(shop: Shop, event: RazorpayEvent) -> Order | None:
    """Our order an event is about, found only from what the shop created: never from notes (issue 24 item 2)."""
    # Notes are no key: a payment's notes are checkout.js's `notes` option, set by the buyer's browser
    # (razorpay/markdown-docs payments/payment-gateway/web-integration/standard/integration-steps.md, options).
    if event.refund is not None:
        return await find_refund_order(shop, event, event.refund)
    if event.dispute is not None:
        return await find_dispute_order(shop, event, event.dispute)
    return await find_payment_order(shop, event)


async def find_payment_order(shop: Shop, event: RazorpayEvent) -> Order | None:
    """A payment event's order: by the Razorpay order we stored, a payment recorded on it, else the receipt."""
    payment, rzp_order = event.payment, event.order
    razorpay_order_id = (payment.order_id if payment else None) or (rzp_order.id if rzp_order else None)
    if razorpay_order_id and (order := await find_order_by_razorpay_id(shop.db, razorpay_order_id)):
        return order
    if payment is not None and (order := await find_order_by_payment_id(shop.db, payment.id)):
        return order
    # order.paid carries Razorpay's order entity, made by our server with our key: its receipt is our order id
    # (razorpay.com/docs/api/orders/create, `receipt`). It finds an order whose Razorpay order was made but never
    # stored (a crash between the two writes); adopt_razorpay_order then checks it with Razorpay before storing.
    if rzp_order is not None and rzp_order.receipt and (rzp_order.id == razorpay_order_id):
        return await get_order(shop.db, rzp_order.receipt)
    return None


async def find_refund_order(shop: Shop, event: RazorpayEvent, refund: RazorpayRefund) -> Order | None:
    """A refund's order: the one its payment is recorded on, else the one whose Razorpay order that payment paid."""
    if order := await find_order_by_payment_id(shop.db, refund.payment_id):
        return order
    # The payload's payment is Razorpay's own snapshot (signed with the event): its Razorpay order finds ours even
    # when the refund names another payment, so settle_refund can record that refund as ignored, with its reason.
    payment = event.payment
    if payment is not None and payment.order_id:
        return await find_order_by_razorpay_id(shop.db, payment.order_id)
    return None


async def find_dispute_order(shop: Shop, event: RazorpayEvent, dispute: RazorpayDispute) -> Order | None:
    """A dispute's order: the one its payment is recorded on, else the one whose Razorpay order that payment paid."""
    payment = event.payment
    payment_id = dispute.payment_id or (payment.id if payment else None)
    if payment_id and (order := await find_order_by_payment_id(shop.db, payment_id)):
        return order
    if payment is not None and payment.id == payment_id and payment.order_id:
        return await find_order_by_razorpay_id(shop.db, payment.order_id)
    return None


async def apply_razorpay_event(
    shop: Shop, event: RazorpayEvent, entries: list[dict[str, Any]]
) -> tuple[Order | Subscription | None, Order | Subscription | None]:
    """Apply one verified event; return the order (or, for a subscription charge's refund or dispute, the
    subscription) before and after (None, None when it concerns none)."""
    handler = HANDLERS.get(event.event)
    if handler is None or event.entity(NEEDS[event.event]) is None:
        return None, None
    order = await find_event_order(shop, event)
    if order is None:
        return await apply_charge_event(shop, event, entries)
    payment = event.payment
    if payment is not None and payment.order_id and order.razorpay_order_id is None:
        order = await adopt_razorpay_order(shop, order, payment.order_id)
    return order, await handler(shop, order, event, entries)


async def apply_charge_event(
    shop: Shop, event: RazorpayEvent, entries: list[dict[str, Any]]
) -> tuple[Subscription | None, Subscription | None]:
    """A refund or dispute of a payment no order holds: a subscription charge's, found by the payment id stored on
    it (a subscription's payments pay invoices, not our orders: razorpay.com/docs/webhooks/refunds and /disputes
    carry the same payload for them)."""
    if event.refund is not None:
        return await apply_charge_refund(shop, event.refund.report(), entries)
    if event.dispute is not None:
        payment = event.payment
        report = event.dispute.report()
        if report.payment_id is None and payment is not None:
            report = replace(report, payment_id=payment.id)
        return await apply_charge_dispute(shop, report, entries)
    return None, None


async def on_payment_authorized(shop: Shop, order: Order, event: RazorpayEvent, entries: list[dict[str, Any]]) -> Order:
    """Authorized: with manual capture and the right amount, capture it now; Razorpay captures the rest itself."""
    after = await apply_razorpay_payment(shop, order, carried(event.payment), entries)
    if order.capture == "manual" and after.status == OrderStatus.AUTHORIZED:
        return await capture_payment(shop, after, carried(event.payment).id, [])
    return after


async def on_payment_captured(shop: Shop, order: Order, event: RazorpayEvent, entries: list[dict[str, Any]]) -> Order:
    """Captured (payment.captured or order.paid): the order is paid if the money matches."""
    return await apply_razorpay_payment(shop, order, carried(event.payment), entries)


async def on_payment_failed(shop: Shop, order: Order, event: RazorpayEvent, entries: list[dict[str, Any]]) -> Order:
    """A failed attempt: kept on a pending order; after a capture it only joins the timeline."""
    return await record_attempt(shop, order, failure_report(carried(event.payment)), entries)


async def on_refund(shop: Shop, order: Order, event: RazorpayEvent, entries: list[dict[str, Any]]) -> Order:
    """refund.created / processed / failed: settle that refund; Razorpay's own refund of an uncaptured payment also
    says on the order that the payment went back."""
    after = await settle_refund(shop, order, carried(event.refund).report(), entries)
    payment = event.payment
    # An auto-refund is news only these events bring: a late authorisation is given back days after the buyer left,
    # when no verify or reconcile looks at the order ("Refunds webhook events are also triggered for auto-refunds ...
    # payload.payment.entity.captured ... is false", https://razorpay.com/docs/webhooks/refunds).
    if payment is None or not is_given_back(payment) or payment.id != carried(event.refund).payment_id:
        return after
    if any(a.get("payment_id") == payment.id and a.get("code") == "AUTO_REFUNDED" for a in after.attempts):
        # Said already by the other refund event (either may come first): only what this one held goes.
        return await drop_held_refunds(
            shop, after, payment.id, f"Razorpay's own refund of payment {payment.id}, which never paid the order"
        )
    return await apply_razorpay_payment(shop, after, payment, [])


async def on_dispute(shop: Shop, order: Order, event: RazorpayEvent, entries: list[dict[str, Any]]) -> Order:
    """payment.dispute.created: the order is disputed."""
    return await record_dispute(shop, order, carried(event.dispute).report(), entries)


HANDLERS: dict[str, Handler] = {
    "payment.authorized": on_payment_authorized,
    "payment.captured": on_payment_captured,
    "order.paid": on_payment_captured,
    "payment.failed": on_payment_failed,
    "refund.created": on_refund,
    "refund.processed": on_refund,
    "refund.failed": on_refund,
    "payment.dispute.created": on_dispute,
}

# The payload entity each handler reads; an event without it is stored but changes nothing.
NEEDS = {
    name: "refund" if name.startswith("refund.") else "dispute" if ".dispute." in name else "payment"
    for name in HANDLERS
}
