"""The embedded store's copies: mongomock deep-copies documents on every read and write with copy.deepcopy,
whose generic machinery (memo, reductors) costs more than the query, and walks every filter, update and result
again to convert datetimes with isinstance chains, and checks every key of an inserted document with an abstract
Mapping check per value. A stored document is only dicts, lists and immutable scalars, which these copy, convert
and check directly; anything else still goes through mongomock's own functions."""

from __future__ import annotations

import copy
import datetime
import decimal
import types
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import mongomock.collection
from bson import Decimal128, ObjectId, Timestamp
from bson.errors import InvalidDocument
from mongomock import helpers

from galla.store.embedded.patching import replace

# Values no one mutates in place: sharing them between the stored document and its copy is safe.
_IMMUTABLE = frozenset(
    {
        str,
        int,
        float,
        bool,
        type(None),
        bytes,
        datetime.datetime,
        datetime.date,
        datetime.timedelta,
        decimal.Decimal,
        uuid.UUID,
        ObjectId,
        Decimal128,
        Timestamp,
    }
)
# Leaves the datetime conversions pass through untouched (not datetimes, not Timestamps: those convert).
_PASSIVE = _IMMUTABLE - {datetime.datetime, Timestamp}
# Values that are never Mappings: no key check looks inside them.
_NOT_MAPPINGS = _IMMUTABLE | {list, tuple}
_original_copy_field = mongomock.collection._copy_field
_original_key_check = mongomock.collection._recursive_key_check_null_character
_original_copy_module = mongomock.collection.copy
_original_to_stored = helpers.patch_datetime_awareness_in_document
_original_to_aware = helpers.make_datetime_timezone_aware_in_document


def copy_field(value: Any, container: type) -> Any:
    """mongomock's _copy_field (the copy each read returns, into `container`), without copy.copy on leaves."""
    if type(value) in _IMMUTABLE:
        return value
    if isinstance(value, list):
        return [item if type(item) in _IMMUTABLE else copy_field(item, container) for item in value]
    if isinstance(value, dict):
        if container is dict:
            return {key: item if type(item) in _IMMUTABLE else copy_field(item, dict) for key, item in value.items()}
        new = container()
        for key, item in value.items():
            new[key] = copy_field(item, container)
        return new
    return copy.copy(value)


Convert = Callable[[Any], Any]


def document_walker(leaves: frozenset, fallback: Convert, on_datetime: Convert | None = None) -> Convert:
    """A function copying a BSON-like value: new dicts and lists all the way down, `leaves` shared as they are,
    datetimes (when not leaves) through `on_datetime`, anything else through `fallback`."""

    def walk(value: Any) -> Any:
        # Leaves are checked inline: a call per leaf would cost more than the copy.
        kind = type(value)
        if kind is dict:
            return {key: item if type(item) in leaves else walk(item) for key, item in value.items()}
        if kind is list:
            return [item if type(item) in leaves else walk(item) for item in value]
        if kind in leaves:
            return value
        if kind is datetime.datetime and on_datetime is not None:
            return on_datetime(value)
        return fallback(value)

    return walk


def stored_datetime(value: datetime.datetime) -> datetime.datetime:
    """A datetime as Mongo keeps it: milliseconds (of the value as given), in UTC, without a zone."""
    milliseconds = value.microsecond // 1000 * 1000
    offset = value.utcoffset()
    if offset is not None:
        value -= offset
    return value.replace(tzinfo=None, microsecond=milliseconds)


def check_key_characters(data: Mapping) -> None:
    """mongomock's check that no field name holds a null character, in every Mapping below (not inside lists, as
    mongomock's own), asking the abstract Mapping only of values that are neither dicts nor known leaves."""
    for key, value in data.items():
        if "\0" in key:
            raise InvalidDocument(f"Field names cannot contain the null character (found: {key})")
        kind = type(value)
        if kind is dict or (kind not in _NOT_MAPPINGS and isinstance(value, Mapping)):
            check_key_characters(value)


# A deep copy (what copy.deepcopy gives for a stored document), and mongomock's
# patch_datetime_awareness_in_document and make_datetime_timezone_aware_in_document.
copy_document = document_walker(_IMMUTABLE, copy.deepcopy)
store_datetimes = document_walker(_PASSIVE, _original_to_stored, stored_datetime)
aware_datetimes = document_walker(_PASSIVE, _original_to_aware, lambda value: value.replace(tzinfo=helpers.utc))


def install_fast_copies() -> None:
    """Make mongomock's collections copy, convert and check documents with the functions above (idempotent)."""
    replace(
        mongomock.collection,
        copy=types.SimpleNamespace(deepcopy=copy_document, copy=copy.copy),
        _copy_field=copy_field,
        _recursive_key_check_null_character=check_key_characters,
    )
    replace(
        helpers,
        patch_datetime_awareness_in_document=store_datetimes,
        make_datetime_timezone_aware_in_document=aware_datetimes,
    )


def uninstall_fast_copies() -> None:
    """Back to mongomock's own copies (for comparing the two in tests)."""
    replace(
        mongomock.collection,
        copy=_original_copy_module,
        _copy_field=_original_copy_field,
        _recursive_key_check_null_character=_original_key_check,
    )
    replace(
        helpers,
        patch_datetime_awareness_in_document=_original_to_stored,
        make_datetime_timezone_aware_in_document=_original_to_aware,
    )
