"""Refunds and capture from the admin API, settled by the gateways' webhooks; never more than was paid."""

from __future__ import annotations

import asyncio
import copy

import aiohttp
from support.app import checkout_body
from support.money import paid_and_known, refund
from support.webhooks import (
    admin_post,
    deliver,
    deliver_all,
    events_named,
    paid_razorpay_order,
    paid_stripe_order,
    post_razorpay,
    stored_order,
)


async def test_half_refund_is_pending_until_its_webhook_then_partially_refunded(client, razorpay_sandbox):
    placed, paid = await paid_and_known(client, razorpay_sandbox)
    half = placed["amount"] // 2
    status, answer = await refund(client, placed["order_id"], half)
    assert status == 202, answer
    assert answer["status"] == "paid" and answer["refund"]["status"] == "pending"
    assert answer["refund"]["amount"] == half and answer["refundable"] == placed["amount"] - half
    refund_id = answer["refund"]["refund_id"]
    sandbox_refund = razorpay_sandbox.state.refunds[refund_id]
    assert sandbox_refund["amount"] == half and sandbox_refund["notes"]["order_id"] == placed["order_id"]

    status, ack = await deliver(client, events_named(razorpay_sandbox, "refund.processed")[0])
    assert ack["outcome"] == f"paid → partially_refunded, refunded 0 → {half}"
    order = await stored_order(client, placed["order_id"])
    assert order["refunded_amount"] == half and order["refunds"][0]["status"] == "processed"

    # The rest, with no amount: everything left; then refunded.
    status, answer = await refund(client, placed["order_id"])
    assert status == 202 and answer["refund"]["amount"] == placed["amount"] - half
    await deliver_all(client, events_named(razorpay_sandbox, "refund.created", "refund.processed"))
    order = await stored_order(client, placed["order_id"])
    assert order["status"] == "refunded" and order["refunded_amount"] == placed["amount"]
    assert razorpay_sandbox.state.payments[paid["razorpay_payment_id"]]["status"] == "refunded"


async def test_over_refunds_are_refused_naming_the_amount(client, razorpay_sandbox):
    placed, _ = await paid_and_known(client, razorpay_sandbox)
    status, answer = await refund(client, placed["order_id"], placed["amount"] + 1)
    assert status == 422
    assert answer["error"]["code"] == "refund_too_large" and answer["error"]["field"] == "amount"
    assert "₹1,997.01 is more than the ₹1,997.00 left" in answer["error"]["message"]
    assert (await refund(client, placed["order_id"], placed["amount"] - 100))[0] == 202
    status, answer = await refund(client, placed["order_id"], 101)
    assert status == 422 and "left to refund" in answer["error"]["message"]
    assert (await refund(client, placed["order_id"], 100))[0] == 202
    status, answer = await refund(client, placed["order_id"])
    assert status == 409 and answer["error"]["code"] == "nothing_to_refund"
    status, answer = await refund(client, placed["order_id"], 0)
    assert status == 422 and answer["error"]["field"] == "amount"
    assert sum(r["amount"] for r in razorpay_sandbox.state.refunds.values()) == placed["amount"]


async def test_concurrent_refunds_never_exceed_what_was_paid(client, razorpay_sandbox):
    placed, _ = await paid_and_known(client, razorpay_sandbox)
    part = placed["amount"] * 4 // 10
    answers = await asyncio.gather(*(refund(client, placed["order_id"], part) for _ in range(4)))
    assert sorted(status for status, _ in answers) == [202, 202, 422, 422]
    assert sum(r["amount"] for r in razorpay_sandbox.state.refunds.values()) == 2 * part


async def test_a_repeated_idempotency_key_makes_one_refund(client, razorpay_sandbox):
    placed, _ = await paid_and_known(client, razorpay_sandbox)
    headers = {"Idempotency-Key": "refund-once-1"}
    first = await refund(client, placed["order_id"], 500, headers=headers)
    again = await refund(client, placed["order_id"], 500, headers=headers)
    assert first[0] == again[0] == 202 and first[1]["refund"]["key"] == again[1]["refund"]["key"]
    assert len(razorpay_sandbox.state.refunds) == 1


