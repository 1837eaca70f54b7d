"""The embedded store's reads: mongomock answers every query by running its matcher on every document, and
find_one through a cursor built for sorting and paging. A real MongoDB answers `_id` lookups, `_id` lists and
equalities on indexed fields from indexes; these answer them from the dict mongomock keeps by `_id`, or run the
matcher only on the documents that can match, so the hot reads don't grow with the collection."""

from __future__ import annotations

from collections.abc import Iterator

from bson import ObjectId
from mongomock import filtering, helpers
from mongomock.collection import Collection
from pymongo import ReturnDocument

# Mongomock's own, for what the fast paths leave to them (and for tests comparing the two).
full_scan = Collection._iter_documents
cursor_find_one = Collection.find_one
read_then_modify = Collection._find_and_modify
# Ids looked up by hash: their Python equality is the matcher's (bool is not among them: True == 1).
EXACT_ID_TYPES = (str, int, ObjectId)
_MISSING = object()


def iter_documents(self: Collection, filter: dict) -> Iterator[dict]:
    """Mongomock's document iterator, going straight to the documents an exact `_id` or an `$in` of them names."""
    wanted = filter.get("_id") if isinstance(filter, dict) else None
    if type(wanted) is dict:
        return iter_listed(self, filter, wanted)
    if type(wanted) not in EXACT_ID_TYPES:
        return scan_by_strings(self, filter)
    store = self._store
    store._remove_expired_documents()  # what the store's `in` and [] do first
    # One dict lookup, atomic under the GIL: the store's `in` then [] took its lock twice, a third of a find_one.
    document = store._documents.get(wanted, _MISSING)
    if document is _MISSING:
        filtering.filter_applies(filter, {})  # still reject a malformed filter, as the scan does
        return iter(())
    if document.get("_id", _MISSING) != wanted:  # its _id changed by an update mongomock left half done
        return full_scan(self, filter)
    # Filed under an equal key: a filter naming only the _id matches it (the matcher compares the same way).
    return iter([document] if len(filter) == 1 or filtering.filter_applies(filter, document) else [])


def string_conditions(filter: object) -> dict[str, frozenset]:
    """The filter's top-level fields that must equal a string (or one of an `$in` of strings): field -> strings."""
    conditions = {}
    for key, value in filter.items() if type(filter) is dict else ():
        if type(key) is not str or "." in key or key.startswith("$"):
            continue
        if type(value) is dict and value.keys() == {"$in"} and type(value["$in"]) in (list, tuple):
            value = value["$in"]
            if value and all(type(item) is str for item in value):
                conditions[key] = frozenset(value)
        elif type(value) is str:
            conditions[key] = frozenset((value,))
    return conditions


def may_match(document: dict, conditions: dict[str, frozenset]) -> bool:
    """Whether the document could meet every string condition: it holds one of the strings, or an array."""
    for key, strings in conditions.items():
        value = document.get(key)
        if type(value) is str:
            if value not in strings:
                return False
        elif value is None or type(value) in (dict, int, float, bool):
            return False  # never equal to a string; an array, or an odd type, is left to the matcher
    return True


def scan_by_strings(self: Collection, filter: dict) -> Iterator[dict]:
    """Mongomock's scan, running its matcher only on documents that can meet the filter's string equalities.

    `{"status": "queued"}` and the like name an index on a real MongoDB; here every document is read, but a dict
    lookup and a comparison rule out most of them for a fraction of what the matcher costs on each.
    """
    conditions = string_conditions(filter)
    if not conditions:
        return full_scan(self, filter)
    store = self._store
    store._remove_expired_documents()
    return match_candidates(
        filter, [document for document in list(store._documents.values()) if may_match(document, conditions)]
    )


