"""Refunds and disputes of a subscription's charges, followed up after the admin asked: the gateways' signed refund
and dispute webhooks, delivered over real sockets from the sandboxes, name the charge's payment (no order holds it)
and settle the charge; reconcile settles a refund whose webhook was dropped.

Sources: Razorpay sends refund.created, refund.processed and refund.failed, each with the refund and its payment
(https://razorpay.com/docs/webhooks/refunds), and a refund may stay pending until refund.processed or refund.failed
says how it ended (https://razorpay.com/docs/payments/refunds/faqs, question 4); payment.dispute.created carries the
dispute and the payment (https://razorpay.com/docs/webhooks/disputes). Stripe's card refunds are pending, succeeded or
failed, a change announced by refund.updated / refund.failed with the Refund and its payment_intent
(https://docs.stripe.com/api/refunds/object), and a Dispute names its payment_intent
(https://docs.stripe.com/api/disputes/object).
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest
from support.app import ADMIN
from support.stored_subscriptions import subscribe_through_razorpay
from support.subscribing import subscribe, subscribe_body
from support.webhooks import US_BUYER, deliver, deliver_all, events_named

from galla.orders.errors import Conflict, InvalidInput
from galla.orders.reconcile import ReconcilePolicy, reconcile
from galla.orders.subscription_refunds import refund_charge
from galla.payments.errors import GatewayInvalid, GatewayUnavailable
from galla.store.orders import now
from galla.store.subscription_charges import Charge, get_charge, list_charges
from galla.store.subscriptions import Subscription, get_subscription
from galla.web.state import DATABASE, SHOP
from sandboxes.razorpay import SANDBOX_FAULTS
from sandboxes.razorpay.validation import RefundRequest
from sandboxes.stripe import STRIPE_SANDBOX_FAULTS


async def refund_from_admin(client, sub: Subscription, charge: Charge, rupees: str) -> Charge:
    """The owner confirms, then sends, a refund of the charge on its subscription's admin page."""
    base = f"/admin/subscriptions/{sub.id}/charges/{charge.id}/refund"
    confirm = await client.post(base + "/confirm", data={"amount": rupees}, headers=ADMIN)
    page = await confirm.text()
    assert confirm.status == 200, page
    key = re.search(r'name="key" value="([^"]+)"', page)[1]
    resp = await client.post(base, data={"amount": page_amount(page), "key": key}, headers=ADMIN, allow_redirects=False)
    assert resp.status == 303, await resp.text()
    return await get_charge(client.app[DATABASE].db, charge.id)


def page_amount(page: str) -> str:
    """The amount (minor units) the confirmation page's form sends on."""
    return re.search(r'name="amount" value="([^"]+)"', page)[1]


async def razorpay_charge(client, razorpay_sandbox) -> tuple[Subscription, Charge]:
    """A Razorpay subscription paid through the sandbox's window, and its first charge; refunds left pending."""
    razorpay_sandbox.server.app[SANDBOX_FAULTS].refund_outcome = "pending"
    sub = await subscribe_through_razorpay(client, razorpay_sandbox)
    (charge,) = await list_charges(client.app[DATABASE].db, sub.id)
    assert charge.status == "paid" and charge.payment_id
    return sub, charge


async def stripe_charge(client, stripe_sandbox) -> tuple[Subscription, Charge]:
    """A Stripe subscription paid on the sandbox's hosted page, and its first charge; refunds left pending."""
    stripe_sandbox.server.app[STRIPE_SANDBOX_FAULTS].refund_outcome = "pending"
    status, _, body = await subscribe(client, subscribe_body(country="US", customer=US_BUYER))
    assert status == 201, body
    session_id = body["stripe"]["session_id"]
    assert (await stripe_sandbox.pay(session_id))[0] == 303
    resp = await client.post(
        f"/api/subscriptions/{body['subscription_id']}/stripe/return", json={"session_id": session_id}
    )
    assert (await resp.json())["status"] == "active"
    db = client.app[DATABASE].db
    (charge,) = await list_charges(db, body["subscription_id"])
    assert charge.status == "paid" and charge.payment_id.startswith("pi_")
    return await get_subscription(db, body["subscription_id"]), charge


