"""The Razorpay sandbox's timing as live Razorpay's: capture after authorisation, late authorisations, auto-refunds,
and refunds racing one another (issue 24, the sandbox part of items 1, 4 and 5). Read through the official SDK.

Sources: https://razorpay.com/docs/payments/payments/capture-settings/ (capture is a state after authorized; late
authorisation), https://razorpay.com/docs/payments/refunds/auto-refunds (uncaptured payments are refunded by
Razorpay, `captured` stays false, refund webhooks fire; a duplicate on a paid order is refunded at once),
https://razorpay.com/docs/api/refunds/normal-refunds-idempotent (409 while a request with the key is processed).
"""

from __future__ import annotations

import asyncio

import pytest
import razorpay
from support.razorpay_sandbox import run_sdk

from sandboxes.razorpay.state import AUTO_REFUND_AFTER, CAPTURE_WINDOW, SAME_KEY_IN_PROGRESS


async def control(sandbox, method: str, path: str, body: dict) -> dict:
    """Call one of the sandbox's control routes; it must answer 200."""
    status, answer = await sandbox.call(method, path, json=body)
    assert status == 200, answer
    return answer


async def wait_for_status(sdk: razorpay.Client, payment_id: str, status: str) -> dict:
    """Poll the payment through the SDK until it reaches status (automatic capture runs on its own)."""
    for _ in range(100):
        payment = await run_sdk(sdk.payment.fetch, payment_id)
        if payment["status"] == status:
            return payment
        await asyncio.sleep(0.02)
    raise AssertionError(f"payment {payment_id} never became {status}; it is {payment['status']}")


async def failed_payment(sandbox) -> tuple[dict, str]:
    """An order with one failed UPI payment; return the order and the payment id."""
    order = await sandbox.create_order()
    status, body = await sandbox.pay(order["id"], outcome="failure")
    assert status == 400
    return order, body["error"]["metadata"]["payment_id"]


async def test_item1_sandbox_capture_comes_after_authorisation_not_inside_it(sandbox):
    """Verify may see `authorized` first: automatic capture is a later step."""
    await control(sandbox, "PUT", "/sandbox/capture", {"after": 0.3})
    order = await sandbox.create_order()
    _, paid = await sandbox.pay(order["id"])
    payment = await run_sdk(sandbox.sdk().payment.fetch, paid["razorpay_payment_id"])
    assert (payment["status"], payment["captured"]) == ("authorized", False)


async def test_item1_sandbox_automatic_capture_then_captures_it(sandbox):
    """The capture follows on its own, with payment.captured and order.paid after payment.authorized."""
    await control(sandbox, "PUT", "/sandbox/capture", {"after": 0.05})
    order = await sandbox.create_order()
    _, paid = await sandbox.pay(order["id"])
    payment = await wait_for_status(sandbox.sdk(), paid["razorpay_payment_id"], "captured")
    assert payment["captured"] is True
    assert [event.name for event in sandbox.state.events] == ["payment.authorized", "payment.captured", "order.paid"]


async def test_item1_sandbox_late_authorisation_within_the_window_is_captured(sandbox):
    """A failed payment the bank confirms late is authorized, then captured if the window is still open."""
    _, payment_id = await failed_payment(sandbox)
    await control(sandbox, "POST", f"/sandbox/payments/{payment_id}/authorize", {})
    payment = await wait_for_status(sandbox.sdk(), payment_id, "captured")
    assert [event.name for event in sandbox.state.events] == [
        "payment.failed",
        "payment.authorized",
        "payment.captured",
        "order.paid",
    ]
    assert payment["captured"] is True


async def test_item1_sandbox_late_authorisation_after_the_window_stays_authorized(sandbox):
    """Past the automatic capture window the late authorisation is not captured."""
    _, payment_id = await failed_payment(sandbox)
    await control(sandbox, "POST", "/sandbox/clock", {"seconds": CAPTURE_WINDOW + 60})
    await control(sandbox, "POST", f"/sandbox/payments/{payment_id}/authorize", {})
    await asyncio.sleep(0.05)
    payment = await run_sdk(sandbox.sdk().payment.fetch, payment_id)
    assert (payment["status"], payment["captured"]) == ("authorized", False)


