"""The embedded store's `_id` fast path: mongomock scans every document for every query, even
one by `_id`; real MongoDB answers those from its `_id` index. This answers them from the dict
mongomock already keeps by `_id`, so hot lookups don't grow with the collection."""

from __future__ import annotations

from collections.abc import Iterator

from bson import ObjectId
from mongomock import filtering
from mongomock.collection import Collection

_full_scan = Collection._iter_documents
_EXACT_ID_TYPES = (str, int, ObjectId)


def iter_documents(self: Collection, filter: dict) -> Iterator[dict]:
    """Mongomock's document iterator, going straight to the one document an exact `_id` names."""
    wanted = filter.get("_id") if isinstance(filter, dict) else None
    if type(wanted) not in _EXACT_ID_TYPES or isinstance(wanted, bool):
        return _full_scan(self, filter)
    store = self._store
    if wanted not in store:
        filtering.filter_applies(filter, {})  # still reject a malformed filter, as the scan does
        return iter(())
    document = store[wanted]
    return iter([document] if filtering.filter_applies(filter, document) else [])


def install_id_fast_path() -> None:
    """Make every mongomock collection answer exact `_id` filters from its dict (idempotent)."""
    Collection._iter_documents = iter_documents


def uninstall_id_fast_path() -> None:
    """Go back to mongomock's full scan (for comparing the two in tests)."""
    Collection._iter_documents = _full_scan
