"""Razorpay subscriptions end to end against the sandbox over real sockets: opened with a plan per plan version,
authenticated in the window (UPI Autopay), verified by checkout.js's signature, charged by the sandbox's clock, and
brought up to date by its signed webhooks (delivered to the app's /webhooks/razorpay by the sandbox itself).

Gateway behaviour as SUBSCRIPTIONS.md records it: §3 create, §4 cancel/pause, §5 states, §6 the signature
(razorpay-python razorpay/utility/utility.py verify_subscription_payment_signature), §8 retries then halted.
"""

from __future__ import annotations

import json
import random

import pytest
from support.app import CUSTOMER
from support.razorpay_subscriptions import (
    DAY,
    advance,
    authenticate,
    hook_up,
    opened,
    plan_charges,
    sandbox_record,
    subscription_doc,
)
from support.webhooks import post_razorpay

from galla.orders.errors import Conflict, GatewayBusy, SignatureInvalid
from galla.orders.subscription_emails import charge_receipt_id
from galla.store.subscription_charges import list_charges
from galla.store.subscriptions import Subscription, get_subscription, insert_subscription
from galla.web.state import DATABASE, SHOP
from sandboxes.razorpay import SANDBOX_FAULTS, SANDBOX_SUBSCRIPTIONS

MONTH = 31 * DAY


@pytest.fixture
async def shop(make_client, razorpay_sandbox):
    """The app, with the sandbox sending its webhooks to it; the client and the sender."""
    client = await make_client()
    return client, hook_up(client, razorpay_sandbox)


def the_shop(client):
    return client.app[SHOP]


async def subscribed(client, sandbox) -> Subscription:
    """A subscription opened, authenticated with UPI Autopay, and verified through the provider."""
    sub = await opened(client)
    status, proof = await authenticate(sandbox, sub.razorpay_subscription_id)
    assert status == 200, proof
    shop = the_shop(client)
    return await shop.subscription_provider("razorpay").confirm_subscription(shop, sub.id, proof)


async def charges_of(client, sub_id: str) -> list:
    return await list_charges(client.app[DATABASE].db, sub_id)


async def test_open_pay_and_verify_makes_it_active_with_its_first_charge(shop, razorpay_sandbox):
    """§6: checkout.js gets key and subscription_id, no amount and no order_id; the immediate-start authentication
    is the first charge (§10), recorded once with its receipt queued."""
    client, _ = shop
    sub = await opened(client)
    assert sub.razorpay_subscription_id.startswith("sub_") and sub.razorpay_plan_id.startswith("plan_")
    options = the_shop(client).subscription_provider("razorpay").subscription_options(the_shop(client), sub)
    razorpay = options["razorpay"]
    assert razorpay["subscription_id"] == sub.razorpay_subscription_id and razorpay["key"] == razorpay_sandbox.key_id
    assert "amount" not in razorpay and "order_id" not in razorpay
    assert razorpay["notes"] == {"subscription_id": sub.id} and razorpay["prefill"]["contact"] == CUSTOMER["phone"]
    assert "Chai club, ₹499.00 a month" in razorpay["description"]
    book = razorpay_sandbox.server.app[SANDBOX_SUBSCRIPTIONS]
    remote = book.subscriptions[sub.razorpay_subscription_id]
    assert remote["notes"] == {"subscription_id": sub.id} and remote["total_count"] > 1000  # no end: the longest

    status, proof = await authenticate(razorpay_sandbox, sub.razorpay_subscription_id)
    assert status == 200, proof
    provider = the_shop(client).subscription_provider("razorpay")
    after = await provider.confirm_subscription(the_shop(client), sub.id, proof)
    assert (after.status, after.paid_count, after.payment_method) == ("active", 1, "upi")
    assert after.charge_at and after.current_end and after.razorpay_customer_id.startswith("cust_")
    [charge] = await charges_of(client, sub.id)
    assert (charge.status, charge.amount, charge.currency, charge.payment_id) == (
        "paid",
        49900,
        "INR",
        proof["razorpay_payment_id"],
    )
    outbox = client.app[DATABASE].db.outbox
    assert await outbox.count_documents({"_id": charge_receipt_id(charge.id)}) == 1
    # Verified again (a reload): nothing new, and no call to Razorpay.
    timeline = (await client.app[DATABASE].db.subscriptions.find_one({"_id": sub.id}))["timeline"]
    again = await provider.confirm_subscription(the_shop(client), sub.id, proof)
    assert again.status == "active" and len(await charges_of(client, sub.id)) == 1
    assert (await client.app[DATABASE].db.subscriptions.find_one({"_id": sub.id}))["timeline"] == timeline
    # A second subscriber of the same plan version gets the same Razorpay plan.
    other = await opened(client)
    assert other.razorpay_plan_id == sub.razorpay_plan_id and len(book.plans) == 1


