"""Refund emails: the buyer hears once when a refund is made and once when the gateway has processed it, through the
sandboxes' real webhooks; a repeat, a reconcile pass or a second partial refund never doubles one; a failure is told
only to a buyer who was told the refund was made.

Statuses: Razorpay's refund.created / refund.processed / refund.failed (https://razorpay.com/docs/webhooks/refunds);
Stripe's refund status pending → succeeded | failed | canceled (https://docs.stripe.com/api/refunds/object)."""

from __future__ import annotations

import copy
from datetime import timedelta

from support.app import CUSTOMER, checkout_body
from support.money import paid_and_known, refund
from support.webhooks import (
    US_BUYER,
    deliver,
    deliver_all,
    events_named,
    paid_stripe_order,
    place,
    post_razorpay,
)

from galla.orders.reconcile import ReconcilePolicy, reconcile
from galla.store.orders import now
from galla.web.state import DATABASE, SHOP
from sandboxes.razorpay import SANDBOX_FAULTS
from sandboxes.razorpay.validation import RefundRequest
from sandboxes.stripe import STRIPE_SANDBOX_FAULTS

SHOP_DETAILS = {
    "shop_legal_name": "Galla Handlooms Private Limited",
    "shop_address": "12 MG Road, Bengaluru 560001, Karnataka",
    "shop_email": "help@galla.example",
    "shop_phone": "+91 80 4000 1234",
}


async def refund_messages(client) -> dict[str, dict]:
    """The refund emails in the outbox, by id."""
    docs = await client.app[DATABASE].db.outbox.find({"kind": {"$regex": "^refund_"}}).to_list(None)
    return {doc["_id"]: doc for doc in docs}


async def stripe_refund_left_pending(client, stripe_sandbox, amount: int) -> tuple[str, dict]:
    """A US buyer's Stripe order paid, and a refund of it that Stripe keeps pending: the order id and the refund."""
    placed = await paid_stripe_order(client, stripe_sandbox)
    await deliver_all(client, events_named(stripe_sandbox, "checkout.session.completed"))
    stripe_sandbox.server.app[STRIPE_SANDBOX_FAULTS].refund_outcome = "pending"
    status, answer = await refund(client, placed["order_id"], amount)
    assert status == 202, answer
    return placed["order_id"], answer["refund"]


async def test_a_razorpay_refund_is_told_once_made_and_once_processed(make_client, razorpay_sandbox):
    client = await make_client(**SHOP_DETAILS)
    placed, _ = await paid_and_known(client, razorpay_sandbox)
    order_id = placed["order_id"]
    status, answer = await refund(client, order_id, 49900)
    assert status == 202
    key = answer["refund"]["key"]
    # Accepted by Razorpay: the "made" email is queued at once, before any webhook.
    assert list(await refund_messages(client)) == [f"refund-made:{order_id}:{key}"]

    processed = events_named(razorpay_sandbox, "refund.processed")[0]
    await deliver_all(client, [*events_named(razorpay_sandbox, "refund.created"), processed])
    # Delivered again, and the same report under another event id: nothing more is queued.
    await deliver(client, processed)
    await post_razorpay(client, copy.deepcopy(processed.envelope), "evt_refund_processed_again")
    messages = await refund_messages(client)
    assert sorted(messages) == [f"refund-made:{order_id}:{key}", f"refund-processed:{order_id}:{key}"]

    made, done = messages[f"refund-made:{order_id}:{key}"], messages[f"refund-processed:{order_id}:{key}"]
    assert made["to"] == done["to"] == CUSTOMER["email"].lower()
    assert made["subject"] == f"Galla has refunded ₹499.00 on order {order_id}"
    assert done["subject"] == "Your refund of ₹499.00 from Galla has been processed"
    refund_id = answer["refund"]["refund_id"]
    for message in (made, done):
        assert message["order_id"] == order_id and message["status"] in ("queued", "held")
        for body in (message["text"], message["html"]):
            assert "₹499.00" in body and "UPI" in body and order_id in body and refund_id in body
            assert "5–7 working days" in body and f"/orders/{order_id}" in body
            assert "Galla Handlooms Private Limited" in body and "help@galla.example" in body
            assert "+91 80 4000 1234" in body and "Bengaluru 560001" in body
    assert "we've refunded ₹499.00 of your order to the account you paid from (UPI)." in made["text"]
    assert "Razorpay has processed your refund of ₹499.00" in done["text"]