async def test_a_razorpay_charge_refund_from_the_admin_becomes_processed_by_its_webhook(client, razorpay_sandbox):
    sub, charge = await razorpay_charge(client, razorpay_sandbox)
    asked = await refund_from_admin(client, sub, charge, "200")
    (entry,) = asked.refunds
    assert (entry["status"], asked.refund_committed, asked.refunded_amount) == ("pending", 20000, 0)
    assert razorpay_sandbox.state.refunds[entry["refund_id"]]["notes"]["refund_key"] == entry["key"]

    razorpay_sandbox.state.settle_refund(entry["refund_id"], "processed")
    answers = await deliver_all(client, events_named(razorpay_sandbox, "refund.created", "refund.processed"))
    assert not any(answer["outcome"].startswith("ignored") for _, answer in answers), answers
    settled = await get_charge(client.app[DATABASE].db, charge.id)
    assert settled.refunds[0]["status"] == "processed"
    assert (settled.refund_committed, settled.refunded_amount) == (20000, 20000)
    # The ledger keeps each event under the subscription, so its trace shows them.
    events = await client.app[DATABASE].db.events.find({"type": "refund.processed"}).to_list(None)
    assert [event["order_id"] for event in events] == [sub.id]


async def test_a_razorpay_charge_refund_that_fails_frees_its_amount(client, razorpay_sandbox):
    sub, charge = await razorpay_charge(client, razorpay_sandbox)
    asked = await refund_from_admin(client, sub, charge, "499")
    assert asked.refund_committed == charge.amount
    razorpay_sandbox.state.settle_refund(asked.refunds[0]["refund_id"], "failed")
    (failed,) = events_named(razorpay_sandbox, "refund.failed")
    for _ in range(2):  # a redelivery changes nothing more
        status, _ = await deliver(client, failed)
        assert status == 200
    after = await get_charge(client.app[DATABASE].db, charge.id)
    assert (after.refunds[0]["status"], after.refund_committed, after.refunded_amount) == ("failed", 0, 0)
    # A late refund.created (pending) does not move it back.
    status, _ = await deliver(client, events_named(razorpay_sandbox, "refund.created")[0])
    after = await get_charge(client.app[DATABASE].db, charge.id)
    assert (after.refunds[0]["status"], after.refund_committed) == ("failed", 0)
    # The freed amount may be refunded again.
    again = await refund_from_admin(client, sub, after, "499")
    assert again.refund_committed == charge.amount and len(again.refunds) == 2


async def test_a_stripe_charge_refund_is_settled_by_refund_updated(client, stripe_sandbox):
    sub, charge = await stripe_charge(client, stripe_sandbox)
    shop = client.app[SHOP]
    _, asked = await refund_charge(shop, sub.id, charge.id, 400)
    (entry,) = asked.refunds
    assert (entry["status"], asked.refund_committed, asked.refunded_amount) == ("pending", 400, 0)
    stripe_sandbox.state.settle_refund(entry["refund_id"], "succeeded")
    answers = await deliver_all(client, events_named(stripe_sandbox, "refund.updated", "charge.refunded"))
    assert not any(answer["outcome"].startswith("ignored") for _, answer in answers), answers
    settled = await get_charge(client.app[DATABASE].db, charge.id)
    assert (settled.refunds[0]["status"], settled.refunded_amount, settled.refund_committed) == ("processed", 400, 400)


async def test_a_stripe_charge_refund_that_fails_frees_its_amount(client, stripe_sandbox):
    sub, charge = await stripe_charge(client, stripe_sandbox)
    _, asked = await refund_charge(client.app[SHOP], sub.id, charge.id, None)
    stripe_sandbox.state.settle_refund(asked.refunds[0]["refund_id"], "failed")
    await deliver_all(client, events_named(stripe_sandbox, "refund.failed"))
    after = await get_charge(client.app[DATABASE].db, charge.id)
    assert (after.refunds[0]["status"], after.refund_committed, after.refunded_amount) == ("failed", 0, 0)


