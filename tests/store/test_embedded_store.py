"""The embedded store's `_id` fast path answers exactly what mongomock's full scan answers."""

from __future__ import annotations

import asyncio
import copy
import datetime
import itertools
import types

import mongomock
import pytest
from bson import ObjectId
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pymongo import ReturnDocument

from galla.store import embedded
from galla.store.embedded import install_id_fast_path, uninstall_id_fast_path
from galla.store.embedded import reads as embedded_reads
from galla.store.embedded.snapshot import install_planned_snapshots, uninstall_planned_snapshots

ids = st.one_of(st.sampled_from(["a", "b", "c", "ord_1"]), st.integers(0, 3))
moments = st.datetimes(min_value=datetime.datetime(2020, 1, 1), max_value=datetime.datetime(2030, 1, 1))
# Mostly a status string; sometimes an array of them, a value of another type, or none at all.
statuses = st.one_of(
    st.sampled_from(["pending", "paid"]),
    st.lists(st.sampled_from(["pending", "paid"]), max_size=2),
    st.sampled_from([None, 1, True, {"s": "paid"}, ObjectId("5f0000000000000000000002")]),
)
docs = st.lists(
    st.fixed_dictionaries(
        {"_id": ids, "n": st.integers(0, 3)},
        optional={
            "status": statuses,
            "at": moments,
            "timeline": st.lists(
                st.fixed_dictionaries({"at": moments, "kind": st.sampled_from(["note", "status"])}), max_size=2
            ),
        },
    ),
    max_size=8,
)
projections = st.sampled_from(
    [
        None,
        {},
        {"status": False},
        {"timeline": False, "at": 0},
        {"n": 1},
        {"_id": False},
        {"timeline.kind": False},
        {"status": 0.0},
    ]
)
filters = st.one_of(
    st.fixed_dictionaries({"_id": ids}),
    st.fixed_dictionaries({"_id": ids, "status": st.sampled_from(["pending", "paid"])}),
    st.fixed_dictionaries(
        {
            "_id": ids,
            "status": st.fixed_dictionaries({"$in": st.lists(st.sampled_from(["pending", "paid"]), max_size=2)}),
        }
    ),
    st.fixed_dictionaries({"_id": st.fixed_dictionaries({"$in": st.lists(ids, max_size=3)})}),
    st.fixed_dictionaries(
        {
            "_id": st.fixed_dictionaries({"$in": st.lists(ids, max_size=3)}),
            "status": st.sampled_from(["pending", "paid"]),
        }
    ),
    st.fixed_dictionaries({"_id": st.fixed_dictionaries({"$nin": st.lists(ids, max_size=2)})}),
    st.fixed_dictionaries({"n": st.integers(0, 3)}),
    st.fixed_dictionaries({"status": st.sampled_from(["pending", "paid", "gone"])}),
    st.fixed_dictionaries(
        {
            "status": st.fixed_dictionaries({"$in": st.lists(st.sampled_from(["pending", "paid"]), max_size=2)}),
            "n": st.one_of(st.integers(0, 3), st.fixed_dictionaries({"$gte": st.integers(0, 3)})),
        }
    ),
    st.fixed_dictionaries({"status": st.just("paid"), "$or": st.just([{"n": 1}, {"n": 2}])}),
    st.just({}),
)


def run(documents, query, update, projection=None, tz_aware=False):
    """Insert, find, update and count, returning everything mongomock answered."""
    coll = mongomock.MongoClient(tz_aware=tz_aware).db.c
    for doc in documents:
        if coll.count_documents({"_id": doc["_id"]}) == 0:
            coll.insert_one(dict(doc))
    found = list(coll.find(query))
    one = coll.find_one(query), coll.find_one(query, projection), coll.find_one(query, projection={"n": 1})
    if one[1] is not None:  # what was returned is a copy: changing it leaves the store alone
        for value in one[1].values():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                value[0]["kind"] = "changed"
    changed = coll.update_one(query, {"$inc": {"n": update}}).modified_count
    return found, one, changed, coll.count_documents(query), list(coll.find({}))


@pytest.fixture(autouse=True)
def restore():
    yield
    install_id_fast_path()
    install_planned_snapshots()


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(docs, filters, st.integers(1, 3), projections, st.booleans())
def test_fast_path_matches_full_scan(documents, query, update, projection, tz_aware):
    uninstall_id_fast_path()
    expected = run(documents, query, update, projection, tz_aware)
    install_id_fast_path()
    assert run(documents, query, update, projection, tz_aware) == expected


# Unique index checks: the same outcomes as mongomock's scan, without the scan.

