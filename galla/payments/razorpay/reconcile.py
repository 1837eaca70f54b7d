"""Reconciling with Razorpay: an order's Razorpay order and its payments, looked up when no webhook came."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from galla.orders.context import Shop
from galla.orders.expiry import expire_if_due
from galla.orders.refunds import settle_refund
from galla.orders.view import call_entry
from galla.payments.razorpay.client import RazorpayPayment
from galla.payments.razorpay.confirm import apply_razorpay_payment, failure_report, is_given_back, record_attempt
from galla.payments.razorpay.order import adopt_by_receipt
from galla.store.orders import Order, timeline_entry


async def reconcile_razorpay_order(shop: Shop, order: Order, expire_before: datetime) -> Order:
    """Find the Razorpay order (by receipt if we never saved it), then apply its best payment."""
    entries = [timeline_entry("reconcile", gateway="razorpay")]
    if order.razorpay_order_id is None:
        adopted, entries = await adopt_by_receipt(shop, order, entries)
        if adopted is None:
            return await expire_if_due(shop, order, expire_before, entries)
        order = adopted
    assert order.razorpay_order_id is not None  # stored with the order adopt_by_receipt returns
    payments, call = await shop.razorpay_client.fetch_order_payments(order.razorpay_order_id)
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
    refunds, call = await shop.razorpay_client.fetch_payment_refunds(payment_id)
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


async def apply_best_razorpay_payment(shop: Shop, order: Order, entries: list[dict[str, Any]]) -> Order | None:
    """Apply the best payment on the order's Razorpay order, if it has one (a failed-over order's late payment)."""
    if order.razorpay_order_id is None:
        return None
    # A late authorisation on the Razorpay order is captured by Razorpay (it gives back only a duplicate on an order
    # it counts as paid), and with its webhooks lost only this finds it.
    payments, call = await shop.razorpay_client.fetch_order_payments(order.razorpay_order_id)
    entries += call_entry(call)
    best = best_payment(payments)
    return await apply_razorpay_payment(shop, order, best, entries) if best is not None else None


async def give_back_late_razorpay_payments(
    shop: Shop, order: Order, entries: list[dict[str, Any]]
) -> tuple[Order, list[dict[str, Any]]]:
    """Give back each captured payment on a paid order's Razorpay order that is not the order's own (item 4)."""
    if order.razorpay_order_id is None:
        return order, entries  # failed over before its Razorpay order was made: nothing there to pay it
    payments, call = await shop.razorpay_client.fetch_order_payments(order.razorpay_order_id)
    entries = [*entries, *call_entry(call)]
    own, known = (order.payment or {}).get("id"), {extra.get("id") for extra in order.extra_payments}
    for late in (p for p in payments if p.status == "captured" and p.id != own and p.id not in known):
        order = await apply_razorpay_payment(shop, order, late, entries)
        entries = []
    return order, entries