async def test_each_partial_refund_gets_its_own_emails(client, razorpay_sandbox):
    placed, _ = await paid_and_known(client, razorpay_sandbox)
    order_id = placed["order_id"]
    keys = []
    for amount in (10000, 20000):
        status, answer = await refund(client, order_id, amount)
        assert status == 202
        keys.append(answer["refund"]["key"])
    await deliver_all(client, events_named(razorpay_sandbox, "refund.created", "refund.processed"))
    messages = await refund_messages(client)
    assert sorted(messages) == sorted(
        f"refund-{stage}:{order_id}:{key}" for key in keys for stage in ("made", "processed")
    )
    assert "₹100.00" in messages[f"refund-made:{order_id}:{keys[0]}"]["subject"]
    assert "₹200.00" in messages[f"refund-processed:{order_id}:{keys[1]}"]["subject"]


async def test_a_refund_reconcile_finds_processed_is_told_once(client, razorpay_sandbox):
    placed, _ = await paid_and_known(client, razorpay_sandbox)
    order_id = placed["order_id"]
    razorpay_sandbox.server.app[SANDBOX_FAULTS].refund_outcome = "pending"
    _status, answer = await refund(client, order_id, 5000)
    key, refund_id = answer["refund"]["key"], answer["refund"]["refund_id"]
    razorpay_sandbox.state.settle_refund(refund_id, "processed")  # its webhook is late
    report = await reconcile(client.app[SHOP], ReconcilePolicy(), at=now() + timedelta(minutes=1))
    assert report.errors == []
    assert sorted(await refund_messages(client)) == [
        f"refund-made:{order_id}:{key}",
        f"refund-processed:{order_id}:{key}",
    ]
    # Then the webhook arrives, and reconcile runs again: still one email per stage.
    await deliver_all(client, events_named(razorpay_sandbox, "refund.created", "refund.processed"))
    await reconcile(client.app[SHOP], ReconcilePolicy(), at=now() + timedelta(minutes=2))
    assert len(await refund_messages(client)) == 2


async def test_a_refund_made_in_the_razorpay_dashboard_is_told_too(client, razorpay_sandbox):
    placed, paid = await paid_and_known(client, razorpay_sandbox)
    request = RefundRequest(amount=placed["amount"], speed="normal", notes={}, receipt=None)
    made = razorpay_sandbox.state.refund_payment(paid["razorpay_payment_id"], request)
    await deliver_all(client, events_named(razorpay_sandbox, "refund.created", "refund.processed"))
    # Its key is Razorpay's refund id (no notes of ours); refund.created already shows it processed.
    assert sorted(await refund_messages(client)) == [
        f"refund-made:{placed['order_id']}:{made['id']}",
        f"refund-processed:{placed['order_id']}:{made['id']}",
    ]


async def test_a_stripe_refund_is_told_made_then_processed_with_stripes_timing(client, stripe_sandbox):
    order_id, made = await stripe_refund_left_pending(client, stripe_sandbox, 500)
    key = made["key"]
    await deliver_all(client, events_named(stripe_sandbox, "refund.created"))
    assert list(await refund_messages(client)) == [f"refund-made:{order_id}:{key}"]
    stripe_sandbox.state.settle_refund(made["refund_id"], "succeeded")
    # refund.updated (status succeeded) and charge.refunded both report it; each twice.
    events = events_named(stripe_sandbox, "refund.updated", "charge.refunded")
    await deliver_all(client, events + events)
    messages = await refund_messages(client)
    assert sorted(messages) == [f"refund-made:{order_id}:{key}", f"refund-processed:{order_id}:{key}"]
    done = messages[f"refund-processed:{order_id}:{key}"]
    assert done["to"] == US_BUYER["email"] and "$5.00" in done["subject"]
    assert "Card" in done["text"] and "5–10 business days" in done["text"] and "Stripe" in done["text"]


async def test_a_refund_that_fails_after_it_was_made_is_told_honestly_once(client, stripe_sandbox):
    order_id, made = await stripe_refund_left_pending(client, stripe_sandbox, 500)
    key = made["key"]
    stripe_sandbox.state.settle_refund(made["refund_id"], "failed")
    failed = events_named(stripe_sandbox, "refund.failed")
    await deliver_all(client, failed + failed)
    messages = await refund_messages(client)
    assert sorted(messages) == [f"refund-failed:{order_id}:{key}", f"refund-made:{order_id}:{key}"]
    told = messages[f"refund-failed:{order_id}:{key}"]
    assert told["subject"] == "Your refund of $5.00 from Galla did not go through"
    assert "could not be completed" in told["text"] and "we'll refund you another way" in told["text"]
    assert "5–10 business days" not in told["text"]  # no arrival to promise


