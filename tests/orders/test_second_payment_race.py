"""Issue 24 item 4 under concurrency: a second captured payment is refunded exactly once even when its webhooks, the
buyer's verify and reconciliation all reach the order at the same moment, while the first refund request is still
in flight at Razorpay (which answers 409 to a second request with the same X-Refund-Idempotency key:
https://razorpay.com/docs/api/refunds/normal-refunds-idempotent).
"""

from __future__ import annotations

import asyncio

import pytest
from support.money import control, placed_with_failed_payment, verify_body
from support.webhooks import deliver, deliver_all, events_named, stored_order

from galla.orders.reconcile import ReconcilePolicy, reconcile
from galla.payments.stripe.session import open_stripe_session
from galla.store.orders import get_order, now
from galla.web.state import SHOP


@pytest.mark.slow
async def test_item4_webhooks_verify_and_reconcile_at_once_make_one_refund(client, razorpay_sandbox, stripe_sandbox):
    """payment.captured, order.paid, verify and reconcile together, the refund held 0.3 s at Razorpay: one refund."""
    placed, late_id = await placed_with_failed_payment(client, razorpay_sandbox)
    shop = client.app[SHOP]
    switch = {"gateway": "stripe", "route": "failover", "failover": {"from_gateway": "razorpay", "reason": "test"}}
    order = await open_stripe_session(shop, await get_order(shop.db, placed["order_id"]), switch=switch)
    status, _, _ = await stripe_sandbox.pay(order.stripe_session_id)
    assert status == 303
    await deliver_all(client, events_named(stripe_sandbox, "checkout.session.completed"))
    await control(razorpay_sandbox, "POST", f"/sandbox/payments/{late_id}/authorize", {})
    for _ in range(50):
        if razorpay_sandbox.state.payments[late_id]["status"] == "captured":
            break
        await asyncio.sleep(0.01)
    await control(razorpay_sandbox, "PUT", "/sandbox/refunds", {"hold": 0.3})
    verify = verify_body(razorpay_sandbox, placed, late_id)

    async def reconcile_soon():
        await asyncio.sleep(0.1)  # once the second payment is recorded and its refund is in flight
        await reconcile(shop, ReconcilePolicy(), at=now())

    await asyncio.gather(
        *(deliver(client, e) for e in events_named(razorpay_sandbox, "payment.captured", "order.paid")),
        client.post("/api/payments/razorpay/verify", json=verify),
        reconcile_soon(),
    )
    await asyncio.sleep(0.4)
    await reconcile(shop, ReconcilePolicy(), at=now())
    stored = await stored_order(client, placed["order_id"])
    assert (
        len(razorpay_sandbox.state.payment_refunds(late_id)),
        len(stored["extra_payments"]),
        stored["extra_payments"][0]["refund"]["status"],
        stored.get("refunded_amount", 0),
    ) == (1, 1, "processed", 0)
