"""Request validation with Razorpay's rules and (Laravel-style) messages; no state is touched here."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .errors import invalid_field

SUPPORTED_CURRENCIES = frozenset({"INR", "USD", "EUR", "GBP", "SGD", "AED", "AUD", "CAD"})
MIN_AMOUNT = 100  # ₹1.00 for INR; the sandbox keeps the same floor for every two-decimal currency
MAX_RECEIPT = 40
MAX_NOTES = 15
MAX_NOTE_VALUE = 256
CAPTURE_MODES = ("automatic", "manual")
# payment.capture_options, in minutes (razorpay/markdown-docs payments/payments/capture-settings/api.md).
MIN_AUTOMATIC_EXPIRY = 12
MAX_MANUAL_EXPIRY = 7200  # also its default
REFUND_SPEEDS = ("normal", "optimum")
MAX_COUNT = 100
_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{10,}$")
Default = TypeVar("Default", int, None)  # what a query parameter reads as when absent

ORDER_FIELDS = (
    "amount",
    "currency",
    "receipt",
    "notes",
    "partial_payment",
    "first_payment_min_amount",
    "payment",
    "payment_capture",
)
ORDER_PAYMENT_FIELDS = ("capture", "capture_options")
CAPTURE_OPTION_FIELDS = ("automatic_expiry_period", "manual_expiry_period", "refund_speed")
CAPTURE_FIELDS = ("amount", "currency")
REFUND_FIELDS = ("amount", "speed", "notes", "receipt")


@dataclass(frozen=True)
class OrderRequest:
    """A valid POST /v1/orders body."""

    amount: int
    currency: str
    receipt: str | None
    notes: dict[str, Any]
    capture: str
    partial_payment: bool
    # payment.capture_options as sent, with the documented default manual_expiry_period (minutes) filled in;
    # {} when the order did not send them (the account's own settings apply then).
    capture_options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RefundRequest:
    """A valid POST /v1/payments/{id}/refund body."""

    amount: int | None
    speed: str
    notes: dict[str, Any]
    receipt: str | None


@dataclass(frozen=True)
class ListQuery:
    """Pagination and time filters shared by the collection endpoints."""

    count: int
    skip: int
    since: int | None
    until: int | None


def is_integer(value: Any) -> bool:
    """Whether value is a JSON integer (True and False are not, though Python says so)."""
    return isinstance(value, int) and not isinstance(value, bool)


def reject_unknown_fields(body: Mapping[str, Any], allowed: Iterable[str], prefix: str = "") -> None:
    """Refuse fields Razorpay does not take, with its own wording."""
    allowed = set(allowed)
    for name in body:
        if name not in allowed:
            raise invalid_field(prefix + name, f"{prefix}{name} is/are not required and should not be sent")


def read_optional_amount(body: Mapping[str, Any]) -> int | None:
    """Return the integer amount in minor units, or None when absent."""
    amount = body.get("amount")
    if amount is None:
        return None
    if not is_integer(amount):
        raise invalid_field("amount", "The amount must be an integer.")
    return amount


def read_amount(body: Mapping[str, Any]) -> int:
    """Return the required integer amount in minor units."""
    amount = read_optional_amount(body)
    if amount is None:
        raise invalid_field("amount", "The amount field is required.")
    return amount


def check_min_amount(amount: int, currency: str) -> None:
    """Refuse amounts under the currency's minimum (₹1.00 is 100 paise)."""
    if amount < MIN_AMOUNT:
        raise invalid_field("amount", f"The amount must be at least {currency} 1.00")


def read_currency(body: Mapping[str, Any]) -> str:
    """Return the required, supported ISO currency code."""
    currency = body.get("currency")
    if currency is None or currency == "":
        raise invalid_field("currency", "The currency field is required.")
    if currency not in SUPPORTED_CURRENCIES:
        raise invalid_field("currency", "The selected currency is invalid.")
    return currency


