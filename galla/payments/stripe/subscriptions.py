"""Stripe Billing for our subscriptions: Checkout in subscription mode opens one, and what Stripe holds of it (the
Subscription and its invoices) is read back as the neutral reports galla/orders/subscription_sync.py applies.

State comes from a fetch, never from the order events arrive in (SUBSCRIPTIONS.md §19); our subscription is found
only from ids we stored: the Checkout Session we created, and the Subscription that session says it started.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from galla.orders.context import Shop
from galla.orders.errors import InvalidInput, gateway_failure
from galla.orders.subscription_actions import load_subscription
from galla.orders.subscription_sync import sync_subscription
from galla.orders.view import call_entry
from galla.payments.calls import CallRecord
from galla.payments.errors import GatewayError
from galla.payments.money import Money
from galla.payments.provider import Entries
from galla.payments.stripe.client import SESSION_ID_PLACEHOLDER, StripeInvoice, StripeSession, StripeSubscription
from galla.payments.stripe.confirm import SESSION_ID, SessionRefused
from galla.payments.stripe.test_clocks import on_test_clocks, own_test_clock
from galla.payments.subscription_reports import ChargeReport, ChargeStatus, SubscriptionReport
from galla.store.orders import now
from galla.store.subscriptions import (
    TERMINAL,
    Subscription,
    append_subscription_timeline,
    attach_gateway_ids,
)

# Stripe's subscription statuses in ours (/work/sub-spec.md; stripe-python _subscription.py status).
STATUSES = {
    "incomplete": "created",
    "trialing": "active",
    "active": "active",
    "past_due": "pending",
    "unpaid": "halted",
    "paused": "paused",
    "canceled": "cancelled",
    "incomplete_expired": "expired",
}
# Statuses whose period still renews: the next charge falls due at the period's end (or at the next retry).
RENEWING = ("active", "pending")


def moment(seconds: int | None) -> datetime | None:
    """A Stripe time (Unix seconds) as ours."""
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


# -- opening ---------------------------------------------------------------------------------------


async def open_stripe_subscription(shop: Shop, sub: Subscription) -> Subscription:
    """Give a new subscription its Checkout Session in subscription mode, as the buyer's Stripe customer."""
    if sub.stripe_session_id:
        return sub
    entries: Entries = []
    clock_id = None
    try:
        if on_test_clocks(shop):
            # Played by this app's own sandbox: on a clock of its own, which the admin's sandbox panel moves on.
            clock_id = await own_test_clock(shop, sub, entries)
        customer_id = await customer_of_its_own(shop, sub, entries, test_clock=clock_id)
        session, call = await create_subscription_session(shop, sub, customer_id)
    except GatewayError as exc:
        await append_subscription_timeline(shop.db, sub.id, [*entries, *call_entry(exc.call)])
        raise gateway_failure(exc) from exc
    ids = {"stripe_session_id": session.id, "stripe_session_url": session.url, "stripe_customer_id": customer_id}
    if clock_id:
        ids["stripe_test_clock_id"] = clock_id
    attached = await attach_gateway_ids(shop.db, sub.id, ids, [*entries, *call_entry(call)])
    # None: a concurrent request attached its session first; that one stands (the same one: one Idempotency-Key).
    return attached or await load_subscription(shop, sub.id)


async def customer_of_its_own(shop: Shop, sub: Subscription, entries: Entries, *, test_clock: str | None = None) -> str:
    """A Stripe customer made for this subscription alone (Stripe allows many with one email), on its test clock
    when it has one, never one found by the email the buyer typed: the customer portal opens on a customer, so one
    shared by email would let anyone who knows a buyer's email manage, and cancel, that buyer's subscriptions (the
    attacker review)."""
    customer, call = await shop.stripe_client.create_customer(
        email=sub.customer["email"],
        name=sub.customer.get("name", ""),
        phone=sub.customer.get("phone") or None,
        test_clock=test_clock,
        subscription_id=sub.id,
    )
    entries += call_entry(call)
    return customer.id