async def test_item1_sandbox_uncaptured_authorisation_is_auto_refunded_when_the_clock_passes(sandbox):
    """Razorpay gives an uncaptured authorisation back: status refunded, captured false, fully refunded."""
    _, payment_id = await failed_payment(sandbox)
    await control(sandbox, "POST", "/sandbox/clock", {"seconds": CAPTURE_WINDOW + 60})
    await control(sandbox, "POST", f"/sandbox/payments/{payment_id}/authorize", {})
    answer = await control(sandbox, "POST", "/sandbox/clock", {"seconds": AUTO_REFUND_AFTER})
    assert answer["auto_refunded"] == [payment_id]
    payment = await run_sdk(sandbox.sdk().payment.fetch, payment_id)
    assert (payment["status"], payment["captured"], payment["amount_refunded"], payment["refund_status"]) == (
        "refunded",
        False,
        payment["amount"],
        "full",
    )


async def test_item1_sandbox_auto_refund_raises_refund_events_with_the_uncaptured_payment(sandbox):
    """refund.created and refund.processed carry the payment with captured false, as Razorpay's do."""
    _, payment_id = await failed_payment(sandbox)
    await control(sandbox, "POST", "/sandbox/clock", {"seconds": CAPTURE_WINDOW + 60})
    await control(sandbox, "POST", f"/sandbox/payments/{payment_id}/authorize", {})
    await control(sandbox, "POST", "/sandbox/clock", {"seconds": AUTO_REFUND_AFTER})
    refunds = await run_sdk(sandbox.sdk().payment.fetch_multiple_refund, payment_id)
    events = [
        (e.name, e.envelope["payload"]["payment"]["entity"]["captured"])
        for e in sandbox.state.events
        if e.name.startswith("refund.")
    ]
    assert (refunds["count"], refunds["items"][0]["status"], events) == (
        1,
        "processed",
        [("refund.created", False), ("refund.processed", False)],
    )


async def test_item4_sandbox_late_authorisation_on_a_paid_order_is_refunded_at_once(sandbox):
    """A second payment authorised on an order already paid is a duplicate Razorpay refunds immediately."""
    order, late_id = await failed_payment(sandbox)
    status, _ = await sandbox.pay(order["id"], outcome="success")
    assert status == 200
    await control(sandbox, "POST", f"/sandbox/payments/{late_id}/authorize", {})
    payment = await wait_for_status(sandbox.sdk(), late_id, "refunded")
    assert payment["captured"] is False


async def captured_payment(sandbox) -> str:
    """A payment on a new order, captured by the sandbox's automatic capture; returns its id."""
    order = await sandbox.create_order()
    _, paid = await sandbox.pay(order["id"])
    payment_id = paid["razorpay_payment_id"]
    await wait_for_status(sandbox.sdk(), payment_id, "captured")
    return payment_id


async def test_item5_sandbox_refund_racing_one_with_the_same_key_answers_409(sandbox):
    """While a refund with a key is being processed, the same key again answers 409 in Razorpay's envelope."""
    payment_id = await captured_payment(sandbox)
    await control(sandbox, "PUT", "/sandbox/refunds", {"hold": 0.3})
    headers = {"X-Refund-Idempotency": "race-key-0001"}
    first = asyncio.ensure_future(
        run_sdk(sandbox.sdk().payment.refund, payment_id, {"amount": 100}, headers=dict(headers))
    )
    await asyncio.sleep(0.1)
    status, body = await sandbox.call(
        "POST", f"/v1/payments/{payment_id}/refund", json={"amount": 100}, headers=headers
    )
    refund = await first
    assert (status, body["error"]["description"], body["error"]["code"], refund["status"]) == (
        409,
        SAME_KEY_IN_PROGRESS,
        "BAD_REQUEST_ERROR",
        "processed",
    )


