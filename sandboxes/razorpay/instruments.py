"""Test instruments and their outcomes: UPI ids, cards and netbanking banks, as in Razorpay test mode."""

from __future__ import annotations

import re
import time
from typing import Any

from .errors import invalid_field
from .ids import new_id
from .state import PaymentFailure

# NPCI retired UPI Collect (paying by typing a VPA) from 28 February 2026; checkout offers UPI Intent or the QR code
# (razorpay.com/docs/announcements/upi-collect-migration/standard-integration). Its exemptions (IPO and
# secondary-market MCCs, iOS, mandates, eRupi, cross-border businesses) are not a shop's checkout.
UPI_COLLECT_GONE = (
    "UPI Collect (paying by typing a UPI ID) is no longer supported: pay with a UPI app or scan the QR code"
)

# Razorpay's domestic test cards succeed; these numbers are declined by the "bank".
DECLINED_CARDS = frozenset({"4000000000000002"})
INTERNATIONAL_CARDS = frozenset({"5555555555554444", "5105105105105100", "5104060000000008", "4012888888881881"})
DEFAULT_TEST_CARD = "4100280000001007"

# Razorpay's netbanking codes for the banks a shopper is most likely to pick.
BANKS = {
    "HDFC": "HDFC Bank",
    "ICIC": "ICICI Bank",
    "SBIN": "State Bank of India",
    "UTIB": "Axis Bank",
    "KKBK": "Kotak Mahindra Bank",
    "YESB": "Yes Bank",
    "IDFB": "IDFC FIRST Bank",
    "INDB": "IndusInd Bank",
    "PUNB_R": "Punjab National Bank - Retail Banking",
    "BARB_R": "Bank of Baroda - Retail Banking",
}

# Why a payment fails, with Razorpay's own source, step and reason values: the sources and steps each method may
# give are listed in razorpay/markdown-docs errors/payments/payment-methods-error-parameters.md, the reasons in
# errors/payments/cards.md and upi.md, and invalid_otp is the documented sample (razorpay.com/docs/api/errors).
# No netbanking reasons are published; netbanking keeps to reasons documented for the other methods.
CUSTOMER_CANCELLED = "Payment was cancelled as you chose to go back or close the payment page"
TIMED_OUT = "Payment could not be completed as it was not finished within the time allowed"


def by_reason(*failures: PaymentFailure) -> dict[str, PaymentFailure]:
    """One method's failures, keyed by their reason."""
    return {failure.reason: failure for failure in failures}


def bank_refusal(reason: str, description: str, step: str = "payment_authorization") -> PaymentFailure:
    """A failure the payer's bank decides."""
    return PaymentFailure(description, source="issuer_bank", step=step, reason=reason)


def customer_failure(reason: str, description: str) -> PaymentFailure:
    """A failure the payer causes while authenticating."""
    return PaymentFailure(description, source="customer", step="payment_authentication", reason=reason)


FAILURES: dict[str, dict[str, PaymentFailure]] = {
    "upi": by_reason(
        bank_refusal(
            "payment_declined",
            "Your payment could not be completed as the bank could not debit your account",
            step="payment_debit_response",
        ),
        customer_failure("payment_cancelled", CUSTOMER_CANCELLED),
        bank_refusal(
            "insufficient_funds",
            "Your payment could not be completed due to insufficient account balance",
            step="payment_debit_response",
        ),
        customer_failure("payment_timed_out", TIMED_OUT),
    ),
    "card": by_reason(
        bank_refusal("card_declined", "Payment failed because the bank declined it"),
        customer_failure("invalid_otp", "Authentication failed due to incorrect otp"),
        bank_refusal("insufficient_funds", "Payment failed due to insufficient balance on the card"),
        customer_failure("payment_cancelled", CUSTOMER_CANCELLED),
        customer_failure("payment_timed_out", TIMED_OUT),
    ),
    "netbanking": by_reason(
        bank_refusal("payment_failed", "Your payment could not be completed as the bank declined it"),
        customer_failure("payment_cancelled", CUSTOMER_CANCELLED),
        customer_failure("payment_timed_out", TIMED_OUT),
    ),
}
# What the window's Failure buttons and the declined test card give.
DEFAULT_FAILURES = {"upi": "payment_declined", "card": "card_declined", "netbanking": "payment_failed"}


