"""Issue 24 item 3: refund events count only for the order's own payment, in its currency; anything else is kept
in the trace as ignored, with the reason. The order's status follows from its payment and its refunds whatever
order the events arrive in: a full refund that arrives before the capture ends `refunded`.
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support.app import ADMIN, checkout_body
from support.money import paid_order
from support.webhooks import admin_post, deliver, deliver_all, events_named, place, post_razorpay, stored_order

from sandboxes.razorpay.validation import RefundRequest

PAYMENT_EVENTS = ("payment.authorized", "payment.captured", "order.paid")
REFUND_EVENTS = ("refund.created", "refund.processed")


async def refunded_at_razorpay(client, sandbox, amount: int | None = None) -> tuple[dict, str]:
    """An order paid and then refunded in Razorpay's dashboard (all of it unless told); no webhook delivered yet."""
    placed = await place(client, checkout_body())
    status, paid = await sandbox.pay(placed["razorpay"]["order_id"])
    assert status == 200, paid
    payment_id = paid["razorpay_payment_id"]
    sandbox.state.refund_payment(payment_id, RefundRequest(amount=amount, speed="normal", notes={}, receipt=None))
    return placed, payment_id


async def refund_event_changed(client, sandbox, placed: dict, **changes) -> dict:
    """The admin refunds 1000; its refund.processed is delivered again as another refund with these changes."""
    status, _ = await admin_post(client, f"/api/admin/orders/{placed['order_id']}/refund", {"amount": 1000})
    assert status == 202
    envelope = copy.deepcopy(events_named(sandbox, "refund.processed")[0].envelope)
    refund = envelope["payload"]["refund"]["entity"]
    refund.update(id="rfnd_Other0000000X", notes=[], **changes)
    status, _ = await post_razorpay(client, envelope, "evt_changed_refund")
    assert status == 200
    return await stored_order(client, placed["order_id"])


async def test_item3_a_full_refund_that_arrives_before_the_capture_ends_refunded(client, razorpay_sandbox):
    """Refund events first, then the payment's: the order ends refunded, not paid."""
    placed, _ = await refunded_at_razorpay(client, razorpay_sandbox)
    await deliver_all(client, events_named(razorpay_sandbox, *REFUND_EVENTS))
    await deliver_all(client, events_named(razorpay_sandbox, *PAYMENT_EVENTS))
    order = await stored_order(client, placed["order_id"])
    assert (order["status"], order["refunded_amount"]) == ("refunded", placed["amount"])


async def test_item3_a_refund_of_another_payment_does_not_count(client, razorpay_sandbox):
    """A refund report naming a payment that is not the order's own changes none of its money."""
    placed = await paid_order(client, razorpay_sandbox)
    order = await refund_event_changed(client, razorpay_sandbox, placed, payment_id="pay_NotThisOne0000")
    assert (order.get("refunded_amount", 0), order["refund_committed"], len(order["refunds"])) == (0, 1000, 1)


async def test_item3_a_refund_in_another_currency_does_not_count(client, razorpay_sandbox):
    """A refund report in a currency that is not the order's changes none of its money."""
    placed = await paid_order(client, razorpay_sandbox)
    order = await refund_event_changed(client, razorpay_sandbox, placed, currency="USD")
    assert (order.get("refunded_amount", 0), order["refund_committed"], len(order["refunds"])) == (0, 1000, 1)


@pytest.mark.slow
async def test_item3_an_ignored_refund_is_in_the_trace_with_its_reason(client, razorpay_sandbox):
    """The admin's trace page shows the ignored refund and why."""
    placed = await paid_order(client, razorpay_sandbox)
    await refund_event_changed(client, razorpay_sandbox, placed, payment_id="pay_NotThisOne0000")
    resp = await client.get(f"/admin/orders/{placed['order_id']}", headers=ADMIN)
    page = await resp.text()
    assert "Refund rfnd_Other0000000X ignored" in page and "not this order&#39;s payment" in page


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(order=[3, 4, 4, 0, 1, 2], partial=False)  # the refund reported twice before its payment is known
@given(
    order=st.lists(st.integers(0, 4), max_size=3).flatmap(lambda repeats: st.permutations([*range(5), *repeats])),
    partial=st.booleans(),
)
async def test_item3_status_follows_payment_and_refunds_in_any_arrival_order(client, razorpay_sandbox, order, partial):
    """Payment and refund events shuffled and repeated: the order ends as its payment and refunds say."""
    amount = 1997_00 // 2 if partial else None
    placed, _ = await refunded_at_razorpay(client, razorpay_sandbox, amount)
    rzp_order = placed["razorpay"]["order_id"]
    events = [
        e for e in razorpay_sandbox.state.events if e.envelope["payload"]["payment"]["entity"]["order_id"] == rzp_order
    ]
    assert len(events) == 5
    for index in order:  # every event at least once, some twice, in any order
        status, _ = await deliver(client, events[index])
        assert status == 200
    stored = await stored_order(client, placed["order_id"])
    refunded = placed["amount"] if amount is None else amount
    expected = "refunded" if amount is None else "partially_refunded"
    assert (stored["status"], stored["refunded_amount"], stored["refund_committed"]) == (expected, refunded, refunded)