def iter_listed(self: Collection, filter: dict, wanted: dict) -> Iterator[dict]:
    """The documents `{"_id": {"$in": [...]}}` names, in stored order, matched against the rest of the filter."""
    listed = wanted.get("$in")
    if (
        len(wanted) != 1
        or (type(listed) is not list and type(listed) is not tuple)
        or any(type(v) not in EXACT_ID_TYPES for v in listed)
    ):
        return scan_by_strings(self, filter)
    store, keys = self._store, set(listed)
    store._remove_expired_documents()
    # Keys are compared by hash, not documents by the matcher: a catalog of thousands costs a set lookup each.
    return match_candidates(filter, [document for key, document in list(store._documents.items()) if key in keys])


def match_candidates(filter: dict, candidates: list[dict]) -> Iterator[dict]:
    """The candidates the matcher accepts, lazily as the scan yields them; a malformed filter still raises."""
    if not candidates:
        filtering.filter_applies(filter, {})
    return (document for document in candidates if filtering.filter_applies(filter, document))


def find_one(self: Collection, filter: object = None, *args, **kwargs) -> dict | None:
    """Mongomock's find_one, without building a cursor (and its sort and limit machinery) for an exact `_id`."""
    if len(args) == 1 and not kwargs:
        projection = args[0]
    elif not args and set(kwargs) <= {"projection", "sort"} and not kwargs.get("sort"):
        projection = kwargs.get("projection")
    else:
        return cursor_find_one(self, filter, *args, **kwargs)
    wanted = filter.get("_id") if isinstance(filter, dict) else None
    if type(wanted) not in EXACT_ID_TYPES:
        return cursor_find_one(self, filter, *args, **kwargs)
    # What the cursor does with the filter, the stored document and the copy it returns, in that order (without
    # mongomock_motor's wrapper of _iter_documents, which rewrites str subclasses that an exact _id cannot hold).
    for document in iter_documents(self, helpers.patch_datetime_awareness_in_document(filter)):
        if self.codec_options.tz_aware and excludes_top_fields(projection):
            # One copy, not two: the conversion builds new dicts and lists all the way down, as the copy would.
            kept = {key: value for key, value in document.items() if not projection or key not in projection}
            return helpers.make_datetime_timezone_aware_in_document(kept)
        found = self._copy_only_fields(document, projection, dict)
        return helpers.make_datetime_timezone_aware_in_document(found) if self.codec_options.tz_aware else found
    return None


def excludes_top_fields(projection: object) -> bool:
    """Whether a projection only leaves out some top-level fields other than _id (or is None or empty)."""
    if projection is None:
        return True
    return isinstance(projection, dict) and all(
        type(key) is str
        and "." not in key
        and not key.startswith("$")
        and key != "_id"
        and type(value) in (bool, int)
        and not value
        for key, value in projection.items()
    )


def find_and_modify(
    self: Collection,
    query: dict,
    projection: object = None,
    update: object = None,
    upsert: bool = False,
    sort: object = None,
    return_document: object = ReturnDocument.BEFORE,
    session: object = None,
    **kwargs,
) -> dict | None:
    """Mongomock's find-and-modify, without the copy of the document before it changes when only the one after
    is returned (find_one_and_update(..., return_document=AFTER)) and an exact `_id` names it."""
    wanted = query.get("_id") if isinstance(query, dict) else None
    keeps_id = projection is None or (isinstance(projection, dict) and projection.get("_id", True))
    if (
        update is None
        or upsert
        or sort
        or session
        or kwargs
        or return_document is not ReturnDocument.AFTER
        or type(wanted) not in EXACT_ID_TYPES
        or not keeps_id
    ):
        return read_then_modify(self, query, projection, update, upsert, sort, return_document, session, **kwargs)
    # Mongomock reads the matching document first only to learn its _id, then updates and reads by that _id.
    if next(iter_documents(self, helpers.patch_datetime_awareness_in_document(query)), None) is None:
        return None
    self._update({"_id": wanted}, update)
    return self.find_one({"_id": wanted}, projection)
