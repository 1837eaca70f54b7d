"""The embedded store's fast paths: mongomock scans every document for every query, even one by
`_id`, and again for every unique index on every write; real MongoDB answers both from indexes.
These answer them from the dict mongomock keeps by `_id` and from a map of indexed values, so hot
writes and lookups don't grow with the collection."""

from __future__ import annotations

import asyncio
import functools
import inspect
import types
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from bson import ObjectId
import mongomock.collection
from mongomock import DuplicateKeyError, filtering, helpers
from mongomock.collection import Collection
from mongomock.store import CollectionStore
from pymongo import ReturnDocument

_full_scan = Collection._iter_documents
_cursor_find_one = Collection.find_one
_read_then_modify = Collection._find_and_modify
_scan_uniques = Collection._ensure_uniques
_UPDATERS = ("_apply_update_document", "_apply_update_pipeline")
_plain_updaters = {name: getattr(Collection, name) for name in _UPDATERS}
_EXACT_ID_TYPES = (str, int, ObjectId)
# Values whose Python equality (what mongomock's matcher uses) agrees with their hash, so equal values
# share a bucket. A stored document holding anything else (lists, dicts, bools...) is a candidate for
# every check; a write holding anything else is checked by mongomock's scan.
_PLAIN_TYPES = frozenset({str, int, float, ObjectId, type(None)})
_WILD = object()
_ABSENT = object()


@dataclass(eq=False, slots=True)
class UniqueMap:
    """Which stored documents may hold each value of one unique index (candidates, re-verified)."""

    index: dict  # the definition it serves: dropping and re-creating the index, or its collection, replaces it
    fields: list[str]
    sparse: bool
    buckets: dict[tuple, list] = field(default_factory=dict)
    wild: set = field(default_factory=set)  # documents whose indexed values are not plain: always candidates


_maps: weakref.WeakKeyDictionary[CollectionStore, dict[str, UniqueMap]] = weakref.WeakKeyDictionary()


def iter_documents(self: Collection, filter: dict) -> Iterator[dict]:
    """Mongomock's document iterator, going straight to the documents an exact `_id` or an `$in` of them names."""
    wanted = filter.get("_id") if isinstance(filter, dict) else None
    if type(wanted) is dict:
        return iter_listed(self, filter, wanted)
    if type(wanted) not in _EXACT_ID_TYPES:
        return scan_by_strings(self, filter)
    store = self._store
    store._remove_expired_documents()  # what the store's `in` and [] do first
    # One dict lookup, atomic under the GIL: the store's `in` then [] took its lock twice, a third of a find_one.
    document = store._documents.get(wanted, _ABSENT)
    if document is _ABSENT:
        filtering.filter_applies(filter, {})  # still reject a malformed filter, as the scan does
        return iter(())
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
        # An array matches when an element does: the matcher decides. Anything but a str never equals one.
        if type(value) is str and value not in strings or value is None or type(value) in (dict, int, float, bool):
            return False
    return True


def scan_by_strings(self: Collection, filter: dict) -> Iterator[dict]:
    """Mongomock's scan, running its matcher only on documents that can meet the filter's string equalities.

    `{"status": "queued"}` and the like name an index on a real MongoDB; here every document is read, but a dict
    lookup and a comparison rule out most of them for a fraction of what the matcher costs on each.
    """
    conditions = string_conditions(filter)
    if not conditions:
        return _full_scan(self, filter)
    store = self._store
    store._remove_expired_documents()
    candidates = [document for document in list(store._documents.values()) if may_match(document, conditions)]
    if not candidates:
        filtering.filter_applies(filter, {})  # still reject a malformed filter, as the scan does
    return (document for document in candidates if filtering.filter_applies(filter, document))


