"""The MongoDB layer: declared indexes, the demo catalog, customers by email, forward-only orders."""

from __future__ import annotations

import asyncio

import pytest
from pymongo.errors import DuplicateKeyError

from galla.store.customers import upsert_customer
from galla.store.db import INDEXES, ensure_indexes
from galla.store.orders import (
    append_timeline_and_read,
    get_order,
    get_timeline,
    has_timeline_entry,
    insert_order,
    now,
    timeline_entry,
    transition_order,
)
from galla.store.products import get_products, list_products, seed_products
from galla.store.seed_data import DEMO_PRODUCTS


@pytest.fixture
async def db(database):
    await ensure_indexes(database.db)
    return database.db


async def test_declared_indexes_are_created(db):
    for collection, indexes in INDEXES.items():
        info = await db[collection].index_information()
        for index in indexes:
            name = index.document["name"]
            assert name in info, (collection, name)
            assert bool(info[name].get("unique")) == bool(index.document.get("unique"))
    orders = await db.orders.index_information()
    assert list(dict(orders["list_by_status"]["key"]).items()) == [("status", 1), ("created_at", -1), ("_id", -1)]


async def test_razorpay_order_id_is_unique_but_optional(db):
    base = {"status": "pending", "created_at": now()}
    await db.orders.insert_many([{"_id": "a", **base}, {"_id": "b", **base}])  # neither has one yet
    await db.orders.update_one({"_id": "a"}, {"$set": {"razorpay_order_id": "order_1"}})
    with pytest.raises(DuplicateKeyError):
        await db.orders.update_one({"_id": "b"}, {"$set": {"razorpay_order_id": "order_1"}})


async def test_seed_fills_an_empty_catalog_once(db):
    assert await seed_products(db) == len(DEMO_PRODUCTS) >= 6
    assert await seed_products(db) == 0
    products = await list_products(db)
    assert [p.id for p in products] == [p["_id"] for p in DEMO_PRODUCTS]
    assert all(set(p.prices) >= {"INR", "USD"} and p.image.startswith("/static/img/") for p in products)
    assert set(await get_products(db, ["masala-chai", "nope"])) == {"masala-chai"}


async def test_customer_found_by_normalised_email_even_when_racing(db):
    results = await asyncio.gather(
        *(upsert_customer(db, email=" Ravi@Example.com", name=f"Ravi {i}", phone="+919812345678") for i in range(5))
    )
    assert set(results) == {"ravi@example.com"}
    assert await db.customers.count_documents({}) == 1
    stored = await db.customers.find_one({"_id": "ravi@example.com"})
    assert stored["email"] == "ravi@example.com" and stored["name"] in {f"Ravi {i}" for i in range(5)}


def pending_order(order_id: str, timeline: list | None = None) -> dict:
    """A pending ₹1.00 Razorpay order document, as insert_order takes it."""
    return {
        "_id": order_id,
        "status": "pending",
        "amount": 100,
        "currency": "INR",
        "gateway": "razorpay",
        "country": "IN",
        "items": [],
        "customer": {},
        "created_at": now(),
        "timeline": timeline or [],
    }


async def test_appending_to_the_timeline_returns_the_order_as_it_then_is(db):
    doc = pending_order("ord_a")
    await insert_order(db, doc)
    await transition_order(db, "ord_a", allowed_from=["pending"], to="paid", reason="test")
    after = await append_timeline_and_read(db, "ord_a", [timeline_entry("note", message="late report")])
    assert after.status == "paid" and after.updated_at >= after.created_at
    assert [entry["kind"] for entry in await get_timeline(db, "ord_a")] == ["status", "note"]
    assert await append_timeline_and_read(db, "ord_missing", [timeline_entry("note", message="x")]) is None
    assert await db.orders.count_documents({}) == 1


async def test_transitions_are_conditional_and_forward_only(db):
    doc = pending_order("ord_t")
    await insert_order(db, doc)
    paid = await transition_order(db, "ord_t", allowed_from=["pending"], to="paid", reason="test")
    assert paid.status == "paid" and (await get_timeline(db, "ord_t"))[-1]["to"] == "paid"
    again = await transition_order(db, "ord_t", allowed_from=["pending"], to="authorized", reason="late")
    assert again is None
    assert (await get_order(db, "ord_t")).status == "paid"
    with pytest.raises(ValueError):
        await transition_order(db, "ord_t", allowed_from=["pending"], to="shipped", reason="?")


async def test_order_reads_leave_the_timeline_in_the_database(db):
    await insert_order(db, pending_order("ord_tl", timeline=[{"at": now(), "kind": "note", "message": "hi"}]))
    moved = await transition_order(db, "ord_tl", allowed_from=["pending"], to="expired", reason="test")
    assert "timeline" not in moved.model_dump() and "timeline" not in (await get_order(db, "ord_tl")).model_dump()
    assert [e["kind"] for e in await get_timeline(db, "ord_tl")] == ["note", "status"]
    assert await has_timeline_entry(db, "ord_tl", kind="status", to="expired")
    assert not await has_timeline_entry(db, "ord_tl", kind="status", to="paid")
    assert await get_timeline(db, "ord_nope") == []
