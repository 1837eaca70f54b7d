"""The property of issue 27 on Razorpay: whatever the network does to subscription webhooks (repeats, shuffles,
losses), after reconciliation each subscription's status, paid count and charges equal the sandbox's own record, and
no event or charge is applied twice. Hypothesis plans the subscriptions (authenticated or not, verified by the browser
or not, cancelled or paused), how each charge ends and how the clock moves; the sandbox charges them and delivers its
own signed webhooks over real HTTP, duplicated, shuffled and dropped.

State comes from fetched objects, not event order (SUBSCRIPTIONS.md §19), so the webhooks that arrive and the
reconcile pass after them must agree with Razorpay whichever arrived.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from support.razorpay_subscriptions import (
    DAY,
    advance,
    authenticate,
    hook_up,
    opened,
    plan_charges,
    sandbox_record,
)

from galla.orders.subscription_reconcile import reconcile_subscriptions
from galla.store.orders import now
from galla.store.subscription_charges import list_charges
from galla.store.subscriptions import Subscription, get_subscription
from galla.web.state import DATABASE, SHOP
from galla.webhooks.receive import finish_applying

OUTCOME = st.sampled_from(["success", "failure"])
subscriptions = st.lists(
    st.fixed_dictionaries(
        {
            # never: the buyer leaves the window; failed_then_paid: a declined mandate, then an approved one.
            "authentication": st.sampled_from(["paid", "paid", "failed_then_paid", "never"]),
            "verified": st.booleans(),  # whether the browser came back with the signature
            "total_count": st.integers(2, 4),
            "outcomes": st.lists(OUTCOME, max_size=6),
            "then": OUTCOME,
            "action": st.sampled_from([None, None, "cancel_at_end", "cancel_now", "pause"]),
        }
    ),
    min_size=1,
    max_size=3,
)
delivery = st.fixed_dictionaries(
    {
        "duplicate": st.sampled_from([0.0, 0.5, 1.0]),
        "drop": st.sampled_from([0.0, 0.3, 0.7]),
        "seed": st.integers(0, 2**16),
    }
)
clock_moves = st.lists(st.integers(1, 40), min_size=1, max_size=3)  # days


@pytest.fixture
async def shop(make_client, razorpay_sandbox):
    """The app, with the sandbox sending its webhooks to it, shuffled."""
    client = await make_client()
    sender = hook_up(client, razorpay_sandbox)
    sender.knobs.shuffle = True
    return client, sender


async def act(client, sandbox, plan: dict) -> Subscription:
    """Open one subscription and do to it what its plan says, up to the clock."""
    shop = client.app[SHOP]
    provider = shop.subscription_provider("razorpay")
    # A plan version per count: its Razorpay plan is made once and reused by later examples.
    sub = await opened(client, total_count=plan["total_count"], plan_version=plan["total_count"])
    razorpay_id = sub.razorpay_subscription_id
    await plan_charges(sandbox, razorpay_id, plan["outcomes"], plan["then"])
    if plan["authentication"] == "failed_then_paid":
        status, _ = await authenticate(sandbox, razorpay_id, "failure")
        assert status == 400
    if plan["authentication"] != "never":
        status, proof = await authenticate(sandbox, razorpay_id)
        assert status == 200, proof
        if plan["verified"]:
            sub = await provider.confirm_subscription(shop, sub.id, proof)
            if plan["action"] == "cancel_at_end":
                sub = await provider.cancel_subscription(shop, sub, at_period_end=True)
            elif plan["action"] == "cancel_now":
                sub = await provider.cancel_subscription(shop, sub, at_period_end=False)
            elif plan["action"] == "pause":
                sub = await provider.pause_subscription(shop, sub)
    return sub


async def deliver(sender) -> None:
    """Send what the sandbox held, shuffled, and wait for every delivery, retry and apply to end."""
    sender.release()
    await sender.drain(timeout=20)
    await finish_applying(10)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plans=subscriptions, knobs=delivery, moves=clock_moves)
async def test_subscriptions_end_as_razorpay_knows_them_whatever_happens_to_webhooks(
    shop, razorpay_sandbox, plans, knobs, moves
):
    client, sender = shop
    sender.knobs.duplicate, sender.knobs.drop, sender.knobs.seed = knobs["duplicate"], knobs["drop"], knobs["seed"]
    sender.hold()
    first_event, first_drop = len(razorpay_sandbox.state.events), len(sender.dropped)
    placed = [await act(client, razorpay_sandbox, plan) for plan in plans]
    for days in moves:
        await advance(razorpay_sandbox, days * DAY)
    await deliver(sender)
    # Reconcile as the worker would, once every subscription is due a look (the sandbox's clock ran ahead of ours).
    result = await reconcile_subscriptions(client.app[SHOP], at=now() + timedelta(days=sum(moves) + 400))
    assert result.errors == []

    event(f"drops: {'some' if len(sender.dropped) > first_drop else 'none'}")
    db = client.app[DATABASE].db
    ours = {e.id for e in razorpay_sandbox.state.events[first_event:] if e.name.startswith("subscription.")}
    for plan, sub in zip(plans, placed, strict=True):
        after = await get_subscription(db, sub.id)
        state, invoices = sandbox_record(razorpay_sandbox, sub.razorpay_subscription_id)
        assert (after.status, after.paid_count, after.cancel_at_period_end) == state, plan
        charges = await list_charges(db, sub.id)
        assert {c.invoice_id: c.status == "paid" for c in charges} == {
            invoice: status == "paid" for invoice, status in invoices.items()
        }, plan
        # None applied twice: each event once on the timeline, each paid charge one receipt.
        doc = await db.subscriptions.find_one({"_id": sub.id})
        applied = Counter(e["event_id"] for e in doc["timeline"] if e["kind"] == "webhook")
        assert all(count == 1 for count in applied.values()) and set(applied) <= ours, applied
        receipts = await db.outbox.count_documents({"_id": {"$in": [f"charge-receipt:{c.id}" for c in charges]}})
        assert receipts == sum(c.status == "paid" for c in charges)
        entries = await db.events.find({"order_id": sub.id}).to_list(None)
        assert {e["event_id"] for e in entries} == set(applied)