OID = ObjectId("5f0000000000000000000001")
# Half the time "a" or None, so that writes collide often.
values = st.one_of(
    st.sampled_from(["a", None]),
    st.sampled_from(["b", 1, 1.0, True, OID, str(OID), ["a"], ["a", "b"], [OID], {"x": 1}]),
)
ids = st.integers(0, 4)
# A value for the field p, whose k is indexed as "p.k": every shape the matcher treats differently.
parents = st.one_of(
    st.fixed_dictionaries({"k": values}),
    st.just({}),
    st.none(),
    st.just("s"),
    st.lists(st.fixed_dictionaries({"k": values}), min_size=1, max_size=2),
)
fields = st.sampled_from(["k", "j", "p", "p.k"])
documents = st.builds(
    lambda doc_id, fields: {"_id": doc_id, **fields},
    ids,
    st.fixed_dictionaries({}, optional={"k": values, "j": values, "p": parents}),
)
# The index under test, whether it is sparse, and whether a second unique index (sparse, on j) follows it.
indexes = st.tuples(st.sampled_from([("k",), ("p.k",), ("k", "j")]), st.booleans(), st.booleans())


def set_field(field, value):
    """A $set of one field."""
    return {"$set": {field: value}}


def describe(result):
    """What an update answered, without the connection id that differs between clients."""
    return result.matched_count, result.modified_count, result.upserted_id


operations = st.one_of(
    st.tuples(st.just("insert_one"), documents),
    st.tuples(st.just("insert_many"), st.lists(documents, min_size=1, max_size=3), st.booleans()),
    st.tuples(st.just("set"), ids, fields.flatmap(lambda f: st.tuples(st.just(f), parents if f == "p" else values))),
    st.tuples(st.just("unset"), ids, fields),
    st.tuples(st.just("set_and_inc"), ids, st.tuples(st.just("k"), values)),
    st.tuples(st.just("set_where"), values, st.tuples(st.just("k"), values)),
    st.tuples(st.just("replace_one"), ids, documents),
    st.tuples(st.just("upsert"), ids, st.tuples(st.just("k"), values)),
    st.tuples(st.just("upsert_where"), values, st.tuples(st.just("j"), values), ids),
    st.tuples(st.just("find_one_and_update"), ids, st.tuples(st.just("k"), values)),
    st.tuples(st.just("find_one_and_update_after"), ids, st.tuples(st.just("k"), values), st.booleans()),
    # Array operators change p in place: what the update snapshot must copy to roll back and compare.
    st.tuples(st.just("resize"), ids, st.sampled_from(["$push", "$addToSet", "$pull"]), values, st.booleans()),
    st.tuples(st.just("delete_one"), ids),
    st.tuples(st.just("delete_many"), values),
    st.tuples(st.just("drop"), st.booleans()),
    st.tuples(st.just("drop_index")),
    st.tuples(st.just("create_index")),
)


def apply_operation(coll, operation, index):
    """Run one write and describe what mongomock answered."""
    kind, *args = operation
    if kind == "insert_one":
        return coll.insert_one(dict(args[0])).inserted_id
    if kind == "insert_many":
        return coll.insert_many([dict(doc) for doc in args[0]], ordered=args[1]).inserted_ids
    if kind == "set":
        return describe(coll.update_one({"_id": args[0]}, set_field(*args[1])))
    if kind == "unset":
        return describe(coll.update_one({"_id": args[0]}, {"$unset": {args[1]: ""}}))
    if kind == "set_and_inc":  # fails half-way, keeping the $set, when j is not a number
        return describe(coll.update_one({"_id": args[0]}, {**set_field(*args[1]), "$inc": {"j": 1}}))
    if kind == "set_where":
        return describe(coll.update_many({"k": args[0]}, set_field(*args[1])))
    if kind == "replace_one":
        return describe(coll.replace_one({"_id": args[0]}, {k: v for k, v in args[1].items() if k != "_id"}))
    if kind == "upsert":
        return describe(coll.update_one({"_id": args[0]}, set_field(*args[1]), upsert=True))
    if kind == "upsert_where":
        return describe(
            coll.update_one({"k": args[0]}, {**set_field(*args[1]), "$setOnInsert": {"_id": args[2]}}, upsert=True)
        )
    if kind == "find_one_and_update":
        return coll.find_one_and_update({"_id": args[0], "j": {"$ne": "b"}}, set_field(*args[1]))
    if kind == "find_one_and_update_after":
        projection = {"j": False} if args[2] else None
        return coll.find_one_and_update(
            {"_id": args[0], "j": {"$ne": "b"}}, set_field(*args[1]), projection, return_document=ReturnDocument.AFTER
        )
    if kind == "resize":  # p grows or shrinks by an element {"k": value}, and maybe j changes beside it
        update = {args[1]: {"p": {"k": args[2]}}, **({"$set": {"j": args[2]}} if args[3] else {})}
        return describe(coll.update_one({"_id": args[0]}, update))
    if kind == "delete_one":
        return coll.delete_one({"_id": args[0]}).deleted_count
    if kind == "delete_many":
        return coll.delete_many({"k": args[0]}).deleted_count
    if kind == "drop":
        coll.drop()
        return coll.create_index(index[0], **index[1]) if args[0] else None
    if kind == "drop_index":
        return coll.drop_index(index[1]["name"])
    return coll.create_index(index[0], **index[1])


