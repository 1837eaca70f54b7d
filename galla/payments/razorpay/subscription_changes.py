"""What moves a Razorpay subscription of ours: checkout.js's signed authentication, the shop's cancel, pause and
resume, and subscription.* webhooks. Each ends the same way: fetch from Razorpay, then the one shared sync."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from galla.orders.context import Shop
from galla.orders.errors import Conflict, InvalidInput, SignatureInvalid, gateway_failure
from galla.orders.subscription_actions import load_subscription
from galla.orders.subscription_sync import sync_subscription
from galla.orders.view import call_entry
from galla.payments.calls import CallRecord
from galla.payments.errors import GatewayError, GatewayInvalid
from galla.payments.provider import Entries
from galla.payments.razorpay.client import RazorpayEvent, RazorpayPayment
from galla.payments.razorpay.subscriptions import fetch_razorpay_subscription, moment
from galla.payments.subscription_reports import ChargeReport
from galla.store.orders import now, timeline_entry
from galla.store.subscription_charges import list_charges
from galla.store.subscriptions import (
    Subscription,
    append_subscription_timeline,
    find_subscription,
    keep_cancel_at_period_end,
)

# A payment id from the browser goes into a URL only in Razorpay's format (galla/orders/inputs.py razorpay_id).
PAYMENT_ID = re.compile(r"pay_[A-Za-z0-9]{14}")
SIGNATURE_LONGEST = 128
# Every subscription.* event Razorpay sends (webhooks/subscriptions.md; SUBSCRIPTIONS.md §8); each is applied the same
# way, as a fetch, so which one came matters only for the trace. docs/GOING_LIVE.md lists them to enable.
EVENTS = tuple(
    f"subscription.{name}"
    for name in (
        "authenticated",
        "activated",
        "charged",
        "pending",
        "halted",
        "paused",
        "resumed",
        "updated",
        "cancelled",
        "completed",
    )
)


async def sync_from_razorpay(
    shop: Shop,
    sub: Subscription,
    entries: Entries,
    *,
    payment: RazorpayPayment | None = None,
    cancel_at_period_end: bool | None = None,
) -> Subscription:
    """Fetch the subscription and its invoices from Razorpay and apply them; a payment Razorpay signed for (the
    checkout handler's, a webhook's) counts too, should the invoice list not show it paid yet."""
    fetched_at = now()
    try:
        report, charges, calls = await fetch_razorpay_subscription(shop, sub, cancel_at_period_end=cancel_at_period_end)
    except GatewayError as exc:
        await append_subscription_timeline(shop.db, sub.id, call_entry(exc.call))
        raise
    charges = [*charges, *paid_by(payment, charges)]
    return await sync_subscription(shop, sub, report, charges, [*entries, *calls], fetched_at)


def paid_by(payment: RazorpayPayment | None, charges: list[ChargeReport]) -> list[ChargeReport]:
    """The charge a captured payment on one of the subscription's invoices makes, when the fetched invoices do not
    say it yet (an invoice not on them is no charge of this subscription)."""
    if payment is None or not payment.captured or payment.invoice_id is None:
        return []
    invoice = next((c for c in charges if c.invoice_id == payment.invoice_id), None)
    if invoice is None or invoice.status == "paid":
        return []
    paid_at = moment(payment.created_at)
    return [
        ChargeReport(
            invoice_id=invoice.invoice_id,
            money=payment.money,
            status="paid",
            payment_id=payment.id,
            period_start=invoice.period_start,
            period_end=invoice.period_end,
            paid_at=paid_at,
            attempts=max(invoice.attempts, 1),
        )
    ]


def read_proof(proof: Mapping[str, str]) -> tuple[str, str, str]:
    """checkout.js's handler response: razorpay_payment_id, razorpay_subscription_id, razorpay_signature."""
    values = []
    for name in ("razorpay_payment_id", "razorpay_subscription_id", "razorpay_signature"):
        value = proof.get(name)
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput(f"{name} is required", field=name)
        values.append(value.strip())
    payment_id, subscription_id, signature = values
    if not PAYMENT_ID.fullmatch(payment_id):
        raise InvalidInput("is not a Razorpay payment id (pay_ and 14 letters or digits)", field="razorpay_payment_id")
    if len(signature) > SIGNATURE_LONGEST:
        raise InvalidInput("the signature is too long", field="razorpay_signature")
    return payment_id, subscription_id, signature


