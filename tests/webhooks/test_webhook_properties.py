"""The property of issue 4: whatever the network does to webhooks (repeats, shuffles, losses), after
reconciliation every order's status and refunded amount equal the gateway's own record, and no event
is applied twice. The sandboxes deliver the events themselves, signed, over real HTTP."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from support.app import checkout_body
from support.webhooks import US_BUYER, admin_post, place, razorpay_secret, stored_order, stripe_secret

from galla.orders.reconcile import ReconcilePolicy, reconcile
from galla.store.orders import now
from galla.web.state import DATABASE, SHOP
from sandboxes.razorpay import RAZORPAY_WEBHOOKS
from sandboxes.stripe import STRIPE_WEBHOOKS

RAZORPAY_FATES = ["unpaid", "failed", "failed_then_paid", "paid", "refund_half", "refund_full", "refund_twice"]
STRIPE_FATES = [
    "unpaid",
    "declined",
    "declined_then_paid",
    "paid",
    "expired",
    "refund_half",
    "refund_full",
    "refund_twice",
]
plans = st.lists(
    st.one_of(
        st.tuples(st.just("razorpay"), st.sampled_from(RAZORPAY_FATES)),
        st.tuples(st.just("stripe"), st.sampled_from(STRIPE_FATES)),
    ),
    min_size=1,
    max_size=6,
)
knobs = st.fixed_dictionaries(
    {
        "duplicate": st.sampled_from([0.0, 0.3, 1.0]),
        "drop": st.sampled_from([0.0, 0.3, 0.7]),
        "seed": st.integers(0, 2**16),
    }
)
LATER = timedelta(hours=1)


@pytest.fixture
async def shop(make_client, razorpay_sandbox, stripe_sandbox):
    """The app, with each sandbox sending its webhooks to it, fast retries, everything held until released."""
    client = await make_client()
    senders = [
        (razorpay_sandbox.server.app[RAZORPAY_WEBHOOKS], "/webhooks/razorpay", razorpay_secret(client)),
        (stripe_sandbox.server.app[STRIPE_WEBHOOKS], "/webhooks/stripe", stripe_secret(client)),
    ]
    for sender, path, secret in senders:
        sender.url, sender.secret = str(client.make_url(path)), secret
        sender.knobs.retry_delays = (0.01, 0.02, 0.05, 0.1)
        sender.knobs.shuffle = True
    return client, [sender for sender, _, _ in senders]


def hold_with(senders, delivery: dict) -> None:
    """Hold every event from now on; each will be repeated or dropped as these knobs say."""
    for sender in senders:
        sender.knobs.duplicate, sender.knobs.drop, sender.knobs.seed = (
            delivery["duplicate"],
            delivery["drop"],
            delivery["seed"],
        )
        sender.hold()


async def release_all(senders) -> None:
    """Send what the senders hold, shuffled, and wait until every delivery and retry is over."""
    for sender in senders:
        sender.release()
    for sender in senders:
        await sender.drain(timeout=20)


async def act(client, razorpay_sandbox, stripe_sandbox, gateway: str, fate: str) -> dict:
    """Place one order and do to it what its fate says, up to its payment."""
    if gateway == "razorpay":
        placed = await place(client, checkout_body())
        rzp_order = placed["razorpay"]["order_id"]
        if fate.startswith("failed"):
            await razorpay_sandbox.pay(rzp_order, outcome="failure")
        if fate in ("failed_then_paid", "paid") or fate.startswith("refund"):
            status, _ = await razorpay_sandbox.pay(rzp_order)
            assert status == 200
    else:
        placed = await place(client, checkout_body(customer=US_BUYER, country="US"))
        session_id = placed["stripe"]["session_id"]
        if fate.startswith("declined"):
            await stripe_sandbox.pay(session_id, card="4000 0000 0000 0002")
        if fate in ("declined_then_paid", "paid") or fate.startswith("refund"):
            status, _, _ = await stripe_sandbox.pay(session_id)
            assert status == 303
        if fate == "expired":
            stripe_sandbox.state.expire_session(session_id)
    return placed


async def refund_as_fated(client, placed: dict, fate: str) -> None:
    """The admin's refunds, once the shop sees the order paid."""
    path = f"/api/admin/orders/{placed['order_id']}/refund"
    parts = {
        "refund_half": [placed["amount"] // 2],
        "refund_full": [None],
        "refund_twice": [placed["amount"] // 4, placed["amount"] // 4],
    }.get(fate, [])
    for amount in parts:
        status, answer = await admin_post(client, path, {} if amount is None else {"amount": amount})
        assert status == 202, answer


def truth(razorpay_sandbox, stripe_sandbox, placed: dict) -> tuple[str, int]:
    """What the gateway itself says the order is: its status and how much of it was refunded."""
    if "razorpay" in placed:
        state = razorpay_sandbox.state
        payments = state.order_payments(placed["razorpay"]["order_id"])
        taken = [p for p in payments if p["status"] in ("captured", "refunded")]
        if not taken:
            return "pending", 0
        refunded = taken[0]["amount_refunded"]
        amount = taken[0]["amount"]
    else:
        state = stripe_sandbox.state
        session = state.sessions[placed["stripe"]["session_id"]]
        if session["status"] == "expired":
            return "expired", 0
        if session["payment_status"] != "paid":
            return "pending", 0
        charge = state.charges[state.payment_intents[session["payment_intent"]]["latest_charge"]]
        refunded, amount = charge["amount_refunded"], charge["amount"]
    status = "paid" if refunded == 0 else "refunded" if refunded == amount else "partially_refunded"
    return status, refunded


async def reconcile_later(client) -> None:
    report = await reconcile(client.app[SHOP], ReconcilePolicy(), at=now() + LATER)
    assert report.errors == []


@pytest.mark.slow
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=plans, first=knobs, second=knobs)
async def test_orders_end_as_the_gateway_knows_them_whatever_happens_to_webhooks(
    shop, razorpay_sandbox, stripe_sandbox, plan, first, second
):
    client, senders = shop
    hold_with(senders, first)
    placed = [await act(client, razorpay_sandbox, stripe_sandbox, gateway, fate) for gateway, fate in plan]
    await release_all(senders)
    if first["drop"] == 0:
        # Nothing lost: the webhooks alone, repeated and shuffled, already tell every order the truth.
        for order in placed:
            assert (await stored_order(client, order["order_id"]))["status"] == truth(
                razorpay_sandbox, stripe_sandbox, order
            )[0]
    await reconcile_later(client)
    hold_with(senders, second)
    for (_, fate), order in zip(plan, placed, strict=True):
        await refund_as_fated(client, order, fate)
    await release_all(senders)
    await reconcile_later(client)

    event(
        f"deliveries: {'some' if any(s.deliveries for s in senders) else 'none'}, "
        f"drops: {'some' if any(s.dropped for s in senders) else 'none'}"
    )
    db = client.app[DATABASE].db
    for (gateway, fate), order in zip(plan, placed, strict=True):
        doc = await stored_order(client, order["order_id"])
        status, refunded = truth(razorpay_sandbox, stripe_sandbox, order)
        assert (doc["status"], doc.get("refunded_amount", 0)) == (status, refunded), (gateway, fate, doc["timeline"])
        # No event applied twice: each appears once on the order, and once in the ledger.
        applied = Counter(e["event_id"] for e in doc["timeline"] if e["kind"] == "webhook")
        assert all(count == 1 for count in applied.values()), applied
        entries = await db.events.find({"order_id": order["order_id"]}).to_list(None)
        assert {e["event_id"] for e in entries} == set(applied)
        assert all(e["status"] == "applied" for e in entries)
