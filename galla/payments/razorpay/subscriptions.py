"""Razorpay Subscriptions for our subscriptions: a Razorpay plan per plan version, the subscription checkout.js
authenticates, and what Razorpay holds of it read back as the neutral reports galla/orders/subscription_sync.py applies.

Chain: plan → subscription → one invoice per cycle, each paid by a payment on the invoice's order (SUBSCRIPTIONS.md
§1). State comes from a fetch of the subscription and its invoices, never from the order events arrive in (§19).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from galla.orders.context import Shop
from galla.orders.errors import gateway_failure
from galla.orders.subscription_actions import load_subscription
from galla.orders.view import call_entry
from galla.payments.errors import GatewayError
from galla.payments.money import Money, format_money
from galla.payments.provider import Entries
from galla.payments.razorpay.client import INVOICE_PAGE, RazorpayInvoice, RazorpaySubscription
from galla.payments.subscription_reports import ChargeReport, ChargeStatus, SubscriptionReport
from galla.store.gateway_plans import find_gateway_plan, gateway_plan_key, remember_gateway_plan
from galla.store.subscriptions import Subscription, append_subscription_timeline, attach_gateway_ids

GATEWAY = "razorpay"
# Our plan intervals as Razorpay's plan periods (create-plan: daily, weekly, monthly, yearly; SUBSCRIPTIONS.md §2).
PERIODS = {"week": "weekly", "month": "monthly", "year": "yearly"}
# A plan with no end still needs a total_count: "We support subscriptions for a maximum duration of 100 years"
# (razorpay.com/docs/api/payments/subscriptions/fetch-subscription-id, total_count), and the integration guide's error
# bounds the end: "end_time must be between 946684800 and 4765046400" (SUBSCRIPTIONS.md §3). The longest count is the
# cycles that surely end by both; a cycle counted at its longest (31-day months, 366-day years) so it never overshoots.
LATEST_END = 4765046400
LONGEST_YEARS = 100
LONGEST_CYCLE_DAYS = {"week": 7, "month": 31, "year": 366}
DAY = 86400
# Subscriptions whose invoices are still issued when a charge failed and is being retried (pending), or when retries
# ran out (halted: "invoices are still issued but not charged automatically", payments/subscriptions/states.md).
FAILING = ("pending", "halted")


def longest_total_count(interval: str, interval_count: int, now: datetime) -> int:
    """The most cycles of this period Razorpay takes for a subscription starting now (at least one)."""
    start = int(now.timestamp())
    end = min(LATEST_END, start + LONGEST_YEARS * 365 * DAY)
    return max(1, (end - start) // (LONGEST_CYCLE_DAYS[interval] * interval_count * DAY))


def moment(seconds: int | None) -> datetime | None:
    """A Razorpay time (Unix seconds) as ours."""
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


async def razorpay_plan_for(shop: Shop, sub: Subscription) -> tuple[str, Entries]:
    """The Razorpay plan for the subscription's plan version and currency: made the first time, then remembered."""
    key = gateway_plan_key(GATEWAY, sub.plan_id, sub.plan_version, sub.currency)
    if (known := await find_gateway_plan(shop.db, key)) is not None:
        return known, []
    try:
        plan, call = await shop.razorpay_client.create_plan(
            period=PERIODS[sub.interval],
            interval=sub.interval_count,
            amount=Money(sub.amount, sub.currency),
            name=sub.plan_name,
            description="",
            notes={"plan_id": sub.plan_id, "plan_version": sub.plan_version},
        )
    except GatewayError as exc:
        await append_subscription_timeline(shop.db, sub.id, call_entry(exc.call))
        raise gateway_failure(exc) from exc
    return await remember_gateway_plan(shop.db, key, plan.id), call_entry(call)


async def open_razorpay_subscription(shop: Shop, sub: Subscription) -> Subscription:
    """Create the Razorpay subscription checkout.js authenticates (notes.subscription_id = ours) and keep its ids.

    One made but never stored (a lost answer, a crash before the write) is not looked for, unlike a lost Razorpay
    order: its id never reached a browser, so nobody can authenticate it and it never charges anyone.
    """
    if sub.razorpay_subscription_id:
        return sub
    plan_id, entries = await razorpay_plan_for(shop, sub)
    total_count = sub.total_count or longest_total_count(sub.interval, sub.interval_count, datetime.now(UTC))
    try:
        # customer_notify: Razorpay tells the buyer of each charge and, when one fails, sends the link to change the
        # payment method (SUBSCRIPTIONS.md §8 "Recovery"); the pre-debit notice comes from the bank or UPI app (§7).
        created, call = await shop.razorpay_client.create_subscription(
            plan_id, total_count=total_count, notes={"subscription_id": sub.id}, customer_notify=True
        )
    except GatewayError as exc:
        await append_subscription_timeline(shop.db, sub.id, [*entries, *call_entry(exc.call)])
        raise gateway_failure(exc) from exc
    ids = {"razorpay_subscription_id": created.id, "razorpay_plan_id": plan_id, "short_url": created.short_url}
    attached = await attach_gateway_ids(shop.db, sub.id, ids, [*entries, *call_entry(call)])
    # None: a concurrent request attached its own Razorpay subscription first; that one stands.
    return attached or await load_subscription(shop, sub.id)


