"""Issue 24 item 4 (review round): after a failover to Stripe the order still has its Razorpay order, and a late
Razorpay authorisation there is captured by Razorpay (Razorpay gives back a duplicate only on an order it already
counts as paid: razorpay.com/docs/payments/refunds/auto-refunds). Reconcile asked only Stripe about such an order,
so when the Razorpay webhooks were lost (an endpoint Razorpay disabled, a long outage) the order, unpaid at Stripe,
was expired while Razorpay held the buyer's money: a paid order shown as given up. Reconcile now asks the order's
Razorpay order too, and a payment there pays the order (or, when Stripe paid it too, is given back as item 4 says).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from checkout.reconcile import ReconcilePolicy, reconcile
from checkout.stripe_session import open_stripe_session
from models.orders import get_order, now
from money_helpers import control, placed_with_failed_payment
from views.state import SHOP
from webhook_helpers import stored_order


async def failed_over_then_razorpay_late(client, razorpay_sandbox) -> tuple[dict, str]:
    """A Razorpay payment failed, the order failed over to Stripe (not paid there), then the bank confirmed the
    Razorpay payment late and Razorpay captured it; no webhook is delivered."""
    placed, late_id = await placed_with_failed_payment(client, razorpay_sandbox)
    shop = client.app[SHOP]
    switch = {"gateway": "stripe", "route": "failover", "failover": {"from_gateway": "razorpay", "reason": "test"}}
    await open_stripe_session(shop, await get_order(shop.db, placed["order_id"]), switch=switch)
    await control(razorpay_sandbox, "POST", f"/sandbox/payments/{late_id}/authorize", {})
    for _ in range(50):  # Razorpay's automatic capture is a step of its own, just after
        if razorpay_sandbox.state.payments[late_id]["status"] == "captured":
            break
        await asyncio.sleep(0.01)
    assert razorpay_sandbox.state.payments[late_id]["status"] == "captured"
    return placed, late_id


async def test_item4_reconcile_finds_a_razorpay_payment_on_an_order_failed_over_to_stripe(
        client, razorpay_sandbox, stripe_sandbox):
    placed, late_id = await failed_over_then_razorpay_late(client, razorpay_sandbox)
    await reconcile(client.app[SHOP], ReconcilePolicy(), at=now() + timedelta(hours=25))
    stored = await stored_order(client, placed["order_id"])
    assert (stored["status"], (stored.get("payment") or {}).get("id")) == ("paid", late_id)


async def test_item4_an_order_failed_over_to_stripe_but_paid_through_razorpay_counts_as_razorpays(
        client, razorpay_sandbox, stripe_sandbox):
    """The dashboard sums takings by the order's gateway, and the receipt names it: the one that took the money."""
    from money_helpers import events_named
    from webhook_helpers import deliver_all
    placed, late_id = await failed_over_then_razorpay_late(client, razorpay_sandbox)
    await deliver_all(client, events_named(razorpay_sandbox, "payment.captured"))
    stored = await stored_order(client, placed["order_id"])
    assert (stored["status"], stored["payment"]["id"], stored["gateway"]) == ("paid", late_id, "razorpay")