async def create_subscription_session(
    shop: Shop, sub: Subscription, customer_id: str
) -> tuple[StripeSession, CallRecord]:
    """Ask Stripe for the subscription's Checkout Session, paid as this customer."""
    return await shop.stripe_client.create_subscription_session(
        subscription_id=sub.id,
        name=sub.plan_name,
        description=f"{sub.plan_name}, {describe_interval(sub.interval, sub.interval_count)}",
        unit=Money(sub.amount, sub.currency),
        interval=sub.interval,
        interval_count=sub.interval_count,
        success_url=f"{shop.subscription_url(sub.id)}?session_id={SESSION_ID_PLACEHOLDER}",
        cancel_url=f"{shop.subscription_url(sub.id)}?cancelled=1",
        customer_id=customer_id,
    )


def describe_interval(interval: str, count: int) -> str:
    """How often it is charged, as the PaymentIntent's description says it: "every month", "every 3 weeks"."""
    return f"every {interval}" if count == 1 else f"every {count} {interval}s"


def stripe_subscription_options(sub: Subscription) -> dict[str, Any]:
    """The Checkout Session the browser goes to."""
    return {"stripe": {"session_id": sub.stripe_session_id, "url": sub.stripe_session_url}}


# -- reading Stripe --------------------------------------------------------------------------------


def paid_invoices(invoices: list[StripeInvoice]) -> int:
    """How many of the subscription's invoices are paid: its charges so far."""
    return sum(1 for invoice in invoices if invoice.status == "paid")


def subscription_report(
    remote: StripeSubscription, invoices: list[StripeInvoice], total_count: int | None = None
) -> SubscriptionReport:
    """Stripe's Subscription in our words; its period is on its item (API 2026-10-28, SUBSCRIPTIONS.md §12). One
    that ended after all of a plan's charges is `completed`, as Razorpay says of it (§5); Stripe just cancels it."""
    status = STATUSES.get(remote.status, "created")
    paid = paid_invoices(invoices)
    if status == "cancelled" and total_count is not None and paid >= total_count:
        status = "completed"
    item = remote.first_item
    start, end = (item.current_period_start, item.current_period_end) if item else (None, None)
    return SubscriptionReport(
        gateway_id=remote.id,
        status=status,
        current_start=moment(start),
        current_end=moment(end),
        charge_at=next_charge_at(status, remote, invoices, end),
        ended_at=moment(remote.ended_at),
        cancel_at_period_end=remote.cancel_at_period_end and status not in TERMINAL,
        paid_count=paid,
        customer_id=remote.customer_id,
        # Checkout in subscription mode collects a card here (no other payment_method_types are asked for).
        payment_method="card",
    )


def next_charge_at(
    status: str, remote: StripeSubscription, invoices: list[StripeInvoice], period_end: int | None
) -> datetime | None:
    """When Stripe charges next: a failed invoice's next retry, else the period's end; None when nothing renews."""
    if status not in RENEWING or remote.cancel_at_period_end:
        return None
    retries = [invoice.next_payment_attempt for invoice in invoices if invoice.status == "open"]
    upcoming = [when for when in retries if when is not None]
    return moment(min(upcoming) if upcoming else period_end)


def charge_status(invoice: StripeInvoice) -> ChargeStatus | None:
    """An invoice as a charge: paid; failed once an attempt failed (open and retried, or uncollectible); open before
    any attempt; None for drafts and voided invoices, which were never charged (_invoice.py status)."""
    if invoice.status == "paid":
        return "paid"
    if invoice.status == "uncollectible" or (invoice.status == "open" and invoice.attempt_count > 0):
        return "failed"
    return "open" if invoice.status == "open" else None


