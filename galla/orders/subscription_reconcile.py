"""Reconciling subscriptions: each one due a look is fetched from its gateway and synced, as its missed webhooks
would have done (SUBSCRIPTIONS.md §19); then each charge refund still open is asked after, as an order's is."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TypeVar

from galla.orders.context import Shop
from galla.orders.errors import CheckoutError
from galla.orders.refunds import find_refund_by_key
from galla.orders.subscription_guards import enforce_cancel, give_up_unauthorised
from galla.orders.subscription_refunds import send_charge_refund, settle_charge_report
from galla.orders.subscription_sync import RECHECK_AFTER, sync_subscription
from galla.orders.view import call_entry
from galla.payments.errors import GatewayError
from galla.store.orders import now, timeline_entry
from galla.store.subscription_charges import OPEN_CHARGE_REFUNDS, Charge, find_charges_with_open_refunds, get_charge
from galla.store.subscriptions import Subscription, find_due_subscriptions, get_subscription, set_next_check

log = logging.getLogger("galla.reconcile")
T = TypeVar("T")


@dataclass
class SubscriptionsReconciled:
    """What one pass over subscriptions looked at and changed."""

    checked: int = 0
    refunds_checked: int = 0  # charges with a refund still open at the gateway
    changed: dict[str, str] = field(default_factory=dict)  # subscription id -> "active → halted"
    errors: list[str] = field(default_factory=list)


async def reconcile_subscription(
    shop: Shop, sub: Subscription, origin: str = "reconcile", *, at: datetime | None = None
) -> Subscription:
    """Fetch one subscription and its charges from its gateway and bring ours to them; cancel one the gateway
    kept running past the period end it was asked to cancel at, and give up one never authorised (as of `at`, by
    default now)."""
    fetched_at = now()
    report, charges, calls = await shop.subscription_provider(sub.gateway).fetch_subscription(shop, sub)
    entries = [timeline_entry(origin, gateway=sub.gateway), *calls]
    if report is None:
        # Nothing at the gateway yet (its creation failed, or the buyer never authorised): look again later.
        await set_next_check(shop.db, sub.id, fetched_at + RECHECK_AFTER)
    after = await sync_subscription(shop, sub, report, charges, entries, fetched_at)
    after = await enforce_cancel(shop, after, at or fetched_at)
    return await give_up_unauthorised(shop, after, at or fetched_at)


async def reconcile_subscriptions(
    shop: Shop, *, at: datetime | None = None, limit: int = 500, resend_refunds_after: timedelta = timedelta(minutes=1)
) -> SubscriptionsReconciled:
    """One pass over the subscriptions due a look by `at`, then the charges with a refund still open; a gateway
    failure is noted and the pass goes on."""
    at = at or now()
    result = SubscriptionsReconciled()
    for sub in await find_due_subscriptions(shop.db, at, limit):
        result.checked += 1
        after = await note_failure(result.errors, sub.id, reconcile_subscription(shop, sub, at=at))
        if after is not None and (after.status != sub.status or after.paid_count != sub.paid_count):
            result.changed[sub.id] = f"{sub.status} → {after.status}, {after.paid_count} paid"
    for charge in await find_charges_with_open_refunds(shop.db, limit):
        result.refunds_checked += 1
        settled = await note_failure(
            result.errors, charge.id, reconcile_charge_refunds(shop, charge, at - resend_refunds_after)
        )
        if settled is not None and settled.refunded_amount != charge.refunded_amount:
            result.changed[charge.subscription_id] = (
                f"charge {charge.invoice_id} refunded {charge.refunded_amount} → {settled.refunded_amount}"
            )
    return result


async def reconcile_charge_refunds(shop: Shop, charge: Charge, resend_before: datetime) -> Charge:
    """Ask the gateway about each refund of a charge still open, as reconcile_refunds does an order's: settle what
    it says, find one it never answered by our key, or send it again under that key."""
    sub = await get_subscription(shop.db, charge.subscription_id)
    if sub is None:
        return charge
    for entry in [r for r in charge.refunds if r.get("status") in OPEN_CHARGE_REFUNDS]:
        gateway = entry["gateway"]
        if entry.get("refund_id"):
            report, call = await shop.provider(gateway).fetch_refund(shop, entry["refund_id"])
            if report.status != entry["status"]:
                entries = [timeline_entry("reconcile", gateway=gateway), *call_entry(call)]
                await settle_charge_report(shop, sub, charge, replace(report, key=entry["key"]), entries)
            continue
        found, entries = await find_refund_by_key(shop, gateway, charge.payment_id, entry["key"])
        if found is not None:
            # The gateway made it; only its answer was lost: settle it, never send it again.
            await settle_charge_report(shop, sub, charge, found, entries)
        elif entry.get("requested_at") and entry["requested_at"] < resend_before:
            # The gateway never made it: the same key makes a second request return the first if it races.
            await send_charge_refund(shop, sub, charge, entry)
    return await get_charge(shop.db, charge.id) or charge


async def note_failure(errors: list[str], subject_id: str, step: Awaitable[T]) -> T | None:
    """Run one reconcile step of an order or subscription; a gateway's failure or a refusal is noted, logged and
    answered None, so the pass goes on with the next."""
    try:
        return await step
    except GatewayError as exc:
        errors.append(f"{subject_id}: {exc.gateway} {exc.description}")
        log.warning("reconcile %s: %s", subject_id, exc)
    except CheckoutError as exc:
        errors.append(f"{subject_id}: {exc.message}")
        log.warning("reconcile %s: %s", subject_id, exc.message)
    return None
