"""Stripe Billing in the sandbox: Subscriptions, their Invoices, renewals, retries, and test clocks.

Shapes follow API 2026-10-28.endive as written down in ../shared/SUBSCRIPTIONS.md §12-§18 (from stripe-python
16.1.0 `_subscription.py`, `_subscription_item.py`, `_invoice.py`, `test_helpers/_test_clock.py`): the period
lives on each subscription item (`items.data[].current_period_start/end`), not on the subscription, and an
invoice names its subscription under `parent.subscription_details.subscription`, with no top-level field.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .cards import describe
from .errors import StripeError
from .ids import new_id
from .objects import build_charge, build_payment_error, build_payment_intent, list_object

DAY = 24 * 3600
# Dunning (SUBSCRIPTIONS.md §15): the Dashboard's Smart Retries pick their own times, which a test could not
# predict, so the sandbox plays the Dashboard's "custom schedule": a retry this many days after the failure
# before it. When they run out the subscription becomes canceled or unpaid (state.after_retries).
RETRY_DAYS = (3, 5, 7)
# docs.stripe.com/api/test_clocks/advance: "If there are no subscriptions in this test clock, it cannot be more
# than two years in the future" (else two intervals of the shortest subscription).
TWO_YEARS = 2 * 365 * DAY
CLOCK_LIFETIME = 30 * DAY  # deletes_after; Stripe deletes a test clock 30 days after it is created
# docs.stripe.com/testing "pm_card_..." test PaymentMethods a subscription's default_payment_method can name;
# chargeCustomerFail is card 4000 0000 0000 0341: it attaches, and every later charge on it is declined.
TEST_PAYMENT_METHODS = {
    "pm_card_visa": "4242424242424242",
    "pm_card_chargeCustomerFail": "4000000000000341",
}


# -- time ------------------------------------------------------------------------------------------


def add_interval(start: int, interval: str, count: int, anchor_day: int) -> int:
    """Return start moved on by count intervals; months and years keep the anchor's day of the month, clamped to
    the month's last day (a subscription from Jan 31 renews Feb 28, then Mar 31), as Stripe's billing anchor does."""
    if interval == "day":
        return start + count * DAY
    if interval == "week":
        return start + count * 7 * DAY
    moment = datetime.fromtimestamp(start, UTC)
    months = count * (12 if interval == "year" else 1)
    year, month = divmod(moment.month - 1 + months, 12)
    year += moment.year
    day = min(anchor_day, calendar.monthrange(year, month + 1)[1])
    return int(moment.replace(year=year, month=month + 1, day=day).timestamp())


# -- objects ---------------------------------------------------------------------------------------


def build_test_clock(*, frozen_time: int, name: str | None, created: int) -> dict[str, Any]:
    """Return a new test clock (stripe-python test_helpers/_test_clock.py)."""
    return {
        "id": new_id("clock_"),
        "object": "test_helpers.test_clock",
        "created": created,
        "deletes_after": created + CLOCK_LIFETIME,
        "frozen_time": frozen_time,
        "livemode": False,
        "name": name,
        "status": "ready",
        "status_details": {},
    }


def build_subscription(
    *, customer: dict[str, Any], prices: list[tuple[dict[str, Any], int]], payment_method: str, now: int, fields: dict
) -> dict[str, Any]:
    """Return a new active subscription whose first period starts now (§12: periods live on the items)."""
    subscription_id = new_id("sub_")
    recurring = prices[0][0]["recurring"]
    end = add_interval(now, recurring["interval"], recurring["interval_count"], datetime.fromtimestamp(now, UTC).day)
    items = [
        {
            "id": new_id("si_"),
            "object": "subscription_item",
            "created": now,
            "current_period_end": end,
            "current_period_start": now,
            "discounts": [],
            "metadata": {},
            "price": price,
            "quantity": quantity,
            "subscription": subscription_id,
            "tax_rates": [],
        }
        for price, quantity in prices
    ]
    return {
        "id": subscription_id,
        "object": "subscription",
        "application": None,
        "billing_cycle_anchor": now,
        "cancel_at": None,
        "cancel_at_period_end": False,
        "canceled_at": None,
        "cancellation_details": {"comment": None, "feedback": None, "reason": None},
        "collection_method": "charge_automatically",
        "created": now,
        "currency": prices[0][0]["currency"],
        "customer": customer["id"],
        "days_until_due": None,
        "default_payment_method": payment_method,
        "description": fields.get("description"),
        "discounts": [],
        "ended_at": None,
        "items": list_object(items, f"/v1/subscription_items?subscription={subscription_id}"),
        "latest_invoice": None,
        "livemode": False,
        "metadata": dict(fields.get("metadata", {})),
        "pause_collection": None,
        "start_date": now,
        "status": "active",
        "test_clock": customer["test_clock"],
        "trial_end": None,
        "trial_start": None,
    }


def unused_time_credit(item: dict[str, Any], credit_from: str, now: int) -> int:
    """Return the credit (negative, smallest unit) for an item's paid time not used, as pausing makes it.

    stripe-python 16.1.0 params/_subscription_pause_params.py, bill_for.unused_time_from "Controls when to credit
    for unused time on licensed items. Defaults to `{ type: "now" }`", type now | item_current_period_start | none:
    the credit runs from that moment to the period's end, prorated by the second and rounded to the unit as
    Stripe's prorations are (docs.stripe.com/billing/subscriptions/prorations)."""
    start, end = item["current_period_start"], item["current_period_end"]
    if credit_from == "none" or end <= start:
        return 0
    unused = end - min(max({"now": now, "item_current_period_start": start}[credit_from], start), end)
    return -round(item["price"]["unit_amount"] * item["quantity"] * unused / (end - start))