async def test_a_dispute_on_a_razorpay_charge_shows_on_it_and_puts_the_subscription_to_review(client, razorpay_sandbox):
    sub, charge = await razorpay_charge(client, razorpay_sandbox)
    dispute = razorpay_sandbox.state.open_dispute(charge.payment_id)
    (event,) = events_named(razorpay_sandbox, "payment.dispute.created")
    status, answer = await deliver(client, event)
    assert status == 200 and not answer["outcome"].startswith("ignored"), answer
    db = client.app[DATABASE].db
    disputed = await get_charge(db, charge.id)
    assert disputed.dispute["id"] == dispute["id"] and disputed.dispute["amount"] == charge.amount
    assert dispute["id"] in disputed.review_reason
    flagged = await get_subscription(db, sub.id)
    assert flagged.status == "active" and dispute["id"] in flagged.review_reason
    page = await (await client.get(f"/admin/subscriptions/{sub.id}", headers=ADMIN)).text()
    assert dispute["id"] in page


async def test_a_dispute_on_a_stripe_charge_shows_on_it_and_puts_the_subscription_to_review(client, stripe_sandbox):
    sub, charge = await stripe_charge(client, stripe_sandbox)
    intent = stripe_sandbox.state.payment_intents[charge.payment_id]
    dispute = stripe_sandbox.state.open_dispute(intent["latest_charge"])
    await deliver_all(client, events_named(stripe_sandbox, "charge.dispute.created"))
    db = client.app[DATABASE].db
    assert (await get_charge(db, charge.id)).dispute["id"] == dispute["id"]
    assert dispute["id"] in (await get_subscription(db, sub.id)).review_reason


async def test_reconcile_settles_a_charge_refund_whose_webhook_was_dropped(client, razorpay_sandbox):
    sub, charge = await razorpay_charge(client, razorpay_sandbox)
    asked = await refund_from_admin(client, sub, charge, "100")
    razorpay_sandbox.state.settle_refund(asked.refunds[0]["refund_id"], "processed")  # its webhook never comes
    report = await reconcile(client.app[SHOP], ReconcilePolicy(), at=now())
    assert report.errors == [] and report.refunds_checked == 1
    assert report.changed == {sub.id: f"charge {charge.invoice_id} refunded 0 → 10000"}
    settled = await get_charge(client.app[DATABASE].db, charge.id)
    assert (settled.refunds[0]["status"], settled.refunded_amount) == ("processed", 10000)
    again = await reconcile(client.app[SHOP], ReconcilePolicy(), at=now())
    assert again.refunds_checked == 0  # nothing left open


@pytest.mark.slow
async def test_reconcile_finds_a_charge_refund_whose_answer_was_lost_by_its_key(make_client, razorpay_sandbox):
    """No answer is no failure: the refund stays requested, its amount held; reconcile finds it among the payment's
    refunds by the refund_key note and settles it, never making a second one."""
    client = await make_client(razorpay_timeout=0.3)
    sub, charge = await razorpay_charge(client, razorpay_sandbox)
    razorpay_sandbox.server.app[SANDBOX_FAULTS].latency = 0.6  # Razorpay is too slow to answer in time
    with pytest.raises(GatewayUnavailable):
        await refund_charge(client.app[SHOP], sub.id, charge.id, 5000)
    razorpay_sandbox.server.app[SANDBOX_FAULTS].latency = 0
    held = await get_charge(client.app[DATABASE].db, charge.id)
    assert (held.refunds[0]["status"], held.refunds[0]["refund_id"], held.refund_committed) == ("requested", None, 5000)
    await asyncio.sleep(0.5)  # the sandbox finishes the request nobody waited for
    for _ in range(2):
        report = await reconcile(client.app[SHOP], ReconcilePolicy(resend_refunds_after=timedelta(0)), at=now())
        assert report.errors == []
    (made,) = razorpay_sandbox.state.refunds
    settled = await get_charge(client.app[DATABASE].db, charge.id)
    assert (settled.refunds[0]["refund_id"], settled.refunds[0]["status"]) == (made, "pending")


