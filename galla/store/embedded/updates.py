"""The embedded store's simple updates: mongomock applies every update through machinery built for any operator,
dotted path and positional `$`, then compares the whole document with a snapshot. Most updates the shop makes are
`$set` and `$push: {$each}` of top-level fields of one document named by `_id` (a timeline entry, a ledger
entry's outcome); these are applied here field by field, with mongomock's own per-field `$set`, and anything else
still goes to mongomock. Half the time of such an update was the machinery."""

from __future__ import annotations

from typing import Any

import mongomock.collection
from mongomock import DuplicateKeyError, helpers
from mongomock.collection import Collection

from galla.store import embedded
from galla.store.embedded import snapshot as embedded_snapshot
from galla.store.embedded.reads import EXACT_ID_TYPES
from galla.store.embedded.snapshot import SHALLOW, SHARE, take_snapshot

_SIMPLE_OPERATORS = frozenset({"$set", "$push"})
_MISSING = object()
# _update options that cannot change an update of one document; any other option set (upsert too) goes to mongomock.
_IGNORED = frozenset({"manipulate", "multi", "check_keys"})


def plain_field(name: object) -> bool:
    """Whether a field name is a top-level field that mongomock's $set and $push treat as a plain key."""
    return (
        type(name) is str and name != "" and name != "_id" and "." not in name and "\0" not in name and "$" not in name
    )


def simple_fields(update: object) -> dict[str, tuple[str, Any]] | None:
    """field -> (operator, value) when the update only `$set`s and `$push`es plain top-level fields, each once
    (one element, or `{"$each": [...]}` with no other modifier); else None."""
    if type(update) is not dict or not update or not update.keys() <= _SIMPLE_OPERATORS:
        return None
    fields: dict[str, tuple[str, Any]] = {}
    for operator, named in update.items():
        if type(named) is not dict or not named:
            return None
        for name, value in named.items():
            if not plain_field(name) or name in fields:
                return None
            if (
                operator == "$push"
                and pushes_each(value)
                and (value.keys() != {"$each"} or type(value["$each"]) is not list)
            ):
                return None
            fields[name] = (operator, value)
    return fields


def pushes_each(value: object) -> bool:
    """Whether a $push value is `{"$each": ...}` (its elements pushed) rather than one element to push."""
    return type(value) is dict and "$each" in value


def unique_fields(collection: Collection) -> frozenset[str] | None:
    """The top-level fields the collection's unique indexes read; None if one is partial (it reads its filter)."""
    tops: set[str] = set()
    for index in collection._store.indexes.values():
        if index.get("unique"):
            if index.get("partialFilterExpression") is not None:
                return None
            tops.update(path.partition(".")[0] for path, _ in index["key"])
    return frozenset(tops)


def update_simply(self: Collection, spec: Any, document: Any, *args: Any, **kwargs: Any) -> dict | None:
    """Apply a simple update (see simple_fields) to the document `{"_id": ...}` names, as mongomock's _update would,
    and answer as it answers; None when the update, its options or the document call for mongomock's own."""
    if args or any(value for key, value in kwargs.items() if key not in _IGNORED):
        return None
    if type(spec) is not dict or len(spec) != 1 or type(spec.get("_id")) not in EXACT_ID_TYPES:
        return None
    fields = simple_fields(document)
    uniques = unique_fields(self)
    if fields is None or uniques is None or not uniques.isdisjoint(fields):
        return None
    key = spec["_id"]
    store = self._store
    store._remove_expired_documents()  # what mongomock's scan does first
    stored = store._documents.get(key)
    if stored is None or stored.get("_id", _MISSING) != key:
        # Unknown; or an update mongomock left half done changed the _id it is filed under (a real server refuses
        # to change an _id): only mongomock's own scan answers as mongomock does.
        return None
    if any(operator == "$push" and type(stored.get(name, [])) is not list for name, (operator, _) in fields.items()):
        return None  # mongomock raises its own error for a push onto a non-array
    old = {name: stored.get(name, _MISSING) for name in fields}
    snapshot = (
        take_snapshot(
            stored,
            {name: SHALLOW if operator == "$push" else SHARE for name, (operator, _) in fields.items()},
            mongomock.collection.copy.deepcopy,
        )
        if uniques
        else None
    )
    # The update's datetimes as mongomock stores them (milliseconds, UTC): this copies the update, too.
    document = helpers.patch_datetime_awareness_in_document(document)
    apply_fields(self, stored, document)
    # What mongomock's comparison with its snapshot finds: a field added, a $set value unequal to the one before,
    # or elements pushed (the array grows in place, as in mongomock).
    modified = any(
        old[name] is _MISSING
        or (operator == "$set" and [old[name]] != [stored[name]])
        or (operator == "$push" and (not pushes_each(value) or value["$each"]))
        for name, (operator, value) in fields.items()
    )
    if modified and uniques:
        try:
            self._ensure_uniques(stored)
        except DuplicateKeyError:
            store[key] = snapshot  # mongomock's rollback
            raise
    return {
        "connectionId": self.database.client._id,
        "err": None,
        "n": 1,
        "nModified": int(modified),
        "ok": 1,
        "upserted": None,
        "updatedExisting": True,
    }


def apply_fields(self: Collection, stored: dict, document: dict) -> None:
    """Each operator's fields in the update's order, as mongomock applies them (its own $set, with its copy and its
    BSON check); a value it refuses leaves the fields before it changed, as in mongomock."""
    for operator, named in document.items():
        for name, value in named.items():
            if operator == "$set":
                mongomock.collection._set_updater(stored, name, value)
            else:
                pushed = stored.setdefault(name, [])
                if pushes_each(value):
                    pushed += value["$each"]
                else:
                    pushed.append(value)


# A refused value leaves the document half-updated and unchecked, as in mongomock: it stays a unique candidate.
apply_fields = embedded.guard_update(apply_fields)


def install_simple_updates() -> None:
    """Apply simple updates here, before mongomock's machinery (idempotent; needs the planned snapshots installed,
    whose update tries it first)."""
    if update_simply not in embedded_snapshot.shortcuts:
        embedded_snapshot.shortcuts.append(update_simply)


def uninstall_simple_updates() -> None:
    """Every update through mongomock's machinery again (for comparing the two in tests)."""
    if update_simply in embedded_snapshot.shortcuts:
        embedded_snapshot.shortcuts.remove(update_simply)