def describe_subscription(shop_name: str, sub: Subscription) -> str:
    """The window's description: the shop, the plan and what it costs how often ("Galla — Chai club, ₹499.00 a
    month"); checkout.js wants it to start with a letter or digit (checkout-options)."""
    every = f"a {sub.interval}" if sub.interval_count == 1 else f"every {sub.interval_count} {sub.interval}s"
    text = f"{sub.plan_name}, {format_money(sub.amount, sub.currency)} {every}"
    return f"{shop_name} — {text}" if shop_name else text


def razorpay_subscription_options(shop: Shop, sub: Subscription) -> dict[str, Any]:
    """checkout.js's options for a subscription: key and subscription_id, never an amount or an order_id (§6)."""
    return {
        "razorpay": {
            "key": shop.razorpay_client.key_id,
            "subscription_id": sub.razorpay_subscription_id,
            "name": shop.name,
            "description": describe_subscription(shop.name, sub),
            "prefill": {
                "name": sub.customer.get("name", ""),
                "email": sub.customer.get("email", ""),
                "contact": sub.customer.get("phone", ""),
            },
            "notes": {"subscription_id": sub.id},
        }
    }


def subscription_report(remote: RazorpaySubscription, cancel_at_period_end: bool | None) -> SubscriptionReport:
    """Razorpay's subscription in our words; its statuses are ours (SUBSCRIPTIONS.md §5).

    Razorpay has no field saying a cancel at the cycle's end is scheduled (razorpay/razorpay-node#330), so that flag
    is what we asked for (None: not asked in this fetch, the stored flag stands); an ended subscription is past it.
    """
    ended = remote.status in ("cancelled", "completed", "expired")
    return SubscriptionReport(
        gateway_id=remote.id,
        status=remote.status,
        current_start=moment(remote.current_start),
        current_end=moment(remote.current_end),
        charge_at=moment(remote.charge_at),
        ended_at=moment(remote.ended_at),
        cancel_at_period_end=False if ended else cancel_at_period_end,
        paid_count=remote.paid_count,
        customer_id=remote.customer_id,
        payment_method=remote.payment_method,
    )


def charge_reports(remote: RazorpaySubscription, invoices: list[RazorpayInvoice]) -> list[ChargeReport]:
    """Each cycle's invoice as a charge: paid; or, on a pending or halted subscription, its oldest unpaid invoice
    failed after auth_attempts tries (the one being retried: "Earlier unpaid invoices are not re-attempted", §5);
    any other issued invoice open."""
    unpaid = sorted((i for i in invoices if i.status == "issued"), key=lambda i: (i.billing_start or 0, i.id))
    failing = unpaid[0].id if unpaid and remote.status in FAILING and remote.auth_attempts else None
    reports = []
    for invoice in invoices:
        if invoice.status not in ("paid", "issued"):
            continue  # drafts, cancelled, expired or deleted invoices are no charge
        status: ChargeStatus = "paid" if invoice.status == "paid" else "failed" if invoice.id == failing else "open"
        reports.append(
            ChargeReport(
                invoice_id=invoice.id,
                money=Money(invoice.amount_paid if status == "paid" else invoice.amount, invoice.currency),
                status=status,
                payment_id=invoice.payment_id,
                period_start=moment(invoice.billing_start),
                period_end=moment(invoice.billing_end),
                paid_at=moment(invoice.paid_at),
                attempts=remote.auth_attempts if status == "failed" else int(status == "paid"),
            )
        )
    return reports


async def fetch_invoices(shop: Shop, razorpay_subscription_id: str) -> tuple[list[RazorpayInvoice], Entries]:
    """Every invoice of a Razorpay subscription, page by page."""
    invoices: list[RazorpayInvoice] = []
    entries: Entries = []
    while True:
        page, call = await shop.razorpay_client.list_subscription_invoices(razorpay_subscription_id, skip=len(invoices))
        invoices += page
        entries += call_entry(call)
        if not page or len(page) < INVOICE_PAGE:
            return invoices, entries


async def fetch_razorpay_subscription(
    shop: Shop, sub: Subscription, *, cancel_at_period_end: bool | None = None
) -> tuple[SubscriptionReport | None, list[ChargeReport], Entries]:
    """The subscription and its charges as Razorpay holds them now (None before it has one); cancel_at_period_end
    is a cancel at the cycle's end just asked for (else None: the stored flag is never written back from a copy read
    earlier, which a late webhook's sync would do after a cancel)."""
    if sub.razorpay_subscription_id is None:
        return None, [], []
    remote, call = await shop.razorpay_client.fetch_subscription(sub.razorpay_subscription_id)
    invoices, entries = await fetch_invoices(shop, sub.razorpay_subscription_id)
    return (
        subscription_report(remote, cancel_at_period_end),
        charge_reports(remote, invoices),
        [*call_entry(call), *entries],
    )
