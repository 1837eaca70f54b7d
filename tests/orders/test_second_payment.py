"""Issue 24 item 4: a second captured payment on an order already paid (a late authorisation after the buyer paid
another way, a Razorpay success after failover to Stripe) is refunded in full automatically, exactly once, shown in
the trace and counted on the dashboard; that refund never counts against the order's own payment.

Razorpay gives back a duplicate on one of its own paid orders by itself (https://razorpay.com/docs/payments/refunds/
auto-refunds: "Duplicate payment on an order that is already in the paid state ... Immediately"), so on Razorpay a
second captured payment reaches us only when the order was paid through Stripe, and the other way round.
"""

from __future__ import annotations

import asyncio

from support.app import ADMIN, checkout_body
from support.money import control, placed_with_failed_payment
from support.webhooks import deliver, deliver_all, events_named, place, stored_order

from galla.payments.stripe.session import open_stripe_session
from galla.store.orders import find_order_by_payment_id, get_order
from galla.web.state import SHOP


async def stripe_session_for(client, placed: dict) -> str:
    """Fail the order over to Stripe, as open_razorpay_or_stripe does when Razorpay is down; return the session."""
    shop = client.app[SHOP]
    switch = {"gateway": "stripe", "route": "failover", "failover": {"from_gateway": "razorpay", "reason": "test"}}
    order = await open_stripe_session(shop, await get_order(shop.db, placed["order_id"]), switch=switch)
    return order.stripe_session_id


async def paid_by_stripe_then_razorpay_late(client, razorpay_sandbox, stripe_sandbox) -> tuple[dict, str]:
    """A Razorpay payment failed; the buyer paid through Stripe; then the bank confirmed the Razorpay one late."""
    placed, late_id = await placed_with_failed_payment(client, razorpay_sandbox)
    session_id = await stripe_session_for(client, placed)
    status, _, _ = await stripe_sandbox.pay(session_id)
    assert status == 303
    await deliver_all(client, events_named(stripe_sandbox, "checkout.session.completed"))
    assert (await stored_order(client, placed["order_id"]))["status"] == "paid"
    await control(razorpay_sandbox, "POST", f"/sandbox/payments/{late_id}/authorize", {})
    for _ in range(50):  # Razorpay's automatic capture is a step of its own, just after
        if razorpay_sandbox.state.payments[late_id]["status"] == "captured":
            break
        await asyncio.sleep(0.01)
    return placed, late_id


async def test_item4_a_razorpay_success_after_failover_to_stripe_is_refunded_in_full(
    client, razorpay_sandbox, stripe_sandbox
):
    """Its capture webhooks reach an order Stripe paid: Razorpay is asked to refund all of it."""
    _placed, late_id = await paid_by_stripe_then_razorpay_late(client, razorpay_sandbox, stripe_sandbox)
    await deliver_all(client, events_named(razorpay_sandbox, "payment.captured"))
    payment = razorpay_sandbox.state.payments[late_id]
    assert (payment["amount_refunded"], payment["status"]) == (payment["amount"], "refunded")


async def test_item4_the_second_payment_is_refunded_exactly_once(client, razorpay_sandbox, stripe_sandbox):
    """payment.authorized, payment.captured and order.paid, each twice: one refund."""
    _placed, late_id = await paid_by_stripe_then_razorpay_late(client, razorpay_sandbox, stripe_sandbox)
    events = events_named(razorpay_sandbox, "payment.captured", "order.paid")
    await deliver_all(client, [*events, *events])
    assert len(razorpay_sandbox.state.payment_refunds(late_id)) == 1


async def test_item4_the_refund_never_counts_against_the_orders_own_payment(client, razorpay_sandbox, stripe_sandbox):
    """The order stays paid by Stripe, nothing refunded or held against it, its refund events included."""
    placed, _late_id = await paid_by_stripe_then_razorpay_late(client, razorpay_sandbox, stripe_sandbox)
    await deliver_all(client, events_named(razorpay_sandbox, "payment.captured"))
    await deliver_all(client, events_named(razorpay_sandbox, "refund.created", "refund.processed"))
    order = await stored_order(client, placed["order_id"])
    assert (
        order["status"],
        order.get("refunded_amount", 0),
        order.get("refund_committed", 0),
        order["payment"]["gateway"],
    ) == ("paid", 0, 0, "stripe")


async def test_item4_the_second_payment_and_its_refund_are_kept_on_the_order(client, razorpay_sandbox, stripe_sandbox):
    """extra_payments holds it, its refund settled by refund.processed."""
    placed, late_id = await paid_by_stripe_then_razorpay_late(client, razorpay_sandbox, stripe_sandbox)
    await deliver_all(client, events_named(razorpay_sandbox, "payment.captured"))
    await deliver_all(client, events_named(razorpay_sandbox, "refund.processed"))
    order = await stored_order(client, placed["order_id"])
    assert [(x["id"], x["gateway"], x["refund"]["status"]) for x in order["extra_payments"]] == [
        (late_id, "razorpay", "processed")
    ]


