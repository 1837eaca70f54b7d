"""The embedded store's simple updates answer and store exactly what mongomock's own update machinery does."""

from __future__ import annotations

import contextlib
import copy
import datetime

import mongomock
import pytest
from bson import ObjectId
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pymongo import ReturnDocument

from galla.store.embedded import updates as embedded_updates
from galla.store.embedded.updates import install_simple_updates, uninstall_simple_updates, update_simply

IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
ids = st.sampled_from(["ord_1", "ord_2", "ord_1", "ord_2", 3, ObjectId("5f0000000000000000000003"), True])
# Values of every kind the two paths could treat differently: aware datetimes (stored in UTC, to the
# millisecond), arrays, documents, a tuple, and what BSON refuses (a set, a key that is not a string).
leaves = st.one_of(
    st.sampled_from(["a", "b", None, 1, 1.0, True, ObjectId("5f0000000000000000000001")]),
    st.datetimes(timezones=st.sampled_from([None, datetime.UTC, IST])),
)
values = st.one_of(
    leaves,
    st.lists(leaves, max_size=2),
    st.fixed_dictionaries({"k": leaves}),
    st.sampled_from([("t", 1), {"x": {1, 2}}, {1: "one"}, [], {}]),
)
# "u" holds the unique index; "a.b", "$x", "x$", "" and "_id" are not plain fields.
names = st.sampled_from(["a", "b", "tl", "u", "a.b", "$x", "x$", "", "_id", "c\0"])
pushes = st.one_of(
    values,
    st.fixed_dictionaries({"$each": st.lists(values, max_size=2)}),
    st.fixed_dictionaries({"$each": st.lists(values, max_size=2), "$slice": st.just(-1)}),
    st.just({"$each": "ab"}),
)
# Mostly the shapes the shop sends ($set and $push of a few plain fields, sometimes the unique one), and
# near misses: other fields, one field under two operators, other operators and $push modifiers, empty ones.
simple = st.fixed_dictionaries(
    {},
    optional={
        "$set": st.dictionaries(st.sampled_from(["a", "b", "a", "b", "u"]), values, min_size=1, max_size=3),
        "$push": st.dictionaries(
            st.sampled_from(["tl", "p"]),
            st.one_of(values, st.fixed_dictionaries({"$each": st.lists(values, max_size=2)})),
            min_size=1,
            max_size=2,
        ),
    },
).filter(bool)
updates = st.one_of(
    simple,
    simple,
    st.dictionaries(
        st.sampled_from(["$set", "$push", "$inc"]),
        st.dictionaries(names, st.one_of(values, pushes), max_size=3),
        max_size=2,
    ),
)
documents = st.builds(
    lambda doc_id, fields: {"_id": doc_id, **fields},
    ids,
    st.fixed_dictionaries(
        {},
        optional={
            "a": values,
            "tl": st.one_of(st.lists(values, max_size=2), values),
            "u": st.sampled_from(["r1", "r2", None]),
        },
    ),
)
# Mostly updates of one document by _id; a filter beyond the _id, an upsert and a replacement now and then.
by_id = st.tuples(st.sampled_from(["update_one", "find_one_and_update"]), ids, simple)
operations = st.one_of(
    by_id,
    by_id,
    by_id,
    st.tuples(st.sampled_from(["update_one", "find_one_and_update", "update_one_where", "upsert"]), ids, updates),
    st.tuples(st.just("replace_one"), ids, st.fixed_dictionaries({"a": values})),
)


def apply(coll, operation):
    """One update and what mongomock answered, or the kind of error it raised."""
    kind, doc_id, update = operation
    try:
        if kind == "find_one_and_update":
            return coll.find_one_and_update({"_id": doc_id}, update, return_document=ReturnDocument.AFTER)
        if kind == "replace_one":
            result = coll.replace_one({"_id": doc_id}, update)
        else:
            query = {"_id": doc_id, "u": {"$ne": "r2"}} if kind == "update_one_where" else {"_id": doc_id}
            result = coll.update_one(query, update, upsert=kind == "upsert")
        return result.matched_count, result.modified_count, result.upserted_id
    except Exception as error:
        return type(error).__name__


