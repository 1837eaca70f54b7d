"""The dashboard's gross takings, refunds and net, side by side per currency over each period: from stored
orders (summed by MongoDB's aggregation) and, end to end, from sandbox payments refunded through the admin."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

from support.app import ADMIN, checkout_body
from support.webhooks import US_BUYER, admin_post, deliver_all, events_named, paid_razorpay_order, place, verify

from galla.admin.figures import Net, build_dashboard
from galla.store.db import ensure_indexes

# Wednesday 8 May 2024, noon in India (the week began Monday 6 May, 00:00 IST).
NOW = datetime(2024, 5, 8, 6, 30, tzinfo=UTC)


def paid(order_id: str, amount: int, currency: str, paid_at: datetime, refunds: list[dict]) -> dict:
    """A paid order as the flows store it, with its refund entries."""
    return {
        "_id": order_id,
        "status": "paid",
        "amount": amount,
        "amount_paid": amount,
        "currency": currency,
        "gateway": "razorpay" if currency == "INR" else "stripe",
        "payment": {"id": "pay_" + order_id, "method": "upi" if currency == "INR" else "card"},
        "created_at": paid_at - timedelta(minutes=1),
        "paid_at": paid_at,
        "refunds": refunds,
        "attempts": [],
        "timeline": [],
    }


def refund(amount: int, status: str, requested_at: datetime, currency: str = "INR") -> dict:
    return {"key": f"rf_{amount}_{status}", "amount": amount, "currency": currency, "status": status,
            "requested_at": requested_at}  # fmt: skip


async def test_gross_refunds_and_net_per_currency_today_and_this_week(database):
    await ensure_indexes(database.db)
    today, monday = NOW - timedelta(hours=1), NOW - timedelta(days=2)
    await database.db.orders.insert_many(
        [
            paid("a", 159850, "INR", today, [refund(79925, "processed", today)]),  # refunded half
            paid("b", 40000, "INR", today, [refund(5000, "failed", today)]),  # a failed refund gives nothing back
            paid("c", 20000, "INR", monday, [refund(1000, "pending", today)]),  # paid Monday, refunded today
            paid("d", 1599, "USD", today, [refund(500, "requested", today, "USD")]),
        ]
    )
    board = await build_dashboard(database.db, order_expiry=timedelta(hours=24), now=NOW)
    assert board.today.net == (
        Net("INR", gross=199850, refunds=80925, refund_count=2),
        Net("USD", gross=1599, refunds=500, refund_count=1),  # dollars never join rupees
    )
    assert [line.net for line in board.today.net] == [118925, 1099]
    assert board.week.net[0] == Net("INR", gross=219850, refunds=80925, refund_count=2)


async def test_a_period_with_only_refunds_shows_them_against_no_takings(database):
    await database.db.orders.insert_one(paid("old", 30000, "INR", NOW - timedelta(days=9), []))
    await database.db.orders.update_one(
        {"_id": "old"}, {"$set": {"refunds": [refund(30000, "processed", NOW - timedelta(minutes=5))]}}
    )
    board = await build_dashboard(database.db, order_expiry=timedelta(hours=24), now=NOW)
    assert board.today.net == (Net("INR", gross=0, refunds=30000, refund_count=1),)
    assert board.today.net[0].net == -30000


def shown(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</', html, re.S)
    assert match, f"no {testid} on the page"
    return unescape(match.group(1)).strip()


async def test_the_page_puts_gross_refunds_and_net_side_by_side(client, razorpay_sandbox, stripe_sandbox):
    """Two orders paid by UPI, half of one refunded from the admin; a dollar order kept apart."""
    first, paid_first = await paid_razorpay_order(client, razorpay_sandbox)
    second, paid_second = await paid_razorpay_order(client, razorpay_sandbox)
    for placed, answer in ((first, paid_first), (second, paid_second)):
        assert (await verify(client, placed["order_id"], answer))[0] == 200
    half = first["amount"] // 2
    status, _ = await admin_post(client, f"/api/admin/orders/{first['order_id']}/refund", {"amount": half})
    assert status == 202
    await deliver_all(client, events_named(razorpay_sandbox, "refund.created", "refund.processed"))
    usd = await place(client, checkout_body(customer=US_BUYER, country="US"))
    assert (await stripe_sandbox.pay(usd["stripe"]["session_id"]))[0] == 303
    await deliver_all(client, events_named(stripe_sandbox, "checkout.session.completed"))

    resp = await client.get("/admin", headers=ADMIN)
    html = await resp.text()
    gross = first["amount"] + second["amount"]
    assert (gross, half) == (399400, 99850)
    assert shown(html, "today-gross-INR") == "₹3,994.00"
    assert shown(html, "today-refunds-INR") == "₹998.50"
    assert shown(html, "today-net-figure-INR") == "₹2,995.50"
    assert shown(html, "today-gross-USD") == "$26.97" and shown(html, "today-refunds-USD") == "$0.00"
    assert shown(html, "week-net-figure-INR") == "₹2,995.50"
    assert "Gross (INR)" in html and "Net (USD)" in html  # two currencies: each row says which