def build_credit_item(
    *, subscription: dict[str, Any], item: dict[str, Any], amount: int, start: int, now: int
) -> dict[str, Any]:
    """Return the pending proration InvoiceItem of a pause's credit: no invoice yet, the subscription's next invoice
    takes it (stripe-python _invoice_item.py: invoice "The ID of the invoice this invoice item belongs to", null
    while pending; pause's invoicing_behavior "Defaults to `pending_invoice_item`")."""
    return {
        "id": new_id("ii_"),
        "object": "invoiceitem",
        "amount": amount,
        "currency": subscription["currency"],
        "customer": subscription["customer"],
        "date": now,
        "description": "Unused time after pausing",
        "discountable": False,
        "invoice": None,
        "livemode": False,
        "metadata": {},
        "parent": {
            "type": "subscription_details",
            "subscription_details": {"subscription": subscription["id"], "subscription_item": item["id"]},
        },
        "period": {"start": start, "end": item["current_period_end"]},
        "pricing": {"type": "price_details", "price_details": {"price": item["price"]["id"]}},
        "proration": True,
        "quantity": item["quantity"],
        "test_clock": subscription["test_clock"],
    }


def credit_line(credit: dict[str, Any], invoice_id: str) -> dict[str, Any]:
    """Return the invoice line a pending InvoiceItem becomes (_invoice_line_item.py parent invoice_item_details)."""
    return {
        "id": new_id("il_"),
        "object": "line_item",
        "amount": credit["amount"],
        "currency": credit["currency"],
        "description": credit["description"],
        "invoice": invoice_id,
        "livemode": False,
        "metadata": {},
        "parent": {
            "type": "invoice_item_details",
            "invoice_item_details": {
                "invoice_item": credit["id"],
                "proration": True,
                "subscription": credit["parent"]["subscription_details"]["subscription"],
            },
        },
        "period": dict(credit["period"]),
        "pricing": credit["pricing"],
        "quantity": credit["quantity"],
    }


