"""Issue 24, the Razorpay sandbox's error source, step and reason: when the browser reports a failed payment, the
attempt the shop sees carries Razorpay's own error_source, error_step and error_reason (the payment entity's, fetched
with the shop's key), never the browser's words for them. What the browser sends is a claim.

Source: razorpay/markdown-docs errors/payments/payment-methods-error-parameters.md (source and step per method);
the payment entity's error_source, error_step and error_reason (razorpay.com/docs/api/payments).
"""

from __future__ import annotations

from support.app import checkout_body
from support.webhooks import place, stored_order


async def test_failed_attempt_keeps_razorpays_source_step_and_reason_not_the_browsers(client, razorpay_sandbox):
    """The browser says the buyer cancelled; Razorpay says the issuing bank declined: the attempt says the bank."""
    placed = await place(client, checkout_body())
    status, failure = await razorpay_sandbox.pay(placed["razorpay"]["order_id"], outcome="failure")
    assert status == 400
    claimed = {
        **failure["error"],
        "source": "customer",
        "step": "payment_authentication",
        "reason": "payment_cancelled",
    }
    resp = await client.post("/api/payments/razorpay/failed", json={"order_id": placed["order_id"], "error": claimed})
    assert resp.status == 200
    payment = razorpay_sandbox.state.payments[failure["error"]["metadata"]["payment_id"]]
    [attempt] = (await stored_order(client, placed["order_id"]))["attempts"]
    assert (attempt["source"], attempt["step"], attempt["reason"]) == (
        payment["error_source"],
        payment["error_step"],
        payment["error_reason"],
    )