async def test_refund_of_an_unpaid_order_is_a_409(client, razorpay_sandbox):
    placed = await (await client.post("/api/checkout", json=checkout_body())).json()
    status, answer = await refund(client, placed["order_id"], 100)
    assert status == 409 and answer["error"]["code"] == "order_not_refundable"
    status, answer = await refund(client, "ord_nope", 100)
    assert status == 404


async def test_a_failed_refund_gives_the_amount_back_to_refund(client, razorpay_sandbox):
    placed, _ = await paid_and_known(client, razorpay_sandbox)
    _status, _answer = await refund(client, placed["order_id"], 1000)
    processed = events_named(razorpay_sandbox, "refund.processed")[0]
    failed = copy.deepcopy(processed.envelope)
    failed["event"] = "refund.failed"
    failed["payload"]["refund"]["entity"]["status"] = "failed"
    _status, ack = await post_razorpay(client, failed, "evt_refund_failed")
    assert ack["outcome"] == "no change (paid)"
    order = await stored_order(client, placed["order_id"])
    assert order["refunds"][0]["status"] == "failed" and order["refund_committed"] == 0
    # Issue 24 item 5: Razorpay then saying the refund was processed means the money went back: applied, once
    # (a redelivery, or the same report under another event id, counts nothing more).
    _status, ack = await deliver(client, processed)
    again = copy.deepcopy(processed.envelope)
    _status, ack = await post_razorpay(client, again, "evt_refund_processed_again")
    order = await stored_order(client, placed["order_id"])
    assert (order["refunded_amount"], order["refund_committed"], order["refunds"][0]["status"]) == (
        1000,
        1000,
        "processed",
    )


async def test_a_refund_made_in_the_dashboard_is_recorded_from_its_webhook(client, razorpay_sandbox):
    placed, paid = await paid_and_known(client, razorpay_sandbox)
    from sandboxes.razorpay.validation import RefundRequest

    request = RefundRequest(amount=placed["amount"], speed="normal", notes={}, receipt=None)
    razorpay_sandbox.state.refund_payment(paid["razorpay_payment_id"], request)
    answers = await deliver_all(client, events_named(razorpay_sandbox, "refund.created", "refund.processed"))
    # refund.created already shows it processed (Razorpay processes test refunds at once).
    assert [a["outcome"] for _, a in answers] == [
        f"paid → refunded, refunded 0 → {placed['amount']}",
        "no change (refunded)",
    ]
    order = await stored_order(client, placed["order_id"])
    assert [r["key"] for r in order["refunds"]] == [order["refunds"][0]["refund_id"]]


async def test_stripe_half_refund_settles_on_charge_refunded_alone(client, stripe_sandbox):
    placed = await paid_stripe_order(client, stripe_sandbox)
    await deliver_all(client, events_named(stripe_sandbox, "checkout.session.completed"))
    half = placed["amount"] // 2
    status, answer = await refund(client, placed["order_id"], half)
    assert status == 202 and answer["refund"]["status"] == "pending"
    [sandbox_refund] = stripe_sandbox.state.refunds.values()
    assert sandbox_refund["amount"] == half and sandbox_refund["metadata"]["order_id"] == placed["order_id"]
    # refund.created is lost; charge.refunded names no refund, so the app asks Stripe which ones.
    status, ack = await deliver(client, events_named(stripe_sandbox, "charge.refunded")[0])
    assert ack["outcome"] == f"paid → partially_refunded, refunded 0 → {half}"
    status, ack = await deliver(client, events_named(stripe_sandbox, "refund.created")[0])
    assert ack["outcome"] == "no change (partially_refunded)"
    order = await stored_order(client, placed["order_id"])
    assert order["refunded_amount"] == half


async def test_admin_api_wants_the_admin_password(client, razorpay_sandbox):
    placed, _ = await paid_and_known(client, razorpay_sandbox)
    path = f"/api/admin/orders/{placed['order_id']}/refund"
    for headers in (
        {},
        {"Authorization": aiohttp.encode_basic_auth("admin", "wrong")},
        {"Authorization": aiohttp.encode_basic_auth("root", "correct-horse-battery-staple")},
        {"Authorization": "Basic !!!"},
        {"Authorization": "Bearer correct-horse-battery-staple"},
    ):
        resp = await client.post(path, json={"amount": 100}, headers=headers)
        assert resp.status == 401
        assert resp.headers["WWW-Authenticate"].startswith("Basic")
        assert (await resp.json())["error"]["code"] == "unauthorized"
    assert razorpay_sandbox.state.refunds == {}


