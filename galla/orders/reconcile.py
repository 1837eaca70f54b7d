"""Reconciliation: orders whose webhooks never came are looked up at the gateway and brought to the truth."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from galla.orders.context import Shop
from galla.orders.errors import CheckoutError
from galla.orders.refunds import send_refund, settle_refund
from galla.orders.second_payments import PAID_STATUSES, send_extra_refund, settle_extra_refund
from galla.orders.view import call_entry
from galla.payments.errors import GatewayError
from galla.payments.razorpay.client import RazorpayPayment
from galla.payments.razorpay.confirm import apply_razorpay_payment, failure_report, is_given_back, record_attempt
from galla.payments.razorpay.order import adopt_by_receipt
from galla.payments.refund_report import RefundReport
from galla.payments.stripe.confirm import apply_stripe_session
from galla.store.extra_payments import find_orders_with_open_extra_refunds
from galla.store.order_refunds import find_orders_with_open_refunds
from galla.store.orders import (
    Order,
    find_failed_over_orders,
    find_stale_orders,
    get_order,
    mark_late_payments_checked,
    now,
    timeline_entry,
    transition_order,
)

log = logging.getLogger("galla.reconcile")
# Razorpay captures a payment authorised within automatic_expiry_period of its creation ("Once the payment is created,
# you can auto-capture payments that are authorized within a certain time period": razorpay.com/docs/payments/
# payments/capture-settings; ours is the client's capture_window, from ORDER_EXPIRY), and one may be created until
# the order expires: after both (and an hour's margin) no late capture can come, so a failed-over order is looked at
# once then. How far back the pass looks for such orders (a server that was down a while still gets to them).
LATE_CAPTURE_MARGIN = timedelta(hours=1)
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
    changed: dict[str, str] = field(default_factory=dict)  # order id -> "pending → paid"
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "orders_checked": self.orders_checked,
            "refunds_checked": self.refunds_checked,
            "changed": self.changed,
            "errors": self.errors,
        }


async def reconcile(
    shop: Shop, policy: ReconcilePolicy | None = None, *, at: datetime | None = None
) -> ReconcileReport:
    """One pass: stale pending orders, then refunds still open at the gateway."""
    policy = policy or ReconcilePolicy()
    at = at or now()
    report = ReconcileReport()
    # Authorized ones too: a payment captured in the dashboard (or never) is news only the gateway has.
    for order in await find_stale_orders(shop.db, ["pending", "authorized"], at - policy.pending_after, policy.limit):
        report.orders_checked += 1
        await run_step(report, order, reconcile_order(shop, order, at - policy.expire_after))
    for order in await find_orders_with_open_refunds(shop.db, policy.limit):
        report.refunds_checked += 1
        await run_step(report, order, reconcile_refunds(shop, order, at - policy.resend_refunds_after))
    for order in await find_orders_with_open_extra_refunds(shop.db, policy.limit):
        report.refunds_checked += 1
        await run_step(report, order, reconcile_second_payments(shop, order))
    if "razorpay" in shop.live:
        closed = at - policy.expire_after - timedelta(minutes=shop.razorpay.capture_window) - LATE_CAPTURE_MARGIN
        for order in await find_failed_over_orders(
            shop.db, PAID_STATUSES, closed - LATE_PAYMENTS_LOOK_BACK, closed, policy.limit
        ):
            report.orders_checked += 1
            await run_step(report, order, reconcile_late_payments(shop, order))
    return report


async def reconcile_late_payments(shop: Shop, order: Order) -> Order:
    """Once no late capture can come, give back each payment a failed-over paid order's gateways took that is not the
    order's own (item 4): a late capture on its Razorpay order, a paid Stripe session; their webhooks may be lost."""
    entries = [timeline_entry("reconcile", gateway="razorpay", looking_for="late payments")]
    payments, call = await shop.razorpay.fetch_order_payments(order.razorpay_order_id)
    entries += call_entry(call)
    own, known = (order.payment or {}).get("id"), {extra.get("id") for extra in order.extra_payments}
    for late in (p for p in payments if p.status == "captured" and p.id != own and p.id not in known):
        order = await apply_razorpay_payment(shop, order, late, entries)
        entries = []
    if "stripe" in shop.live:
        # The other way round: a session the failover opened, paid too, whose webhook was lost.
        for session_id in order.stripe_sessions:
            session, call = await shop.stripe.retrieve_session(session_id)
            entries += call_entry(call)
            paid_by = session.summary().get("id")
            if session.payment_status == "paid" and paid_by not in (own, None, *known):
                order = await apply_stripe_session(shop, order, session, entries)
                entries = []
    return await mark_late_payments_checked(shop.db, order.id, entries) or order