async def test_forged_and_swapped_signatures_are_refused_with_nothing_stored(shop, razorpay_sandbox):
    """400 signature_invalid: the signature is checked against OUR stored Razorpay subscription id, so a valid
    proof of another subscription, a forged signature or the order flow's order (sub|pay) all fail (§6)."""
    client, _ = shop
    provider = the_shop(client).subscription_provider("razorpay")
    mine, theirs = await opened(client), await opened(client)
    status, proof = await authenticate(razorpay_sandbox, theirs.razorpay_subscription_id)
    assert status == 200
    db = client.app[DATABASE].db
    before = await db.subscriptions.find_one({"_id": mine.id})
    forged = {**proof, "razorpay_subscription_id": mine.razorpay_subscription_id}
    tries = [
        (proof, "razorpay_subscription_id"),  # theirs, whole: not this subscription's Razorpay subscription
        (forged, "razorpay_signature"),  # our id with their signature
        ({**forged, "razorpay_signature": "0" * 64}, "razorpay_signature"),
    ]
    for bad, field in tries:
        with pytest.raises(SignatureInvalid) as info:
            await provider.confirm_subscription(the_shop(client), mine.id, bad)
        assert (info.value.status, info.value.code, info.value.field) == (400, "signature_invalid", field)
    assert await db.subscriptions.find_one({"_id": mine.id}) == before
    assert await charges_of(client, mine.id) == [] and await db.outbox.count_documents({}) == 0


async def test_a_month_on_brings_one_charge_by_webhook_even_delivered_twice(shop, razorpay_sandbox):
    client, sender = shop
    sub = await subscribed(client, razorpay_sandbox)
    await sender.drain(timeout=20)
    sender.knobs.duplicate = 1.0
    await advance(razorpay_sandbox, MONTH)
    await sender.drain(timeout=20)
    after = await get_subscription(client.app[DATABASE].db, sub.id)
    assert (after.status, after.paid_count) == ("active", 2)
    charges = await charges_of(client, sub.id)
    assert [c.status for c in charges] == ["paid", "paid"]
    assert await client.app[DATABASE].db.outbox.count_documents({"_id": {"$regex": "^charge-receipt:"}}) == 2
    (_, paid_count, _), invoices = sandbox_record(razorpay_sandbox, sub.razorpay_subscription_id)
    assert {c.invoice_id: c.status for c in charges} == invoices and paid_count == 2


async def test_failing_charges_go_pending_then_halted(shop, razorpay_sandbox):
    """§8: a failed charge retries T+1, T+2, T+3, each failure pending, then halted; the invoice stays issued."""
    client, sender = shop
    sub = await subscribed(client, razorpay_sandbox)
    await plan_charges(razorpay_sandbox, sub.razorpay_subscription_id, [], then="failure")
    await advance(razorpay_sandbox, MONTH)
    await sender.drain(timeout=20)
    db = client.app[DATABASE].db
    pending = await get_subscription(db, sub.id)
    assert pending.status == "pending"
    await advance(razorpay_sandbox, 3 * DAY)
    await sender.drain(timeout=20)
    halted = await get_subscription(db, sub.id)
    assert (halted.status, halted.paid_count) == ("halted", 1)
    charges = {c.status: c for c in await charges_of(client, sub.id)}
    assert set(charges) == {"paid", "failed"} and charges["failed"].attempts == 4
    timeline = (await db.subscriptions.find_one({"_id": sub.id}))["timeline"]
    moves = [(e["from"], e["to"]) for e in timeline if e["kind"] == "status"]
    assert moves == [("created", "active"), ("active", "pending"), ("pending", "halted")]