def run_writes(initial, index_spec, ops, read=lambda coll, fields: []):
    """Apply the writes to a fresh collection with one unique index; every outcome, what `read` found after each
    write, and the final documents."""
    fields, sparse, second = index_spec
    index = ([(f, 1) for f in fields], {"unique": True, "sparse": sparse, "name": "u"})
    on_j = ([("j", 1)], {"unique": True, "sparse": True})
    coll = mongomock.MongoClient().db.c
    initial, ops = copy.deepcopy((initial, ops))  # mongomock may keep and change what it is given
    outcomes = [
        apply_guarded(coll, ("insert_many", initial, False), index) if initial else None,
        apply_guarded(coll, ("create_index",), index),
        apply_guarded(coll, ("create_index",), on_j) if second else None,
    ]
    for operation in ops:
        outcomes += [apply_guarded(coll, operation, index), *read(coll, fields)]
    return outcomes, list(coll.find({}))


def same_as_full_scan(run, *args) -> bool:
    """Whether run(*args) answers the same with the fast paths as with mongomock's own scans."""
    uninstall_id_fast_path()
    uninstall_planned_snapshots()
    expected = run(*args)
    install_id_fast_path()
    install_planned_snapshots()
    return run(*args) == expected


def apply_guarded(coll, operation, index):
    """An operation's answer, or the kind of error it raised."""
    try:
        return apply_operation(coll, operation, index)
    except Exception as error:
        return type(error).__name__


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(st.lists(documents, max_size=5), indexes, st.lists(operations, min_size=4, max_size=20))
# The first check builds the map while the updated document holds values that the rollback then undoes.
@example([{"_id": 0}, {"_id": 1, "k": "a"}], (("k",), False, False), [("unset", 1, "k"), ("upsert", 0, ("k", "a"))])
# A document the sparse index skips, whose array still holds a value a later document takes.
@example(
    [],
    (("p.k",), True, False),
    [
        ("insert_one", {"_id": 0, "p": {"k": "b"}}),
        ("insert_one", {"_id": 1, "p": [{"k": "a"}]}),
        ("insert_one", {"_id": 2, "p": {"k": "a"}}),
    ],
)
# An update that fails half-way, keeping its first change unchecked.
@example(
    [{"_id": 0, "k": "a", "j": "s"}],
    (("k",), False, False),
    [("insert_one", {"_id": 1, "k": "c"}), ("set_and_inc", 0, ("k", "b")), ("insert_one", {"_id": 2, "k": "b"})],
)
# A sparse index's TypeError, which mongomock does not roll back, must not hide the write from the next index.
@example(
    [{"_id": 0, "j": "a"}],
    (("k",), True, True),
    [
        ("insert_one", {"_id": 1, "j": "c"}),
        ("insert_one", {"_id": 2, "k": ["x"], "j": "b"}),
        ("insert_one", {"_id": 3, "j": "b"}),
    ],
)
# A write made while the index was dropped, then the same index again.
@example(
    [{"_id": 0, "k": "a"}],
    (("k",), False, False),
    [
        ("insert_one", {"_id": 1, "k": "b"}),
        ("drop_index",),
        ("insert_one", {"_id": 2, "k": "c"}),
        ("create_index",),
        ("insert_one", {"_id": 3, "k": "c"}),
    ],
)
# A find-and-modify whose condition the document fails: nothing changes, None comes back.
@example([{"_id": 0, "j": "b"}], (("k",), False, False), [("find_one_and_update_after", 0, ("k", "a"), True)])
def test_unique_checks_match_full_scan(initial, index_spec, ops):
    assert same_as_full_scan(run_writes, initial, index_spec, ops)