async def confirm_razorpay_subscription(shop: Shop, sub_id: str, proof: Mapping[str, str]) -> Subscription:
    """Check checkout.js's signature against the Razorpay subscription WE stored, then ask Razorpay what the payment
    and the subscription are, and sync. A forged or swapped proof is refused (400 signature_invalid) with nothing
    stored: "use the stored order_id, never one from the callback" (razorpay.com/docs/payments/payment-gateway/
    s2s-integration/test-s2s/best-practices/security, BP-02), for a subscription its stored id (SUBSCRIPTIONS.md §6).
    """
    payment_id, claimed, signature = read_proof(proof)
    sub = await load_subscription(shop, sub_id)
    stored = sub.razorpay_subscription_id
    if stored is None or claimed != stored:
        raise SignatureInvalid(
            "the Razorpay subscription does not belong to this subscription", field="razorpay_subscription_id"
        )
    if not shop.razorpay_client.verify_subscription_signature(stored, payment_id, signature):
        raise SignatureInvalid("the payment signature does not match", field="razorpay_signature")
    if any(charge.payment_id == payment_id for charge in await list_charges(shop.db, sub.id)):
        # Its payment is recorded already (a reload, or a buyer replaying their valid proof without end): what it did
        # is known, so a repeat costs no Razorpay call and adds nothing to the timeline.
        return sub
    browser = timeline_entry("browser", event="checkout.handler", payment_id=payment_id, signature_valid=True)
    try:
        payment, call = await shop.razorpay_client.fetch_payment(payment_id)
    except GatewayError as exc:
        await append_subscription_timeline(shop.db, sub.id, [browser, *call_entry(exc.call)])
        raise gateway_failure(exc) from exc
    entries = [browser, *call_entry(call)]
    if payment.status not in ("captured", "authorized"):
        entries.append(timeline_entry("note", message=f"payment {payment.id} is {payment.status}"))
    try:
        return await sync_from_razorpay(shop, sub, entries, payment=payment)
    except GatewayError as exc:
        raise gateway_failure(exc) from exc


Change = Callable[[str], Awaitable[tuple[Any, CallRecord]]]


async def change_razorpay_subscription(
    shop: Shop, sub: Subscription, change: Change, said: str, *, cancel_at_period_end: bool | None = None
) -> Subscription:
    """Ask Razorpay for a change (cancel, pause, resume), then take the state from a fetch; Razorpay's refusal
    ("Subscription cannot be paused in paused status.") is a 409 in its words."""
    if sub.razorpay_subscription_id is None:
        raise Conflict("this subscription has no Razorpay subscription yet", field="subscription_id")
    try:
        _, call = await change(sub.razorpay_subscription_id)
    except GatewayError as exc:
        await append_subscription_timeline(shop.db, sub.id, call_entry(exc.call))
        if isinstance(exc, GatewayInvalid) and exc.http_status == 400:
            raise Conflict(f"Razorpay refused: {exc.description}", field="subscription_id") from exc
        raise gateway_failure(exc) from exc
    entries = [timeline_entry("note", message=said), *call_entry(call)]
    if cancel_at_period_end:
        await keep_cancel_at_period_end(shop.db, sub.id, sub.current_end)
    try:
        return await sync_from_razorpay(shop, sub, entries, cancel_at_period_end=cancel_at_period_end)
    except GatewayError as exc:
        raise gateway_failure(exc) from exc


async def cancel_razorpay_subscription(shop: Shop, sub: Subscription, *, at_period_end: bool) -> Subscription:
    """POST …/cancel now, or with cancel_at_cycle_end when the current cycle ends (cancel-subscription.md)."""
    client = shop.razorpay_client

    async def cancel(razorpay_id: str) -> tuple[Any, CallRecord]:
        return await client.cancel_subscription(razorpay_id, at_cycle_end=at_period_end)

    said = "asked Razorpay to cancel at the end of the cycle" if at_period_end else "asked Razorpay to cancel now"
    return await change_razorpay_subscription(
        shop, sub, cancel, said, cancel_at_period_end=True if at_period_end else None
    )


async def pause_razorpay_subscription(shop: Shop, sub: Subscription) -> Subscription:
    """POST …/pause {"pause_at": "now"}; Razorpay cancels an authenticated one instead (§4)."""
    return await change_razorpay_subscription(shop, sub, shop.razorpay_client.pause_subscription, "asked to pause")


async def resume_razorpay_subscription(shop: Shop, sub: Subscription) -> Subscription:
    """POST …/resume {"resume_at": "now"}."""
    return await change_razorpay_subscription(shop, sub, shop.razorpay_client.resume_subscription, "asked to resume")


def is_razorpay_subscription_event(event: RazorpayEvent) -> bool:
    """Whether a verified Razorpay event is a subscription's."""
    return event.event in EVENTS


async def apply_razorpay_subscription_event(
    shop: Shop, event: RazorpayEvent, entries: Entries
) -> tuple[Subscription | None, Subscription | None]:
    """A subscription.* event: find OUR subscription by the Razorpay subscription id we stored (never by notes), then
    fetch and sync; the event's payment (signed with it) may add its charge."""
    snapshot = event.subscription
    if snapshot is None:
        return None, None
    sub = await find_subscription(shop.db, razorpay_subscription_id=snapshot.id)
    if sub is None:
        return None, None
    return sub, await sync_from_razorpay(shop, sub, entries, payment=event.payment)