async def test_cancel_at_the_end_of_the_cycle(shop, razorpay_sandbox):
    """cancel_at_cycle_end: still active, no further charge, cancelled when the cycle ends (cancel-subscription)."""
    client, sender = shop
    sub = await subscribed(client, razorpay_sandbox)
    provider = the_shop(client).subscription_provider("razorpay")
    asked = await provider.cancel_subscription(the_shop(client), sub, at_period_end=True)
    assert (asked.status, asked.cancel_at_period_end) == ("active", True)
    # A later fetch (reconcile, a webhook) keeps the flag: Razorpay's entity has no field for it.
    report, _, _ = await provider.fetch_subscription(the_shop(client), asked)
    assert report.cancel_at_period_end is True
    await advance(razorpay_sandbox, MONTH)
    await sender.drain(timeout=20)
    ended = await get_subscription(client.app[DATABASE].db, sub.id)
    assert (ended.status, ended.cancel_at_period_end, ended.paid_count) == ("cancelled", False, 1)
    assert len(await charges_of(client, sub.id)) == 1
    with pytest.raises(Conflict, match="not cancellable in cancelled status"):
        await provider.cancel_subscription(the_shop(client), ended, at_period_end=True)


async def test_pause_and_resume(shop, razorpay_sandbox):
    client, _ = shop
    sub = await subscribed(client, razorpay_sandbox)
    provider = the_shop(client).subscription_provider("razorpay")
    paused = await provider.pause_subscription(the_shop(client), sub)
    assert (paused.status, paused.charge_at) == ("paused", None)
    resumed = await provider.resume_subscription(the_shop(client), paused)
    assert resumed.status == "active" and resumed.charge_at is not None


async def test_events_in_any_order_give_the_same_state(shop, razorpay_sandbox):
    """Every subscription.* event is applied as a fetch (§19), so delivered backwards, shuffled and repeated they
    leave the subscription and its charges as Razorpay has them, each event applied once."""
    client, sender = shop
    sender.hold()  # nothing reaches the app on its own: the test delivers
    sub = await opened(client)
    await authenticate(razorpay_sandbox, sub.razorpay_subscription_id)
    await plan_charges(razorpay_sandbox, sub.razorpay_subscription_id, ["failure"], then="success")
    await advance(razorpay_sandbox, MONTH + DAY)
    events = [e for e in razorpay_sandbox.state.events if e.name.startswith("subscription.")]
    assert [e.name.split(".")[1] for e in events] == [
        "authenticated",
        "activated",
        "charged",
        "pending",
        "activated",
        "charged",
    ]
    shuffled = [*reversed(events), *random.Random(7).sample(events, len(events))]
    for event in shuffled:
        status, answer = await post_razorpay(client, event.envelope, event.id)
        assert status == 200, answer
    after = await get_subscription(client.app[DATABASE].db, sub.id)
    (status, paid_count, _), invoices = sandbox_record(razorpay_sandbox, sub.razorpay_subscription_id)
    assert (after.status, after.paid_count) == (status, paid_count) == ("active", 2)
    assert {c.invoice_id: c.status for c in await charges_of(client, sub.id)} == invoices
    ledger = await client.app[DATABASE].db.events.find({"_id": {"$regex": "^razorpay:"}}).to_list(None)
    assert len(ledger) == len(events)
    timeline = (await client.app[DATABASE].db.subscriptions.find_one({"_id": sub.id}))["timeline"]
    applied = [e for e in timeline if e["kind"] == "webhook"]
    assert sorted(e["event_id"] for e in applied) == sorted(e.id for e in events), json.dumps(applied, default=str)


async def test_razorpay_down_keeps_the_subscription_to_open_again(shop, razorpay_sandbox):
    """A 503 on POST /v1/subscriptions: 503 gateway_unavailable for the buyer, the failed call on the trace, no id
    kept; once Razorpay is back it opens, on the plan version's Razorpay plan made before."""
    client, _ = shop
    first = await opened(client)
    outage = razorpay_sandbox.server.app[SANDBOX_FAULTS].failures
    sub = await insert_subscription(client.app[DATABASE].db, subscription_doc())
    provider = the_shop(client).subscription_provider("razorpay")
    outage.set(1, "503")
    with pytest.raises(GatewayBusy) as info:
        await provider.open_subscription(the_shop(client), sub)
    assert (info.value.status, info.value.code) == (503, "gateway_unavailable")
    outage.set(0, "503")
    doc = await client.app[DATABASE].db.subscriptions.find_one({"_id": sub.id})
    assert "razorpay_subscription_id" not in doc
    assert [(e["method"], e["path"], e["status"]) for e in doc["timeline"]] == [("POST", "/v1/subscriptions", 503)]
    after = await provider.open_subscription(the_shop(client), sub)
    assert after.razorpay_subscription_id and after.razorpay_plan_id == first.razorpay_plan_id
    assert len(razorpay_sandbox.server.app[SANDBOX_SUBSCRIPTIONS].plans) == 1
