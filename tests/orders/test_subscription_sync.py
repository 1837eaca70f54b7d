"""The one flow every subscription report ends in (galla/orders/subscription_sync.py): state from the latest fetch
whatever order reports come in, each charge recorded once, a paid charge's money checked against the locked price,
and its receipt queued once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.razorpay_subscriptions import subscription_doc

from galla.orders.context import Shop
from galla.orders.subscription_sync import sync_subscription
from galla.payments.money import Money
from galla.payments.subscription_reports import ChargeReport, SubscriptionReport
from galla.store.db import ensure_indexes
from galla.store.outbox import get_message
from galla.store.subscription_charges import list_charges, record_charge
from galla.store.subscriptions import (
    append_subscription_timeline,
    find_subscription,
    get_subscription,
    get_subscription_and_timeline,
    insert_subscription,
    list_subscriptions,
)

T0 = datetime(2026, 12, 1, 6, 30, tzinfo=UTC)


def charge(invoice: str, status: str = "paid", amount: int = 49900, currency: str = "INR") -> ChargeReport:
    """One cycle's invoice as a gateway reports it."""
    return ChargeReport(
        invoice_id=invoice,
        money=Money(amount, currency),
        status=status,  # type: ignore[arg-type]
        payment_id=f"pay_{invoice}" if status == "paid" else None,
        period_start=T0,
        period_end=T0 + timedelta(days=30),
        paid_at=T0 if status == "paid" else None,
    )


def report(status: str, paid: int) -> SubscriptionReport:
    """The gateway's subscription in a status, with `paid` cycles paid."""
    return SubscriptionReport(gateway_id="sub_X", status=status, paid_count=paid, charge_at=T0 + timedelta(days=30))


async def test_two_subscriptions_without_gateway_ids_do_not_collide_on_the_sparse_unique_index(database):
    db = database.db
    await ensure_indexes(db)
    await insert_subscription(db, subscription_doc())
    await insert_subscription(db, subscription_doc())
    assert len(await list_subscriptions(db)) == 2
    assert await find_subscription(db, razorpay_subscription_id="sub_missing") is None


async def test_a_paid_charge_is_recorded_once_and_its_receipt_queued_once(database):
    db = database.db
    await ensure_indexes(db)
    shop = Shop(db=db, razorpay=None, stripe=None)
    sub = await insert_subscription(db, subscription_doc())
    for at in (T0, T0 + timedelta(seconds=1), T0 + timedelta(seconds=2)):
        sub = await sync_subscription(shop, sub, report("active", 1), [charge("inv_1")], [], at)
    charges = await list_charges(db, sub.id)
    assert [(c.invoice_id, c.status, c.amount) for c in charges] == [("inv_1", "paid", 49900)]
    message = await get_message(db, "charge-receipt:razorpay:inv_1")
    assert message is not None and "Chai club" in message.subject and "₹499.00" in message.text
    _, timeline = await get_subscription_and_timeline(db, sub.id) or (None, [])
    assert [e["kind"] for e in timeline].count("charge") == 1
    assert [(e.get("from"), e["to"]) for e in timeline if e["kind"] == "status"] == [("created", "active")]


async def test_a_charge_of_the_wrong_amount_goes_to_review(database):
    db = database.db
    shop = Shop(db=db, razorpay=None, stripe=None)
    sub = await insert_subscription(db, subscription_doc())
    sub = await sync_subscription(shop, sub, report("active", 1), [charge("inv_1", amount=4990)], [], T0)
    assert sub.review_reason == "charged ₹49.90 where the plan's price is ₹499.00"
    (stored,) = await list_charges(db, sub.id)
    assert stored.review_reason == sub.review_reason


async def test_an_older_fetch_never_overwrites_a_newer_one(database):
    db = database.db
    shop = Shop(db=db, razorpay=None, stripe=None)
    sub = await insert_subscription(db, subscription_doc())
    await sync_subscription(shop, sub, report("halted", 1), [], [], T0 + timedelta(minutes=5))
    after = await sync_subscription(shop, sub, report("active", 1), [], [], T0)
    assert after.status == "halted"
    assert (await get_subscription(db, sub.id)).status == "halted"  # type: ignore[union-attr]