def charge_reports(invoices: list[StripeInvoice]) -> list[ChargeReport]:
    """Each invoice that was or will be charged, oldest first, with the period it pays for and its PaymentIntent."""
    reports = []
    for invoice in sorted(invoices, key=lambda found: found.created or 0):
        status = charge_status(invoice)
        if status is None:
            continue
        start, end = invoice.service_period
        reports.append(
            ChargeReport(
                invoice_id=invoice.id,
                payment_id=invoice.payment_intent_id,
                money=invoice.money_paid if status == "paid" else invoice.money_due,
                status=status,
                period_start=moment(start),
                period_end=moment(end),
                paid_at=moment(invoice.paid_at),
                attempts=invoice.attempt_count,
            )
        )
    return reports


async def remote_subscription(
    shop: Shop, sub: Subscription, entries: Entries
) -> tuple[StripeSubscription | None, StripeSession | None]:
    """Stripe's Subscription for ours: by the id we stored, else the one our Checkout Session started (then kept);
    with the session when it was looked at (None, session: not paid)."""
    if sub.stripe_subscription_id:
        remote, call = await shop.stripe_client.retrieve_subscription(sub.stripe_subscription_id)
        entries += call_entry(call)
        return remote, None
    if not sub.stripe_session_id:
        return None, None
    session, call = await shop.stripe_client.retrieve_subscription_session(sub.stripe_session_id)
    entries += call_entry(call)
    return await link_session(shop, sub, session, entries), session


async def link_session(
    shop: Shop, sub: Subscription, session: StripeSession, entries: Entries
) -> StripeSubscription | None:
    """The Subscription our own completed session started, its id kept on ours (the session is retrieved by the id
    we stored, so what it names is ours); None while the buyer has not paid."""
    if session.id != sub.stripe_session_id or session.client_reference_id != sub.id:
        return None
    remote = session.subscription
    if remote is None:
        return None
    if not isinstance(remote, StripeSubscription):
        remote, call = await shop.stripe_client.retrieve_subscription(remote)
        entries += call_entry(call)
    ids = {"stripe_subscription_id": remote.id, "stripe_customer_id": remote.customer_id or sub.stripe_customer_id}
    await attach_gateway_ids(shop.db, sub.id, ids, [])
    return remote


async def fetch_stripe_subscription(
    shop: Shop, sub: Subscription
) -> tuple[SubscriptionReport | None, list[ChargeReport], Entries]:
    """The Subscription and every invoice of it, as reports; (None, [], calls) before the buyer has paid."""
    entries: Entries = []
    try:
        remote, session = await remote_subscription(shop, sub, entries)
        if remote is None:
            return unpaid_report(session), [], entries
        invoices, calls = await shop.stripe_client.list_subscription_invoices(remote.id)
        entries += [entry for call in calls for entry in call_entry(call)]
        remote = await end_after_last_charge(shop, sub, remote, invoices, entries)
    except GatewayError as exc:
        await append_subscription_timeline(shop.db, sub.id, [*entries, *call_entry(exc.call)])
        raise gateway_failure(exc) from exc
    return subscription_report(remote, invoices, sub.total_count), charge_reports(invoices), entries


def unpaid_report(session: StripeSession | None) -> SubscriptionReport | None:
    """A subscription never paid: `expired` once its Checkout Session expired (nothing can pay it any more, as
    Stripe's own incomplete_expired), else nothing to report yet."""
    if session is None or session.status != "expired":
        return None
    return SubscriptionReport(gateway_id=session.id, status="expired")


async def end_after_last_charge(
    shop: Shop, sub: Subscription, remote: StripeSubscription, invoices: list[StripeInvoice], entries: Entries
) -> StripeSubscription:
    """A plan with a number of charges: once the last is paid, Stripe is told to end the subscription with its
    period. Checkout's subscription_data takes no end (stripe-python params/checkout/_session_create_params.py
    has no cancel_at there), so it is set on the Subscription the first time a fetch sees the last charge paid."""
    if (
        sub.total_count is None
        or remote.status not in ("active", "trialing")
        or remote.cancel_at_period_end
        or paid_invoices(invoices) < sub.total_count
    ):
        return remote
    ending, call = await shop.stripe_client.update_subscription(remote.id, cancel_at_period_end=True)
    entries += call_entry(call)
    return ending


