"""The admin dashboard: figures summed by MongoDB over IST days and weeks, read through indexes, and the page
at GET /admin showing real sandbox payments as charts and tables without inline styles or outside hosts."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from support.app import ADMIN, checkout_body
from support.webhooks import US_BUYER, admin_post, deliver_all, events_named, paid_razorpay_order, place

from galla.admin.figures import build_dashboard
from galla.payments.money import format_money
from galla.store.db import INDEXES, ensure_indexes
from galla.store.reports import (
    INDEX_OF,
    failed_attempts_pipeline,
    in_status_filter,
    refunds_pipeline,
    routed_pipeline,
    second_payments_pipeline,
    takings_pipeline,
)

UTC = UTC
# Wednesday 8 May 2024, noon in India. The week began Monday 6 May at 00:00 IST = Sunday 5 May 18:30 UTC.
NOW = datetime(2024, 5, 8, 6, 30, tzinfo=UTC)
EXPIRY = timedelta(hours=24)


def utc(day: int, hour: int, minute: int) -> datetime:
    return datetime(2024, 5, day, hour, minute, tzinfo=UTC)


def order(
    order_id: str,
    *,
    created_at: datetime,
    status: str = "paid",
    paid_at: datetime | None = None,
    amount: int = 10000,
    currency: str = "INR",
    gateway: str = "razorpay",
    method: str | None = "upi",
    **fields,
) -> dict:
    """An order document as the flows store it (only the fields the dashboard reads, and a few it must not)."""
    doc = {
        "_id": order_id,
        "status": status,
        "amount": amount,
        "currency": currency,
        "gateway": gateway,
        "country": "IN",
        "items": [],
        "customer": {},
        "created_at": created_at,
        "refunds": [],
        "attempts": [],
        "timeline": [],
        "refunded_amount": 0,
    }
    if paid_at is not None:
        doc.update(paid_at=paid_at, amount_paid=amount, payment={"id": "pay_" + order_id, "method": method})
    return {**doc, **fields}


def refund(
    amount: int,
    status: str,
    currency: str = "INR",
    *,
    requested_at: datetime | None,
    settled_at: datetime | None = None,
) -> dict:
    return {
        "key": f"rf_{amount}_{status}",
        "amount": amount,
        "currency": currency,
        "status": status,
        "gateway": "razorpay",
        "refund_id": None,
        "requested_at": requested_at,
        **({"settled_at": settled_at} if settled_at else {}),
    }


def attempt(at: datetime, n: int) -> dict:
    return {
        "at": at,
        "code": "BAD_REQUEST_ERROR",
        "description": "declined",
        "method": "upi",
        "payment_id": f"pay_failed_{n}",
    }


ORDERS = [
    # Tuesday 23:59 IST and Wednesday 00:01 IST: a minute apart in UTC, on two shop days.
    order(
        "tue_2359",
        created_at=utc(7, 18, 0),
        paid_at=utc(7, 18, 29),
        amount=10000,
        method="upi",
        refunds=[refund(1000, "failed", requested_at=utc(7, 18, 20))],
    ),
    order(
        "wed_0001",
        created_at=utc(7, 18, 20),
        paid_at=utc(7, 18, 31),
        amount=20000,
        method="card",
        status="refunded",
        refunded_amount=20000,
        refunds=[refund(20000, "processed", requested_at=utc(8, 4, 0), settled_at=utc(8, 4, 1))],
    ),
    # Dollars never join rupees.
    order(
        "usd_today",
        created_at=utc(8, 4, 50),
        paid_at=utc(8, 5, 0),
        amount=1599,
        currency="USD",
        gateway="stripe",
        method="card",
        status="partially_refunded",
        refunds=[refund(500, "pending", "USD", requested_at=utc(8, 5, 30))],
    ),
    # Sunday 23:59 IST is last week; Monday 00:01 IST is this week's first minute.
    order(
        "sun_2359",
        created_at=utc(5, 18, 0),
        paid_at=utc(5, 18, 29),
        amount=40000,
        method="netbanking",
        refunds=[refund(3000, "requested", requested_at=utc(8, 6, 0))],
    ),  # asked today: counts today
    order(
        "mon_0001",
        created_at=utc(5, 18, 31),
        paid_at=utc(5, 18, 31),
        amount=50000,
        gateway="stripe",
        method="card",
        route="failover",
        failover={"from_gateway": "razorpay", "reason": "500", "at": utc(5, 18, 31)},
        # Made in Stripe's dashboard: never asked for here, counted when we learned of it.
        refunds=[refund(2000, "processed", requested_at=None, settled_at=utc(8, 2, 0))],
    ),
    # Unpaid: failed attempts either side of Wednesday's midnight, one last week, and a failover today.
    order(
        "pending_1",
        created_at=utc(7, 17, 0),
        status="pending",
        gateway="razorpay",
        route="failover",
        attempts=[attempt(utc(5, 18, 29), 0), attempt(utc(7, 18, 29), 1), attempt(utc(7, 18, 31), 2)],
    ),
    order("failover_sun", created_at=utc(5, 18, 29), status="expired", gateway="stripe", route="failover"),
    order("failover_today", created_at=utc(8, 6, 0), status="pending", gateway="stripe", route="failover"),
    order("review", created_at=utc(8, 1, 0), status="needs_review", review_reason="amount differs"),
    # Paid after the moment the dashboard is read for (next week, here): not counted yet.
    order("next_week", created_at=utc(12, 18, 31), paid_at=utc(12, 18, 31), amount=99999),
]


@pytest.fixture
async def seeded(database):
    await ensure_indexes(database.db)
    await database.db.orders.insert_many([dict(doc) for doc in ORDERS])
    return database.db


def bars(items) -> dict[str, tuple[int, int]]:
    return {bar.key: (bar.amount, bar.count) for bar in items}


async def test_takings_fall_on_ist_days_and_weeks_per_currency(seeded):
    board = await build_dashboard(seeded, order_expiry=EXPIRY, now=NOW)
    today, week = board.today, board.week
    assert (today.first, today.last) == (NOW.date(), NOW.date())
    assert (str(week.first), str(week.last)) == ("2024-05-06", "2024-05-08")

    inr, usd = today.takings
    assert (inr.currency, inr.amount, inr.count) == ("INR", 20000, 1)  # wed_0001 only
    assert bars(inr.by_gateway) == {"razorpay": (20000, 1)} and bars(inr.by_method) == {"card": (20000, 1)}
    assert (usd.currency, usd.amount, usd.count) == ("USD", 1599, 1)
    assert bars(usd.by_gateway) == {"stripe": (1599, 1)}

    inr, usd = week.takings
    assert (inr.amount, inr.count) == (10000 + 20000 + 50000, 3)
    assert bars(inr.by_gateway) == {"stripe": (50000, 1), "razorpay": (30000, 2)}
    assert [bar.key for bar in inr.by_gateway] == ["stripe", "razorpay"]  # largest first
    assert [bar.share for bar in inr.by_gateway] == [1.0, 0.6]
    assert bars(inr.by_method) == {"card": (70000, 2), "upi": (10000, 1)}
    assert (usd.amount, usd.count) == (1599, 1)

    inr_days, usd_days = board.daily
    assert [(str(d.day), d.amount, d.count) for d in inr_days.days] == [
        ("2024-05-06", 50000, 1),
        ("2024-05-07", 10000, 1),
        ("2024-05-08", 20000, 1),
        ("2024-05-09", 0, 0),
        ("2024-05-10", 0, 0),
        ("2024-05-11", 0, 0),
        ("2024-05-12", 0, 0),
    ]
    assert [d.today for d in inr_days.days] == [False, False, True, False, False, False, False]
    assert [d.future for d in inr_days.days] == [False] * 3 + [True] * 4
    assert inr_days.amount == 80000 and inr_days.days[0].share == 1.0
    assert (usd_days.currency, usd_days.amount) == ("USD", 1599)


async def test_success_rate_refunds_failovers_and_reviews(seeded):
    board = await build_dashboard(seeded, order_expiry=EXPIRY, now=NOW)
    today, week = board.today, board.week
    # Today: wed_0001 and usd_today paid; one attempt failed at 00:01 IST.
    assert (today.success.paid, today.success.failed, today.success.percent) == (2, 1, "67%")
    assert {(s.label, s.paid, s.failed) for s in today.success_by_gateway} == {("Razorpay", 1, 1), ("Stripe", 1, 0)}
    # The week adds Monday's and Tuesday's payments and Tuesday's 23:59 failure, not last Sunday's.
    assert (week.success.paid, week.success.failed, week.success.percent) == (4, 2, "67%")

    def lines(period):
        return [(r.currency, r.status, r.count, r.amount) for r in period.refunds]

    assert lines(today) == [("INR", "requested", 1, 3000), ("INR", "processed", 2, 22000), ("USD", "pending", 1, 500)]
    assert lines(week) == [
        ("INR", "requested", 1, 3000),
        ("INR", "processed", 2, 22000),
        ("INR", "failed", 1, 1000),
        ("USD", "pending", 1, 500),
    ]
    # pending_1 (Tuesday) and mon_0001 and failover_today are this week's; failover_sun was last week.
    assert (today.failovers, week.failovers) == (1, 3)
    assert board.needs_review == 1


async def test_an_empty_shop_has_a_week_of_zeros(database):
    board = await build_dashboard(database.db, order_expiry=EXPIRY, now=NOW)
    assert board.today.takings == () and board.week.refunds == () and board.needs_review == 0
    assert board.today.success.rate is None and board.today.success.percent == "—"
    (chart,) = board.daily
    assert chart.currency == "INR" and [d.amount for d in chart.days] == [0] * 7


async def test_the_day_and_week_turn_at_ist_midnight(seeded):
    """Half a minute before Monday 00:00 IST it is still last week; two minutes after, a new week has begun."""
    before = await build_dashboard(seeded, order_expiry=EXPIRY, now=utc(5, 18, 29) + timedelta(seconds=30))
    after = await build_dashboard(seeded, order_expiry=EXPIRY, now=utc(5, 18, 32))
    assert str(before.week.first) == "2024-04-29" and str(after.week.first) == "2024-05-06"
    assert [t.amount for t in before.today.takings] == [40000]  # sun_2359, paid at 23:59 IST Sunday
    assert [t.amount for t in after.today.takings] == [50000]  # mon_0001, 00:01 IST Monday
    assert [t.amount for t in after.week.takings] == [50000]


# -- indexes: every query starts where an index does ---------------------------------------------------------

SINCE, UNTIL = utc(5, 18, 30), utc(12, 18, 30)
PIPELINES = {
    "takings": takings_pipeline(SINCE, UNTIL, []),
    "failed_attempts": failed_attempts_pipeline(SINCE - EXPIRY, SINCE, UNTIL, []),
    "refunds": refunds_pipeline(SINCE, UNTIL, []),
    "routed": routed_pipeline("failover", SINCE, UNTIL, []),
    "in_status": [{"$match": in_status_filter("needs_review")}],
    "second_payments": second_payments_pipeline(SINCE, UNTIL, []),
}


def clauses(match: dict) -> list[dict]:
    """The first $match's alternatives: a real MongoDB needs an index for each clause of a top-level $or."""
    return match.get("$or", [match])