async def run_step(report: ReconcileReport, before: Order, step) -> None:
    """Run one order's lookup; a gateway failure is noted and the pass goes on with the next order."""
    try:
        after = await step
    except GatewayError as exc:
        report.errors.append(f"{before.id}: {exc.gateway} {exc.description}")
        log.warning("reconcile %s: %s", before.id, exc)
        return
    except CheckoutError as exc:
        report.errors.append(f"{before.id}: {exc.message}")
        log.warning("reconcile %s: %s", before.id, exc.message)
        return
    if after.status != before.status or after.refunded_amount != before.refunded_amount:
        report.changed[before.id] = f"{before.status} → {after.status}"


async def reconcile_order(shop: Shop, order: Order, expire_before: datetime) -> Order:
    """Bring one pending order to what its gateway knows; give it up if unpaid past its expiry."""
    if order.gateway == "stripe":
        return await reconcile_stripe_order(shop, order, expire_before)
    return await reconcile_razorpay_order(shop, order, expire_before)


async def reconcile_razorpay_order(shop: Shop, order: Order, expire_before: datetime) -> Order:
    """Find the Razorpay order (by receipt if we never saved it), then apply its best payment."""
    entries = [timeline_entry("reconcile", gateway="razorpay")]
    if order.razorpay_order_id is None:
        adopted, entries = await adopt_by_receipt(shop, order, entries)
        if adopted is None:
            return await expire_if_due(shop, order, expire_before, entries)
        order = adopted
    payments, call = await shop.razorpay.fetch_order_payments(order.razorpay_order_id)
    entries += call_entry(call)
    best = best_payment(payments)
    if best is not None and (order.payment or {}).get("status") == best.status:
        return order  # an authorized order still waiting for its capture: nothing new to write
    if best is not None:
        order = await apply_razorpay_payment(shop, order, best, entries)
        if best.captured and best.amount_refunded > 0 and (order.payment or {}).get("id") == best.id:
            # Refunded since its capture, and their webhooks never came either: count them as Razorpay lists them.
            order = await settle_payment_refunds(shop, order, best.id)
        return order
    known = {a.get("payment_id"): a.get("code") for a in order.attempts}
    for given_back in (p for p in payments if is_given_back(p) and known.get(p.id) != "AUTO_REFUNDED"):
        # Said on the order (an authorized one is closed): the money went back to the buyer.
        order = await apply_razorpay_payment(shop, order, given_back, entries)
        entries = []
    for failed in (p for p in payments if p.status == "failed" and p.id not in known):
        order = await record_attempt(shop, order, failure_report(failed), entries)
        entries = []
    return await expire_if_due(shop, order, expire_before, entries)


async def settle_payment_refunds(shop: Shop, order: Order, payment_id: str) -> Order:
    """Apply each refund Razorpay lists for the order's payment (GET /v1/payments/:id/refunds), once each."""
    refunds, call = await shop.razorpay.fetch_payment_refunds(payment_id)
    entries = [timeline_entry("reconcile", gateway="razorpay"), *call_entry(call)]
    for refund in reversed(refunds):  # oldest first, as they happened
        order = await settle_refund(shop, order, refund.report(), entries)
        entries = []
    return order


def best_payment(payments: list[RazorpayPayment]) -> RazorpayPayment | None:
    """The payment that decides the order: a captured (or since refunded) one, else an authorized one.

    A payment Razorpay refunded without capturing it (captured false) is never one: paid means captured.
    """
    ranked = sorted(
        (p for p in payments if p.captured or p.status == "authorized"), key=lambda p: p.status == "authorized"
    )
    return ranked[0] if ranked else None