async def refresh_subscription(shop: Shop, sub: Subscription, entries: Entries) -> Subscription:
    """Fetch the subscription from Stripe and hand it to the one shared sync; `entries` go first on the timeline."""
    fetched_at = now()
    report, charges, calls = await fetch_stripe_subscription(shop, sub)
    # Re-read: fetching may have linked Stripe's subscription id to ours.
    current = await load_subscription(shop, sub.id)
    return await sync_subscription(shop, current, report, charges, [*entries, *calls], fetched_at)


# -- the buyer's return ----------------------------------------------------------------------------


async def confirm_stripe_subscription(shop: Shop, sub_id: str, proof: Mapping[str, str]) -> Subscription:
    """The session_id Stripe's success_url brings the buyer back with: it must be the one we stored for this
    subscription (a session of anyone else's is refused, nothing stored), then Stripe is asked and we sync."""
    session_id = proof.get("session_id") or ""
    if not SESSION_ID.fullmatch(session_id):
        raise InvalidInput(
            "session_id: is not a Stripe Checkout Session id", field="session_id", code="session_invalid"
        )
    sub = await load_subscription(shop, sub_id, gateway="stripe")
    if session_id != sub.stripe_session_id:
        raise SessionRefused("this payment session belongs to another subscription", field="session_id")
    if sub.stripe_subscription_id is not None and sub.synced_at is not None:
        # Linked and synced already (a webhook came first, or a reload): shown as it is, Stripe not asked again.
        return sub
    return await refresh_subscription(shop, sub, [])


# -- changes the shop or the buyer asks for ----------------------------------------------------------


async def change_stripe_subscription(shop: Shop, sub: Subscription, change: str) -> Subscription:
    """Ask Stripe to cancel (at period end or now), pause or resume; then state comes from a fetch, as always."""
    client = shop.stripe_client
    calls = {
        "cancel_at_period_end": lambda gid: client.update_subscription(gid, cancel_at_period_end=True),
        "cancel_now": client.cancel_subscription,
        "pause": client.pause_subscription,
        "resume": client.resume_subscription,
    }
    entries: Entries = []
    try:
        # Not linked yet (its webhooks lost or still to come): our own session says which Subscription it started.
        gateway_id = sub.stripe_subscription_id or getattr(
            (await remote_subscription(shop, sub, entries))[0], "id", None
        )
        if gateway_id is None:
            # Not paid yet: Stripe has no Subscription to change (the open session simply expires unpaid).
            raise InvalidInput(
                "the subscription has not started at Stripe yet", field="subscription_id", code="not_started"
            )
        _, call = await calls[change](gateway_id)
    except GatewayError as exc:
        await append_subscription_timeline(shop.db, sub.id, [*entries, *call_entry(exc.call)])
        raise gateway_failure(exc) from exc
    return await refresh_subscription(shop, sub, [*entries, *call_entry(call)])


async def stripe_portal_url(shop: Shop, sub: Subscription, return_url: str) -> str | None:
    """A fresh customer portal session for the subscription's Stripe customer (short-lived: made per click, §16),
    once Stripe has started the subscription (its session paid): before that there is nothing of the buyer's to
    manage."""
    if not sub.stripe_customer_id or not sub.stripe_subscription_id:
        return None
    try:
        portal, call = await shop.stripe_client.create_portal_session(sub.stripe_customer_id, return_url)
    except GatewayError as exc:
        await append_subscription_timeline(shop.db, sub.id, call_entry(exc.call))
        raise gateway_failure(exc) from exc
    await append_subscription_timeline(shop.db, sub.id, call_entry(call))
    return portal.url