@pytest.mark.slow
async def test_reconcile_resends_a_charge_refund_the_gateway_never_made_under_its_key(make_client, razorpay_sandbox):
    """A request that never reached Razorpay is sent again, once it is older than resend_refunds_after."""
    client = await make_client()
    sub, charge = await razorpay_charge(client, razorpay_sandbox)
    razorpay_sandbox.server.app[
        SANDBOX_FAULTS
    ].refund_conflicts = 10  # 409, retries too: Razorpay is busy with this payment
    with pytest.raises(GatewayUnavailable):
        await refund_charge(client.app[SHOP], sub.id, charge.id, 5000)
    razorpay_sandbox.server.app[SANDBOX_FAULTS].refund_conflicts = 0
    assert razorpay_sandbox.state.refunds == {}
    report = await reconcile(client.app[SHOP], ReconcilePolicy(), at=now())
    assert report.refunds_checked == 1 and razorpay_sandbox.state.refunds == {}  # too young to resend
    report = await reconcile(client.app[SHOP], ReconcilePolicy(resend_refunds_after=timedelta(0)), at=now())
    assert report.errors == []
    (made,) = razorpay_sandbox.state.refunds.values()
    settled = await get_charge(client.app[DATABASE].db, charge.id)
    assert settled.refunds[0]["refund_id"] == made["id"] and made["notes"]["refund_key"] == settled.refunds[0]["key"]


async def test_a_charge_refund_made_in_the_razorpay_dashboard_is_recorded_and_held(client, razorpay_sandbox):
    """A refund Galla never asked for (no refund_key note) is kept on the charge by its id, its amount held, so the
    admin cannot refund that money twice."""
    sub, charge = await razorpay_charge(client, razorpay_sandbox)
    razorpay_sandbox.state.refund_payment(
        charge.payment_id, RefundRequest(amount=30000, speed="normal", notes={}, receipt=None), outcome="processed"
    )
    await deliver_all(client, events_named(razorpay_sandbox, "refund.created", "refund.processed") * 2)
    after = await get_charge(client.app[DATABASE].db, charge.id)
    assert [(r["key"].startswith("rfnd_"), r["status"], r["amount"]) for r in after.refunds] == [
        (True, "processed", 30000)
    ]
    assert (after.refunded_amount, after.refund_committed) == (30000, 30000)
    confirm = await client.post(
        f"/admin/subscriptions/{sub.id}/charges/{charge.id}/refund/confirm", data={"amount": "300"}, headers=ADMIN
    )
    assert confirm.status == 422 and "₹199.00" in await confirm.text()


async def test_a_refused_refund_sent_again_under_its_key_is_refused_not_refunded_unreserved(
    client, razorpay_sandbox, monkeypatch
):
    """Refused by the gateway, a refund frees what it reserved; the confirm form posted again (same key) must not send
    it unreserved, or the charge could be refunded twice over (the attacker review: refunded ₹499, committed ₹0)."""
    sub, charge = await razorpay_charge(client, razorpay_sandbox)
    shop = client.app[SHOP]
    client_class = type(shop.razorpay_client)
    real = client_class.refund_payment
    calls: list[str] = []

    async def refuse_first(*args, **kwargs):
        calls.append("refund")
        if len(calls) == 1:
            raise GatewayInvalid("Your account does not have enough balance to carry out the refund operation.",
                                 gateway="razorpay")  # fmt: skip
        return await real(*args, **kwargs)

    monkeypatch.setattr(client_class, "refund_payment", refuse_first)
    with pytest.raises(GatewayInvalid):
        await refund_charge(shop, sub.id, charge.id, charge.amount, "confirm-form-key")
    with pytest.raises(Conflict, match="start a new refund"):
        await refund_charge(shop, sub.id, charge.id, charge.amount, "confirm-form-key")
    assert len(calls) == 1
    _, refunded = await refund_charge(shop, sub.id, charge.id, charge.amount, "a-new-refund")
    assert (refunded.refund_committed, len(calls)) == (charge.amount, 2)
    with pytest.raises(InvalidInput):
        await refund_charge(shop, sub.id, charge.id, charge.amount, "one-more")
