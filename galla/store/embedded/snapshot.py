"""The embedded store's update snapshots: before changing a document in place, mongomock deep-copies all of it,
to see after whether it changed and to roll it back if a unique index refuses it. An order's timeline or an
event's payload was copied and compared on every `$set` of one field. An update document names the fields it
can change, so the snapshot copies only those and shares the rest (which the comparison then skips by identity)."""

from __future__ import annotations

import contextvars
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mongomock.collection
from mongomock.collection import Collection

from galla.store.embedded.patching import replace

# Operators that change a top-level field only by assigning it a new value (mongomock's updaters for a field
# without dots): the old value is never changed in place, so the snapshot may share it.
_ASSIGNING = frozenset(
    {"$set", "$unset", "$inc", "$max", "$min", "$pop", "$rename", "$setOnInsert", "$currentDate", "$pullAll"}
)
# Operators that change a top-level array in place, adding or removing elements but never changing one.
_RESIZING = frozenset({"$push", "$addToSet", "$pull"})
SHARE, SHALLOW, DEEP = 0, 1, 2  # how a touched top-level field is copied into the snapshot

_plain_update = Collection._update
_planned: contextvars.ContextVar[Plan | None] = contextvars.ContextVar("galla_update_plan", default=None)
# Tried before any update is planned: mongomock's answer, or None to go on (galla/store/embedded/updates.py installs one).
shortcuts: list[Callable[..., dict | None]] = []
# mongomock's own deepcopy behind each planned one installed, to go back to.
_plain_deepcopies: dict[Callable[[Any], Any], Callable[[Any], Any]] = {}


@dataclass(slots=True)
class Plan:
    """What one update can change: how to copy each top-level field it names; where its documents are stored."""

    copies: dict[str, int]
    documents: dict[Any, dict]  # the collection's stored documents, by key


def is_replacement(update: Any) -> bool:
    """Whether an update document is a whole new document rather than operators."""
    return isinstance(update, dict) and not any(isinstance(key, str) and key.startswith("$") for key in update)


def plan_copies(update: Any) -> dict[str, int] | None:
    """How each top-level field the update names must be copied; None when the whole document must be."""
    if not isinstance(update, dict):
        return None  # an aggregation pipeline may change anything
    if is_replacement(update):
        return {}  # new top-level values go into the same dict: sharing the old ones is safe
    copies: dict[str, int] = {}
    for operator, fields in update.items():
        if (operator not in _ASSIGNING and operator not in _RESIZING) or not isinstance(fields, dict):
            return None
        names = [*fields, *fields.values()] if operator == "$rename" else list(fields)
        for name in names:
            if not isinstance(name, str):
                return None
            top, dot, _ = name.partition(".")
            # A dotted or positional path changes something inside the field: copy all of it.
            kind = DEEP if dot else SHALLOW if operator in _RESIZING else SHARE
            copies[top] = max(kind, copies.get(top, SHARE))
    return copies


def take_snapshot(document: dict, copies: dict[str, int], deepcopy: Callable[[Any], Any]) -> dict:
    """A copy of the document that the planned update cannot change: untouched fields shared."""
    snapshot = dict(document)
    for name, kind in copies.items():
        value = document.get(name)
        if kind == SHARE or name not in document:
            continue
        snapshot[name] = value[:] if kind == SHALLOW and type(value) is list else deepcopy(value)
    return snapshot


def snapshot_or_deepcopy(deepcopy: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """mongomock's deepcopy, taking a planned snapshot when what it copies is the stored document being updated."""

    def copy_planned(value: Any) -> Any:
        plan = _planned.get()
        if plan is not None and type(value) is dict:
            key = value.get("_id")
            if type(key) is not dict and plan.documents.get(key) is value:
                return take_snapshot(value, plan.copies, deepcopy)
        return deepcopy(value)

    _plain_deepcopies[copy_planned] = deepcopy
    return copy_planned


def update_with_plan(self: Collection, spec: Any, document: Any, *args: Any, **kwargs: Any) -> dict:
    """mongomock's _update, with the plan of what the update document can change in force while it runs."""
    for shortcut in shortcuts:
        answer = shortcut(self, spec, document, *args, **kwargs)
        if answer is not None:
            return answer
    copies = plan_copies(document)
    if copies is None:
        return _plain_update(self, spec, document, *args, **kwargs)
    token = _planned.set(Plan(copies, self._store._documents))
    try:
        return _plain_update(self, spec, document, *args, **kwargs)
    finally:
        _planned.reset(token)


def install_planned_snapshots() -> None:
    """Make mongomock's updates snapshot only what they can change (idempotent)."""
    replace(Collection, _update=update_with_plan)
    current = mongomock.collection.copy
    if current.deepcopy not in _plain_deepcopies:
        planned = types.SimpleNamespace(deepcopy=snapshot_or_deepcopy(current.deepcopy), copy=current.copy)
        replace(mongomock.collection, copy=planned)


def uninstall_planned_snapshots() -> None:
    """Back to whole-document snapshots (for comparing the two in tests)."""
    replace(Collection, _update=_plain_update)
    current = mongomock.collection.copy
    plain = _plain_deepcopies.get(current.deepcopy)
    if plain is not None:
        replace(mongomock.collection, copy=types.SimpleNamespace(deepcopy=plain, copy=current.copy))