def read_receipt(value: Any) -> str | None:
    """Return the optional receipt (our own reference, at most 40 characters)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid_field("receipt", "The receipt must be a string.")
    if len(value) > MAX_RECEIPT:
        raise invalid_field("receipt", f"The receipt may not be greater than {MAX_RECEIPT} characters.")
    return value


def is_note_value(value: Any) -> bool:
    """Whether a note's value is a string or a number, as Razorpay's published types say (IMap<string | number>
    in razorpay/razorpay-node lib/types/orders.d.ts, payments.d.ts and refunds.d.ts)."""
    return isinstance(value, str) or (isinstance(value, (int, float)) and not isinstance(value, bool))


def read_notes(value: Any) -> dict[str, Any]:
    """Return notes as a dict: at most 15 pairs of a string or a number, each up to 256 characters."""
    if value is None or value == []:
        return {}  # PHP clients send [] for "no notes", and Razorpay itself answers with []
    if not isinstance(value, dict):
        raise invalid_field("notes", "The notes must be an object of key-value pairs.")
    if len(value) > MAX_NOTES:
        raise invalid_field("notes", f"The notes may not have more than {MAX_NOTES} items.")
    for key, note in value.items():
        if not is_note_value(note):
            raise invalid_field("notes", f"The notes value for {key} must be a string or a number.")
        if len(str(note)) > MAX_NOTE_VALUE or len(key) > MAX_NOTE_VALUE:
            raise invalid_field(
                "notes", f"The notes value for {key} may not be greater than {MAX_NOTE_VALUE} characters."
            )
    return dict(value)


def read_capture_mode(body: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return ("automatic" | "manual", capture options) from payment.capture, else legacy payment_capture, else
    automatic with the account's settings."""
    payment = body.get("payment")
    if payment is not None:
        if not isinstance(payment, dict):
            raise invalid_field("payment", "The payment must be an object.")
        reject_unknown_fields(payment, ORDER_PAYMENT_FIELDS, prefix="payment.")
        if payment.get("capture") not in CAPTURE_MODES:
            raise invalid_field("payment.capture", "The selected payment.capture is invalid.")
        return payment["capture"], read_capture_options(payment["capture"], payment.get("capture_options"))
    legacy = body.get("payment_capture")
    if legacy is None:
        return "automatic", {}
    if legacy in (1, True, "1", "true"):
        return "automatic", {}
    if legacy in (0, False, "0", "false"):
        return "manual", {}
    raise invalid_field("payment_capture", "The payment capture field must be true or false.")


def read_capture_options(capture: str, options: Any) -> dict[str, Any]:
    """Check payment.capture_options as documented (markdown-docs payments/payments/capture-settings/api.md):
    automatic_expiry_period (at least 12) is mandatory when capture is automatic, so is refund_speed whenever the
    options are sent; manual_expiry_period is optional, from the automatic period up to 7200 (its default)."""
    prefix = "payment.capture_options."
    if options is None:
        if capture == "automatic":  # mandatory if capture = automatic, and it lives in capture_options
            raise invalid_field(
                prefix + "automatic_expiry_period",
                f"The {prefix}automatic_expiry_period field is required when payment.capture is automatic.",
            )
        return {}
    if not isinstance(options, dict):
        raise invalid_field("payment.capture_options", "The payment.capture_options must be an object.")
    reject_unknown_fields(options, CAPTURE_OPTION_FIELDS, prefix=prefix)
    for name in ("automatic_expiry_period", "manual_expiry_period"):
        if name in options and not is_integer(options[name]):
            raise invalid_field(prefix + name, f"The {name} must be an integer.")
    automatic = options.get("automatic_expiry_period")
    if automatic is None and capture == "automatic":
        raise invalid_field(
            prefix + "automatic_expiry_period",
            f"The {prefix}automatic_expiry_period field is required when payment.capture is automatic.",
        )
    if automatic is not None and automatic < MIN_AUTOMATIC_EXPIRY:
        raise invalid_field(
            prefix + "automatic_expiry_period", f"The automatic_expiry_period must be at least {MIN_AUTOMATIC_EXPIRY}."
        )
    manual = options.get("manual_expiry_period", MAX_MANUAL_EXPIRY)
    if not (automatic or 0) <= manual <= MAX_MANUAL_EXPIRY:
        raise invalid_field(
            prefix + "manual_expiry_period",
            f"The manual_expiry_period must be between the automatic_expiry_period and {MAX_MANUAL_EXPIRY}.",
        )
    if "refund_speed" not in options:
        raise invalid_field(prefix + "refund_speed", f"The {prefix}refund_speed field is required.")
    if options["refund_speed"] not in REFUND_SPEEDS:
        raise invalid_field(prefix + "refund_speed", "The selected refund_speed is invalid.")
    return {**options, "manual_expiry_period": manual}