def iter_listed(self: Collection, filter: dict, wanted: dict) -> Iterator[dict]:
    """The documents `{"_id": {"$in": [...]}}` names, in stored order, matched against the rest of the filter."""
    listed = wanted.get("$in")
    if len(wanted) != 1 or type(listed) not in (list, tuple) or any(type(v) not in _EXACT_ID_TYPES for v in listed):
        return scan_by_strings(self, filter)
    store, keys = self._store, set(listed)
    store._remove_expired_documents()
    # Keys are compared by hash, not documents by the matcher: a catalog of thousands costs a set lookup each.
    found = [document for key, document in list(store._documents.items()) if key in keys]
    if not found:
        filtering.filter_applies(filter, {})  # still reject a malformed filter, as the scan does
    return iter([document for document in found if filtering.filter_applies(filter, document)])


def find_one(self: Collection, filter: object = None, *args, **kwargs) -> dict | None:
    """Mongomock's find_one, without building a cursor (and its sort and limit machinery) for an exact `_id`."""
    if len(args) == 1 and not kwargs:
        projection = args[0]
    elif not args and set(kwargs) <= {"projection", "sort"} and not kwargs.get("sort"):
        projection = kwargs.get("projection")
    else:
        return _cursor_find_one(self, filter, *args, **kwargs)
    wanted = filter.get("_id") if isinstance(filter, dict) else None
    if type(wanted) not in _EXACT_ID_TYPES:
        return _cursor_find_one(self, filter, *args, **kwargs)
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
        type(key) is str and "." not in key and not key.startswith("$") and key != "_id"
        and type(value) in (bool, int) and not value for key, value in projection.items())


def find_and_modify(self: Collection, query: dict, projection: object = None, update: object = None,
                    upsert: bool = False, sort: object = None, return_document: object = ReturnDocument.BEFORE,
                    session: object = None, **kwargs) -> dict | None:
    """Mongomock's find-and-modify, without the copy of the document before it changes when only the one after
    is returned (find_one_and_update(..., return_document=AFTER)) and an exact `_id` names it."""
    wanted = query.get("_id") if isinstance(query, dict) else None
    keeps_id = projection is None or isinstance(projection, dict) and projection.get("_id", True)
    if (update is None or upsert or sort or session or kwargs or return_document is not ReturnDocument.AFTER
            or type(wanted) not in _EXACT_ID_TYPES or not keeps_id):
        return _read_then_modify(self, query, projection, update, upsert, sort, return_document, session, **kwargs)
    # Mongomock reads the matching document first only to learn its _id, then updates and reads by that _id.
    if next(iter_documents(self, helpers.patch_datetime_awareness_in_document(query)), None) is None:
        return None
    self._update({"_id": wanted}, update)
    return self.find_one({"_id": wanted}, projection)


def is_plain(value: object) -> bool:
    """Whether a value can be looked up by hash (NaN equals nothing, so it is left to the scan)."""
    return type(value) in _PLAIN_TYPES and value == value


def read_index_key(document: dict, fields: list[str]) -> tuple | object:
    """The plain values a document holds at the index's fields (None when absent), or _WILD."""
    values = []
    for path in fields:
        value = document
        for part in path.split("."):
            if isinstance(value, dict):
                value = value.get(part)
            elif isinstance(value, (list, tuple)):
                return _WILD  # the matcher looks inside arrays: any element may match
            else:
                value = None  # the matcher finds nothing below a scalar: filing it under None is a superset
        if not is_plain(value):
            return _WILD
        values.append(value)
    return tuple(values)


def file_document(unique_map: UniqueMap, doc_id: object, document: dict) -> None:
    """Record a stored document under the values it now holds."""
    key = read_index_key(document, unique_map.fields)
    if key is _WILD:
        unique_map.wild.add(doc_id)
    elif not (unique_map.sparse and all(value is None for value in key)):
        # A sparse index never checks an all-absent key, and such a document matches no other.
        ids = unique_map.buckets.setdefault(key, [])
        if doc_id not in ids:
            ids.append(doc_id)


