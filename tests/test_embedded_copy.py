"""The embedded store's document copies: equal to copy.deepcopy's, and as independent of the original."""

from __future__ import annotations

import copy
import datetime

import mongomock
from bson import ObjectId
from hypothesis import given, settings
from hypothesis import strategies as st

from models.embedded_copy import copy_document, copy_field, install_fast_copies, uninstall_fast_copies

leaves = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=False), st.text(max_size=5),
                   st.datetimes(timezones=st.just(datetime.timezone.utc)), st.builds(ObjectId), st.binary(max_size=4))
documents = st.recursive(leaves, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(st.text("abcxyz", max_size=4), inner, max_size=4)),
                         max_leaves=30)


def containers(value):
    """Every dict and list inside a value (the things a copy must not share)."""
    if isinstance(value, dict):
        return [value, *(c for item in value.values() for c in containers(item))]
    if isinstance(value, list):
        return [value, *(c for item in value for c in containers(item))]
    return []


@settings(max_examples=300, deadline=None)
@given(documents)
def test_copies_equal_deepcopy_and_share_no_container(document):
    for copied in (copy_document(document), copy_field(document, dict)):
        assert copied == copy.deepcopy(document)
        originals = {id(c) for c in containers(document)}
        assert not originals & {id(c) for c in containers(copied)}


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
