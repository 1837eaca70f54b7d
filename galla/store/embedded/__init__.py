"""The embedded store's unique indexes and its place in the event loop: mongomock checks every unique index
after every write by scanning the collection; a real MongoDB answers from the index. These answer from a map of
indexed values, so hot writes don't grow with the collection (reads are in galla/store/embedded/reads.py)."""

from __future__ import annotations

import asyncio
import functools
import inspect
import types
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import mongomock.collection
from bson import ObjectId
from mongomock import DuplicateKeyError, filtering, helpers
from mongomock.collection import Collection
from mongomock.store import CollectionStore

from galla.store.embedded import reads as embedded_reads
from galla.store.embedded.patching import replace

_scan_uniques = Collection._ensure_uniques
_UPDATERS = ("_apply_update_document", "_apply_update_pipeline")
_plain_updaters = {name: getattr(Collection, name) for name in _UPDATERS}
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


def is_plain(value: object) -> bool:
    """Whether a value can be looked up by hash (NaN equals nothing, so it is left to the scan)."""
    return type(value) in _PLAIN_TYPES and value == value


def read_index_key(document: dict, fields: list[str]) -> tuple | object:
    """The plain values a document holds at the index's fields (None when absent), or _WILD."""
    values = []
    for path in fields:
        value: object = document
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
    if not isinstance(key, tuple):  # _WILD
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
    entries: list[tuple[object, object]] = [(doc_id, key) for doc_id in unique_map.buckets.get(key, ())]
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
    return sum(1 for doc_id in candidates if doc_id in documents and filtering.filter_applies(query, documents[doc_id]))


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


def iter_documents(self: Collection, filter: dict) -> Iterator[dict]:
    """The reads' document iterator, answering an equality on a field a unique index covers from that index's map
    (a real MongoDB reads the index): the Razorpay order id every webhook finds its order by."""
    candidates = indexed_candidates(self._store, filter)
    if candidates is None:
        return embedded_reads.iter_documents(self, filter)
    return embedded_reads.match_candidates(filter, candidates)


def indexed_candidates(store: CollectionStore, filter: object) -> list[dict] | None:
    """The stored documents that may hold the plain value a filter asks of a one-field unique index (None: no such
    index has a map, so the scan answers), in stored order; the matcher still judges each one."""
    if type(filter) is not dict or "_id" in filter:
        return None  # the _id paths are faster still
    for name, unique_map in _maps.get(store, {}).items():
        value = filter.get(unique_map.fields[0], _ABSENT) if len(unique_map.fields) == 1 else _ABSENT
        # None also matches documents without the field, which a sparse index never files.
        if value is _ABSENT or value is None or not is_plain(value) or store.indexes.get(name) is not unique_map.index:
            continue
        store._remove_expired_documents()  # as the scan does before reading
        key, documents = (value,), store._documents
        refile_stale(unique_map, documents, key, _ABSENT)
        ids = {*unique_map.buckets.get(key, ()), *unique_map.wild}
        if len(ids) <= 1:
            return [documents[doc_id] for doc_id in ids if doc_id in documents]
        # Several candidates (arrays, or values mongomock may read alike): in the store's order, as the scan reads.
        return [document for doc_id, document in list(documents.items()) if doc_id in ids]
    return None


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


def cache_collections(database_class: type[Any]) -> None:
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


def yield_to_the_loop(*classes: type[Any]) -> None:
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
    every find: about a microsecond each, several per write.
    """
    module = mongomock.collection
    if not getattr(module.version, "galla_cached", False):
        cached = types.SimpleNamespace(parse=functools.lru_cache(maxsize=64)(module.version.parse), galla_cached=True)
        replace(module, version=cached)


def install_id_fast_path() -> None:
    """Make every mongomock collection answer reads (galla/store/embedded/reads.py) and unique checks without scans
    (idempotent)."""
    replace(
        Collection,
        _iter_documents=iter_documents,
        _ensure_uniques=ensure_uniques,
        find_one=embedded_reads.find_one,
        _find_and_modify=embedded_reads.find_and_modify,
        **_guarded_updaters,
    )


def uninstall_id_fast_path() -> None:
    """Go back to mongomock's full scans (for comparing the two in tests)."""
    replace(
        Collection,
        _iter_documents=embedded_reads.full_scan,
        _ensure_uniques=_scan_uniques,
        find_one=embedded_reads.cursor_find_one,
        _find_and_modify=embedded_reads.read_then_modify,
        **_plain_updaters,
    )
    _maps.clear()  # writes from now on are not recorded, so every map would go stale
