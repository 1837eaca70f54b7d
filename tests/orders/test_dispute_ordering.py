"""Issue 24 item 3: an order's status follows from its payment, its refunds and its dispute whatever order their
events arrive in. A chargeback delivered before the capture it is about (the capture's deliveries failed and are
retried later, or the order was paid by reconcile after the dispute came) must still leave the order disputed.

Sources: https://razorpay.com/docs/webhooks/disputes (payment.dispute.created, its payload carries the payment and
the dispute); razorpay/markdown-docs webhooks/best-practices.md (deliveries are retried, so events come in any order).
"""

from __future__ import annotations

from support.app import checkout_body
from support.webhooks import deliver_all, events_named, place, stored_order


async def test_item3_a_dispute_arriving_before_the_capture_leaves_the_order_disputed(client, razorpay_sandbox):
    """payment.dispute.created first, then order.paid: the order ends disputed, with its dispute."""
    placed = await place(client, checkout_body())
    status, paid = await razorpay_sandbox.pay(placed["razorpay"]["order_id"])
    assert status == 200, paid
    dispute = razorpay_sandbox.state.open_dispute(paid["razorpay_payment_id"])
    await deliver_all(client, events_named(razorpay_sandbox, "payment.dispute.created"))
    await deliver_all(client, events_named(razorpay_sandbox, "order.paid"))
    order = await stored_order(client, placed["order_id"])
    assert (order["status"], (order.get("dispute") or {}).get("id")) == ("disputed", dispute["id"])


async def test_item3_a_dispute_of_another_payment_held_on_a_pending_order_does_not_dispute_it(client, razorpay_sandbox):
    """The held dispute names its payment: an order paid by a different payment is not disputed by it."""
    placed = await place(client, checkout_body())
    status, paid = await razorpay_sandbox.pay(placed["razorpay"]["order_id"])
    assert status == 200, paid
    razorpay_sandbox.state.open_dispute(paid["razorpay_payment_id"])
    [event] = events_named(razorpay_sandbox, "payment.dispute.created")
    event.envelope["payload"]["dispute"]["entity"]["payment_id"] = "pay_SomeOtherOne01"
    event.envelope["payload"]["payment"]["entity"]["id"] = "pay_SomeOtherOne01"
    await deliver_all(client, [event])
    await deliver_all(client, events_named(razorpay_sandbox, "order.paid"))
    assert (await stored_order(client, placed["order_id"]))["status"] == "paid"