async def reconcile_stripe_order(shop: Shop, order: Order, expire_before: datetime) -> Order:
    """Ask Stripe about every session the order had: a paid one settles it, an expired current one ends it."""
    entries = [timeline_entry("reconcile", gateway="stripe")]
    current = None
    sessions = order.stripe_sessions or ([order.stripe_session_id] if order.stripe_session_id else [])
    for session_id in reversed(sessions):
        session, call = await shop.stripe.retrieve_session(session_id)
        entries += call_entry(call)
        if session.status == "complete":
            return await apply_stripe_session(shop, order, session, entries)
        if session_id == order.stripe_session_id:
            current = session
    if order.razorpay_order_id is not None and "razorpay" in shop.live:
        # Failed over from Razorpay: a late authorisation on its Razorpay order is captured by Razorpay (it gives
        # back only a duplicate on an order it counts as paid), and with its webhooks lost only this finds it.
        # Asked before the Stripe session is expired, so a paid order is never given up.
        payments, call = await shop.razorpay.fetch_order_payments(order.razorpay_order_id)
        entries += call_entry(call)
        best = best_payment(payments)
        if best is not None:
            return await apply_razorpay_payment(shop, order, best, entries)
    if current is not None and current.status == "open" and order.created_at < expire_before:
        # Close it at Stripe first, so nobody pays an order we have given up.
        current, call = await shop.stripe.expire_session(current.id)
        entries += call_entry(call)
    if current is not None and current.status == "expired":
        return await expire_order(shop, order, f"Stripe session {current.id} expired unpaid", entries)
    return await expire_if_due(shop, order, expire_before, entries)


async def expire_if_due(shop: Shop, order: Order, expire_before: datetime, entries: list[dict]) -> Order:
    """Give up an unpaid order older than its expiry; a younger one is left waiting, with nothing written."""
    if order.created_at >= expire_before:
        return order
    return await expire_order(shop, order, "unpaid past its expiry", entries)


async def expire_order(shop: Shop, order: Order, reason: str, entries: list[dict]) -> Order:
    """Move a pending order to expired."""
    moved = await transition_order(
        shop.db, order.id, allowed_from=["pending"], to="expired", reason=reason, entries=entries
    )
    return moved or await get_order(shop.db, order.id)


async def reconcile_refunds(shop: Shop, order: Order, resend_before: datetime) -> Order:
    """Ask the gateway about each refund still open: settle what it says, find or resend one it never answered."""
    for entry in [r for r in order.refunds if r.get("status") in ("requested", "pending")]:
        if entry.get("refund_id"):
            if entry.get("gateway") == "stripe":
                refund, call = await shop.stripe.retrieve_refund(entry["refund_id"])
            else:
                refund, call = await shop.razorpay.fetch_refund(entry["refund_id"])
            report = refund.report()
            if report.status != entry["status"]:
                entries = [timeline_entry("reconcile", gateway=entry["gateway"]), *call_entry(call)]
                order = await settle_refund(shop, order, report, entries)
            continue
        found, entries = await find_refund_by_key(
            shop, entry.get("gateway"), (order.payment or {}).get("id"), entry["key"]
        )
        if found is not None:
            # The gateway made it; only its answer was lost (a timeout or a 409): settle it, never send it again.
            order = await settle_refund(shop, order, found, entries)
        elif entry.get("requested_at") and entry["requested_at"] < resend_before:
            # The gateway never made it: the same key makes a second request return the first refund if it races.
            order, _ = await send_refund(shop, order, entry)
    return order


async def find_refund_by_key(
    shop: Shop, gateway: str | None, payment_id: str | None, key: str
) -> tuple[RefundReport | None, list[dict]]:
    """Look a refund up among its payment's refunds by the refund_key note we gave it; None if not made."""
    if not payment_id:
        return None, []
    if gateway == "stripe":
        refunds, call = await shop.stripe.list_refunds(payment_id)
    else:
        # GET /v1/payments/:id/refunds (https://razorpay.com/docs/api/refunds/fetch-multiple-refund-payment).
        refunds, call = await shop.razorpay.fetch_payment_refunds(payment_id)
    entries = [timeline_entry("reconcile", gateway=gateway), *call_entry(call)]
    reports = [refund.report() for refund in refunds]
    return next((report for report in reports if report.key == key), None), entries


async def reconcile_second_payments(shop: Shop, order: Order) -> Order:
    """Settle (or send) the automatic refund of each second payment still open at its gateway."""
    for extra in [x for x in order.extra_payments if (x.get("refund") or {}).get("status") in ("requested", "pending")]:
        refund = extra["refund"]
        if refund.get("refund_id"):
            if extra.get("gateway") == "stripe":
                made, call = await shop.stripe.retrieve_refund(refund["refund_id"])
            else:
                made, call = await shop.razorpay.fetch_refund(refund["refund_id"])
            report: RefundReport | None = made.report()
            entries = [timeline_entry("reconcile", gateway=extra.get("gateway")), *call_entry(call)]
        else:
            report, entries = await find_refund_by_key(shop, extra.get("gateway"), extra["id"], refund["key"])
        if report is not None and report.status != refund["status"]:
            order = await settle_extra_refund(shop, order, report, entries) or order
        elif report is None:
            order = await send_extra_refund(shop, order, extra)
    return order