def build_unique_map(store: CollectionStore, index: dict) -> UniqueMap:
    """Map every stored document by the values it holds for one unique index (one full pass)."""
    unique_map = UniqueMap(index, [path for path, _ in index["key"]], bool(index.get("sparse")))
    for doc_id, document in list(store._documents.items()):
        file_document(unique_map, doc_id, document)
    return unique_map


def load_unique_map(store: CollectionStore, name: str, index: dict, own_id: object) -> UniqueMap:
    """The collection's map for one unique index, built again if the index was made again."""
    maps = _maps.setdefault(store, {})
    unique_map = maps.get(name)
    # Writes made while the index did not exist (dropped, or with its collection) were never recorded.
    if unique_map is None or unique_map.index is not index:
        unique_map = maps[name] = build_unique_map(store, index)
        # The document being checked may be rolled back to values this pass never saw: keep it a candidate.
        unique_map.wild.add(own_id)
    return unique_map


def refile_stale(unique_map: UniqueMap, documents: dict, key: tuple, own_id: object) -> None:
    """Move the candidates for key that no longer hold it (deleted, or changed without a check)."""
    entries = [(doc_id, key) for doc_id in unique_map.buckets.get(key, ())]
    entries += [(doc_id, _WILD) for doc_id in unique_map.wild]
    for doc_id, filed_under in entries:
        # The document being checked may yet be rolled back to what it held before, so its entries stay.
        if doc_id == own_id:
            continue
        document = documents.get(doc_id, _ABSENT)
        if document is not _ABSENT and read_index_key(document, unique_map.fields) == filed_under:
            continue
        if filed_under is _WILD:
            unique_map.wild.discard(doc_id)
        else:
            unique_map.buckets[key].remove(doc_id)
        if document is not _ABSENT:
            file_document(unique_map, doc_id, document)
    if not unique_map.buckets.get(key, True):
        del unique_map.buckets[key]


def count_matches(store: CollectionStore, unique_map: UniqueMap, query: dict, own_id: object) -> int:
    """How many stored documents the scan would find for query, counted among the candidates only."""
    store._remove_expired_documents()  # as the scan does before reading
    key = tuple(query[path] for path in unique_map.fields)
    documents = store._documents
    refile_stale(unique_map, documents, key, own_id)
    candidates = set(unique_map.buckets.get(key, ())) | unique_map.wild
    return sum(1 for doc_id in candidates
               if doc_id in documents and filtering.filter_applies(query, documents[doc_id]))


def ensure_uniques(self: Collection, new_data: dict) -> None:
    """Mongomock's unique index check after a write, answered from the index maps instead of scans."""
    store = self._store
    doc_id = store_key(new_data["_id"])
    unique = [(name, index) for name, index in store.indexes.items() if index.get("unique")]
    maps = {}
    # Recorded in every map before any check: a check may raise something mongomock does not roll back
    # (a sparse index's TypeError), and a document the sparse check skips may still match later ones.
    for name, index in unique:
        if index.get("partialFilterExpression") is None:
            maps[name] = load_unique_map(store, name, index, doc_id)
            file_document(maps[name], doc_id, new_data)
    for name, index in unique:
        query = {}
        for path, _ in index["key"]:
            try:
                query[path] = helpers.get_value_by_dot(new_data, path)
            except KeyError:
                query[path] = None
        if index.get("sparse") and set(query.values()) == {None}:
            continue
        partial = index.get("partialFilterExpression")
        if partial is None and all(is_plain(value) for value in query.values()):
            count = count_matches(store, maps[name], query, doc_id)
        else:
            count = len(list(self._iter_documents(query if partial is None else {"$and": [partial, query]})))
        if count > 1:
            raise DuplicateKeyError("E11000 Duplicate Key Error", 11000)


def store_key(doc_id: object) -> object:
    """The key mongomock files a document under in its store."""
    return helpers.hashdict(doc_id) if isinstance(doc_id, dict) else doc_id