def build_invoice(
    *,
    subscription: dict[str, Any],
    billing_reason: str,
    period: tuple[int, int],
    number: str,
    now: int,
    credits: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """Return a finalized open invoice for the subscription's current period (§13: parent.subscription_details),
    with the subscription's pending InvoiceItems (a pause's credit) as lines of it."""
    invoice_id = new_id("in_")
    lines = [
        {
            "id": new_id("il_"),
            "object": "line_item",
            "amount": item["price"]["unit_amount"] * item["quantity"],
            "currency": subscription["currency"],
            "description": None,  # "1 × Tea club": the product's name, which open_invoice fills in
            "invoice": invoice_id,
            "livemode": False,
            "metadata": {},
            "period": {"start": item["current_period_start"], "end": item["current_period_end"]},
            "pricing": {"type": "price_details", "price_details": {"price": item["price"]["id"]}},
            "quantity": item["quantity"],
        }
        for item in subscription["items"]["data"]
    ] + [credit_line(credit, invoice_id) for credit in credits]
    total = sum(line["amount"] for line in lines)
    # A credit larger than the period's price leaves nothing due (the rest would go to the customer's balance,
    # which the sandbox does not keep); amount_due is never negative (_invoice.py amount_due).
    due = max(total, 0)
    return {
        "id": invoice_id,
        "object": "invoice",
        "amount_due": due,
        "amount_paid": 0,
        "amount_remaining": due,
        "attempt_count": 0,
        "attempted": False,
        "auto_advance": True,
        "billing_reason": billing_reason,
        "collection_method": "charge_automatically",
        "created": now,
        "currency": subscription["currency"],
        "customer": subscription["customer"],
        "hosted_invoice_url": None,
        "lines": list_object(lines, f"/v1/invoices/{invoice_id}/lines"),
        "livemode": False,
        "metadata": {},
        "next_payment_attempt": now,
        "number": number,
        "parent": {
            "type": "subscription_details",
            "quote_details": None,
            "subscription_details": {"metadata": dict(subscription["metadata"]), "subscription": subscription["id"]},
        },
        # The invoice's own period is the usage period before it: empty on the first invoice (§13, _invoice.py).
        "period_end": period[1],
        "period_start": period[0],
        "status": "open",
        "status_transitions": {
            "finalized_at": now,
            "marked_uncollectible_at": None,
            "paid_at": None,
            "voided_at": None,
        },
        "subtotal": total,
        "test_clock": subscription["test_clock"],  # _invoice.py test_clock
        "total": total,
    }


def build_invoice_payment(*, invoice: dict[str, Any], intent_id: str, now: int) -> dict[str, Any]:
    """Return the paid InvoicePayment of an invoice (stripe-python _invoice_payment.py; docs.stripe.com/api/
    invoice-payment/object: payment {type: payment_intent, payment_intent})."""
    return {
        "id": new_id("inpay_"),
        "object": "invoice_payment",
        "amount_paid": invoice["amount_paid"],
        "amount_requested": invoice["amount_due"],
        "created": now,
        "currency": invoice["currency"],
        "invoice": invoice["id"],
        "is_default": True,
        "livemode": False,
        "payment": {"type": "payment_intent", "payment_intent": intent_id},
        "status": "paid",
        "status_transitions": {"canceled_at": None, "paid_at": now},
    }


# -- charging --------------------------------------------------------------------------------------


@dataclass
class Charger:
    """Charges an invoice off-session with the subscription's saved card, through the sandbox's store."""

    state: Any  # StripeSandboxState (not imported: state.py imports this module)

    def pay_invoice(self, invoice: dict[str, Any], subscription: dict[str, Any], now: int) -> bool:
        """Try the saved card once; paid → True, declined → the invoice stays open with its next attempt set."""
        if invoice["amount_due"] == 0:
            # A credit covered it: Stripe marks an invoice with nothing due paid, charging nothing.
            invoice.update(attempted=True, attempt_count=invoice["attempt_count"] + 1)
            self.mark_paid(invoice, None, now)
            return True
        card, decline = describe(self.state.saved_cards[subscription["default_payment_method"]])
        customer = self.state.customers[subscription["customer"]]
        intent = build_payment_intent(
            amount=invoice["amount_due"], currency=invoice["currency"], customer=customer["id"], intent_data={},
            created=now,
        )  # fmt: skip
        charge = build_charge(
            intent=intent,
            card=card,
            payment_method=subscription["default_payment_method"],
            email=customer["email"] or "",
            name=customer["name"] or "",
            decline=decline,
            created=now,
        )
        self.state.payment_intents[intent["id"]] = intent
        self.state.charges[charge["id"]] = charge
        intent["latest_charge"] = charge["id"]
        invoice.update(attempted=True, attempt_count=invoice["attempt_count"] + 1)
        if decline is not None:
            intent.update(
                status="requires_payment_method",
                last_payment_error=build_payment_error(decline=decline, charge=charge, intent=intent),
            )
            self.state.record("charge.failed", charge)
            self.state.record("payment_intent.payment_failed", intent)
            return False
        intent.update(status="succeeded", amount_received=intent["amount"], payment_method=charge["payment_method"])
        self.state.record("charge.succeeded", charge)
        self.state.record("payment_intent.succeeded", intent)
        self.mark_paid(invoice, intent["id"], now)
        return True

    def mark_paid(self, invoice: dict[str, Any], intent_id: str | None, now: int) -> None:
        """Record an invoice paid by a PaymentIntent: invoice.paid and invoice.payment_succeeded both fire (§14,
        _event.py), and the InvoicePayment tying them is kept for `payments` (includable: expand[]=payments)."""
        invoice.update(status="paid", amount_paid=invoice["amount_due"], amount_remaining=0, next_payment_attempt=None)
        invoice["status_transitions"]["paid_at"] = now
        if intent_id is not None:  # nothing due, nothing paid by a PaymentIntent
            self.state.invoice_payments.setdefault(invoice["id"], []).append(
                build_invoice_payment(invoice=invoice, intent_id=intent_id, now=now)
            )
        self.state.record("invoice.paid", invoice)
        self.state.record("invoice.payment_succeeded", invoice)


def check_advance(clock: dict[str, Any], frozen_time: int, shortest: int | None) -> None:
    """Refuse a move backwards, or further than Stripe allows (docs.stripe.com/api/test_clocks/advance)."""
    if frozen_time <= clock["frozen_time"]:
        raise StripeError("The test clock's frozen_time must be after its current frozen_time.", param="frozen_time")
    limit = TWO_YEARS if shortest is None else 2 * shortest
    if frozen_time - clock["frozen_time"] > limit:
        raise StripeError(
            "Cannot advance the test clock more than two intervals of its shortest subscription "
            "(two years if it has none).",
            param="frozen_time",
        )


def interval_seconds(subscription: dict[str, Any]) -> int:
    """Return roughly how long one interval of a subscription lasts (for the advance limit)."""
    recurring = subscription["items"]["data"][0]["price"]["recurring"]
    days = {"day": 1, "week": 7, "month": 28, "year": 365}[recurring["interval"]]
    return days * recurring["interval_count"] * DAY
