"""The embedded store's `_id` fast path answers exactly what mongomock's full scan answers."""

from __future__ import annotations

import mongomock
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.embedded import install_id_fast_path, uninstall_id_fast_path

ids = st.one_of(st.sampled_from(["a", "b", "c", "ord_1"]), st.integers(0, 3))
docs = st.lists(st.fixed_dictionaries({"_id": ids, "status": st.sampled_from(["pending", "paid"]),
                                       "n": st.integers(0, 3)}), max_size=8)
filters = st.one_of(
    st.fixed_dictionaries({"_id": ids}),
    st.fixed_dictionaries({"_id": ids, "status": st.sampled_from(["pending", "paid"])}),
    st.fixed_dictionaries({"_id": ids, "status": st.fixed_dictionaries(
        {"$in": st.lists(st.sampled_from(["pending", "paid"]), max_size=2)})}),
    st.fixed_dictionaries({"_id": st.fixed_dictionaries({"$in": st.lists(ids, max_size=3)})}),
    st.fixed_dictionaries({"n": st.integers(0, 3)}),
    st.just({}),
)


def run(documents, query, update):
    """Insert, find, update and count, returning everything mongomock answered."""
    coll = mongomock.MongoClient().db.c
    for doc in documents:
        if coll.count_documents({"_id": doc["_id"]}) == 0:
            coll.insert_one(dict(doc))
    found = list(coll.find(query))
    one = coll.find_one(query)
    changed = coll.update_one(query, {"$inc": {"n": update}}).modified_count
    return found, one, changed, coll.count_documents(query), list(coll.find({}))


@pytest.fixture(autouse=True)
def restore():
    yield
    install_id_fast_path()


@settings(max_examples=300, deadline=None)
@given(docs, filters, st.integers(1, 3))
def test_fast_path_matches_full_scan(documents, query, update):
    uninstall_id_fast_path()
    expected = run(documents, query, update)
    install_id_fast_path()
    assert run(documents, query, update) == expected