@pytest.mark.parametrize(
    "name",
    [
        "takings",
        "failed_attempts",
        "routed",
        "in_status",
        "refunds",
        "second_payments",
    ],
)
def test_each_query_starts_on_a_declared_index(name):
    leading = {index.document["name"]: next(iter(index.document["key"])) for index in INDEXES["orders"]}
    first = PIPELINES[name][0]["$match"]
    assert len(clauses(first)) == len(INDEX_OF[name])
    for clause, index in zip(clauses(first), INDEX_OF[name], strict=True):
        assert index in leading, f"{name}: index {index} is not declared in galla/store/db.py"
        assert leading[index] in clause, f"{name}: {index} leads with {leading[index]}, not one of {sorted(clause)}"


@pytest.mark.skipif(not os.environ.get("MONGODB_URI"), reason="query plans need a real MongoDB (MONGODB_URI)")
@pytest.mark.parametrize("name", sorted(PIPELINES))
async def test_each_query_plan_reads_an_index_on_a_real_mongodb(seeded, name):
    plan = await seeded.command(
        "explain", {"aggregate": "orders", "pipeline": PIPELINES[name], "cursor": {}}, verbosity="queryPlanner"
    )
    text = str(plan)
    assert "IXSCAN" in text and "COLLSCAN" not in text, text
    for index in INDEX_OF[name]:
        assert f"'indexName': '{index}'" in text, text


