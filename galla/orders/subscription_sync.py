"""Bringing a subscription to what its gateway reports: the one flow every webhook, return, action and reconcile
pass ends in, whatever the gateway.

The state comes from a fetch of the gateway's subscription, never from the order events arrive in (SUBSCRIPTIONS.md
§19: "Derive state from fetched objects, not event order"), so a repeated, late or missing event changes nothing a
later fetch would not. Each charge is one document per invoice, recorded once (galla/store/subscription_charges.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from galla.orders.context import Shop
from galla.orders.subscription_emails import charge_receipt_id, queue_charge_receipt
from galla.payments.labels import gateway_label
from galla.payments.money import Money, format_money
from galla.payments.subscription_reports import ChargeReport, SubscriptionReport
from galla.store.orders import timeline_entry
from galla.store.outbox import find_message_ids
from galla.store.subscription_charges import Charge, charge_key, flag_charge, list_charges, record_charge
from galla.store.subscriptions import (
    Subscription,
    append_subscription_timeline,
    apply_report,
    get_subscription,
    mark_for_review,
)

log = logging.getLogger("galla.subscriptions")
Entries = list[dict[str, Any]]
# A report applied while another writer moved the status is read again and tried again, this many times at most.
APPLY_TRIES = 3
# With no event, reconcile looks at a subscription again this long after its last fetch, or this long after a
# charge fell due (a charge's webhooks come within minutes; Razorpay retries a failed one a day later, §8).
RECHECK_AFTER = timedelta(days=1)
CHARGE_GRACE = timedelta(hours=1)


async def sync_subscription(
    shop: Shop,
    sub: Subscription,
    report: SubscriptionReport | None,
    charges: Sequence[ChargeReport],
    entries: Entries,
    fetched_at: datetime,
) -> Subscription:
    """Apply what a gateway fetch found (started at fetched_at): the subscription's state, then each charge once."""
    after = await apply_state(shop, sub, report, entries, fetched_at) if report else None
    if after is None:
        # Not applied (a later fetch stands, or it had no state to apply): the entries still join the timeline,
        # and the answer is the subscription as stored, not as the caller last saw it.
        after = await (
            append_subscription_timeline(shop.db, sub.id, entries) if entries else get_subscription(shop.db, sub.id)
        )
    after = after or sub
    for charge in await charges_to_record(shop, after, charges):
        after = await record_charge_report(shop, after, charge)
    return after


async def charges_to_record(shop: Shop, sub: Subscription, charges: Sequence[ChargeReport]) -> list[ChargeReport]:
    """The reported charges that may change something: every fetch reports each invoice the subscription ever had,
    and one already paid with its receipt queued never changes again (a paid charge stays paid), so it costs no
    writes. Read in two lookups, whatever the number of cycles."""
    if not charges:
        return []
    paid = {charge.id: charge for charge in await list_charges(shop.db, sub.id) if charge.status == "paid"}
    queued = await find_message_ids(shop.db, [charge_receipt_id(key) for key in paid])
    done = {key for key in paid if charge_receipt_id(key) in queued or not sub.customer.get("email")}
    return [charge for charge in charges if charge_key(sub.gateway, charge.invoice_id) not in done]


async def apply_state(
    shop: Shop, sub: Subscription, report: SubscriptionReport, entries: Entries, fetched_at: datetime
) -> Subscription | None:
    """Set the reported state with the entries (and a status entry when it moves); None when a later fetch, or a
    terminal status, already stands."""
    current: Subscription | None = sub
    fields = {**report.fields(), "next_check_at": next_check(report, fetched_at)}
    if report.customer_id:
        fields[f"{sub.gateway}_customer_id"] = report.customer_id
    for _ in range(APPLY_TRIES):
        if current is None:
            return None
        moved = []
        if report.status != current.status:
            moved = [
                timeline_entry(
                    "status",
                    to=report.status,
                    reason=f"{gateway_label(sub.gateway)} reports it {report.status}",
                    **{"from": current.status},
                )
            ]
        applied = await apply_report(
            shop.db, sub.id, fields, fetched_at, [*entries, *moved], expect_status=current.status
        )
        if applied is not None:
            return applied
        current = await get_subscription(shop.db, sub.id)
        if current is None or (current.synced_at is not None and current.synced_at > fetched_at):
            return None
    log.warning("%s: the status kept moving under a report; left for the next fetch", sub.id)
    return None


def next_check(report: SubscriptionReport, fetched_at: datetime) -> datetime:
    """When reconcile should fetch a subscription again if no event comes: a day on, or soon after its next
    charge falls due, whichever is first."""
    later = fetched_at + RECHECK_AFTER
    return min(later, report.charge_at + CHARGE_GRACE) if report.charge_at else later


def charge_mismatch(sub: Subscription, money: Money) -> str | None:
    """Why a paid charge is not what the subscriber signed up for (its locked amount and currency), or None."""
    if money.currency != sub.currency or money.amount != sub.amount:
        return (
            f"charged {format_money(money.amount, money.currency)} where the plan's price is "
            f"{format_money(sub.amount, sub.currency)}"
        )
    return None


def charged_after_cancel(sub: Subscription, charge: Charge) -> str | None:
    """Why a charge should not have been taken: it pays a period after the one the buyer cancelled at (a gateway
    that ignored the cancel, galla/orders/subscription_guards.py); or None."""
    if sub.cancel_asked_for is None or charge.period_start is None or charge.period_start < sub.cancel_asked_for:
        return None
    return "charged for a period after the buyer cancelled at the end of the one before"


async def record_charge_report(shop: Shop, sub: Subscription, report: ChargeReport) -> Subscription:
    """Record one invoice's charge once; the first time it is paid, check its money and queue its receipt."""
    charge, newly_paid = await record_charge(
        shop.db,
        {
            "subscription_id": sub.id,
            "gateway": sub.gateway,
            "invoice_id": report.invoice_id,
            "payment_id": report.payment_id,
            "amount": report.money.amount,
            "currency": report.money.currency,
            "status": report.status,
            "attempts": report.attempts,
            "period_start": report.period_start,
            "period_end": report.period_end,
            "paid_at": report.paid_at,
        },
    )
    if not newly_paid:
        if charge.status == "paid":
            # Queued once by its id: asking again costs one read, and covers a writer that stopped after recording.
            await queue_charge_receipt(shop, sub, charge)
        return sub
    return await settle_charge(shop, sub, charge, report.money)


async def settle_charge(shop: Shop, sub: Subscription, charge: Charge, money: Money) -> Subscription:
    """A charge paid for the first time: on the timeline, to review if its money is wrong, and its receipt queued."""
    entries = [
        timeline_entry(
            "charge",
            charge_id=charge.id,
            invoice_id=charge.invoice_id,
            payment_id=charge.payment_id,
            amount=money.amount,
            currency=money.currency,
            status="paid",
        )
    ]
    mismatch = charge_mismatch(sub, money) or charged_after_cancel(sub, charge)
    if mismatch:
        await flag_charge(shop.db, charge.id, mismatch)
        entries.append(timeline_entry("review", reason=f"charge {charge.invoice_id}: {mismatch}"))
        after = await mark_for_review(shop.db, sub.id, mismatch, entries)
    else:
        after = await append_subscription_timeline(shop.db, sub.id, entries)
    after = after or sub
    await queue_charge_receipt(shop, after, charge)
    return after