async def test_item4_the_second_payment_is_shown_in_the_trace(client, razorpay_sandbox, stripe_sandbox):
    """The admin's order page has a trace step for the second payment's automatic refund."""
    placed, late_id = await paid_by_stripe_then_razorpay_late(client, razorpay_sandbox, stripe_sandbox)
    await deliver_all(client, events_named(razorpay_sandbox, "payment.captured"))
    resp = await client.get(f"/admin/orders/{placed['order_id']}", headers=ADMIN)
    assert f"Second payment {late_id}" in await resp.text()


async def test_item4_a_stripe_payment_on_an_order_razorpay_paid_is_refunded_by_stripe(
    client, razorpay_sandbox, stripe_sandbox
):
    """Failed over to Stripe, then the Razorpay payment went through first: the Stripe payment is given back."""
    placed = await place(client, checkout_body())
    session_id = await stripe_session_for(client, placed)
    status, paid = await razorpay_sandbox.pay(placed["razorpay"]["order_id"])
    assert status == 200, paid
    await deliver_all(client, events_named(razorpay_sandbox, "order.paid"))
    status, _, _ = await stripe_sandbox.pay(session_id)
    assert status == 303
    [completed] = events_named(stripe_sandbox, "checkout.session.completed")
    await deliver(client, completed)
    await deliver(client, completed)
    intent = stripe_sandbox.state.sessions[session_id]["payment_intent"]
    refunds = [r for r in stripe_sandbox.state.refunds.values() if r["payment_intent"] == intent]
    order = await stored_order(client, placed["order_id"])
    assert ([r["amount"] for r in refunds], order["status"], order["payment"]["id"]) == (
        [placed["amount"]],
        "paid",
        paid["razorpay_payment_id"],
    )


async def test_item4_second_payments_given_back_are_counted_on_the_dashboard(client, razorpay_sandbox, stripe_sandbox):
    """The dashboard counts today's second payments refunded automatically."""
    await paid_by_stripe_then_razorpay_late(client, razorpay_sandbox, stripe_sandbox)
    await deliver_all(client, events_named(razorpay_sandbox, "payment.captured"))
    resp = await client.get("/admin", headers=ADMIN)
    page = await resp.text()
    assert 'data-testid="second-payments-today">1<' in page


async def test_item4_the_order_is_found_by_its_second_payments_id(client, razorpay_sandbox, stripe_sandbox):
    """find_order_by_payment_id (how a refund's webhook finds its order) knows the second payment too."""
    placed, late_id = await paid_by_stripe_then_razorpay_late(client, razorpay_sandbox, stripe_sandbox)
    await deliver_all(client, events_named(razorpay_sandbox, "payment.captured"))
    found = await find_order_by_payment_id(client.app[SHOP].db, late_id)
    assert found is not None and found.id == placed["order_id"]


async def test_item4_the_admins_order_page_lists_the_second_payment_and_its_refund(
    client, razorpay_sandbox, stripe_sandbox
):
    """Beside the order's own refunds, the second payment with the state of its automatic refund."""
    placed, late_id = await paid_by_stripe_then_razorpay_late(client, razorpay_sandbox, stripe_sandbox)
    await deliver_all(client, events_named(razorpay_sandbox, "payment.captured"))
    resp = await client.get(f"/admin/orders/{placed['order_id']}", headers=ADMIN)
    page = await resp.text()
    assert 'data-testid="second-payments"' in page and f"<code>{late_id}</code> (Razorpay)" in page


async def test_item4_a_dispute_on_the_second_payment_leaves_the_orders_own_payment_alone(
    client, razorpay_sandbox, stripe_sandbox
):
    """A chargeback on the payment given back is the shop's to answer (it has the refund to show), but the order's own
    payment is not disputed: the order stays paid, and the dispute is kept on the second payment and its timeline."""
    placed, late_id = await paid_by_stripe_then_razorpay_late(client, razorpay_sandbox, stripe_sandbox)
    await deliver_all(client, events_named(razorpay_sandbox, "payment.captured"))
    dispute = razorpay_sandbox.state.open_dispute(late_id)
    await deliver_all(client, events_named(razorpay_sandbox, "payment.dispute.created"))
    order = await stored_order(client, placed["order_id"])
    [second] = order["extra_payments"]
    assert (order["status"], order.get("dispute"), second["dispute"]["id"]) == ("paid", None, dispute["id"])
