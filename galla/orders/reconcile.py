"""Reconciliation: orders whose webhooks never came are looked up at the gateway and brought to the truth."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from galla.orders.context import Shop
from galla.orders.refunds import find_refund_by_key, send_refund, settle_refund
from galla.orders.second_payments import PAID_STATUSES, send_extra_refund, settle_extra_refund
from galla.orders.states import OrderStatus, values
from galla.orders.subscription_reconcile import note_failure, reconcile_subscriptions
from galla.orders.view import call_entry
from galla.payments.reports import RefundReport
from galla.store.extra_payments import find_orders_with_open_extra_refunds
from galla.store.order_refunds import OPEN_REFUND_STATUSES, find_orders_with_open_refunds
from galla.store.orders import (
    Order,
    find_failed_over_orders,
    find_stale_orders,
    mark_late_payments_checked,
    now,
    timeline_entry,
)

log = logging.getLogger("galla.reconcile")
# A gateway may capture a payment some time after it was authorised (its provider's late_capture_window: Razorpay
# captures one authorised within automatic_expiry_period of its creation, razorpay.com/docs/payments/payments/
# capture-settings; ours is the client's capture_window, from ORDER_EXPIRY), and one may be created until the order
# expires: after both (and an hour's margin) no late capture can come, so a failed-over order is looked at once then.
# How far back the pass looks for such orders (a server that was down a while still gets to them).
LATE_CAPTURE_MARGIN = timedelta(hours=1)
# Authorized ones too: a payment captured in the dashboard (or never) is news only the gateway has.
OPEN_ORDER_STATUSES = values(OrderStatus.PENDING, OrderStatus.AUTHORIZED)
LATE_PAYMENTS_LOOK_BACK = timedelta(days=7)


@dataclass
class ReconcilePolicy:
    """When a pending order is looked up, and when one still unpaid is given up."""

    pending_after: timedelta = timedelta(minutes=15)
    expire_after: timedelta = timedelta(hours=24)
    resend_refunds_after: timedelta = timedelta(minutes=1)
    limit: int = 500


@dataclass
class ReconcileReport:
    """What one pass looked at and changed."""

    orders_checked: int = 0
    refunds_checked: int = 0
    subscriptions_checked: int = 0
    changed: dict[str, str] = field(default_factory=dict)  # order id -> "pending → paid"
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The report as the CLI prints it and the log shows it: its fields, by name."""
        return asdict(self)


async def reconcile(
    shop: Shop, policy: ReconcilePolicy | None = None, *, at: datetime | None = None
) -> ReconcileReport:
    """One pass: stale pending orders, refunds still open at the gateway, late payments, then subscriptions due a
    look at their gateway."""
    policy = policy or ReconcilePolicy()
    at = at or now()
    report = ReconcileReport()
    for order in await find_stale_orders(shop.db, OPEN_ORDER_STATUSES, at - policy.pending_after, policy.limit):
        report.orders_checked += 1
        await run_step(report, order, reconcile_order(shop, order, at - policy.expire_after))
    for order in await find_orders_with_open_refunds(shop.db, policy.limit):
        report.refunds_checked += 1
        await run_step(report, order, reconcile_refunds(shop, order, at - policy.resend_refunds_after))
    for order in await find_orders_with_open_extra_refunds(shop.db, policy.limit):
        report.refunds_checked += 1
        await run_step(report, order, reconcile_second_payments(shop, order))
    for gateway in sorted(shop.live):
        window = shop.provider(gateway).late_capture_window(shop)
        if window is None:
            continue  # no order fails over from this gateway with a capture still to come
        closed = at - policy.expire_after - window - LATE_CAPTURE_MARGIN
        for order in await find_failed_over_orders(
            shop.db, PAID_STATUSES, closed - LATE_PAYMENTS_LOOK_BACK, closed, policy.limit
        ):
            report.orders_checked += 1
            await run_step(report, order, reconcile_late_payments(shop, order, gateway))
    subscriptions = await reconcile_subscriptions(
        shop, at=at, limit=policy.limit, resend_refunds_after=policy.resend_refunds_after
    )
    report.subscriptions_checked = subscriptions.checked
    report.refunds_checked += subscriptions.refunds_checked
    report.changed.update(subscriptions.changed)
    report.errors.extend(subscriptions.errors)
    return report


async def reconcile_late_payments(shop: Shop, order: Order, origin: str) -> Order:
    """Once no late capture can come, give back each payment a failed-over paid order's gateways took that is not the
    order's own (item 4): a late capture at the gateway it failed over from, a paid session at its backup; their
    webhooks may be lost."""
    entries = [timeline_entry("reconcile", gateway=origin, looking_for="late payments")]
    for gateway in sorted(shop.live, key=lambda name: name != origin):  # the origin first, then the others
        order, entries = await shop.provider(gateway).apply_late_payments(shop, order, entries)
    return await mark_late_payments_checked(shop.db, order.id, entries) or order


async def run_step(report: ReconcileReport, before: Order, step: Awaitable[Order]) -> None:
    """Run one order's lookup; a gateway failure is noted and the pass goes on with the next order."""
    after = await note_failure(report.errors, before.id, step)
    if after is not None and (after.status != before.status or after.refunded_amount != before.refunded_amount):
        report.changed[before.id] = f"{before.status} → {after.status}"


async def reconcile_order(shop: Shop, order: Order, expire_before: datetime) -> Order:
    """Bring one pending order to what its gateway knows; give it up if unpaid past its expiry."""
    return await shop.provider(order.gateway).reconcile_order(shop, order, expire_before)


async def reconcile_refunds(shop: Shop, order: Order, resend_before: datetime) -> Order:
    """Ask the gateway about each refund still open: settle what it says, find or resend one it never answered."""
    for entry in [r for r in order.refunds if r.get("status") in OPEN_REFUND_STATUSES]:
        if entry.get("refund_id"):
            report, call = await shop.provider(entry["gateway"]).fetch_refund(shop, entry["refund_id"])
            if report.status != entry["status"]:
                entries = [timeline_entry("reconcile", gateway=entry["gateway"]), *call_entry(call)]
                order = await settle_refund(shop, order, report, entries)
            continue
        found, entries = await find_refund_by_key(shop, entry["gateway"], (order.payment or {}).get("id"), entry["key"])
        if found is not None:
            # The gateway made it; only its answer was lost (a timeout or a 409): settle it, never send it again.
            order = await settle_refund(shop, order, found, entries)
        elif entry.get("requested_at") and entry["requested_at"] < resend_before:
            # The gateway never made it: the same key makes a second request return the first refund if it races.
            order, _ = await send_refund(shop, order, entry)
    return order


async def reconcile_second_payments(shop: Shop, order: Order) -> Order:
    """Settle (or send) the automatic refund of each second payment still open at its gateway."""
    for extra in [x for x in order.extra_payments if (x.get("refund") or {}).get("status") in OPEN_REFUND_STATUSES]:
        refund = extra["refund"]
        if refund.get("refund_id"):
            report: RefundReport | None
            report, call = await shop.provider(extra["gateway"]).fetch_refund(shop, refund["refund_id"])
            entries = [timeline_entry("reconcile", gateway=extra["gateway"]), *call_entry(call)]
        else:
            report, entries = await find_refund_by_key(shop, extra["gateway"], extra["id"], refund["key"])
        if report is not None and report.status != refund["status"]:
            order = await settle_extra_refund(shop, order, report, entries) or order
        elif report is None:
            order = await send_extra_refund(shop, order, extra)
    return order
