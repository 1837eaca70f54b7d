"""Builders for Razorpay's plan, subscription and invoice entities, and the billing calendar.

Shapes: https://razorpay.com/docs/api/payments/subscriptions/create-plan (the plan and its expanded item),
api/payments/subscriptions/entity.md (the subscription), fetch-invoices.md (the invoice); SUBSCRIPTIONS.md §2, §3, §9.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from typing import Any

from ..common.ids import random_chars
from .entities import wire_notes
from .ids import new_id
from .subscription_requests import PlanRequest, SubscriptionRequest

DAY = 24 * 3600


def add_period(moment: int, period: str, interval: int, times: int = 1) -> int:
    """Return the moment `times` billing cycles later; months and years keep the day of the month (clamped)."""
    if period == "daily":
        return moment + DAY * interval * times
    if period == "weekly":
        return moment + 7 * DAY * interval * times
    months = interval * times * (12 if period == "yearly" else 1)
    start = datetime.fromtimestamp(moment, UTC)
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    day = min(start.day, calendar.monthrange(year, month + 1)[1])
    return int(start.replace(year=year, month=month + 1, day=day).timestamp())


def build_plan(request: PlanRequest, created_at: int) -> dict[str, Any]:
    """Return a plan entity with its item expanded as Razorpay answers it."""
    return {
        "id": new_id("plan_"),
        "entity": "plan",
        "interval": request.interval,
        "period": request.period,
        "item": {
            "id": new_id("item_"),
            "active": True,
            "name": request.name,
            "description": request.description,
            "amount": request.amount,
            "unit_amount": request.amount,
            "currency": request.currency,
            "type": "plan",
            "unit": None,
            "tax_inclusive": False,
            "hsn_code": None,
            "sac_code": None,
            "tax_rate": None,
            "tax_id": None,
            "tax_group_id": None,
            "created_at": created_at,
            "updated_at": created_at,
        },
        "notes": wire_notes(request.notes),
        "created_at": created_at,
    }


def build_subscription(request: SubscriptionRequest, plan: dict[str, Any], created_at: int) -> dict[str, Any]:
    """Return a new subscription entity in status created; a future start fixes its first charge and end now."""
    start = request.start_at
    return {
        "id": new_id("sub_"),
        "entity": "subscription",
        "plan_id": plan["id"],
        "customer_id": None,
        "status": "created",
        "current_start": None,
        "current_end": None,
        "ended_at": None,
        "quantity": request.quantity,
        "notes": wire_notes(request.notes),
        "charge_at": start,
        "start_at": start,
        "end_at": None if start is None else add_period(start, plan["period"], plan["interval"], request.total_count),
        "auth_attempts": 0,
        "total_count": request.total_count,
        "paid_count": 0,
        "customer_notify": request.customer_notify,
        "created_at": created_at,
        # Razorpay's default deadline for authenticating is 30 years; null here means "none given".
        "expire_by": request.expire_by,
        # The hosted authentication page's link (https://rzp.io/i/... at Razorpay); the store points it at the window.
        "short_url": None,
        "has_scheduled_changes": False,
        "change_scheduled_at": None,
        "source": "api",
        "offer_id": None,
        "payment_method": None,
        "remaining_count": request.total_count,
    }


def build_invoice(subscription: dict[str, Any], plan: dict[str, Any], order_id: str, start: int) -> dict[str, Any]:
    """Return an issued invoice for the cycle starting at `start`: plan amount times quantity, one line."""
    amount = plan["item"]["amount"] * subscription["quantity"]
    return {
        "id": new_id("inv_"),
        "entity": "invoice",
        "type": "invoice",
        "invoice_number": None,
        "customer_id": subscription["customer_id"],
        "order_id": order_id,
        "subscription_id": subscription["id"],
        "payment_id": None,
        "status": "issued",
        "line_items": [
            {
                "id": new_id("li_"),
                "item_id": plan["item"]["id"],
                "name": plan["item"]["name"],
                "description": plan["item"]["description"],
                "amount": plan["item"]["amount"],
                "unit_amount": plan["item"]["amount"],
                "gross_amount": amount,
                "tax_amount": 0,
                "taxable_amount": amount,
                "net_amount": amount,
                "currency": plan["item"]["currency"],
                "type": "plan",
                "quantity": subscription["quantity"],
            }
        ],
        "amount": amount,
        "amount_paid": 0,
        "amount_due": amount,
        "tax_amount": 0,
        "currency": plan["item"]["currency"],
        "issued_at": start,
        "paid_at": None,
        "billing_start": start,
        "billing_end": add_period(start, plan["period"], plan["interval"]),
        "short_url": "https://rzp.io/i/" + random_chars(8),
        "created_at": start,
    }