async def test_nothing_moves_a_cancelled_subscription(database):
    db = database.db
    shop = Shop(db=db, razorpay=None, stripe=None)
    sub = await insert_subscription(db, subscription_doc())
    await sync_subscription(shop, sub, report("cancelled", 1), [], [], T0)
    after = await sync_subscription(shop, sub, report("active", 1), [], [], T0 + timedelta(days=1))
    assert after.status == "cancelled"


def stripe_invoice(status: str, attempts: int) -> dict:
    """A $9 Stripe invoice's charge as the sync flow records it, in a status after some attempts."""
    return {
        "gateway": "stripe",
        "invoice_id": "in_1",
        "subscription_id": "sbn_x",
        "amount": 900,
        "currency": "USD",
        "status": status,
        "attempts": attempts,
    }


async def test_a_paid_charge_never_goes_back_to_failed(database):
    db = database.db
    await record_charge(db, stripe_invoice("failed", 1))
    paid, newly = await record_charge(db, stripe_invoice("paid", 2))
    assert (paid.status, newly, paid.attempts) == ("paid", True, 2)
    stale, newly = await record_charge(db, stripe_invoice("failed", 1))
    assert (stale.status, newly, stale.attempts) == ("paid", False, 2)


REPORTS = st.lists(
    st.tuples(st.sampled_from(["active", "pending", "halted", "paused"]), st.integers(0, 6)), min_size=1, max_size=6
)


@given(reports=REPORTS, order=st.randoms(use_true_random=False))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_whatever_order_fetches_land_in_the_state_is_the_latest_fetchs(database, reports, order):
    """Fetches stamped in time order, applied shuffled and some twice: the state is the last fetch's, each invoice
    one charge."""
    db = database.db
    shop = Shop(db=db, razorpay=None, stripe=None)
    sub = await insert_subscription(db, subscription_doc())
    stamped = [(T0 + timedelta(minutes=i), rep) for i, rep in enumerate(reports)]
    shuffled = stamped + stamped[: len(stamped) // 2]
    order.shuffle(shuffled)
    for at, (status, paid) in shuffled:
        await sync_subscription(
            shop, sub, report(status, paid), [charge(f"inv_{sub.id}_{n}") for n in range(paid)], [], at
        )
    latest_status, latest_paid = stamped[-1][1]
    stored = await get_subscription(db, sub.id)
    assert stored is not None and (stored.status, stored.paid_count) == (latest_status, latest_paid)
    most = max(paid for _, (_, paid) in stamped)
    assert sorted(c.invoice_id for c in await list_charges(db, sub.id)) == sorted(
        f"inv_{sub.id}_{n}" for n in range(most)
    )


async def test_the_timeline_keeps_its_newest_entries_however_often_it_is_written(database, monkeypatch):
    """Anyone who knows a subscription's id may ask for its return or portal, each a call on the timeline: the
    document keeps the newest TIMELINE_LIMIT entries (the attacker review measured 4.75 KB per return)."""
    monkeypatch.setattr("galla.store.subscriptions.TIMELINE_LIMIT", 5)
    db = database.db
    sub = await insert_subscription(db, subscription_doc())
    for n in range(8):
        await append_subscription_timeline(db, sub.id, [{"kind": "note", "n": n}])
    _, timeline = await get_subscription_and_timeline(db, sub.id) or (None, [])
    assert [entry["n"] for entry in timeline] == [3, 4, 5, 6, 7]


def test_the_ledger_says_what_a_subscription_event_did():
    """A charge keeps the status (active → active): the ledger's outcome names the charge, not "no change"."""
    from galla.store.subscriptions import Subscription
    from galla.webhooks.receive import describe_outcome

    before = Subscription.model_validate({**subscription_doc(status="active"), "paid_count": 1})
    after = before.model_copy(update={"paid_count": 2})
    assert describe_outcome(before, after) == "charges paid 1 → 2"
    assert describe_outcome(before, before.model_copy(update={"status": "pending"})) == "active → pending"