def read_failure(method: str, reason: str | None) -> PaymentFailure:
    """Return the failure a method gives for a reason (its usual one when None), or refuse one it cannot give."""
    failures = FAILURES[method]
    name = DEFAULT_FAILURES[method] if reason is None else reason
    if name not in failures:
        raise invalid_field("reason", f"The reason must be one of {', '.join(sorted(failures))} for {method}.")
    return failures[name]


def upi_instrument() -> dict[str, Any]:
    """Return the payment fields of a UPI intent (or QR) payment: the payer's VPA is not typed at checkout."""
    return {"vpa": None, "upi": {"payer_account_type": "bank_account", "vpa": None, "flow": "intent"}}


def passes_luhn(number: str) -> bool:
    """Whether a card number's check digit is right."""
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char) * (2 if position % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def read_card_number(raw: str) -> str:
    """Return the digits of a card number, or refuse a malformed one."""
    number = re.sub(r"[\s-]", "", raw)
    if not re.fullmatch(r"\d{12,19}", number) or not passes_luhn(number):
        raise invalid_field("card_number", "Your card number is invalid.")
    return number


def read_card_expiry(raw: str, now: float | None = None) -> tuple[int, int]:
    """Return (month, year) from MM/YY or MM/YYYY, refusing past dates."""
    match = re.fullmatch(r"\s*(\d{1,2})\s*/?\s*(\d{2}|\d{4})\s*", raw)
    if not match or not 1 <= int(match[1]) <= 12:
        raise invalid_field("card_expiry", "Your card's expiry date is invalid.")
    month, year = int(match[1]), int(match[2])
    year += 2000 if year < 100 else 0
    today = time.gmtime(time.time() if now is None else now)
    if (year, month) < (today.tm_year, today.tm_mon):
        raise invalid_field("card_expiry", "Your card has expired.")
    return month, year


def card_network(number: str) -> str:
    """Return the card network Razorpay would name for this number."""
    if number.startswith(("34", "37")):
        return "American Express"
    if number.startswith(("36", "38", "300", "301", "302", "303", "304", "305")):
        return "Diners Club"
    if number.startswith("4"):
        return "Visa"
    if number.startswith(("60", "65", "81", "82", "508", "353", "356")):
        return "RuPay"
    if re.match(r"5[1-5]|2[2-7]", number):
        return "MasterCard"
    if number.startswith(("50", "56", "57", "58", "6")):
        return "Maestro"
    return "Unknown"


def read_card_cvv(raw: str, network: str) -> str:
    """Return the CVV: four digits for Amex, three for the rest."""
    length = 4 if network == "American Express" else 3
    if not re.fullmatch(rf"\d{{{length}}}", raw.strip()):
        raise invalid_field("card_cvv", "Your card's security code is invalid.")
    return raw.strip()


def card_instrument(number: str) -> dict[str, Any]:
    """Return the payment fields of a card payment; the CVV and expiry are never stored."""
    network = card_network(number)
    international = number in INTERNATIONAL_CARDS
    card = {
        "id": new_id("card_"),
        "entity": "card",
        "name": "",
        "last4": number[-4:],
        "network": network,
        "type": "debit" if network == "RuPay" else "credit",
        "issuer": None,
        "international": international,
        "emi": False,
        "sub_type": "consumer",
        "token_iin": None,
    }
    return {"card_id": card["id"], "card": card, "international": international}


def card_outcome(number: str) -> str:
    """Return what the test bank says to this card."""
    return "failure" if number in DECLINED_CARDS else "success"


def read_bank(code: str | None) -> str:
    """Return a known netbanking bank code."""
    if not code:
        raise invalid_field("bank", "The bank field is required.")
    if code not in BANKS:
        raise invalid_field("bank", "The selected bank is invalid.")
    return code