def run(initial, operations, partial):
    """The operations on a fresh collection with a unique index on u; every answer and the documents left."""
    coll = mongomock.MongoClient(tz_aware=True).db.c
    coll.create_index("u", unique=True, sparse=True, **({"partialFilterExpression": {"a": "a"}} if partial else {}))
    for document in copy.deepcopy(initial):
        with contextlib.suppress(Exception):
            coll.insert_one(document)
    answers = [apply(coll, operation) for operation in copy.deepcopy(operations)]
    return answers, list(coll.find({}))


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(
    st.lists(documents, max_size=4),
    st.lists(operations, min_size=1, max_size=8),
    st.sampled_from([False, False, False, True]),
)
# A $push onto a field that is not an array, a value BSON refuses after a field already set, and a second
# document taking the unique value (rolled back to the snapshot).
@example(
    [{"_id": "ord_1", "tl": "x", "u": "r1"}, {"_id": "ord_2", "u": None}],
    [
        ("update_one", "ord_1", {"$push": {"tl": 1}}),
        ("update_one", "ord_2", {"$set": {"a": 1, "b": {"x": {1, 2}}}}),
        ("update_one", "ord_2", {"$set": {"u": "r1"}}),
        ("update_one", "ord_1", {"$set": {"a": "a"}}),
    ],
    False,
)
# mongomock leaves a $set that BSON refuses half done, unchecked: two documents then hold u = "r1", and the next
# update of either, simple or not, is refused as a duplicate and rolled back.
@example(
    [{"_id": "ord_1", "u": "r1"}, {"_id": "ord_2"}],
    [
        ("update_one", "ord_2", {"$set": {"u": "r1", "b": {"x": {1, 2}}}}),
        ("update_one", "ord_1", {"$set": {"a": 1}, "$push": {"tl": 2}}),
    ],
    False,
)
# mongomock half-applies a $set of _id before a $push onto a string fails: the document is filed under its old _id
# but holds another, and the next update by that id is mongomock's TypeError, not a quiet match.
@example(
    [{"_id": "ord_1"}],
    [
        ("update_one", "ord_1", {"$set": {"a": "a"}}),
        ("update_one", "ord_1", {"$set": {"a": "a", "b": "a", "_id": []}, "$push": {"a": "a"}}),
        ("update_one", "ord_1", {"$set": {"a": "a"}}),
    ],
    False,
)
def test_simple_updates_match_mongomocks_own(initial, operations, partial):
    # The store's other fast paths (open_database installs them) are in force on both sides.
    from galla.store.db import open_database

    open_database(None, "install").close()
    uninstall_simple_updates()
    try:
        expected = run(initial, operations, partial)
    finally:
        install_simple_updates()
    assert run(initial, operations, partial) == expected


def test_simple_updates_leave_the_rest_to_mongomock(monkeypatch):
    coll = mongomock.MongoClient().db.orders
    coll.create_index("razorpay_order_id", unique=True, sparse=True)
    coll.insert_one({"_id": "ord_1", "timeline": [], "status": "pending"})
    taken = []
    monkeypatch.setattr(embedded_updates, "apply_fields", lambda self, stored, update: taken.append(update))
    timeline = {"$push": {"timeline": {"$each": [{"kind": "note"}]}}, "$set": {"updated_at": 1}}
    assert update_simply(coll, {"_id": "ord_1"}, timeline) is not None and len(taken) == 1
    for spec, update in [
        ({"_id": "ord_1", "status": "pending"}, timeline),  # more than the _id
        ({"_id": "ord_1"}, {"$set": {"razorpay_order_id": "r1"}}),  # a unique field
        ({"_id": "ord_1"}, {"$set": {"payment.method": "upi"}}),  # a dotted path
        ({"_id": "ord_1"}, {"$inc": {"n": 1}}),
        ({"_id": "ord_1"}, {"$push": {"timeline": {"$each": [], "$slice": -5}}}),
        ({"_id": "ord_9"}, timeline),
    ]:  # no such document
        assert update_simply(coll, spec, update) is None, (spec, update)
    assert update_simply(coll, {"_id": "ord_1"}, timeline, upsert=True) is None and len(taken) == 1
