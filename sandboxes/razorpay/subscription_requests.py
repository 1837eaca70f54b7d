"""Plan and subscription request validation with Razorpay's rules; no state is touched here.

Sources: https://razorpay.com/docs/api/payments/subscriptions/create-plan and create-subscription (docs corpus);
razorpay/razorpay-python razorpay/resources/{plan,subscription}.py; razorpay-node lib/types/{plans,subscriptions}.d.ts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import RazorpayError, invalid_field
from .validation import check_min_amount, is_integer, read_amount, read_currency, read_notes, reject_unknown_fields

# plans.d.ts and razorpay-python documents/plans.md give these four; the current API page adds "quarterly", which a
# live call refused ("Invalid argument for period passed", MobileByteLabs/PayCraft#112), so the sandbox refuses it.
PERIODS = ("daily", "weekly", "monthly", "yearly")
# "Plans with daily frequency should have the interval set to a value greater than 7"
# (https://razorpay.com/docs/payments/subscriptions/create-plans); SUBSCRIPTIONS.md §2 reads it as at least 7.
MIN_DAILY_INTERVAL = 7
PLAN_FIELDS = ("period", "interval", "item", "notes")
ITEM_FIELDS = ("name", "amount", "currency", "description")
SUBSCRIPTION_FIELDS = ("plan_id", "total_count", "quantity", "start_at", "expire_by", "customer_notify", "notes")
# create-subscription's error for an end beyond its range (SUBSCRIPTIONS.md §3, integration guide).
MAX_END = 4765046400
CANCEL_FIELDS = ("cancel_at_cycle_end",)


@dataclass(frozen=True)
class PlanRequest:
    """A valid POST /v1/plans body."""

    period: str
    interval: int
    name: str
    amount: int
    currency: str
    description: str | None
    notes: dict[str, Any]


@dataclass(frozen=True)
class SubscriptionRequest:
    """A valid POST /v1/subscriptions body (the plan is checked to exist by the store)."""

    plan_id: str
    total_count: int
    quantity: int
    start_at: int | None
    expire_by: int | None
    customer_notify: bool
    notes: dict[str, Any]


def read_positive_int(body: Mapping[str, Any], name: str, *, required: bool, default: int = 1) -> int:
    """Return an integer field of at least 1; 400 naming it when missing (if required) or not such a number."""
    value = body.get(name)
    if value is None:
        if required:
            raise invalid_field(name, f"The {name.replace('_', ' ')} field is required.")
        return default
    if not is_integer(value) or value < 1:
        raise invalid_field(name, f"The {name.replace('_', ' ')} must be an integer of at least 1.")
    return int(value)


def read_text_field(body: Mapping[str, Any], name: str, *, required: bool, prefix: str = "") -> str | None:
    """Return a string field (blank counts as missing); 400 naming it when required and missing, or not a string."""
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise invalid_field(prefix + name, f"The {name} field is required.")
        return None
    if not isinstance(value, str):
        raise invalid_field(prefix + name, f"The {name} must be a string.")
    return value


def validate_plan_request(body: Mapping[str, Any]) -> PlanRequest:
    """Check a POST /v1/plans body: period, interval, item {name, amount, currency, description?}, notes."""
    reject_unknown_fields(body, PLAN_FIELDS)
    period = read_text_field(body, "period", required=True)
    if period not in PERIODS:
        raise invalid_field("period", "The selected period is invalid.")
    interval = read_positive_int(body, "interval", required=True)
    if period == "daily" and interval < MIN_DAILY_INTERVAL:
        raise invalid_field("interval", f"The interval for a daily plan must be at least {MIN_DAILY_INTERVAL}.")
    item = body.get("item")
    if item is None:
        raise invalid_field("item", "The item field is required.")
    if not isinstance(item, dict):
        raise invalid_field("item", "The item must be an object.")
    reject_unknown_fields(item, ITEM_FIELDS, prefix="item.")
    name = read_text_field(item, "name", required=True, prefix="item.")
    try:
        amount, currency = read_amount(item), read_currency(item)
        check_min_amount(amount, currency)
    except RazorpayError as error:  # the shared readers name the bare field; the plan's lives under item
        error.field = f"item.{error.field}"
        raise
    description = read_text_field(item, "description", required=False, prefix="item.")
    notes = read_notes(body.get("notes"))
    return PlanRequest(period, interval, name or "", amount, currency, description, notes)


def read_future_time(body: Mapping[str, Any], name: str, now: int) -> int | None:
    """Return an optional Unix time that must lie in the future."""
    value = body.get(name)
    if value is None:
        return None
    if not is_integer(value):
        raise invalid_field(name, f"The {name.replace('_', ' ')} must be an integer.")
    if value <= now:
        raise invalid_field(name, f"{name} cannot be lesser than the current time.")
    return int(value)


def read_switch(body: Mapping[str, Any], name: str, default: bool) -> bool:
    """Return a true/1 or false/0 field (Razorpay's docs give both spellings), default when absent."""
    value = body.get(name, default)
    if value in (True, 1, "1", "true"):
        return True
    if value in (False, 0, "0", "false"):
        return False
    raise invalid_field(name, f"The {name.replace('_', ' ')} field must be true or false.")


def validate_subscription_request(body: Mapping[str, Any], now: int) -> SubscriptionRequest:
    """Check a POST /v1/subscriptions body; addons, offers and notify_info are not played by this sandbox."""
    reject_unknown_fields(body, SUBSCRIPTION_FIELDS)
    plan_id = read_text_field(body, "plan_id", required=True) or ""
    total_count = read_positive_int(body, "total_count", required=True)
    quantity = read_positive_int(body, "quantity", required=False)
    start_at = read_future_time(body, "start_at", now)
    expire_by = read_future_time(body, "expire_by", now)
    return SubscriptionRequest(
        plan_id,
        total_count,
        quantity,
        start_at,
        expire_by,
        read_switch(body, "customer_notify", True),
        read_notes(body.get("notes")),
    )


def validate_cancel_request(body: Mapping[str, Any]) -> bool:
    """Return cancel_at_cycle_end: false/0 (the default: cancel now) or true/1 (when the cycle ends)."""
    reject_unknown_fields(body, CANCEL_FIELDS)
    return read_switch(body, "cancel_at_cycle_end", False)


def validate_now(body: Mapping[str, Any], name: str) -> None:
    """pause_at / resume_at: only "now" exists (pause-subscription.md, resume-subscription.md)."""
    reject_unknown_fields(body, (name,))
    if body.get(name, "now") != "now":
        raise invalid_field(name, f"The selected {name} is invalid.")
