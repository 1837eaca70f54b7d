"""Issue 24 item 5: a Razorpay refund that answers 409 (another request with its key in progress) or times out is not
a failure: it stays requested with its amount held until the webhook or reconciliation settles it; a
refund.processed for a refund recorded as failed is applied, once.

Source: https://razorpay.com/docs/api/refunds/normal-refunds-idempotent ("If a request is received while a prior
request is still being processed, the system will return a 409 Conflict status code. You may retry the request upon
receiving this response").
"""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from support.money import control, paid_order
from support.webhooks import admin_post, deliver, events_named, post_razorpay, stored_order

from galla.orders.reconcile import ReconcilePolicy, reconcile
from galla.payments.errors import GatewayUnavailable
from galla.payments.razorpay.client import error_from_response
from galla.store.orders import now
from galla.web.state import SHOP
from sandboxes.razorpay import SANDBOX_FAULTS
from sandboxes.razorpay.state import PAYMENT_BUSY, SAME_KEY_IN_PROGRESS
from sandboxes.razorpay.validation import RefundRequest


def test_item5_a_409_is_a_request_in_progress_not_a_refusal():
    """Razorpay's 409 body maps to GatewayUnavailable (retry later), never GatewayInvalid (refused for good)."""
    body = {
        "error": {
            "code": "BAD_REQUEST_ERROR",
            "description": SAME_KEY_IN_PROGRESS,
            "source": "NA",
            "step": "NA",
            "reason": "NA",
            "metadata": {},
            "field": None,
        }
    }
    assert isinstance(error_from_response(409, body), GatewayUnavailable)


def test_item5_another_payment_operation_in_progress_is_not_a_refusal_either():
    """The 400 Razorpay gives while another operation holds the payment is also 'try again', not 'no'."""
    body = {"error": {"code": "BAD_REQUEST_ERROR", "description": PAYMENT_BUSY, "metadata": {}}}
    assert isinstance(error_from_response(400, body), GatewayUnavailable)


async def test_item5_a_refund_answered_409_stays_requested_with_its_amount_held(make_client, razorpay_sandbox):
    """The admin's refund meets a 409 on every try: accepted (202), requested, the amount still held."""
    client = await make_client(razorpay_timeout=2)
    placed = await paid_order(client, razorpay_sandbox)
    await control(razorpay_sandbox, "PUT", "/sandbox/refunds", {"conflicts": 50})
    status, _answer = await admin_post(client, f"/api/admin/orders/{placed['order_id']}/refund", {"amount": 5000})
    order = await stored_order(client, placed["order_id"])
    assert (status, order["refunds"][0]["status"], order["refund_committed"]) == (202, "requested", 5000)


async def refund_and_lose_the_answer(client, placed: dict, amount: int):
    """Refund `amount` from the admin API, then forget Razorpay's answer: the refund exists at Razorpay, our entry
    is requested with no refund_id."""
    status, _answer = await admin_post(client, f"/api/admin/orders/{placed['order_id']}/refund", {"amount": amount})
    assert status == 202
    db = client.app[SHOP].db
    await db.orders.update_one(
        {"_id": placed["order_id"]}, {"$set": {"refunds.0.status": "requested", "refunds.0.refund_id": None}}
    )


async def test_item5_reconcile_settles_a_requested_refund_by_listing_the_payments_refunds(client, razorpay_sandbox):
    """A refund Razorpay made whose answer we lost (no refund_id) is found by its refund_key note and settled."""
    placed = await paid_order(client, razorpay_sandbox)
    await refund_and_lose_the_answer(client, placed, 5000)
    await reconcile(client.app[SHOP], ReconcilePolicy(resend_refunds_after=timedelta(days=1)), at=now())
    order = await stored_order(client, placed["order_id"])
    made = next(iter(razorpay_sandbox.state.refunds))
    assert (order["refunds"][0]["refund_id"], order["refunds"][0]["status"], order["refunded_amount"]) == (
        made,
        "processed",
        5000,
    )


async def test_item5_refund_processed_after_we_recorded_it_failed_counts_once(client, razorpay_sandbox):
    """The gateway's processed wins over our failed: counted and held again, exactly once."""
    placed = await paid_order(client, razorpay_sandbox)
    await admin_post(client, f"/api/admin/orders/{placed['order_id']}/refund", {"amount": 1000})
    processed = events_named(razorpay_sandbox, "refund.processed")[0]
    failed = copy.deepcopy(processed.envelope)
    failed["event"] = "refund.failed"
    failed["payload"]["refund"]["entity"]["status"] = "failed"
    await post_razorpay(client, failed, "evt_rf_failed")
    await deliver(client, processed)
    await post_razorpay(client, copy.deepcopy(processed.envelope), "evt_rf_processed_again")
    order = await stored_order(client, placed["order_id"])
    assert (order["refunded_amount"], order["refund_committed"]) == (1000, 1000)


@pytest.mark.slow
async def test_item5_a_refund_that_times_out_stays_requested_with_its_amount_held(make_client, razorpay_sandbox):
    """Razorpay too slow to answer: accepted (202), requested, the amount still held; no error for the admin."""
    client = await make_client(razorpay_timeout=0.3)
    placed = await paid_order(client, razorpay_sandbox)
    razorpay_sandbox.server.app[SANDBOX_FAULTS].latency = 0.6
    status, _answer = await admin_post(client, f"/api/admin/orders/{placed['order_id']}/refund", {"amount": 5000})
    razorpay_sandbox.server.app[SANDBOX_FAULTS].latency = 0
    order = await stored_order(client, placed["order_id"])
    assert (status, order["refunds"][0]["status"], order["refund_committed"]) == (202, "requested", 5000)


async def test_item5_reconcile_finds_a_requested_refund_behind_ten_newer_ones(client, razorpay_sandbox):
    """Razorpay lists a payment's last ten refunds unless asked for more: ours, the oldest of eleven, is still found
    and settled (razorpay.com/docs/api/refunds/fetch-multiple-refund-payment)."""
    placed = await paid_order(client, razorpay_sandbox)
    await refund_and_lose_the_answer(client, placed, 1000)
    payment_id = (await stored_order(client, placed["order_id"]))["payment"]["id"]
    for _ in range(10):  # made in Razorpay's dashboard since: newer than ours
        razorpay_sandbox.state.refund_payment(
            payment_id, RefundRequest(amount=100, speed="normal", notes={}, receipt=None)
        )
    await reconcile(client.app[SHOP], ReconcilePolicy(resend_refunds_after=timedelta(days=1)), at=now())
    order = await stored_order(client, placed["order_id"])
    assert (order["refunds"][0]["status"], order["refunds"][0]["refund_id"]) == (
        "processed",
        next(iter(razorpay_sandbox.state.refunds)),
    )