# -- the page, with payments made through the sandboxes ------------------------------------------------------


def page_text(html: str) -> str:
    """The page's words without tags, entities or runs of spaces."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def text_of(html: str, name: str) -> str:
    """The text of the element carrying data-testid=name (up to its first nested closing tag of that kind)."""
    match = re.search(rf'<(\w+)[^>]*data-testid="{re.escape(name)}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, f"no {name} on the page"
    return page_text(match.group(2)).strip()


async def test_the_page_shows_sandbox_payments_failures_refunds_and_reviews(client, razorpay_sandbox, stripe_sandbox):
    # A UPI payment, after a failed attempt on the same order.
    placed = await place(client, checkout_body())
    rzp = placed["razorpay"]["order_id"]
    status, failure = await razorpay_sandbox.pay(rzp, method="upi", outcome="failure")
    assert status == 400
    resp = await client.post(
        "/api/payments/razorpay/failed", json={"order_id": placed["order_id"], "error": failure["error"]}
    )
    assert resp.status == 200
    _, paid = await razorpay_sandbox.pay(rzp, method="upi", outcome="success")
    resp = await client.post("/api/payments/razorpay/verify", json={"order_id": placed["order_id"], **paid})
    assert (await resp.json())["status"] == "paid"
    # A netbanking payment, then part of it refunded.
    netbanking, _ = await paid_razorpay_order(client, razorpay_sandbox, method="netbanking", bank="HDFC")
    await deliver_all(client, events_named(razorpay_sandbox, "order.paid"))
    status, _ = await admin_post(client, f"/api/admin/orders/{netbanking['order_id']}/refund", {"amount": 5000})
    assert status == 202
    # An American buyer's card through Stripe, in dollars.
    usd = await place(client, checkout_body(customer=US_BUYER, country="US"))
    assert (await stripe_sandbox.pay(usd["stripe"]["session_id"]))[0] == 303
    await deliver_all(client, events_named(stripe_sandbox, "checkout.session.completed"))
    # A payment for less than the order: held for review.
    short = await place(client, checkout_body())
    _, underpaid = await razorpay_sandbox.pay(short["razorpay"]["order_id"], amount=short["amount"] - 100)
    resp = await client.post("/api/payments/razorpay/verify", json={"order_id": short["order_id"], **underpaid})
    assert (await resp.json())["status"] == "needs_review"

    resp = await client.get("/admin", headers=ADMIN)
    assert resp.status == 200
    html = await resp.text()
    inr, dollars = format_money(placed["amount"] + netbanking["amount"], "INR"), format_money(usd["amount"], "USD")
    assert text_of(html, "today-total-INR") == inr and text_of(html, "today-total-USD") == dollars
    assert text_of(html, "week-total-INR") == inr
    tile = text_of(html, "tile-today")
    assert inr in tile and dollars in tile and "3 paid orders" in tile
    gateways = text_of(html, "today-gateway-inr")  # the chart's title and description
    assert f"Razorpay: {inr} from 2 orders" in gateways
    methods = text_of(html, "today-method-inr")
    assert f"UPI: {format_money(placed['amount'], 'INR')} from 1 order" in methods
    assert f"Netbanking: {format_money(netbanking['amount'], 'INR')} from 1 order" in methods
    assert f"Stripe: {dollars} from 1 order" in text_of(html, "today-gateway-usd")
    assert text_of(html, "today-success-all") == "All gateways 3 1 75%"
    assert text_of(html, "tile-success").startswith("Payments succeeding today 75%")
    assert text_of(html, "today-refund-pending-INR") == "Pending at the gateway 1 ₹50.00"
    assert text_of(html, "tile-review").startswith("Needing review 1")
    assert 'href="/admin/orders?status=needs_review"' in html
    assert 'href="/admin/orders?method=upi&amp;from=' in html
    assert text_of(html, "today-failovers").startswith("0 orders sent to Stripe")


async def test_the_page_needs_admin_credentials(client):
    resp = await client.get("/admin", allow_redirects=False)
    assert (resp.status, resp.headers["Location"]) == (303, "/admin/login")


async def test_the_page_has_no_inline_styles_scripts_or_outside_hosts(client, database):
    await database.db.orders.insert_many([dict(doc) for doc in ORDERS])  # whatever day it is, some shows
    resp = await client.get("/admin", headers=ADMIN)
    html = await resp.text()
    assert resp.status == 200 and "Content-Security-Policy" in resp.headers
    assert not re.search(r"\sstyle\s*=", html, re.I), "inline style attribute"
    assert "<style" not in html.lower() and not re.search(r"<script(?![^>]*\ssrc=\"/static/)", html, re.I)
    assert not re.search(r"\son[a-z]+\s*=", html, re.I), "inline event handler"
    for url in re.findall(r'\s(?:href|src|action|xlink:href)="([^"]*)"', html):
        assert url.startswith(("/", "#")) and not url.startswith("//"), url
    assert "/static/css/admin-dashboard.css" in html
    # Every chart is an image with a name, for people who cannot see it.
    svgs = re.findall(r"<svg\b[^>]*>.*?</svg>", html, re.S)
    assert len(svgs) >= 3
    for svg in svgs:
        opening = svg[: svg.index(">")]
        assert 'role="img"' in opening and "aria-labelledby=" in opening and "<title" in svg, opening