async def test_item5_sandbox_conflicts_knob_makes_the_sdk_see_the_409_error(sandbox):
    """PUT /sandbox/refunds {"conflicts": 1}: the next refund is refused as in progress; nothing is refunded."""
    payment_id = await captured_payment(sandbox)
    await control(sandbox, "PUT", "/sandbox/refunds", {"conflicts": 1})
    with pytest.raises(razorpay.errors.BadRequestError, match="another request is in progress"):
        await run_sdk(
            sandbox.sdk().payment.refund, payment_id, {"amount": 100}, headers={"X-Refund-Idempotency": "race-key-0002"}
        )
    assert sandbox.state.payments[payment_id]["amount_refunded"] == 0


async def test_item1_sandbox_clock_control_needs_the_key_pair(sandbox):
    """The clock knob is a control route like /sandbox/latency: without Basic auth it is refused."""
    status, _body = await sandbox.call("POST", "/sandbox/clock", json={"seconds": 1}, auth=False)
    assert (status, sandbox.state.clock_offset) == (401, 0.0)


async def test_item12_sandbox_captures_within_the_orders_own_automatic_expiry_period(sandbox):
    """An order's capture_options.automatic_expiry_period, not a fixed window, decides automatic capture: Galla
    sends 1440 minutes, so a late authorisation 13 minutes in is captured (razorpay/markdown-docs
    payments/payments/capture-settings/api.md: "Time in minutes till when payments in the authorized state should be
    auto-captured"; the options "take precedence over the account level auto-capture settings")."""
    order = await sandbox.create_order(
        payment={"capture": "automatic", "capture_options": {"automatic_expiry_period": 1440, "refund_speed": "normal"}}
    )
    _, payment = await sandbox.pay(order["id"], outcome="failure")
    payment_id = payment["error"]["metadata"]["payment_id"]
    await control(sandbox, "POST", "/sandbox/clock", {"seconds": CAPTURE_WINDOW + 60})
    await control(sandbox, "POST", f"/sandbox/payments/{payment_id}/authorize", {})
    assert (await wait_for_status(sandbox.sdk(), payment_id, "captured"))["captured"] is True


async def test_item12_sandbox_auto_refunds_after_the_orders_own_manual_expiry_period(sandbox):
    """ "Payments in the authorized state after the manual_expiry_period are auto-refunded" (capture-settings/api.md,
    its Handy Tips: automatic 60 and manual 120 minutes refund after 120 minutes)."""
    order = await sandbox.create_order(
        payment={
            "capture": "automatic",
            "capture_options": {"automatic_expiry_period": 60, "manual_expiry_period": 120, "refund_speed": "normal"},
        }
    )
    _, payment = await sandbox.pay(order["id"], outcome="failure")
    payment_id = payment["error"]["metadata"]["payment_id"]
    await control(sandbox, "POST", "/sandbox/clock", {"seconds": 61 * 60})
    await control(sandbox, "POST", f"/sandbox/payments/{payment_id}/authorize", {})
    answer = await control(sandbox, "POST", "/sandbox/clock", {"seconds": 60 * 60})
    assert answer["auto_refunded"] == [payment_id]


async def test_item4_sandbox_late_authorisation_on_an_order_paid_by_manual_capture_is_refunded_at_once(sandbox):
    """Manual capture too: "If one of the payments is successful and another attempt gets Late Authorised, the late
    authorised payment is refunded immediately" (razorpay.com/docs/payments/payments/late-authorisation/handle;
    auto-refunds: "Duplicate payment on an order that is already in the paid state: Immediately")."""
    order = await sandbox.create_order(payment={"capture": "manual"})
    _, failed = await sandbox.pay(order["id"], outcome="failure")
    late_id = failed["error"]["metadata"]["payment_id"]
    _, paid = await sandbox.pay(order["id"], outcome="success")
    await run_sdk(sandbox.sdk().payment.capture, paid["razorpay_payment_id"], 49900, {"currency": "INR"})
    await control(sandbox, "POST", f"/sandbox/payments/{late_id}/authorize", {})
    payment = await wait_for_status(sandbox.sdk(), late_id, "refunded")
    assert payment["captured"] is False
