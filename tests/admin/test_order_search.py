"""The orders list's search box: each kind of query finds its order and no other, beside the filters, by an index."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta

import pytest
from support.app import ADMIN
from support.stored_orders import stored_order

from galla.admin.order_filters import read_search
from galla.store.db import INDEXES, ensure_indexes
from galla.store.order_list import SORT, OrderFilter, build_query, choose_index
from galla.store.orders import insert_order
from galla.web.state import DATABASE

T0 = datetime(2026, 12, 6, 17, 44, tzinfo=UTC)  # 11:14 pm IST
ASHA, RAVI, AJ, AXJ, JOHN = (f"ord_{name}{'x' * (20 - len(name))}" for name in ("asha", "ravi", "aj", "axj", "john"))


def order_doc(order_id: str, name: str, email: str, phone: str, minutes: int, **fields) -> dict:
    """An order of this buyer, placed `minutes` after T0, with gateway ids in `fields`."""
    customer = {"name": name, "email": email, "phone": phone}
    return stored_order(order_id, T0 + timedelta(minutes=minutes), customer=customer, **fields)


ORDERS = [
    order_doc(
        ASHA,
        "Asha Rao",
        "asha.rao@example.in",
        "+919876543210",
        0,
        razorpay_order_id="order_AshaRazorpay01",
        payment={"id": "pay_AshaPayment001", "method": "upi"},
    ),
    order_doc(
        RAVI,
        "Ravi Kumar",
        "ravi@example.in",
        "+919812345678",
        1,
        razorpay_order_id="order_RaviRazorpay01",
        payment={"id": "pay_RaviPayment001", "method": "card"},
        extra_payments=[{"id": "pay_RaviSecondPay1", "gateway": "razorpay", "amount": 159850}],
        attempts=[{"payment_id": "pay_RaviFailedPay1", "code": "BAD_REQUEST_ERROR"}],
    ),
    order_doc(AJ, "A.J. Singh", "aj@example.in", "+919900011122", 2, status="refunded"),
    order_doc(AXJ, "Axj Bose", "axj@example.in", "+919900011133", 3),
    order_doc(
        JOHN,
        "John Smith",
        "john@example.com",
        "+14155550123",
        4,
        gateway="stripe",
        currency="USD",
        stripe_session_id="cs_test_b1JohnNewSession",
        stripe_sessions=["cs_test_a1JohnOldSession", "cs_test_b1JohnNewSession"],
        payment={"id": "pi_3MtwBwLkdIwHu7ix28a3tqPa", "method": "card"},
        attempts=[{"payment_id": "ch_3MmlLrLkdIwHu7ix0snN0B15", "code": "card_declined"}],
    ),
]


@pytest.fixture
async def shop(client):
    """The admin app with the five orders stored as checkout stores them."""
    db = client.app[DATABASE].db
    for doc in ORDERS:
        await insert_order(db, doc)
    return client


async def found(client, query: dict) -> list[str]:
    """The order ids the list shows for these query parameters."""
    resp = await client.get("/admin/orders", params=query, headers=ADMIN)
    assert resp.status == 200, await resp.text()
    return re.findall(r'<tr data-order-id="([\w-]+)">', await resp.text())


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        (ASHA, [ASHA]),  # our order id
        ("ASHA.Rao@Example.IN", [ASHA]),  # an email, in any case
        ("98765 43210", [ASHA]),  # a phone as people type it, read as Indian like checkout does
        ("+91 98765-43210", [ASHA]),
        ("098765 43210", [ASHA]),
        ("+1 415 555 0123", [JOHN]),
        ("rao", [ASHA]),  # a name: any word's start, any case
        ("RAVI k", [RAVI]),
        ("order_RaviRazorpay01", [RAVI]),  # a Razorpay order
        ("pay_AshaPayment001", [ASHA]),  # a Razorpay payment: the order's own,
        ("pay_RaviSecondPay1", [RAVI]),  # a second payment given back,
        ("pay_RaviFailedPay1", [RAVI]),  # or a failed attempt
        ("pi_3MtwBwLkdIwHu7ix28a3tqPa", [JOHN]),  # a Stripe PaymentIntent
        ("ch_3MmlLrLkdIwHu7ix0snN0B15", [JOHN]),  # the charge of a declined card
        ("cs_test_a1JohnOldSession", [JOHN]),  # a Stripe Checkout Session, an earlier one too
        ("cs_test_b1JohnNewSession", [JOHN]),
        ("nobody@example.in", []),
        ("pay_NobodysPayment", []),
    ],
)
async def test_each_kind_of_query_finds_its_order_and_no_other(shop, q, expected):
    assert await found(shop, {"q": q}) == expected


async def test_a_regex_metacharacter_in_a_name_is_literal(shop):
    # As a regex, "a.j" would match "axj" too; typed, the dot only parts two words.
    assert await found(shop, {"q": "a.j"}) == [AJ]
    assert await found(shop, {"q": "axj"}) == [AXJ]
    assert await found(shop, {"q": "singh (a"}) == [AJ]
    resp = await shop.get("/admin/orders?q=.*", headers=ADMIN)
    assert resp.status == 422 and 'data-field="q"' in await resp.text()


async def test_a_refused_field_is_marked_for_screen_readers(shop):
    for query, field in (("q=.*", "q"), ("status=lost", "status"), ("from=6/12/2026", "from")):
        resp = await shop.get(f"/admin/orders?{query}", headers=ADMIN)
        tag = re.search(rf'<(?:input|select)[^>]*id="filter-{field}"[^>]*>', await resp.text(), re.S).group(0)
        assert 'aria-invalid="true"' in tag and "filter-error" in tag, tag


async def test_search_narrows_with_the_filters(shop):
    assert await found(shop, {"q": "a", "status": "refunded"}) == [AJ]
    assert await found(shop, {"q": "asha.rao@example.in", "gateway": "stripe"}) == []
    assert await found(
        shop, {"q": "john", "gateway": "stripe", "method": "card", "from": "2026-12-06", "to": "2026-12-06"}
    ) == [JOHN]
    assert await found(shop, {"q": "john", "from": "2026-12-07"}) == []


async def test_a_part_of_a_phone_number_is_refused_naming_the_field(shop):
    resp = await shop.get("/admin/orders?q=98765%204321", headers=ADMIN)
    text = await resp.text()
    assert resp.status == 422 and 'data-field="q"' in text and "98765 43210" in text


async def test_a_buyers_many_orders_page_newest_first(client):
    db = client.app[DATABASE].db
    for n in range(55):
        await insert_order(db, order_doc(f"ord_many{n:02d}", "Asha Rao", "asha@example.in", "+919876543210", n))
    await insert_order(db, order_doc("ord_other", "Ravi Kumar", "ravi@example.in", "+919812345678", 99))
    resp = await client.get("/admin/orders?q=%2B91%2098765%2043210", headers=ADMIN)
    first = re.findall(r'<tr data-order-id="([\w-]+)">', await resp.text())
    token = re.search(r'href="\?[^"]*after=([\w-]+)[^"]*" data-testid="next-page"', await resp.text()).group(1)
    rest = await found(client, {"q": "+91 98765 43210", "after": token})
    assert first + rest == [f"ord_many{n:02d}" for n in range(54, -1, -1)]


async def test_the_list_shows_dates_the_indian_way(shop):
    resp = await shop.get(f"/admin/orders?q={ASHA}", headers=ADMIN)
    assert "6 Dec 2026, 11:14 pm IST" in await resp.text()


# -- the indexes ------------------------------------------------------------------------------------------------

QUERIES = ["ord_abc", "a@b.in", "98765 43210", "asha r", "order_AshaRazorpay01", "pay_AshaPayment001", "cs_test_a1"]


def test_each_search_reads_a_declared_index_led_by_its_field():
    declared = {index.document["name"]: list(index.document["key"]) for index in INDEXES["orders"]}
    declared["_id_"] = ["_id"]
    for q in QUERIES:
        match = read_search(q)
        fields = [field for clause in leaves(match.condition) for field in clause]
        if match.index is None:  # an $or: MongoDB reads each branch from its own index, when no hint names one
            assert all(any(keys[0] == field for keys in declared.values()) for field in fields), (q, fields)
        else:
            assert declared[match.index][0] in fields, (q, match)


def leaves(condition: dict) -> list[dict]:
    """The field conditions inside $and and $or."""
    if "$and" in condition or "$or" in condition:
        return [leaf for part in condition.get("$and", condition.get("$or")) for leaf in leaves(part)]
    return [condition]


@pytest.mark.skipif(not os.environ.get("MONGODB_URI"), reason="the query plan needs a real MongoDB (MONGODB_URI)")
async def test_real_mongodb_answers_each_search_without_scanning_the_orders(database):
    db = database.db
    await ensure_indexes(db)
    for doc in ORDERS:
        await insert_order(db, doc)
    await db.orders.insert_many(
        [order_doc(f"ord_n{n:05d}", f"Buyer {n}", f"b{n}@example.in", f"+9198{n:08d}", n) for n in range(3000)]
    )
    for q in QUERIES:
        filters = OrderFilter(status="paid", search=read_search(q))
        command = {"find": "orders", "filter": build_query(filters, None), "sort": dict(SORT), "limit": 51}
        if choose_index(filters):
            command["hint"] = choose_index(filters)
        explained = await db.command({"explain": command}, verbosity="executionStats")
        stats = explained["executionStats"]
        assert "COLLSCAN" not in str(explained["queryPlanner"]["winningPlan"]), q
        assert stats["totalDocsExamined"] <= 10, (q, stats["totalDocsExamined"])
