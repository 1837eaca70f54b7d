"""The embedded store's document copies and datetime conversions: equal to mongomock's own, and as independent."""

from __future__ import annotations

import copy
import datetime
from collections import OrderedDict

import mongomock
import pytest
from bson import ObjectId, Timestamp
from hypothesis import given, settings
from hypothesis import strategies as st
from mongomock import helpers

from galla.store.embedded.copies import (
    _original_key_check,
    aware_datetimes,
    check_key_characters,
    copy_document,
    copy_field,
    install_fast_copies,
    store_datetimes,
    uninstall_fast_copies,
)

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False),
    st.text(max_size=5),
    st.datetimes(timezones=st.just(datetime.UTC)),
    st.builds(ObjectId),
    st.binary(max_size=4),
)
documents = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text("abcxyz", max_size=4), inner, max_size=4)
    ),
    max_leaves=30,
)

offsets = st.builds(
    lambda us: datetime.timezone(datetime.timedelta(microseconds=us)), st.integers(-86_399_999_999, 86_399_999_999)
)
# What callers hand the store: datetimes in any zone or none, Timestamps, tuples and OrderedDicts besides.
odd_leaves = st.one_of(
    leaves,
    st.datetimes(timezones=st.none() | offsets),
    st.builds(Timestamp, st.integers(1, 2**31 - 1), st.integers(1, 100)),
)
odd_documents = st.recursive(
    odd_leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.text("abc", max_size=3), inner, max_size=3),
        st.dictionaries(st.text("abc", max_size=3), inner, max_size=3).map(OrderedDict),
    ),
    max_leaves=20,
)


def containers(value):
    """Every dict and list inside a value (the things a copy must not share)."""
    if isinstance(value, dict):
        return [value, *(c for item in value.values() for c in containers(item))]
    if isinstance(value, list):
        return [value, *(c for item in value for c in containers(item))]
    return []


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(documents)
def test_copies_equal_deepcopy_and_share_no_container(document):
    for copied in (copy_document(document), copy_field(document, dict)):
        assert copied == copy.deepcopy(document)
        originals = {id(c) for c in containers(document)}
        assert not originals & {id(c) for c in containers(copied)}


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["a", "b", "c"]), documents, max_size=3), max_size=5), documents)
def test_the_store_answers_the_same_with_fast_copies(docs, pushed):
    def run():
        coll = mongomock.MongoClient().db.c
        for i, doc in enumerate(docs):
            coll.insert_one({"_id": i, **doc})
        coll.update_many({}, {"$push": {"log": pushed}, "$set": {"n": 1}})
        found = list(coll.find({}, {"b": False}))
        for doc in found:  # what a caller does to what it was given must not reach the store
            doc.setdefault("log", []).append("changed")
        return found, list(coll.find({}))

    uninstall_fast_copies()
    try:
        expected = run()
    finally:
        install_fast_copies()
    assert run() == expected


@settings(max_examples=300, deadline=None)
@given(odd_documents)
def test_datetime_conversions_equal_mongomocks(document):
    uninstall_fast_copies()
    try:
        stored, aware = helpers.patch_datetime_awareness_in_document(document), None
        aware = helpers.make_datetime_timezone_aware_in_document(stored)
    finally:
        install_fast_copies()
    assert store_datetimes(document) == stored and type(store_datetimes(document)) is type(stored)
    assert aware_datetimes(stored) == aware
    assert [type(c) for c in containers(aware_datetimes(stored))] == [type(c) for c in containers(aware)]


def test_install_replaces_the_conversions_mongomock_calls():
    install_fast_copies()
    assert helpers.patch_datetime_awareness_in_document is store_datetimes
    assert helpers.make_datetime_timezone_aware_in_document is aware_datetimes
    coll = mongomock.MongoClient(tz_aware=True).db.c
    ist = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
    coll.insert_one({"_id": 1, "at": datetime.datetime(2026, 11, 23, 10, 0, 0, 123456, tzinfo=ist)})
    assert coll.find_one({"at": {"$lt": datetime.datetime(2026, 11, 23, 4, 31, tzinfo=datetime.UTC)}})[
        "at"
    ] == datetime.datetime(2026, 11, 23, 4, 30, 0, 123000, tzinfo=datetime.UTC)


# Keys with and without the null character, in dicts, OrderedDicts and lists (which neither check looks inside).
keyed = st.recursive(
    odd_leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.sampled_from(["a", "b", "a\0", "\0"]), inner, max_size=3),
        st.dictionaries(st.sampled_from(["a", "c\0"]), inner, max_size=3).map(OrderedDict),
    ),
    max_leaves=20,
)


def key_check_outcome(check, document):
    """What a key check does with a document: None when it passes, else the message it raises."""
    try:
        check(document)
    except Exception as exc:
        return type(exc), str(exc)
    return None


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["x", "y\0"]), keyed, max_size=3))
def test_key_check_refuses_what_mongomocks_refuses(document):
    assert key_check_outcome(check_key_characters, document) == key_check_outcome(_original_key_check, document)


def test_an_insert_with_a_null_character_in_a_nested_key_is_refused():
    install_fast_copies()
    coll = mongomock.MongoClient().db.c
    try:
        coll.insert_one({"_id": 1, "payload": {"notes": {"bad\0key": 1}}})
    except Exception as exc:
        assert "null character" in str(exc)
    else:
        raise AssertionError("the insert was accepted")
    assert coll.find_one({"_id": 1}) is None
