"""Issue 24 item 5: a Razorpay refund answered 409 (a request with its key still in progress) is Razorpay answering,
not Razorpay down. Counted as a failure, a few such answers opened the circuit breaker, and every checkout was then
refused Razorpay (or failed over to Stripe) for the cool-down, with Razorpay up all along.

Source: https://razorpay.com/docs/api/refunds/normal-refunds-idempotent ("If a request is received while a prior
request is still being processed, the system will return a 409 Conflict status code. You may retry the request upon
receiving this response").
"""

from __future__ import annotations

from support.app import checkout_body
from support.money import control
from support.webhooks import admin_post, deliver_all, events_named, place

from galla.web.state import SHOP


async def test_item5_refunds_answered_409_leave_the_razorpay_circuit_closed(make_client, razorpay_sandbox):
    """Two refunds that meet 409 on every try (six answers) leave Razorpay open for checkouts."""
    client = await make_client(razorpay_timeout=2)
    placed = await place(client, checkout_body())
    status, paid = await razorpay_sandbox.pay(placed["razorpay"]["order_id"])
    assert status == 200, paid
    await deliver_all(client, events_named(razorpay_sandbox, "order.paid"))
    await control(razorpay_sandbox, "PUT", "/sandbox/refunds", {"conflicts": 50})
    for amount in (1000, 2000):
        status, answer = await admin_post(client, f"/api/admin/orders/{placed['order_id']}/refund", {"amount": amount})
        assert status == 202, answer
    assert client.app[SHOP].razorpay.breaker.state == "closed"
