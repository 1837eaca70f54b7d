"""Builders for Razorpay's wire entities: orders, payments, refunds and webhook events."""

from __future__ import annotations

import copy
from typing import Any

from ..common.ids import new_digits
from .ids import new_id

GST_PERCENT = 18
FEE_PERCENT = 2


def wire_notes(notes: dict[str, Any]) -> dict[str, Any] | list:
    """Return notes as Razorpay serialises them: an object, or [] when empty (a PHP quirk kept on purpose)."""
    return dict(notes) if notes else []


def build_order(
    *, amount: int, currency: str, receipt: str | None, notes: dict[str, Any], created_at: int
) -> dict[str, Any]:
    """Return a new order entity in status created."""
    return {
        "id": new_id("order_"),
        "entity": "order",
        "amount": amount,
        "amount_paid": 0,
        "amount_due": amount,
        "currency": currency,
        "receipt": receipt,
        "offer_id": None,
        "status": "created",
        "attempts": 0,
        "notes": wire_notes(notes),
        "created_at": created_at,
    }


def build_payment(
    *,
    order: dict[str, Any],
    amount: int,
    method: str,
    instrument: dict[str, Any],
    email: str | None,
    contact: str | None,
    description: str | None,
    notes: dict[str, Any],
    created_at: int,
) -> dict[str, Any]:
    """Return a new payment entity in status created; instrument holds the method's own fields, notes the
    checkout options' notes."""
    payment = {
        "id": new_id("pay_"),
        "entity": "payment",
        "amount": amount,
        "currency": order["currency"],
        "status": "created",
        "order_id": order["id"],
        "invoice_id": None,
        "international": False,
        "method": method,
        "amount_refunded": 0,
        "refund_status": None,
        "captured": False,
        "description": description,
        "card_id": None,
        "bank": None,
        "wallet": None,
        "vpa": None,
        "email": email,
        "contact": contact,
        "customer_id": None,
        "token_id": None,
        # A payment's notes are checkout.js's `notes` option, which the buyer's browser sets; Razorpay does not
        # copy the order's notes onto it (razorpay/markdown-docs payments/payment-gateway/web-integration/
        # standard/integration-steps.md, the checkout options). A shop finds its order by the order id instead.
        "notes": wire_notes(notes),
        "fee": None,
        "tax": None,
        "error_code": None,
        "error_description": None,
        "error_source": None,
        "error_step": None,
        "error_reason": None,
        "acquirer_data": {},
        "created_at": created_at,
    }
    payment.update(copy.deepcopy(instrument))
    return payment


def acquirer_data_for(method: str) -> dict[str, Any]:
    """Return the acquirer references a successful payment of this method gets."""
    if method == "upi":
        return {"rrn": new_digits(12), "upi_transaction_id": new_digits(12)}
    if method == "card":
        return {"auth_code": new_digits(6)}
    return {"bank_transaction_id": new_digits(10)}


def compute_fee(amount: int) -> tuple[int, int]:
    """Return (fee including GST, GST) for a captured amount: 2% plus 18% GST on it, rounded."""
    base = (amount * FEE_PERCENT + 50) // 100
    tax = (base * GST_PERCENT + 50) // 100
    return base + tax, tax


def build_refund(
    *,
    payment: dict[str, Any],
    amount: int,
    speed: str,
    notes: dict[str, Any],
    receipt: str | None,
    created_at: int,
    status: str = "processed",
) -> dict[str, Any]:
    """Return a refund entity; processed unless the sandbox was told to keep it pending."""
    return {
        "id": new_id("rfnd_"),
        "entity": "refund",
        "amount": amount,
        "currency": payment["currency"],
        "payment_id": payment["id"],
        "notes": wire_notes(notes),
        "receipt": receipt,
        "acquirer_data": {"arn": new_digits(14)},
        "created_at": created_at,
        "batch_id": None,
        "status": status,
        "speed_processed": "instant" if speed == "optimum" else "normal",
        "speed_requested": speed,
    }


# The evidence a dispute carries, null until the merchant contests (https://razorpay.com/docs/api/disputes/entity/).
EVIDENCE_DOCUMENTS = (
    "summary",
    "shipping_proof",
    "billing_proof",
    "cancellation_proof",
    "customer_communication",
    "proof_of_service",
    "explanation_letter",
    "refund_confirmation",
    "access_activity_log",
    "refund_cancellation_policy",
    "term_and_conditions",
    "others",
    "submitted_at",
)


def build_dispute(
    *, payment: dict[str, Any], amount: int, reason_code: str, created_at: int, respond_by: int
) -> dict[str, Any]:
    """Return a new chargeback dispute entity, open and awaiting the merchant's response."""
    return {
        "id": new_id("disp_"),
        "entity": "dispute",
        "payment_id": payment["id"],
        "amount": amount,
        "currency": payment["currency"],
        "amount_deducted": 0,
        "reason_code": reason_code,
        "respond_by": respond_by,
        "status": "open",
        "phase": "chargeback",
        "created_at": created_at,
        "evidence": {"amount": amount, **dict.fromkeys(EVIDENCE_DOCUMENTS)},
    }


def build_event(name: str, *, account_id: str, created_at: int, **entities: dict[str, Any]) -> dict[str, Any]:
    """Return a webhook envelope holding snapshots of the entities, in the order given."""
    return {
        "entity": "event",
        "account_id": account_id,
        "event": name,
        "contains": list(entities),
        "payload": {kind: {"entity": copy.deepcopy(entity)} for kind, entity in entities.items()},
        "created_at": created_at,
    }