async def test_admin_captures_an_authorized_payment(make_client, razorpay_sandbox):
    client = await make_client(razorpay_capture="manual")
    placed, paid = await paid_razorpay_order(client, razorpay_sandbox, method="card", card_number="4100280000001007")
    resp = await client.post("/api/payments/razorpay/verify", json={"order_id": placed["order_id"], **paid})
    assert (await resp.json())["status"] == "authorized"
    status, answer = await admin_post(client, f"/api/admin/orders/{placed['order_id']}/capture")
    assert status == 200 and answer["status"] == "paid"
    assert razorpay_sandbox.state.payments[paid["razorpay_payment_id"]]["captured"] is True
    status, answer = await admin_post(client, f"/api/admin/orders/{placed['order_id']}/capture")
    assert status == 409 and answer["error"]["code"] == "order_not_capturable"


async def test_a_stripe_refund_left_pending_then_failed_frees_its_amount(client, stripe_sandbox):
    from sandboxes.stripe import STRIPE_SANDBOX_FAULTS

    placed = await paid_stripe_order(client, stripe_sandbox)
    await deliver_all(client, events_named(stripe_sandbox, "checkout.session.completed"))
    stripe_sandbox.server.app[STRIPE_SANDBOX_FAULTS].refund_outcome = "pending"
    status, answer = await refund(client, placed["order_id"], 500)
    assert status == 202 and answer["refundable"] == placed["amount"] - 500
    await deliver_all(client, events_named(stripe_sandbox, "refund.created"))
    assert (await stored_order(client, placed["order_id"]))["refunds"][0]["status"] == "pending"
    stripe_sandbox.state.settle_refund(answer["refund"]["refund_id"], "failed")
    status, ack = await deliver(client, events_named(stripe_sandbox, "refund.failed")[0])
    assert ack["outcome"] == "no change (paid)"
    order = await stored_order(client, placed["order_id"])
    assert order["refunds"][0]["status"] == "failed" and order["refund_committed"] == 0


async def test_a_razorpay_refund_pending_at_the_bank_settles_on_refund_processed(client, razorpay_sandbox):
    from sandboxes.razorpay import SANDBOX_FAULTS

    placed, _ = await paid_and_known(client, razorpay_sandbox)
    razorpay_sandbox.server.app[SANDBOX_FAULTS].refund_outcome = "pending"
    _status, answer = await refund(client, placed["order_id"])
    await deliver_all(client, events_named(razorpay_sandbox, "refund.created"))
    assert (await stored_order(client, placed["order_id"]))["status"] == "paid"
    razorpay_sandbox.state.settle_refund(answer["refund"]["refund_id"], "processed")
    _status, ack = await deliver(client, events_named(razorpay_sandbox, "refund.processed")[0])
    assert ack["outcome"] == f"paid → refunded, refunded 0 → {placed['amount']}"


async def test_a_stripe_dispute_from_the_sandbox_marks_the_order_disputed(client, stripe_sandbox):
    placed = await paid_stripe_order(client, stripe_sandbox)
    await deliver_all(client, events_named(stripe_sandbox, "checkout.session.completed"))
    [charge_id] = [c["id"] for c in stripe_sandbox.state.charges.values() if c["status"] == "succeeded"]
    stripe_sandbox.state.open_dispute(charge_id)
    status, ack = await deliver(client, events_named(stripe_sandbox, "charge.dispute.created")[0])
    assert ack["outcome"] == "paid → disputed"
    order = await stored_order(client, placed["order_id"])
    assert order["dispute"]["reason"] == "fraudulent" and order["dispute"]["amount"] == placed["amount"]
    status, _answer = await refund(client, placed["order_id"], 100)
    assert status == 409  # a disputed charge is answered in the dispute, not refunded beside it
