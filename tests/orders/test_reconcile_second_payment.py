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

from support.money import control, placed_with_failed_payment
from support.webhooks import stored_order

from galla.orders.reconcile import ReconcilePolicy, reconcile
from galla.payments.stripe.session import open_stripe_session
from galla.store.orders import get_order, now
from galla.web.state import SHOP


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
    client, razorpay_sandbox, stripe_sandbox
):
    placed, late_id = await failed_over_then_razorpay_late(client, razorpay_sandbox)
    await reconcile(client.app[SHOP], ReconcilePolicy(), at=now() + timedelta(hours=25))
    stored = await stored_order(client, placed["order_id"])
    assert (stored["status"], (stored.get("payment") or {}).get("id")) == ("paid", late_id)


async def test_item4_an_order_failed_over_to_stripe_but_paid_through_razorpay_counts_as_razorpays(
    client, razorpay_sandbox, stripe_sandbox
):
    """The dashboard sums takings by the order's gateway, and the receipt names it: the one that took the money."""
    from support.webhooks import deliver_all, events_named

    placed, late_id = await failed_over_then_razorpay_late(client, razorpay_sandbox)
    await deliver_all(client, events_named(razorpay_sandbox, "payment.captured"))
    stored = await stored_order(client, placed["order_id"])
    assert (stored["status"], stored["payment"]["id"], stored["gateway"]) == ("paid", late_id, "razorpay")


async def paid_by_stripe_then_razorpay_late(client, razorpay_sandbox, stripe_sandbox) -> tuple[dict, str]:
    """Failed over, paid through Stripe (its webhook delivered), then Razorpay captured the late authorisation."""
    from support.webhooks import deliver_all, events_named

    placed, late_id = await failed_over_then_razorpay_late(client, razorpay_sandbox)
    order = await get_order(client.app[SHOP].db, placed["order_id"])
    status, _, _ = await stripe_sandbox.pay(order.stripe_session_id)
    assert status == 303
    await deliver_all(client, events_named(stripe_sandbox, "checkout.session.completed"))
    return placed, late_id


async def test_item4_reconcile_gives_back_a_late_razorpay_payment_on_an_order_stripe_paid(
    client, razorpay_sandbox, stripe_sandbox
):
    """With the Razorpay webhooks lost, the shop kept both payments: reconcile looks once the capture window closed."""
    placed, late_id = await paid_by_stripe_then_razorpay_late(client, razorpay_sandbox, stripe_sandbox)
    stored = await stored_order(client, placed["order_id"])
    assert stored["status"] == "paid" and stored["payment"]["gateway"] == "stripe"
    await reconcile(client.app[SHOP], ReconcilePolicy(), at=now() + timedelta(hours=24))  # a capture may still come
    assert not (await stored_order(client, placed["order_id"])).get("extra_payments")
    await reconcile(client.app[SHOP], ReconcilePolicy(), at=now() + timedelta(hours=50))
    stored = await stored_order(client, placed["order_id"])
    assert [extra["id"] for extra in stored.get("extra_payments", [])] == [late_id]
    assert len(razorpay_sandbox.state.payment_refunds(late_id)) == 1
    assert (stored["status"], stored.get("refunded_amount", 0)) == ("paid", 0)


async def test_item4_a_failed_over_paid_order_is_looked_at_once(client, razorpay_sandbox, stripe_sandbox):
    placed, _late_id = await paid_by_stripe_then_razorpay_late(client, razorpay_sandbox, stripe_sandbox)
    for hours in (50, 51, 52):
        await reconcile(client.app[SHOP], ReconcilePolicy(), at=now() + timedelta(hours=hours))
    stored = await stored_order(client, placed["order_id"])
    lookups = [
        e
        for e in stored["timeline"]
        if e.get("kind") == "gateway_call"
        and e.get("method") == "GET"
        and e.get("path", "").endswith("/payments")
        and e.get("gateway") == "razorpay"
    ]
    assert len(lookups) == 1


async def test_item4_reconcile_gives_back_a_stripe_payment_on_an_order_razorpay_paid(
    client, razorpay_sandbox, stripe_sandbox
):
    """The other way round: Razorpay's late capture paid the order (its webhook came), and the buyer had also paid
    the Stripe session the failover opened, whose webhook was lost."""
    from support.webhooks import deliver_all, events_named

    placed, late_id = await failed_over_then_razorpay_late(client, razorpay_sandbox)
    order = await get_order(client.app[SHOP].db, placed["order_id"])
    status, _, _ = await stripe_sandbox.pay(order.stripe_session_id)
    assert status == 303
    await deliver_all(client, events_named(razorpay_sandbox, "payment.captured"))
    stored = await stored_order(client, placed["order_id"])
    assert (stored["status"], stored["payment"]["id"]) == ("paid", late_id)
    await reconcile(client.app[SHOP], ReconcilePolicy(), at=now() + timedelta(hours=50))
    stored = await stored_order(client, placed["order_id"])
    [extra] = stored.get("extra_payments", [])
    assert extra["gateway"] == "stripe" and extra["refund"]["status"] in ("pending", "processed")
    assert (stored["status"], stored["payment"]["id"]) == ("paid", late_id)


async def test_item4_reconcile_looks_once_the_shops_own_capture_window_closed(
    make_client, razorpay_sandbox, stripe_sandbox
):
    """The capture window is the shop's ORDER_EXPIRY (an hour here), not a fixed day: reconcile gives a late capture
    back an hour after that window and the order's expiry closed, not a day later."""
    client = await make_client(order_expiry=3600)
    placed, late_id = await paid_by_stripe_then_razorpay_late(client, razorpay_sandbox, stripe_sandbox)
    policy = ReconcilePolicy(expire_after=timedelta(hours=1))
    await reconcile(client.app[SHOP], policy, at=now() + timedelta(hours=3, minutes=5))
    stored = await stored_order(client, placed["order_id"])
    assert [extra["id"] for extra in stored.get("extra_payments", [])] == [late_id]
