"""The admin's order list: filters, paging with ties, the index each query reads, and its plan on a real MongoDB."""

from __future__ import annotations

import itertools
import os
import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.app import ADMIN

from galla.admin.order_filters import read_filters
from galla.store.db import INDEXES, ensure_indexes
from galla.store.order_list import (
    LIST_INDEXES,
    SORT,
    UNFILTERED_INDEX,
    OrderFilter,
    PageMark,
    build_query,
    choose_index,
    list_orders,
)
from galla.web.state import DATABASE

T0 = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)  # 23:30 IST on the 20th
FILTERS = {"status": ("paid", "needs_review"), "gateway": ("razorpay", "stripe"), "method": ("upi", "card")}


def order_doc(order_id: str, created_at: datetime, status="paid", gateway="razorpay", method="upi") -> dict:
    return {
        "_id": order_id,
        "status": status,
        "amount": 49900,
        "currency": "INR",
        "gateway": gateway,
        "country": "IN",
        "items": [],
        "customer": {"name": "Asha", "email": "asha@example.in"},
        "created_at": created_at,
        "payment": {"id": "pay_" + order_id, "method": method},
        "timeline": [],
    }


def all_filters():
    """Every combination of the equality filters, with and without a date range."""
    for status, gateway, method, dated in itertools.product(
        (None, "paid"), (None, "stripe"), (None, "card"), (False, True)
    ):
        yield OrderFilter(
            status=status,
            gateway=gateway,
            method=method,
            since=T0 if dated else None,
            before=T0 + timedelta(days=1) if dated else None,
        )


# -- the indexes: always checked --------------------------------------------------------------------------


def test_every_filter_combination_reads_a_declared_index_in_sort_order():
    declared = {index.document["name"]: list(index.document["key"].items()) for index in INDEXES["orders"]}
    sort = [(field, direction) for field, direction in SORT]
    assert declared[UNFILTERED_INDEX] == sort
    for filters in all_filters():
        name = choose_index(filters)
        keys = declared[name]  # KeyError: a query names an index nobody declared
        equalities = filters.equalities()
        # The index leads with one of the query's equality fields, then is exactly the sort: a range scan in
        # order, so a page never sorts in memory and stops after `limit` entries.
        assert keys[1:] == sort if equalities else keys == sort, (filters, name, keys)
        if equalities:
            assert keys[0][0] in equalities
        query = build_query(filters, PageMark(T0, "ord_m"))
        assert set(query) - {"$nor", "created_at"} == set(equalities)
    # Rarest first: a status filter leads even when a method and a gateway are given too.
    assert choose_index(OrderFilter(status="needs_review", gateway="razorpay", method="upi")) == "list_by_status"
    assert set(LIST_INDEXES.values()) | {UNFILTERED_INDEX} <= set(declared)


def test_filters_are_read_from_the_query_string_naming_a_bad_field():
    filters, given_ = read_filters({"status": "paid", "from": "2026-11-21", "to": "2026-11-21", "method": ""})
    assert given_ == {"status": "paid", "from": "2026-11-21", "to": "2026-11-21"}
    # IST days: the 21st runs from 18:30 UTC on the 20th to 18:30 UTC on the 21st.
    assert (filters.since, filters.before) == (T0 + timedelta(minutes=30), T0 + timedelta(days=1, minutes=30))
    for query, field in (
        ({"status": "lost"}, "status"),
        ({"gateway": "paypal"}, "gateway"),
        ({"method": "UPI!"}, "method"),
        ({"from": "21/11/2026"}, "from"),
        ({"to": "x"}, "to"),
        ({"from": "2026-11-22", "to": "2026-11-21"}, "from"),
    ):
        with pytest.raises(Exception) as caught:
            read_filters(query)
        assert caught.value.field == field and caught.value.status == 422
    assert PageMark.decode("not-a-token") is None and PageMark.decode(PageMark(T0, "ord_a").encode()) == PageMark(
        T0, "ord_a"
    )


# -- paging: every order once, in order, however many share a millisecond ------------------------------------


orders_strategy = st.lists(
    st.tuples(
        st.integers(0, 5),
        st.sampled_from(FILTERS["status"]),
        st.sampled_from(FILTERS["gateway"]),
        st.sampled_from(FILTERS["method"]),
    ),
    min_size=0,
    max_size=30,
)
filter_strategy = st.builds(
    OrderFilter,
    status=st.sampled_from((None, *FILTERS["status"])),
    gateway=st.sampled_from((None, *FILTERS["gateway"])),
    method=st.sampled_from((None, *FILTERS["method"])),
    since=st.sampled_from((None, T0 + timedelta(seconds=1))),
    before=st.sampled_from((None, T0 + timedelta(seconds=4))),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=orders_strategy, filters=filter_strategy, page_size=st.integers(1, 4))
async def test_paging_returns_each_matching_order_once_newest_first(database, rows, filters, page_size):
    db = database.db
    await db.orders.delete_many({})
    # Six possible instants for up to 30 orders: most orders share their created_at with others.
    docs = [
        order_doc(f"ord_{n:03d}", T0 + timedelta(seconds=second), status, gateway, method)
        for n, (second, status, gateway, method) in enumerate(rows)
    ]
    if docs:
        await db.orders.insert_many(docs)
    expected = sorted((d for d in docs if matches(d, filters)), key=lambda d: (d["created_at"], d["_id"]), reverse=True)
    seen, mark = [], None
    for _ in range(len(docs) + 2):
        page, mark = await list_orders(db, filters, mark, page_size)
        assert len(page) <= page_size
        seen += [order.id for order in page]
        if mark is None:
            break
    assert seen == [d["_id"] for d in expected]