async def test_a_refund_the_gateway_refuses_is_never_news_to_the_buyer(client, razorpay_sandbox):
    placed, paid = await paid_and_known(client, razorpay_sandbox)
    # Refunded in full in Razorpay's dashboard, its webhooks not here yet: our refund is refused (400).
    request = RefundRequest(amount=placed["amount"], speed="normal", notes={}, receipt=None)
    razorpay_sandbox.state.refund_payment(paid["razorpay_payment_id"], request)
    status, answer = await refund(client, placed["order_id"], 10000)
    assert status == 422 and answer["error"]["code"] == "refund_refused"
    assert await refund_messages(client) == {}


async def test_a_buyer_without_an_email_gets_no_refund_email(client, razorpay_sandbox):
    placed, _ = await paid_and_known(client, razorpay_sandbox)
    await client.app[DATABASE].db.orders.update_one({"_id": placed["order_id"]}, {"$set": {"customer.email": ""}})
    assert (await refund(client, placed["order_id"], 10000))[0] == 202
    await deliver_all(client, events_named(razorpay_sandbox, "refund.created", "refund.processed"))
    assert await refund_messages(client) == {}


async def test_a_refund_that_fails_before_anyone_said_it_was_made_is_not_told(client, razorpay_sandbox):
    placed, paid = await paid_and_known(client, razorpay_sandbox)
    faults = razorpay_sandbox.server.app[SANDBOX_FAULTS]
    faults.refund_conflicts = 100  # Razorpay answers every retry 409: the refund is left requested
    status, answer = await refund(client, placed["order_id"], 10000)
    assert (status, answer["refund"]["status"]) == (202, "requested")
    faults.refund_conflicts = 0
    # Razorpay made it all the same, and the bank refused it: refund.failed is the first the shop hears of it.
    notes = {"refund_key": answer["refund"]["key"], "order_id": placed["order_id"]}
    request = RefundRequest(amount=10000, speed="normal", notes=notes, receipt=None)
    razorpay_sandbox.state.refund_payment(paid["razorpay_payment_id"], request, outcome="failed")
    late = events_named(razorpay_sandbox, "refund.created")  # comes after refund.failed (no order is promised)
    await deliver_all(client, [*events_named(razorpay_sandbox, "refund.failed"), *late])
    assert [r["status"] for r in (await client.app[DATABASE].db.orders.find_one())["refunds"]] == ["failed"]
    assert await refund_messages(client) == {}


async def test_the_order_page_says_when_to_expect_a_refund_as_its_email_does(client, stripe_sandbox):
    placed = await paid_stripe_order(client, stripe_sandbox)
    await deliver_all(client, events_named(stripe_sandbox, "checkout.session.completed"))
    assert (await refund(client, placed["order_id"]))[0] == 202
    await deliver_all(client, events_named(stripe_sandbox, "refund.created", "charge.refunded"))
    page = await (await client.get(f"/orders/{placed['order_id']}")).text()
    assert "Refunded" in page and "Banks usually take 5–10 business days to show it." in page
    assert "5–7 working days" not in page  # Razorpay's timing, not Stripe's


async def test_a_refund_reported_before_its_payment_is_told_once_the_payment_counts(client, razorpay_sandbox):
    placed = await place(client, checkout_body())
    status, paid = await razorpay_sandbox.pay(placed["razorpay"]["order_id"])
    assert status == 200, paid
    request = RefundRequest(amount=10000, speed="normal", notes={}, receipt=None)
    made = razorpay_sandbox.state.refund_payment(paid["razorpay_payment_id"], request)
    refunds = events_named(razorpay_sandbox, "refund.created", "refund.processed")
    await deliver_all(client, refunds)
    assert await refund_messages(client) == {}  # held, not counted: the order has no captured payment yet
    payments = events_named(razorpay_sandbox, "payment.captured", "order.paid")
    await deliver_all(client, payments + refunds + payments)
    assert sorted(await refund_messages(client)) == [
        f"refund-made:{placed['order_id']}:{made['id']}",
        f"refund-processed:{placed['order_id']}:{made['id']}",
    ]
