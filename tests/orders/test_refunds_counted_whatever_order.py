"""Issue 24 item 3: the order's money follows from its payment and its refunds, whatever order the news comes in.
Through reconciliation, an order whose webhooks never came is brought to what Razorpay knows, its refunds included: a
payment found captured and since refunded (amount_refunded > 0) makes the order refunded, not paid. And a refund that
came before a payment sent to review counts there as one that came after it does.

Source: the payment entity's amount_refunded and refund_status (razorpay.com/docs/api/payments);
GET /v1/payments/:id/refunds (razorpay.com/docs/api/refunds/fetch-multiple-refund-payment).
"""

from __future__ import annotations

from datetime import timedelta

from support.app import checkout_body
from support.webhooks import deliver_all, events_named, place, stored_order

from galla.orders.reconcile import ReconcilePolicy, reconcile
from galla.store.orders import now
from galla.web.state import SHOP
from sandboxes.razorpay.validation import RefundRequest


async def test_item3_reconcile_of_a_payment_refunded_since_its_capture_ends_refunded(client, razorpay_sandbox):
    """Captured, then refunded in full in Razorpay's dashboard, no webhook delivered: reconcile ends it refunded."""
    placed = await place(client, checkout_body())
    status, paid = await razorpay_sandbox.pay(placed["razorpay"]["order_id"])
    assert status == 200, paid
    payment_id = paid["razorpay_payment_id"]
    razorpay_sandbox.state.refund_payment(
        payment_id, RefundRequest(amount=None, speed="normal", notes={}, receipt=None)
    )
    await reconcile(client.app[SHOP], ReconcilePolicy(), at=now() + timedelta(minutes=30))
    order = await stored_order(client, placed["order_id"])
    assert (order["status"], order.get("refunded_amount", 0)) == ("refunded", order["amount"])


async def test_item3_a_refund_before_a_mismatched_capture_counts_as_one_after_it(client, razorpay_sandbox):
    """A payment of the wrong amount sends the order to needs_review; its refund counts there whichever came first."""
    placed = await place(client, checkout_body())
    status, paid = await razorpay_sandbox.pay(placed["razorpay"]["order_id"], amount=placed["amount"] - 100)
    assert status == 200, paid
    razorpay_sandbox.state.refund_payment(
        paid["razorpay_payment_id"], RefundRequest(amount=500, speed="normal", notes={}, receipt=None)
    )
    await deliver_all(
        client,
        [
            *events_named(razorpay_sandbox, "refund.created", "refund.processed"),
            *events_named(razorpay_sandbox, "payment.captured"),
        ],
    )
    order = await stored_order(client, placed["order_id"])
    assert (order["status"], order.get("refunded_amount", 0)) == ("needs_review", 500)
