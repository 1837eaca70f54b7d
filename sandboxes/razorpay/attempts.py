"""A buyer's payment attempt from the checkout window: the pay request, its instrument and its outcome."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import invalid_field
from .instruments import (
    DEFAULT_TEST_CARD,
    UPI_COLLECT_GONE,
    card_instrument,
    card_network,
    card_outcome,
    read_bank,
    read_card_cvv,
    read_card_expiry,
    read_card_number,
    read_failure,
    upi_instrument,
)
from .state import PaymentFailure
from .validation import MIN_AMOUNT, is_integer, read_notes, reject_unknown_fields

METHODS = ("upi", "card", "netbanking")
OUTCOMES = ("success", "failure")
PAY_FIELDS = (
    "key_id",
    "order_id",
    "method",
    "outcome",
    "vpa",
    "card_number",
    "card_expiry",
    "card_cvv",
    "bank",
    "email",
    "contact",
    "amount",
    "description",
    "notes",
    "reason",
)
TEXT_FIELDS = tuple(name for name in PAY_FIELDS if name not in ("amount", "notes"))
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A payment's description: Razorpay refuses a longer one, in these words (razorpay/razorpay-flutter#419, and
# Vacademy-io/vacademy_platform#2500 meeting the same refusal from checkout.js).
MAX_DESCRIPTION = 255
DESCRIPTION_TOO_LONG = (
    f"Could not validate payment create request due to: description: the length must be no more than {MAX_DESCRIPTION}"
)


@dataclass(frozen=True)
class PayRequest:
    """A valid POST /checkout/pay body."""

    key_id: str
    order_id: str
    method: str
    outcome: str | None = None
    vpa: str | None = None
    card_number: str | None = None
    card_expiry: str | None = None
    card_cvv: str | None = None
    bank: str | None = None
    email: str | None = None
    contact: str | None = None
    amount: int | None = None
    description: str | None = None
    # A sandbox knob: which of Razorpay's documented failure reasons the attempt fails with (see FAILURES).
    reason: str | None = None
    # checkout.js's `notes` option: the payment carries these, never the order's (see build_payment).
    notes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Attempt:
    """What the payment will be made with, and how it ends (failure is None on success)."""

    method: str
    instrument: dict[str, Any]
    failure: PaymentFailure | None


def read_text(body: Mapping[str, Any], name: str) -> str | None:
    """Return an optional string field, blank meaning absent."""
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise invalid_field(name, f"The {name} must be a string.")
    return value


def read_contact(raw: str | None) -> str | None:
    """Return a phone number with its country code; +91 is assumed for ten digits, as checkout does."""
    if raw is None:
        return None
    digits = re.sub(r"[\s()-]", "", raw)
    if re.fullmatch(r"[6-9]\d{9}", digits):
        return "+91" + digits
    if not re.fullmatch(r"\+?\d{8,15}", digits):
        raise invalid_field("contact", "The contact must be a valid phone number.")
    return digits if digits.startswith("+") else "+" + digits


def read_email(raw: str | None) -> str | None:
    """Return the buyer's email, or refuse one without a user, an @ and a domain."""
    if raw is None:
        return None
    email = raw.strip()
    if not _EMAIL.match(email):
        raise invalid_field("email", "The email must be a valid email address.")
    return email


def validate_pay_request(body: Mapping[str, Any]) -> PayRequest:
    """Check a /checkout/pay body and return it as a PayRequest."""
    reject_unknown_fields(body, PAY_FIELDS)
    values = {name: read_text(body, name) for name in TEXT_FIELDS}
    key_id, order_id, method = (pop_required(values, name) for name in ("key_id", "order_id", "method"))
    if method not in METHODS:
        raise invalid_field("method", "The selected method is invalid.")
    if values["outcome"] is not None and values["outcome"] not in OUTCOMES:
        raise invalid_field("outcome", "The outcome must be success or failure.")
    amount = body.get("amount")
    if amount is not None and (not is_integer(amount) or amount < MIN_AMOUNT):
        raise invalid_field("amount", f"The amount must be an integer of at least {MIN_AMOUNT}.")
    if len(values["description"] or "") > MAX_DESCRIPTION:
        raise invalid_field("description", DESCRIPTION_TOO_LONG)
    values.update(contact=read_contact(values["contact"]), email=read_email(values["email"]))
    return PayRequest(key_id, order_id, method, amount=amount, notes=read_notes(body.get("notes")), **values)


def pop_required(values: dict[str, str | None], name: str) -> str:
    """Take a required text field out of the read values; 400 naming it when it is missing."""
    value = values.pop(name)
    if value is None:
        raise invalid_field(name, f"The {name} field is required.")
    return value


def resolve_attempt(request: PayRequest, now: float | None = None) -> Attempt:
    """Work out the instrument and the outcome: an explicit outcome wins, else a failure reason, else the test
    instrument decides."""
    if request.reason is not None:
        if request.outcome == "success":
            raise invalid_field("reason", "A reason is given only for a payment that fails.")
        request = replace(request, outcome="failure")
    if request.method == "upi":
        return resolve_upi(request)
    if request.method == "card":
        return resolve_card(request, now)
    return resolve_netbanking(request)


def resolve_upi(request: PayRequest) -> Attempt:
    """UPI: intent or QR only, the UPI app's answer given as the outcome; a typed VPA (collect) is refused."""
    if request.vpa is not None:
        raise invalid_field("vpa", UPI_COLLECT_GONE)
    if request.outcome is None:
        raise invalid_field("outcome", "Choose what the UPI app answers: success or failure.")
    return Attempt("upi", upi_instrument(), failure_of(request))


def resolve_card(request: PayRequest, now: float | None) -> Attempt:
    """Card: Razorpay's test cards succeed, 4000 0000 0000 0002 is declined; expiry and CVV are checked."""
    if request.card_number is None and request.outcome is None:
        raise invalid_field("card_number", "The card number field is required.")
    number = read_card_number(request.card_number or DEFAULT_TEST_CARD)
    if request.card_expiry is not None:
        read_card_expiry(request.card_expiry, now)
    if request.card_cvv is not None:
        read_card_cvv(request.card_cvv, card_network(number))
    outcome = request.outcome or card_outcome(number)
    return Attempt("card", card_instrument(number), failure_of(replace(request, outcome=outcome)))


def resolve_netbanking(request: PayRequest) -> Attempt:
    """Netbanking: the mock bank page's Success or Failure button decides."""
    bank = read_bank(request.bank)
    if request.outcome is None:
        raise invalid_field("outcome", "Choose Success or Failure on the bank page.")
    return Attempt("netbanking", {"bank": bank}, failure_of(request))


def failure_of(request: PayRequest) -> PaymentFailure | None:
    """The failure an attempt ends in (its reason's, else the method's usual one), or None when it succeeds."""
    return read_failure(request.method, request.reason) if request.outcome == "failure" else None
