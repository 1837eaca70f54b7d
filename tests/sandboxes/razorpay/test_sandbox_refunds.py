"""Refunds: partial and full, never above what was captured, idempotent under X-Refund-Idempotency."""

from __future__ import annotations

import pytest


@pytest.fixture
async def captured(sandbox) -> str:
    """A captured ₹1,000.00 payment; returns its id."""
    order = await sandbox.create_order(amount=100000)
    status, paid = await sandbox.pay(order["id"], outcome="success")
    assert status == 200
    return paid["razorpay_payment_id"]


async def refund(sandbox, payment_id: str, body: dict | None = None, key: str | None = None):
    """POST a refund; returns (status, body)."""
    headers = {"X-Refund-Idempotency": key} if key else None
    return await sandbox.call("POST", f"/v1/payments/{payment_id}/refund", json=body or {}, headers=headers)


async def test_partial_then_full_refund(sandbox, captured):
    status, first = await refund(
        sandbox,
        captured,
        {"amount": 30000, "speed": "optimum", "receipt": "rf-1", "notes": {"reason": "one broken diya"}},
    )
    assert status == 200
    assert first == {
        "id": first["id"],
        "entity": "refund",
        "amount": 30000,
        "currency": "INR",
        "payment_id": captured,
        "notes": {"reason": "one broken diya"},
        "receipt": "rf-1",
        "acquirer_data": first["acquirer_data"],
        "created_at": int(sandbox.clock.now),
        "batch_id": None,
        "status": "processed",
        "speed_processed": "instant",
        "speed_requested": "optimum",
    }
    payment = sandbox.state.payments[captured]
    assert (payment["status"], payment["amount_refunded"], payment["refund_status"]) == ("captured", 30000, "partial")

    status, rest = await refund(sandbox, captured)  # no amount: the rest
    assert (status, rest["amount"], rest["notes"], rest["speed_requested"]) == (200, 70000, [], "normal")
    assert (payment["status"], payment["amount_refunded"], payment["refund_status"]) == ("refunded", 100000, "full")
    assert sandbox.state.orders[payment["order_id"]]["status"] == "paid"  # an order stays paid after refunds

    status, listed = await sandbox.call("GET", f"/v1/payments/{captured}/refunds")
    assert [item["id"] for item in listed["items"]] == [rest["id"], first["id"]]
    assert await sandbox.call("GET", f"/v1/payments/{captured}/refunds/{first['id']}") == (200, first)
    assert [event.name for event in sandbox.state.events][-2:] == ["refund.created", "refund.processed"]
    processed = sandbox.state.events[-1].envelope
    assert processed["contains"] == ["refund", "payment"]
    assert processed["payload"]["payment"]["entity"]["refund_status"] == "full"

    status, body = await refund(sandbox, captured, {"amount": 100})
    assert (status, body["error"]["description"]) == (400, "The payment has been fully refunded already")


async def test_refund_above_what_is_left_is_refused(sandbox, captured):
    assert (await refund(sandbox, captured, {"amount": 60000}))[0] == 200
    status, body = await refund(sandbox, captured, {"amount": 40001})
    assert (status, body["error"]["field"]) == (400, "amount")
    assert body["error"]["description"] == "The refund amount provided is greater than amount captured"
    assert sandbox.state.payments[captured]["amount_refunded"] == 60000
    assert len(sandbox.state.refunds) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": 99}, "amount"),
        ({"amount": "100"}, "amount"),
        ({"speed": "warp"}, "speed"),
        ({"receipt": "r" * 41}, "receipt"),
        ({"notes": {f"k{i}": 1 for i in range(16)}}, "notes"),
        ({"reverse_all": 1}, "reverse_all"),
    ],
)
async def test_invalid_refund_bodies(sandbox, captured, body, field):
    status, answer = await refund(sandbox, captured, body)
    assert (status, answer["error"]["field"]) == (400, field)
    assert sandbox.state.refunds == {}


async def test_idempotency_key_returns_the_same_refund_and_refuses_another_body(sandbox, captured):
    key = "order-ord_1-refund-1"
    status, first = await refund(sandbox, captured, {"amount": 25000}, key)
    assert status == 200
    assert await refund(sandbox, captured, {"amount": 25000}, key) == (200, first)
    status, body = await refund(sandbox, captured, {"amount": 26000}, key)
    assert (status, body["error"]["description"]) == (
        400,
        "Different request with the same idempotency key has already been processed.",
    )
    assert len(sandbox.state.refunds) == 1 and sandbox.state.payments[captured]["amount_refunded"] == 25000
    # A new key is a new refund.
    assert (await refund(sandbox, captured, {"amount": 25000}, key + "-2"))[0] == 200
    assert sandbox.state.payments[captured]["amount_refunded"] == 50000


async def test_full_refund_retried_with_its_key_is_not_refused(sandbox, captured):
    key = "full-refund-key-01"
    status, first = await refund(sandbox, captured, None, key)
    assert status == 200 and first["amount"] == 100000
    assert await refund(sandbox, captured, None, key) == (200, first)


@pytest.mark.parametrize("key", ["short", "has spaces in it", "semi;colon;key"])
async def test_malformed_idempotency_key_is_refused(sandbox, captured, key):
    status, body = await refund(sandbox, captured, {"amount": 100}, key)
    assert (status, body["error"]["field"]) == (400, "X-Refund-Idempotency")


async def test_only_captured_payments_can_be_refunded(sandbox):
    order = await sandbox.create_order(payment={"capture": "manual"})
    _, paid = await sandbox.pay(order["id"])
    status, body = await refund(sandbox, paid["razorpay_payment_id"])
    assert (status, body["error"]["description"]) == (400, "Only captured payments can be refunded")
    status, body = await refund(sandbox, "pay_XXXXXXXXXXXXXX")
    assert (status, body["error"]["description"]) == (400, "The id provided does not exist")


async def test_refund_of_another_payment_is_not_found_under_this_one(sandbox, captured):
    _, made = await refund(sandbox, captured, {"amount": 100})
    other = await sandbox.create_order()
    _, paid = await sandbox.pay(other["id"])
    status, body = await sandbox.call("GET", f"/v1/payments/{paid['razorpay_payment_id']}/refunds/{made['id']}")
    assert (status, body["error"]["description"]) == (400, "The id provided does not exist")


async def test_payments_and_refunds_collections(sandbox, captured):
    _, made = await refund(sandbox, captured, {"amount": 100})
    status, payments = await sandbox.call("GET", "/v1/payments?count=5")
    assert (status, [item["id"] for item in payments["items"]]) == (200, [captured])
    status, refunds = await sandbox.call("GET", "/v1/refunds")
    assert (status, refunds) == (200, {"entity": "collection", "count": 1, "items": [made]})


async def test_item5_sandbox_lists_a_payments_last_ten_refunds_unless_asked_for_more(sandbox, captured):
    """GET /v1/payments/:id/refunds: "By default, only the last 10 refunds are returned. You can use count and skip
    parameters to change that behaviour" (razorpay.com/docs/api/refunds/fetch-multiple-refund-payment)."""
    for _ in range(11):
        status, _ = await refund(sandbox, captured, {"amount": 100})
        assert status == 200
    _, default = await sandbox.call("GET", f"/v1/payments/{captured}/refunds")
    _, hundred = await sandbox.call("GET", f"/v1/payments/{captured}/refunds?count=100")
    assert (default["count"], hundred["count"]) == (10, 11)
