"""Issue 24 item 1, as live Razorpay tells it: an authorisation Razorpay gives back by itself is announced only by the
refund webhooks, days after the buyer left (a late authorisation is auto-refunded "in 5 days", when no verify and no
reconcile looks at the order any more). Those events alone must say on the order that the money went back.

Sources: https://razorpay.com/docs/webhooks/refunds ("Refunds webhook events are also triggered for auto-refunds ...
check payload.payment.entity.captured in the payload. The value is false for an auto-refund");
https://razorpay.com/docs/payments/payments/late-authorisation/handle ("late authorised and not captured are
auto-refunded in 5 days").
"""

from __future__ import annotations

from support.app import checkout_body
from support.money import control, given_back_payment, verify_body
from support.webhooks import deliver_all, events_named, place, stored_order


async def paid_under_manual_capture(make_client, sandbox) -> tuple:
    """A shop capturing by hand, an order paid in the sandbox: the client, the placed order, and the verify body."""
    client = await make_client(razorpay_capture="manual")
    placed = await place(client, checkout_body())
    status, paid = await sandbox.pay(placed["razorpay"]["order_id"])
    assert status == 200, paid
    return client, placed, verify_body(sandbox, placed, paid["razorpay_payment_id"])


async def test_item1_the_auto_refunds_webhooks_alone_say_the_money_went_back(client, razorpay_sandbox):
    """payment.failed, the late payment.authorized, then refund.created/processed: the attempt says refunded."""
    placed, payment_id = await given_back_payment(client, razorpay_sandbox)
    await deliver_all(client, razorpay_sandbox.state.events)
    order = await stored_order(client, placed["order_id"])
    assert [(a["payment_id"], a["code"]) for a in order["attempts"]] == [(payment_id, "AUTO_REFUNDED")]


async def test_item1_the_auto_refunds_webhooks_alone_close_an_authorized_order(make_client, razorpay_sandbox):
    """Manual capture never done: Razorpay's refund events for the authorisation close the order, without reconcile."""
    client, placed, body = await paid_under_manual_capture(make_client, razorpay_sandbox)
    resp = await client.post("/api/payments/razorpay/verify", json=body)
    assert (resp.status, (await resp.json())["status"]) == (200, "authorized")
    await control(razorpay_sandbox, "POST", "/sandbox/clock", {"seconds": 6 * 24 * 3600})
    await deliver_all(client, events_named(razorpay_sandbox, "refund.created", "refund.processed"))
    order = await stored_order(client, placed["order_id"])
    assert (order["status"], order.get("refunds", [])) == ("expired", [])


async def test_item3_the_auto_refund_arriving_after_the_order_was_closed_counts_nothing(make_client, razorpay_sandbox):
    """Verify closed the authorized order as given back; refund.processed coming later is ignored, not counted."""
    client, placed, body = await paid_under_manual_capture(make_client, razorpay_sandbox)
    await client.post("/api/payments/razorpay/verify", json=body)
    await control(razorpay_sandbox, "POST", "/sandbox/clock", {"seconds": 6 * 24 * 3600})
    resp = await client.post("/api/payments/razorpay/verify", json=body)
    assert (await resp.json())["status"] == "expired"
    await deliver_all(client, events_named(razorpay_sandbox, "refund.created", "refund.processed"))
    order = await stored_order(client, placed["order_id"])
    assert (order.get("refunded_amount", 0), order.get("refund_committed", 0)) == (0, 0)


async def test_item4_a_late_duplicate_razorpay_gives_back_itself_counts_nothing_on_the_paid_order(
    make_client, razorpay_sandbox
):
    """Manual capture: the order is paid by one payment, an earlier failed one is authorised late and Razorpay refunds
    it at once (never captured): every event leaves the order paid, unrefunded, with no refund of ours sent."""
    client = await make_client(razorpay_capture="manual")
    placed = await place(client, checkout_body())
    razorpay_order_id = placed["razorpay"]["order_id"]
    _status, failed = await razorpay_sandbox.pay(razorpay_order_id, outcome="failure")
    late_id = failed["error"]["metadata"]["payment_id"]
    _status, paid = await razorpay_sandbox.pay(razorpay_order_id)
    await deliver_all(client, events_named(razorpay_sandbox, "payment.authorized"))  # Galla captures it
    await control(razorpay_sandbox, "POST", f"/sandbox/payments/{late_id}/authorize", {})
    await deliver_all(client, razorpay_sandbox.state.events)
    order = await stored_order(client, placed["order_id"])
    assert (
        order["status"],
        order["payment"]["id"],
        order.get("refunded_amount", 0),
        order.get("extra_payments", []),
        [r["id"] for r in razorpay_sandbox.state.refunds.values() if r["payment_id"] != late_id],
    ) == ("paid", paid["razorpay_payment_id"], 0, [], [])


async def test_item1_the_auto_refunds_webhooks_in_reverse_leave_nothing_held(client, razorpay_sandbox):
    """refund.processed before refund.created (deliveries are retried, so any order): no refund stays on the order."""
    placed, _payment_id = await given_back_payment(client, razorpay_sandbox)
    await deliver_all(client, events_named(razorpay_sandbox, "refund.processed", "refund.created")[::-1])
    order = await stored_order(client, placed["order_id"])
    assert (order.get("refunds", []), [a["code"] for a in order["attempts"]]) == ([], ["AUTO_REFUNDED"])
