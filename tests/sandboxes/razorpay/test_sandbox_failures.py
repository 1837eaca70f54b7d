"""Failed payments in the Razorpay sandbox carry Razorpay's own `source`, `step` and `reason` values.

The values each method may give are Razorpay's lists: razorpay/markdown-docs
errors/payments/payment-methods-error-parameters.md (source and step per method), errors/payments/cards.md and
errors/payments/upi.md (reasons), and the documented sample (razorpay.com/docs/api/errors: customer /
payment_authentication / invalid_otp). They are written out here, apart from the sandbox, so that a value the
sandbox makes up fails.
"""

from __future__ import annotations

import pytest
from support.razorpay_sandbox import run_sdk

SOURCES = {
    "card": {"customer", "business", "internal", "gateway", "issuer_bank"},
    "upi": {
        "customer",
        "business",
        "internal",
        "customer_psp",
        "gateway",
        "network",
        "issuer_bank",
        "beneficiary_bank",
    },
    "netbanking": {"customer", "business", "internal", "issuer_bank"},
}
STEPS = {
    "card": {
        "payment_initiation",
        "card_enrollment_check",
        "payment_authentication",
        "payment_authorization",
        "payment_capture",
    },
    "upi": {
        "mandate_creation",
        "payment_initiation",
        "payment_creation",
        "payment_authentication",
        "payment_request",
        "payment_request_beneficiary_details",
        "payment_response_beneficiary_details",
        "payment_debit_request",
        "payment_debit_response",
        "payment_credit_request",
        "payment_credit_response",
        "payment_status_request",
        "payment_status_response",
        "payment_response",
        "refund_request",
    },
    "netbanking": {"payment_initiation", "payment_authentication", "payment_authorization"},
}
REASONS = {
    "card": {
        "payment_timed_out",
        "gateway_technical_error",
        "payment_cancelled",
        "card_declined",
        "insufficient_funds",
        "card_not_enrolled",
        "bank_technical_error",
        "card_disabled_for_online_payments",
        "authentication_failed",
        "payment_risk_check_failed",
        "payment_failed",
        "incorrect_cvv",
        "debit_instrument_inactive",
        "debit_instrument_blocked",
        "card_expired",
        "transaction_limit_exceeded",
        "invalid_otp",
    },
    "upi": {
        "bank_technical_error",
        "credit_failed",
        "gateway_technical_error",
        "insufficient_funds",
        "invalid_vpa",
        "payment_cancelled",
        "payment_collect_request_expired",
        "payment_declined",
        "payment_timed_out",
        "vpa_resolution_failed",
    },
    # No netbanking list is published; the sandbox keeps to reasons documented for the other methods.
    "netbanking": {
        "payment_cancelled",
        "payment_timed_out",
        "payment_failed",
        "bank_technical_error",
        "insufficient_funds",
        "gateway_technical_error",
    },
}
FAILING = {
    "card": {"method": "card", "card_number": "4000000000000002", "card_expiry": "12/99", "card_cvv": "999"},
    "upi": {"method": "upi", "outcome": "failure"},
    "netbanking": {"method": "netbanking", "bank": "HDFC", "outcome": "failure"},
}


async def failed_payment(sandbox, **fields) -> tuple[dict, dict]:
    """Fail one payment; return checkout's error and the payment as the SDK fetches it."""
    order = await sandbox.create_order()
    status, body = await sandbox.pay(order["id"], **fields)
    assert status == 400 and body["error"]["metadata"].get("payment_id"), body
    payment = await run_sdk(sandbox.sdk().payment.fetch, body["error"]["metadata"]["payment_id"])
    return body["error"], payment


@pytest.mark.parametrize("method", sorted(FAILING))
async def test_a_failed_payment_names_a_documented_source_step_and_reason(sandbox, method):
    error, payment = await failed_payment(sandbox, **FAILING[method])
    assert error["source"] in SOURCES[method] and error["step"] in STEPS[method] and error["reason"] in REASONS[method]
    assert (payment["error_source"], payment["error_step"], payment["error_reason"]) == (
        error["source"],
        error["step"],
        error["reason"],
    )


@pytest.mark.parametrize(
    ("method", "reason"),
    [
        ("upi", "payment_cancelled"),
        ("upi", "insufficient_funds"),
        ("upi", "payment_timed_out"),
        ("card", "invalid_otp"),
        ("card", "insufficient_funds"),
        ("card", "payment_cancelled"),
        ("netbanking", "payment_cancelled"),
        ("netbanking", "payment_timed_out"),
    ],
)
async def test_a_test_can_choose_a_documented_failure_reason(sandbox, method, reason):
    fields = {**FAILING[method], "reason": reason}
    if method == "card":
        fields["card_number"] = "4100280000001007"  # a card that succeeds: the reason makes it fail
    error, payment = await failed_payment(sandbox, **fields)
    assert (error["reason"], payment["status"]) == (reason, "failed")
    assert error["source"] in SOURCES[method] and error["step"] in STEPS[method]


async def test_invalid_otp_is_razorpays_documented_example(sandbox):
    error, _ = await failed_payment(sandbox, **FAILING["card"], reason="invalid_otp")
    assert (error["code"], error["description"], error["source"], error["step"]) == (
        "BAD_REQUEST_ERROR",
        "Authentication failed due to incorrect otp",
        "customer",
        "payment_authentication",
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"method": "upi", "outcome": "failure", "reason": "card_declined"},
        {"method": "upi", "outcome": "success", "reason": "payment_cancelled"},
        {"method": "netbanking", "bank": "HDFC", "outcome": "failure", "reason": "made_up"},
    ],
)
async def test_a_reason_the_method_cannot_give_is_refused_naming_the_field(sandbox, fields):
    order = await sandbox.create_order()
    status, body = await sandbox.pay(order["id"], **fields)
    assert (status, body["error"]["field"]) == (400, "reason"), body
    assert sandbox.state.payments == {}