def read_by_index(coll, fields):
    """What an equality on each indexed field (and j, indexed in some runs) finds, and one with a second field."""
    found = [list(coll.find({field: value})) for field in (*fields, "j") for value in ("a", "b", "c", 1)]
    return [*found, coll.find_one({fields[0]: "a", "j": "b"})]


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.lists(documents, max_size=5), indexes, st.lists(operations, min_size=2, max_size=12))
# A document deleted, and another changed away from the value, while the map still files them under it.
@example(
    [{"_id": 0, "k": "a"}, {"_id": 1, "k": "b"}],
    (("k",), False, False),
    [("delete_one", 0), ("set", 1, ("k", "c")), ("insert_one", {"_id": 2, "k": "a"})],
)
def test_finds_by_a_uniquely_indexed_field_match_full_scan(initial, index_spec, ops):
    """Issue 24 item 2 made the Razorpay order id (a unique index) the way every webhook finds its order: the
    embedded store answers it from the unique index's map, and must answer as mongomock's scan does."""
    assert same_as_full_scan(run_writes, initial, index_spec, ops, read_by_index)


def test_finds_by_a_uniquely_indexed_field_do_not_scan(monkeypatch):
    coll = mongomock.MongoClient().galla.orders
    coll.create_index("razorpay_order_id", unique=True, sparse=True)
    coll.insert_many([{"_id": f"ord_{i}", "razorpay_order_id": f"order_{i}"} for i in range(5000)])
    scans = []
    monkeypatch.setattr(embedded_reads, "scan_by_strings", lambda *args: scans.append(args) or iter(()))
    monkeypatch.setattr(embedded_reads, "full_scan", lambda *args: scans.append(args) or iter(()))
    assert coll.find_one({"razorpay_order_id": "order_4321"})["_id"] == "ord_4321"
    assert coll.find_one({"razorpay_order_id": "order_none"}) is None
    assert scans == []


def test_unique_checks_do_not_scan(monkeypatch):
    coll = mongomock.MongoClient().galla.orders
    coll.insert_many(
        [
            {
                "_id": f"ord_{i}",
                "status": "paid",
                "razorpay_order_id": f"order_{i}",
                "email": f"{i}@example.com",
                "payment": {"id": f"pay_{i}"},
            }
            for i in range(3000)
        ]
    )
    coll.create_index("razorpay_order_id", unique=True, sparse=True)
    coll.create_index([("email", 1), ("payment.id", 1)], unique=True)
    coll.insert_one({"_id": "first", "status": "pending"})  # builds both maps
    scans, builds = [], []
    monkeypatch.setattr(embedded_reads, "full_scan", lambda *args: scans.append(args) or iter(()))
    monkeypatch.setattr(embedded, "build_unique_map", lambda *args: builds.append(args))
    for i in range(3000, 3100):
        coll.insert_one({"_id": f"ord_{i}", "status": "pending", "email": f"{i}@example.com"})
        coll.find_one_and_update(
            {"_id": f"ord_{i}", "status": "pending"}, {"$set": {"status": "paid", "razorpay_order_id": f"order_{i}"}}
        )
        coll.update_one({"_id": f"ord_{i}"}, {"$set": {"payment": {"id": f"pay_{i}"}}}, upsert=True)
    coll.delete_one({"_id": "ord_7"})
    coll.replace_one(
        {"_id": "ord_8"},
        {"status": "paid", "razorpay_order_id": "order_7", "email": "7@example.com", "payment": {"id": "pay_7"}},
    )
    with pytest.raises(mongomock.DuplicateKeyError):
        coll.update_one({"_id": "ord_9"}, {"$set": {"razorpay_order_id": "order_3050"}})
    with pytest.raises(mongomock.DuplicateKeyError):
        coll.insert_one({"_id": "dup", "email": "3099@example.com", "payment": {"id": "pay_3099"}})
    assert (scans, builds) == ([], [])
    assert coll.find_one({"_id": "ord_8"})["razorpay_order_id"] == "order_7"


def test_listed_ids_are_read_without_the_matcher_on_every_document(monkeypatch):
    coll = mongomock.MongoClient().galla.products
    coll.insert_many([{"_id": f"prod_{i}", "active": i % 2 == 0} for i in range(5000)])
    matched = []
    monkeypatch.setattr(embedded_reads.filtering, "filter_applies", lambda query, doc: matched.append(doc) or True)
    found = list(coll.find({"_id": {"$in": ["prod_4", "prod_2", "nope"]}, "active": True}))
    assert [doc["_id"] for doc in found] == ["prod_2", "prod_4"]  # stored order, as the scan gives
    assert len(matched) == 2