def read_flag(body: Mapping[str, Any], name: str) -> bool:
    """Return an optional boolean field (0/1 accepted, as Razorpay's PHP does)."""
    value = body.get(name, False)
    if value in (True, 1, "1", "true"):
        return True
    if value in (False, 0, "0", "false", None):
        return False
    raise invalid_field(name, f"The {name.replace('_', ' ')} field must be true or false.")


def validate_order_request(body: Mapping[str, Any]) -> OrderRequest:
    """Check a POST /v1/orders body and return it as an OrderRequest."""
    reject_unknown_fields(body, ORDER_FIELDS)
    amount = read_amount(body)
    currency = read_currency(body)
    check_min_amount(amount, currency)
    receipt = read_receipt(body.get("receipt"))
    notes = read_notes(body.get("notes"))
    partial = read_flag(body, "partial_payment")
    first_min = body.get("first_payment_min_amount")
    if first_min is not None:
        if not partial:
            raise invalid_field(
                "first_payment_min_amount", "first_payment_min_amount is/are not required and should not be sent"
            )
        if not is_integer(first_min):
            raise invalid_field("first_payment_min_amount", "The first payment min amount must be an integer.")
    capture, capture_options = read_capture_mode(body)
    return OrderRequest(
        amount=amount,
        currency=currency,
        receipt=receipt,
        notes=notes,
        capture=capture,
        partial_payment=partial,
        capture_options=capture_options,
    )


def validate_notes_update(body: Mapping[str, Any]) -> dict[str, Any]:
    """Check a PATCH /v1/orders/{id} body (only notes may change) and return the notes."""
    reject_unknown_fields(body, ("notes",))
    if "notes" not in body:
        raise invalid_field("notes", "The notes field is required.")
    return read_notes(body["notes"])


def validate_capture_request(body: Mapping[str, Any]) -> tuple[int, str]:
    """Check a capture body and return (amount, currency)."""
    reject_unknown_fields(body, CAPTURE_FIELDS)
    return read_amount(body), read_currency(body)


def validate_refund_request(body: Mapping[str, Any]) -> RefundRequest:
    """Check a refund body; the amount's floor and ceiling are checked against the payment later."""
    reject_unknown_fields(body, REFUND_FIELDS)
    speed = body.get("speed") or "normal"
    if speed not in REFUND_SPEEDS:
        raise invalid_field("speed", "The selected speed is invalid.")
    return RefundRequest(
        amount=read_optional_amount(body),
        speed=speed,
        notes=read_notes(body.get("notes")),
        receipt=read_receipt(body.get("receipt")),
    )


def validate_idempotency_key(value: str | None) -> str | None:
    """Return the X-Refund-Idempotency key if present; it must be 10+ characters of [A-Za-z0-9_-]."""
    if value is None:
        return None
    if not _IDEMPOTENCY_KEY.match(value):
        raise invalid_field(
            "X-Refund-Idempotency",
            "The X-Refund-Idempotency header must be at least 10 characters of letters, digits, '_' or '-'.",
        )
    return value


def read_query_int(query: Mapping[str, str], name: str, default: Default) -> int | Default:
    """Return an integer query parameter, or default when absent."""
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"-?\d+", raw):
        raise invalid_field(name, f"The {name} must be an integer.")
    return int(raw)


def validate_list_query(query: Mapping[str, str]) -> ListQuery:
    """Check count/skip/from/to on a collection request (count defaults to 10, at most 100)."""
    count = read_query_int(query, "count", 10)
    if not 1 <= count <= MAX_COUNT:
        raise invalid_field("count", f"The count must be between 1 and {MAX_COUNT}.")
    skip = read_query_int(query, "skip", 0)
    if skip < 0:
        raise invalid_field("skip", "The skip must be at least 0.")
    return ListQuery(
        count=count, skip=skip, since=read_query_int(query, "from", None), until=read_query_int(query, "to", None)
    )