def matches(doc: dict, filters: OrderFilter) -> bool:
    """The filter, in Python."""
    return (
        all(
            value is None or value == (doc["payment"]["method"] if field == "method" else doc[field])
            for field, value in (("status", filters.status), ("gateway", filters.gateway), ("method", filters.method))
        )
        and (filters.since is None or doc["created_at"] >= filters.since)
        and (filters.before is None or doc["created_at"] < filters.before)
    )


# -- the page -----------------------------------------------------------------------------------------------


async def test_the_list_page_filters_pages_and_refuses_bad_filters(client):
    db = client.app[DATABASE].db
    await db.orders.insert_many(
        [order_doc(f"ord_p{n:02d}", T0 + timedelta(minutes=n), "paid", "razorpay", "upi") for n in range(60)]
        + [order_doc("ord_review", T0 + timedelta(hours=2), "needs_review", "stripe", "card")]
    )
    ids = await listed(client, "/admin/orders")
    assert len(ids) == 50 and ids[0] == "ord_review" and ids[1] == "ord_p59"
    resp = await client.get("/admin/orders", headers=ADMIN)
    token = re.search(r'href="\?[^"]*after=([\w-]+)[^"]*" data-testid="next-page"', await resp.text()).group(1)
    assert await listed(client, f"/admin/orders?after={token}") == [f"ord_p{n:02d}" for n in range(10, -1, -1)]
    assert await listed(client, "/admin/orders?status=needs_review") == ["ord_review"]
    assert await listed(client, "/admin/orders?gateway=stripe&method=card") == ["ord_review"]
    assert await listed(client, "/admin/orders?method=upi&status=needs_review") == []
    # The 20th in IST ends at 18:30 UTC: the orders placed from 18:00 to 18:29 UTC.
    assert await listed(client, "/admin/orders?to=2026-11-20") == [f"ord_p{n:02d}" for n in range(29, -1, -1)]
    assert len(await listed(client, "/admin/orders?from=2026-11-21&to=2026-11-21")) == 31
    for query, field in (("status=lost", "status"), ("from=yesterday", "from"), ("after=garbage!", "after")):
        resp = await client.get(f"/admin/orders?{query}", headers=ADMIN)
        assert resp.status == 422 and f'data-field="{field}"' in await resp.text()


async def listed(client, path: str) -> list[str]:
    resp = await client.get(path, headers=ADMIN)
    assert resp.status == 200, await resp.text()
    return re.findall(r'<tr data-order-id="([\w-]+)">', await resp.text())


# -- the query plan, on a real MongoDB ----------------------------------------------------------------------


def plan_stages(plan: dict) -> list[dict]:
    """Every stage of an explain plan, depth first."""
    stages = [plan]
    for key in ("inputStage", "queryPlan"):
        if isinstance(plan.get(key), dict):
            stages += plan_stages(plan[key])
    for child in plan.get("inputStages", []):
        stages += plan_stages(child)
    return stages


@pytest.mark.skipif(not os.environ.get("MONGODB_URI"), reason="the query plan needs a real MongoDB (MONGODB_URI)")
async def test_real_mongodb_answers_each_page_from_its_index_without_sorting(database):
    db = database.db
    await ensure_indexes(db)
    statuses = ["paid"] * 8 + ["pending", "refunded"]
    docs = [
        order_doc(
            f"ord_{n:05d}",
            T0 - timedelta(seconds=n // 3),
            statuses[n % 10] if n % 500 else "needs_review",
            ("razorpay", "stripe")[n % 2],
            ("upi", "card", "netbanking")[n % 3],
        )
        for n in range(5000)
    ]
    await db.orders.insert_many(docs)
    limit = 50
    for filters in all_filters():
        for mark in (None, PageMark(T0 - timedelta(seconds=100), "ord_00301")):
            explained = await db.command(
                {
                    "explain": {
                        "find": "orders",
                        "filter": build_query(filters, mark),
                        "sort": dict(SORT),
                        "limit": limit + 1,
                        "hint": choose_index(filters),
                    }
                },
                verbosity="executionStats",
            )
            stages = plan_stages(explained["queryPlanner"]["winningPlan"])
            names = [stage.get("stage") for stage in stages]
            assert "SORT" not in names and "COLLSCAN" not in names, (filters, names)
            assert {s.get("indexName") for s in stages if s.get("stage") == "IXSCAN"} == {choose_index(filters)}
    # A rare status is read from its own index: the keys examined are about the orders returned, not the 5,000.
    rare = OrderFilter(status="needs_review")
    explained = await db.command(
        {
            "explain": {
                "find": "orders",
                "filter": build_query(rare, None),
                "sort": dict(SORT),
                "limit": limit + 1,
                "hint": choose_index(rare),
            }
        },
        verbosity="executionStats",
    )
    stats = explained["executionStats"]
    assert stats["nReturned"] == 10 and stats["totalKeysExamined"] <= 11 and stats["totalDocsExamined"] <= 10
