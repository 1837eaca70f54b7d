"""Reconciling subscriptions: each one due a look is fetched from its gateway and synced, as its missed webhooks
would have done (SUBSCRIPTIONS.md §19)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from galla.orders.context import Shop
from galla.orders.errors import CheckoutError
from galla.orders.subscription_guards import enforce_cancel, give_up_unauthorised
from galla.orders.subscription_sync import RECHECK_AFTER, sync_subscription
from galla.payments.errors import GatewayError
from galla.store.orders import now, timeline_entry
from galla.store.subscriptions import Subscription, find_due_subscriptions, set_next_check

log = logging.getLogger("galla.reconcile")
T = TypeVar("T")


@dataclass
class SubscriptionsReconciled:
    """What one pass over subscriptions looked at and changed."""

    checked: int = 0
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
    shop: Shop, *, at: datetime | None = None, limit: int = 500
) -> SubscriptionsReconciled:
    """One pass over the subscriptions due a look by `at`; a gateway failure is noted and the pass goes on."""
    result = SubscriptionsReconciled()
    for sub in await find_due_subscriptions(shop.db, at or now(), limit):
        result.checked += 1
        after = await note_failure(result.errors, sub.id, reconcile_subscription(shop, sub, at=at))
        if after is not None and (after.status != sub.status or after.paid_count != sub.paid_count):
            result.changed[sub.id] = f"{sub.status} → {after.status}, {after.paid_count} paid"
    return result


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