def test_string_equalities_run_the_matcher_only_on_documents_that_can_meet_them(monkeypatch):
    coll = mongomock.MongoClient().galla.outbox
    coll.insert_many(
        [{"_id": f"m{i}", "status": "held"} for i in range(5000)]
        + [{"_id": "q1", "status": "queued"}, {"_id": "q2", "status": ["queued", "x"]}]
    )
    matched = []
    real = embedded_reads.filtering.filter_applies
    monkeypatch.setattr(
        embedded_reads.filtering, "filter_applies", lambda query, doc: matched.append(doc) or real(query, doc)
    )
    assert coll.update_many({"status": "queued"}, {"$set": {"status": "held"}}).modified_count == 2
    assert len(matched) == 2


def test_updates_copy_only_the_fields_they_name(monkeypatch):
    coll = mongomock.MongoClient().galla.orders
    coll.create_index("razorpay_order_id", unique=True, sparse=True)
    timeline = [{"kind": "note", "n": n} for n in range(50)]
    coll.insert_one({"_id": "ord_1", "timeline": timeline, "payment": {"id": "pay_1"}, "razorpay_order_id": "r1"})
    copied = []
    uninstall_planned_snapshots()
    monkeypatch.setattr(
        mongomock.collection,
        "copy",
        types.SimpleNamespace(
            deepcopy=lambda value: copied.append(copy.deepcopy(value)) or copy.deepcopy(value), copy=copy.copy
        ),
    )
    install_planned_snapshots()  # now wrapping the recording deepcopy

    coll.update_one(
        {"_id": "ord_1"}, {"$push": {"timeline": {"$each": [{"kind": "webhook"}]}}, "$set": {"updated_at": 1}}
    )
    assert copied == []  # the timeline's list was copied, not its 50 entries
    coll.update_one({"_id": "ord_1"}, {"$set": {"payment.method": "upi", "razorpay_order_id": "r2"}})
    assert copied == [{"id": "pay_1"}]
    coll.insert_one({"_id": "ord_2", "razorpay_order_id": "r3"})
    with pytest.raises(mongomock.DuplicateKeyError):  # rolled back to the snapshot
        coll.update_one(
            {"_id": "ord_1"},
            {"$set": {"razorpay_order_id": "r3", "payment.method": "card"}, "$push": {"timeline": {"kind": "lost"}}},
        )
    copied.clear()
    coll.update_one({"_id": "ord_1"}, [{"$set": {"n": 1}}])  # a pipeline may change anything
    assert copied[0]["timeline"] == [*timeline, {"kind": "webhook"}]
    stored = coll.find_one({"_id": "ord_1"})
    assert (len(stored["timeline"]), stored["payment"], stored["razorpay_order_id"]) == (
        51,
        {"id": "pay_1", "method": "upi"},
        "r2",
    )


async def test_collections_are_looked_up_once_and_survive_a_drop(monkeypatch):
    from galla.store.db import open_database

    db = open_database(None, "cache_test").db
    orders = db.orders
    delegate_type = type(db.delegate)
    monkeypatch.setattr(delegate_type, "__dir__", lambda self: pytest.fail("dir() on a cached collection"))
    assert db.orders is orders
    monkeypatch.undo()
    await orders.insert_one({"_id": "ord_1"})
    await db.drop_collection("orders")
    await db.orders.insert_one({"_id": "ord_2"})
    assert [doc["_id"] async for doc in db.orders.find({})] == ["ord_2"]
    assert await db.list_collection_names() == ["orders"]
    assert db.list_collection_names is not db.list_collection_names  # delegated methods are not cached


async def test_every_embedded_operation_lets_other_tasks_run_first():
    from galla.store.db import open_database

    db = open_database(None, "yield_test").db
    await db.orders.insert_one({"_id": "ord_1", "n": 0})
    seen: list[str] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            seen.append("tick")
            await asyncio.sleep(0)

    async def work() -> None:
        await asyncio.sleep(0)  # let the ticker start
        for _ in range(3):
            await db.orders.find_one({"_id": "ord_1"})
            seen.append("find_one")
            await db.orders.update_one({"_id": "ord_1"}, {"$inc": {"n": 1}})
            seen.append("update_one")
        await db.orders.find({}).to_list(None)
        seen.append("to_list")
        done.set()

    await asyncio.gather(ticker(), work())
    operations = [i for i, name in enumerate(seen) if name != "tick"]
    # Between any two operations, the ticker had a turn: no operation ran straight after another.
    assert len(operations) == 7 and all(later - earlier > 1 for earlier, later in itertools.pairwise(operations))
