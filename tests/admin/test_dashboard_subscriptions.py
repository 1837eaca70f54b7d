"""The dashboard's subscription figures: monthly recurring revenue per currency (weekly ×52/12, yearly ÷12, each ÷ its
interval count, rounded once), active subscribers, charges failed this week and subscriptions halted, with exact
figures from subscriptions stored through the store, and each query led by a declared index."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from html import unescape

import pytest
from support.app import ADMIN
from support.stored_subscriptions import store_charge, store_subscription

from galla.admin.subscription_figures import build_subscription_figures, monthly_amount, sum_monthly
from galla.store.db import INDEXES
from galla.store.subscription_figures import RecurringRow, failed_charges_filter, recurring_pipeline


def buyer(name: str) -> dict[str, str]:
    return {"name": name.capitalize(), "email": f"{name}@example.in", "phone": "+919812345678"}


async def store_the_shop(db) -> None:
    """Subscriptions in every state, and charges failed this week, last week, and failed then paid."""
    await store_subscription(db, customer=buyer("asha"))  # ₹499 monthly
    await store_subscription(db, customer=buyer("asha"))  # her second: one subscriber, two subscriptions
    await store_subscription(db, status="pending", interval="year", amount=499900, customer=buyer("bala"))
    await store_subscription(db, interval="week", interval_count=2, amount=10000, customer=buyer("chitra"))
    await store_subscription(db, interval_count=3, amount=30000, customer=buyer("dev"))  # quarterly
    usd = await store_subscription(db, gateway="stripe", currency="USD", amount=900, customer=buyer("emma"))
    halted = await store_subscription(db, status="halted", customer=buyer("farah"))
    for status in ("cancelled", "paused", "created", "completed"):
        await store_subscription(db, status=status, customer=buyer("gita"))
    await store_charge(db, usd, "in_failed_this_week", "failed")
    await store_charge(db, halted, "inv_failedthisweek", "failed")
    old = await store_charge(db, halted, "inv_failedlastweek", "failed")
    await db.subscription_charges.update_one(
        {"_id": old.id}, {"$set": {"updated_at": datetime.now(UTC) - timedelta(days=8)}}
    )
    await store_charge(db, halted, "inv_retriedandpaid", "failed")
    await store_charge(db, halted, "inv_retriedandpaid", "paid")
    await store_charge(db, usd, "in_still_open", "open")


# ₹499 + ₹499 monthly, ₹4,999 yearly (÷12 = 41,658.33 paise), ₹100 every 2 weeks (×52/12 ÷2 = 21,666.67 paise),
# ₹300 every 3 months (÷3 = 10,000 paise): 173,125 paise exactly. USD: $9 monthly.
EXPECTED_MRR = {"INR": 173125, "USD": 900}


async def test_the_figures_are_exact(database):
    db = database.db
    await store_the_shop(db)
    figures = await build_subscription_figures(db)
    assert {r.currency: r.monthly for r in figures.recurring} == EXPECTED_MRR
    assert [r.currency for r in figures.recurring] == ["INR", "USD"]  # rupees first
    assert {r.currency: r.count for r in figures.recurring} == {"INR": 5, "USD": 1}
    assert (figures.active, figures.subscribers) == (5, 4)
    assert figures.failed_charges == 2
    assert figures.halted == 1


async def test_the_dashboard_shows_them_and_says_the_rule(client, database):
    await store_the_shop(database.db)
    page = await (await client.get("/admin", headers=ADMIN)).text()

    def shown(testid: str) -> str:
        match = re.search(rf'data-testid="{testid}">([^<]*)<', page)
        assert match, testid
        return unescape(match[1]).strip()

    assert (shown("mrr-INR"), shown("mrr-USD")) == ("₹1,731.25", "$9.00")
    assert (shown("active-subscribers"), shown("failed-charges"), shown("halted")) == ("4", "2", "1")
    rule = re.sub(r"\s+", " ", unescape(page[page.index('data-testid="mrr-rule"') :].split("</p>")[0]))
    assert "weekly plans ×52÷12, yearly ÷12, each divided by its interval count" in rule
    assert 'href="/admin/subscriptions?status=halted"' in page


async def test_an_empty_shop_shows_zeros(client):
    page = await (await client.get("/admin", headers=ADMIN)).text()
    assert 'data-testid="mrr-none">₹0.00<' in page and 'data-testid="halted">0<' in page


@pytest.mark.parametrize(
    "amount, interval, count, monthly",
    [
        (1200, "year", 1, Fraction(100)),
        (1200, "year", 2, Fraction(50)),
        (1200, "week", 1, Fraction(5200)),
        (100, "week", 3, Fraction(5200, 36)),
        (999, "month", 3, Fraction(333)),
    ],
)
def test_each_period_reads_as_a_month(amount, interval, count, monthly):
    assert monthly_amount(amount, interval, count) == monthly


def test_a_currency_is_summed_exactly_then_rounded_once_half_up():
    # Three weekly ₹1 (100 paise) subscriptions: 3 × 433.33… = 1300 exactly, not 3 × 433 = 1299.
    rows = [RecurringRow("INR", "week", 1, 300, 3)]
    assert sum_monthly(rows)[0].monthly == 1300
    # $0.06 a year is half a cent a month: rounded up, not to even.
    assert sum_monthly([RecurringRow("USD", "year", 1, 6, 1)])[0].monthly == 1


def leading(collection: str) -> dict[str, list[str]]:
    return {index.document["name"]: list(index.document["key"]) for index in INDEXES[collection]}


def test_each_query_matches_on_the_field_a_declared_index_leads_with():
    # subscriptions: the status filter of MRR, subscribers and halted reads status_newest.
    assert recurring_pipeline()[0]["$match"].keys() == {"status"}
    assert leading("subscriptions")["status_newest"][0] == "status"
    # subscription_charges: failed now, last changed in the week.
    since = datetime(2026, 11, 30, 18, 30, tzinfo=UTC)
    assert list(failed_charges_filter(since)) == ["status", "updated_at"]
    assert leading("subscription_charges")["status_updated"] == ["status", "updated_at"]
