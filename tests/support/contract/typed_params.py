"""Check a request's parameters against stripe-python's generated TypedDicts (stripe.params, from Stripe's OpenAPI).

    problems = check_params({"mode": "payment", "line_items": [...]}, SessionCreateParams)
    → [] or ["line_items[0].price_data.nmae: not a parameter of SessionCreateParamsLineItemPriceData", ...]

A small walker of typing.get_type_hints(include_extras=True), not pydantic: pydantic's TypeAdapter refuses a
`config` (extra="forbid", strict) for a TypedDict it does not own (PydanticUserError type-adapter-config-unused),
so it would let unknown keys through, and it would accept any string where stripe-python writes
`Literal[...]|str` (see below).

Rules, each one a place where Stripe's API is stricter than a Python dict:
- a key the TypedDict does not declare is a problem, at any depth; a key it marks required must be present;
- `Literal['a', 'b']|str`: stripe-python adds `|str` so that enum values Stripe adds later do not break type
  checking; Stripe's API itself refuses a value its spec does not list, so only the Literal values pass;
- `Literal['']` in a union is Stripe's "unset this field", and passes;
- int is not bool, and bool is not int (Python's bool is an int subclass);
- the top-level class inherits stripe's RequestOptions (api_key, idempotency_key, ...): those are options the
  SDK sends as headers, never parameters, so they are not allowed as keys.
With form_encoded=True the value is a form body decoded back into dicts and lists (every leaf a string, as
on the wire): a leaf then passes where the string is how stripe-python encodes the declared type (an int's
digits, "true"/"false" for a bool).
"""

from __future__ import annotations

import decimal
import functools
import re
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, NotRequired, Required, Union

from stripe._request_options import RequestOptions
from stripe._stripe_object import StripeObject
from typing_extensions import is_typeddict

# Names that stripe's modules import only under TYPE_CHECKING, needed to evaluate RequestOptions' hints.
_LOCALNS = {"StripeContext": object, "Mapping": Mapping}
_REQUEST_OPTIONS = frozenset(RequestOptions.__annotations__)
_INT = re.compile(r"-?\d+")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


@functools.cache
def typed_fields(td: type) -> dict[str, tuple[Any, bool]]:
    """Return {key: (type, required)} of a TypedDict, NotRequired/Required unwrapped."""
    hints = typing.get_type_hints(td, localns=_LOCALNS, include_extras=True)
    fields = {}
    for key, hint in hints.items():
        required = key in td.__required_keys__
        while typing.get_origin(hint) in (NotRequired, Required):
            required = typing.get_origin(hint) is Required
            hint = typing.get_args(hint)[0]
        fields[key] = (hint, required)
    return fields


def check_params(value: Any, td: type, *, form_encoded: bool = False) -> list[str]:
    """Return every way value breaks the top-level params TypedDict td (empty when it fits)."""
    if not isinstance(value, dict):
        return [f"(params): expected a dict of parameters, got {type(value).__name__}"]
    return _check_typeddict(value, td, "", form_encoded, exclude=_REQUEST_OPTIONS)


def _check_typeddict(value: dict, td: type, path: str, form: bool, exclude: frozenset = frozenset()) -> list[str]:
    fields = {k: v for k, v in typed_fields(td).items() if k not in exclude}
    problems = [f"{_join(path, key)}: not a parameter of {td.__name__}" for key in value if key not in fields]
    problems += [
        f"{_join(path, key)}: required by {td.__name__}, missing"
        for key, (_, required) in fields.items()
        if required and key not in value
    ]
    for key, item in value.items():
        if key in fields:
            problems += check_value(item, fields[key][0], _join(path, key), form)
    return problems


def check_value(value: Any, hint: Any, path: str, form: bool = False) -> list[str]:
    """Return every way value breaks the type hint, each problem prefixed with its path."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (NotRequired, Required):
        return check_value(value, args[0], path, form)
    if hint is Any or hint is object:
        return []
    if origin in (Union, types.UnionType):
        return _check_union(value, args, path, form)
    if origin is Literal:
        ok = value in args if not form else value in [_form(a) for a in args]
        return [] if ok else [f"{path}: {value!r} is not one of {list(args)}"]
    if is_typeddict(hint):
        if not isinstance(value, dict):
            return [f"{path}: expected an object ({hint.__name__}), got {type(value).__name__}"]
        return _check_typeddict(value, hint, path, form)
    if origin in (list, list):
        if not isinstance(value, list):
            return [f"{path}: expected a list, got {type(value).__name__}"]
        return [p for i, item in enumerate(value) for p in check_value(item, args[0], f"{path}[{i}]", form)]
    if origin in (dict, dict, Mapping) or (isinstance(origin, type) and issubclass(origin, StripeObject)):
        # Dict[str, X], and UntypedStripeObject[X], which stripe-python accepts for the same free-form hashes.
        if not isinstance(value, dict):
            return [f"{path}: expected an object, got {type(value).__name__}"]
        item_hint = args[-1] if args else Any
        return [p for key, item in value.items() for p in check_value(item, item_hint, _join(path, str(key)), form)]
    return _check_scalar(value, hint, path, form)


def _check_union(value: Any, args: tuple, path: str, form: bool) -> list[str]:
    literals = [a for a in args if typing.get_origin(a) is Literal and typing.get_args(a) != ("",)]
    if literals:  # Literal[...]|str: the enum is the contract, the str only stripe-python's forward compatibility
        args = tuple(a for a in args if a is not str)
    attempts = [check_value(value, alternative, path, form) for alternative in args]
    if any(not found for found in attempts):
        return []
    # Report the alternative of the value's own shape (a dict's problems inside the dict, not "not ''").
    container = isinstance(value, (dict, list))
    return min(attempts, key=lambda found: (container and all(p.startswith(f"{path}: ") for p in found), len(found)))


def _check_scalar(value: Any, hint: Any, path: str, form: bool) -> list[str]:
    if form:
        ok = isinstance(value, str) and (
            hint is str
            or (hint is int and _INT.fullmatch(value) is not None)
            or (hint is bool and value in ("true", "false"))
            or (hint in (float, decimal.Decimal) and _NUMBER.fullmatch(value) is not None)
        )
    elif hint is bool:
        ok = isinstance(value, bool)
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif hint in (float, decimal.Decimal):
        ok = isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool)
    elif isinstance(hint, type):
        ok = isinstance(value, hint)
    else:
        return [f"{path}: the checker does not know the type {hint!r}"]
    return [] if ok else [f"{path}: {value!r} is not a {getattr(hint, '__name__', hint)}"]


def _form(value: Any) -> str:
    """A literal as stripe-python form-encodes it."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