def guard_update(apply_update: Callable) -> Callable:
    """Wrap one of mongomock's in-place updaters so that a document it leaves half-updated stays a candidate."""

    def apply_guarded(self: Collection, existing_document: dict, *args, **kwargs):
        doc_id = store_key(existing_document.get("_id"))  # before the update can change it
        try:
            return apply_update(self, existing_document, *args, **kwargs)
        except BaseException:
            # Mongomock keeps the changes made before the error, unchecked and so unrecorded.
            for unique_map in _maps.get(self._store, {}).values():
                unique_map.wild.add(doc_id)
            raise

    return apply_guarded


_guarded_updaters = {name: guard_update(apply_update) for name, apply_update in _plain_updaters.items()}


def cache_collections(database_class: type) -> None:
    """Make `db.<name>` on mongomock_motor's database answer from the instance once looked up (idempotent).

    Its __getattr__ lists dir() of the wrapped database and builds a new collection wrapper on every access;
    a wrapper holds nothing but its name and database, so the first one is kept as an instance attribute.
    """
    if getattr(database_class, "_galla_cached", False):
        return
    look_up = database_class.__getattr__
    delegate_names: set[str] = set()

    def cached_getattr(self, name: str):
        found = look_up(self, name)
        if not name.startswith("_") and name not in delegate_names:
            if name in dir(self.delegate):
                delegate_names.add(name)
            else:
                self.__dict__[name] = found
        return found

    database_class.__getattr__ = cached_getattr
    database_class._galla_cached = True


def yield_to_the_loop(*classes: type) -> None:
    """Make every coroutine method of mongomock_motor's classes let the event loop run others first (idempotent).

    Its methods are coroutines that never suspend, so a request's whole database work ran as one step of the
    loop and every timer and every other request waited behind it; a networked driver suspends at each round
    trip. One suspension per operation (a cursor's to_list, not each document) keeps the steps short.
    """
    for cls in classes:
        if cls.__dict__.get("_galla_yields", False):
            continue
        for name, operation in inspect.getmembers(cls, inspect.iscoroutinefunction):
            if not name.startswith("_") and name != "next":
                setattr(cls, name, yield_first(operation))
        cls._galla_yields = True


def yield_first(operation: Callable) -> Callable:
    """The coroutine method, preceded by one pass of the event loop."""

    async def operate(self, *args, **kwargs):
        await asyncio.sleep(0)
        return await operation(self, *args, **kwargs)

    operate.__name__ = operation.__name__
    return operate


def cache_version_checks() -> None:
    """Make mongomock's collections parse each version string they compare against once (idempotent).

    They compare pymongo's version with version.parse("3.6") and the like on every insert, every `$set` field and
    every find; parsing is most of what a `$set` of one field costs before the write itself.
    """
    module = mongomock.collection
    if not getattr(module.version, "galla_cached", False):
        module.version = types.SimpleNamespace(parse=functools.lru_cache(maxsize=64)(module.version.parse),
                                               galla_cached=True)


def install_id_fast_path() -> None:
    """Make every mongomock collection answer exact `_id` filters and unique checks without scans (idempotent)."""
    Collection._iter_documents = iter_documents
    Collection._ensure_uniques = ensure_uniques
    Collection.find_one = find_one
    Collection._find_and_modify = find_and_modify
    for name in _UPDATERS:
        setattr(Collection, name, _guarded_updaters[name])


def uninstall_id_fast_path() -> None:
    """Go back to mongomock's full scans (for comparing the two in tests)."""
    Collection._iter_documents = _full_scan
    Collection._ensure_uniques = _scan_uniques
    Collection.find_one = _cursor_find_one
    Collection._find_and_modify = _read_then_modify
    for name in _UPDATERS:
        setattr(Collection, name, _plain_updaters[name])
    _maps.clear()  # writes from now on are not recorded, so every map would go stale
