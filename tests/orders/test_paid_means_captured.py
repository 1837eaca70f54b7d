"""Issue 24 item 1: paid means captured. A Razorpay payment with status refunded and captured false (an authorisation
Razorpay gave back by itself) never makes an order paid or authorized: not from verify, a webhook or reconcile.

Source: https://razorpay.com/docs/payments/refunds/auto-refunds ("Only payments in the authorized state can be
auto-refunded ... An auto-refunded payment was never captured, so the value is always false").
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from support.app import checkout_body
from support.money import control, given_back_payment, verify_body
from support.webhooks import deliver_all, events_named, place, stored_order

from galla.orders.reconcile import ReconcilePolicy, reconcile
from galla.payments.razorpay.confirm import GIVEN_BACK
from galla.store.orders import now
from galla.web.state import SHOP


async def verify(client, sandbox, placed: dict, payment_id: str):
    """The buyer's browser reports the payment with a valid signature."""
    resp = await client.post("/api/payments/razorpay/verify", json=verify_body(sandbox, placed, payment_id))
    return resp.status, await resp.json()


async def test_item1_verify_of_a_payment_razorpay_gave_back_never_pays_the_order(client, razorpay_sandbox):
    """verify fetches the payment: refunded with captured false leaves the order pending."""
    placed, payment_id = await given_back_payment(client, razorpay_sandbox)
    status, body = await verify(client, razorpay_sandbox, placed, payment_id)
    assert (status, body["status"]) == (200, "pending")


async def test_item1_the_buyer_is_told_the_money_went_back(client, razorpay_sandbox):
    """The order's attempt for that payment says it was refunded automatically, and the page shows it."""
    placed, payment_id = await given_back_payment(client, razorpay_sandbox)
    await verify(client, razorpay_sandbox, placed, payment_id)
    resp = await client.get(f"/orders/{placed['order_id']}")
    page = await resp.text()
    assert GIVEN_BACK in page and "payment refunded automatically" in page


async def test_item1_a_payment_failed_first_is_restated_when_razorpay_gives_it_back(client, razorpay_sandbox):
    """payment.failed came first (an attempt recorded); the given-back payment restates that attempt."""
    placed, payment_id = await given_back_payment(client, razorpay_sandbox)
    await deliver_all(client, events_named(razorpay_sandbox, "payment.failed"))
    await verify(client, razorpay_sandbox, placed, payment_id)
    order = await stored_order(client, placed["order_id"])
    assert [(a["payment_id"], a["description"]) for a in order["attempts"]] == [(payment_id, GIVEN_BACK)]


async def test_item1_reconcile_never_pays_an_order_from_an_uncaptured_payment(client, razorpay_sandbox):
    """Reconciliation lists the order's payments: the given-back one is not a successful payment."""
    placed, _ = await given_back_payment(client, razorpay_sandbox)
    await reconcile(client.app[SHOP], ReconcilePolicy(), at=now() + timedelta(minutes=30))
    order = await stored_order(client, placed["order_id"])
    assert (order["status"], order.get("amount_paid")) == ("pending", None)


async def test_item1_webhooks_of_the_auto_refund_never_count_on_the_order(client, razorpay_sandbox):
    """Every event of that payment, the auto-refund's included, leaves the pending order unpaid and unrefunded."""
    placed, _ = await given_back_payment(client, razorpay_sandbox)
    await deliver_all(client, razorpay_sandbox.state.events)
    order = await stored_order(client, placed["order_id"])
    assert (order["status"], order.get("refunded_amount", 0), order.get("refund_committed", 0)) == ("pending", 0, 0)


async def test_item1_the_auto_refund_held_for_a_payment_that_never_paid_is_dropped(client, razorpay_sandbox):
    """Its refund events came first (held, uncounted); once the payment is known as given back they are dropped."""
    placed, payment_id = await given_back_payment(client, razorpay_sandbox)
    await deliver_all(client, events_named(razorpay_sandbox, "refund.created", "refund.processed"))
    await verify(client, razorpay_sandbox, placed, payment_id)
    order = await stored_order(client, placed["order_id"])
    assert order.get("refunds", []) == []


async def test_item1_an_authorized_order_whose_authorisation_razorpay_gave_back_is_not_authorized(
    make_client, razorpay_sandbox
):
    """Manual capture, never captured: after Razorpay's auto-refund the order is closed, not left authorized."""
    client = await make_client(razorpay_capture="manual")
    placed = await place(client, checkout_body())
    status, paid = await razorpay_sandbox.pay(placed["razorpay"]["order_id"])
    assert status == 200, paid
    assert (await verify(client, razorpay_sandbox, placed, paid["razorpay_payment_id"]))[1]["status"] == "authorized"
    await control(razorpay_sandbox, "POST", "/sandbox/clock", {"seconds": 6 * 24 * 3600})
    status, body = await verify(client, razorpay_sandbox, placed, paid["razorpay_payment_id"])
    assert body["status"] == "expired"


async def test_item1_verify_before_razorpays_automatic_capture_does_not_mark_the_order_paid(client, razorpay_sandbox):
    """Verify may see the payment authorized (capture comes after): pending until the capture's webhook."""
    await control(razorpay_sandbox, "PUT", "/sandbox/capture", {"after": 0.3})
    placed = await place(client, checkout_body())
    status, paid = await razorpay_sandbox.pay(placed["razorpay"]["order_id"])
    assert status == 200, paid
    status, body = await verify(client, razorpay_sandbox, placed, paid["razorpay_payment_id"])
    assert (status, body["status"]) == (200, "pending")


async def test_item1_the_capture_webhook_then_marks_it_paid(client, razorpay_sandbox):
    """payment.authorized then payment.captured, as Razorpay sends them: paid once captured."""
    await control(razorpay_sandbox, "PUT", "/sandbox/capture", {"after": 0.05})
    placed = await place(client, checkout_body())
    await razorpay_sandbox.pay(placed["razorpay"]["order_id"])
    [authorized] = events_named(razorpay_sandbox, "payment.authorized")
    await deliver_all(client, [authorized])
    assert (await stored_order(client, placed["order_id"]))["status"] == "pending"
    for _ in range(50):
        if events_named(razorpay_sandbox, "payment.captured"):
            break
        await asyncio.sleep(0.01)
    await deliver_all(client, events_named(razorpay_sandbox, "payment.captured"))
    assert (await stored_order(client, placed["order_id"]))["status"] == "paid"


async def test_item1_the_auto_refund_of_an_authorized_orders_payment_is_no_refund_of_captured_money(
    make_client, razorpay_sandbox
):
    """Manual capture: Razorpay's refund events for the uncaptured authorisation count nothing on the order."""
    client = await make_client(razorpay_capture="manual")
    placed = await place(client, checkout_body())
    _status, paid = await razorpay_sandbox.pay(placed["razorpay"]["order_id"])
    await verify(client, razorpay_sandbox, placed, paid["razorpay_payment_id"])
    await control(razorpay_sandbox, "POST", "/sandbox/clock", {"seconds": 6 * 24 * 3600})
    await deliver_all(client, events_named(razorpay_sandbox, "refund.created", "refund.processed"))
    await verify(client, razorpay_sandbox, placed, paid["razorpay_payment_id"])
    order = await stored_order(client, placed["order_id"])
    assert (
        order["status"],
        order.get("refunded_amount", 0),
        order.get("refund_committed", 0),
        order.get("refunds", []),
    ) == ("expired", 0, 0, [])
