"""Cards on the hosted page: checking what the buyer typed, and what Stripe's test cards answer."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

GENERIC_DECLINE = "Your card was declined."
NO_DETAILS = "The bank did not return any further details with this decline."


@dataclass(frozen=True)
class Decline:
    """How a test card fails: the card_error Stripe answers and the charge's outcome."""

    code: str
    decline_code: str | None
    message: str
    seller_message: str = NO_DETAILS
    network_status: str = "declined_by_network"
    outcome_type: str = "issuer_declined"
    risk_level: str = "normal"
    param: str | None = None


@dataclass(frozen=True)
class TestCard:
    """One of Stripe's published test numbers."""

    brand: str
    country: str = "US"
    funding: str = "credit"
    decline: Decline | None = None
    three_d_secure: bool = False  # the issuer asks for a 3D Secure challenge on every on-session payment


@dataclass(frozen=True)
class Card:
    """A card as the charge records it: never the full number."""

    brand: str
    last4: str
    exp_month: int
    exp_year: int
    country: str
    funding: str
    fingerprint: str
    cvc_check: str


def declined(decline_code: str, message: str = GENERIC_DECLINE) -> Decline:
    """A card_declined with this decline_code."""
    return Decline(code="card_declined", decline_code=decline_code, message=message)


# stripe.com/testing. Numbers not listed that pass Luhn are refused as "non test card", as test mode does.
TEST_CARDS = {
    "4242424242424242": TestCard("visa"),
    "4000056655665556": TestCard("visa", funding="debit"),
    "5555555555554444": TestCard("mastercard"),
    "2223003122003222": TestCard("mastercard"),
    "5200828282828210": TestCard("mastercard", funding="debit"),
    "378282246310005": TestCard("amex"),
    "6011111111111117": TestCard("discover"),
    "3566002020360505": TestCard("jcb", country="JP"),
    "4000003560000008": TestCard("visa", country="IN"),
    "4000008260000000": TestCard("visa", country="GB"),
    # 3D Secure (stripe.com/testing#authentication-and-setup): each asks for a challenge on an on-session
    # payment, which the hosted page shows with "Complete authentication" and "Fail authentication".
    "4000002500003155": TestCard("visa", three_d_secure=True),
    "4000000000003220": TestCard("visa", three_d_secure=True),
    "4000002760003184": TestCard("visa", country="DE", three_d_secure=True),
    "4000000000000002": TestCard("visa", decline=declined("generic_decline")),
    # "Attaching this card to a Customer object succeeds, but attempts to charge the customer fail"
    # (stripe.com/testing): its pm_card_chargeCustomerFail can be a subscription's default_payment_method.
    "4000000000000341": TestCard("visa", decline=declined("generic_decline")),
    "4000000000009995": TestCard("visa", decline=declined("insufficient_funds", "Your card has insufficient funds.")),
    "4000000000009987": TestCard("visa", decline=declined("lost_card")),
    "4000000000009979": TestCard("visa", decline=declined("stolen_card")),
    "4000000000000069": TestCard(
        "visa",
        decline=Decline(
            code="expired_card", decline_code="expired_card", message="Your card has expired.", param="exp_month"
        ),
    ),
    "4000000000000127": TestCard(
        "visa",
        decline=Decline(
            code="incorrect_cvc",
            decline_code="incorrect_cvc",
            message="Your card's security code is incorrect.",
            param="cvc",
        ),
    ),
    "4000000000000119": TestCard(
        "visa",
        decline=Decline(
            code="processing_error",
            decline_code="processing_error",
            message="An error occurred while processing your card. Try again in a little bit.",
        ),
    ),
    "4100000000000019": TestCard(
        "visa",
        decline=Decline(
            code="card_declined",
            decline_code="fraudulent",
            message=GENERIC_DECLINE,
            seller_message="Stripe blocked this payment as too risky.",
            network_status="not_sent_to_network",
            outcome_type="blocked",
            risk_level="highest",
        ),
    ),
}
LIVE_CARD = declined(
    "test_mode_live_card",
    "Your card was declined. Your request was in test mode, but used a "
    "non test card. For a list of valid test cards, visit: https://stripe.com/docs/testing.",
)

_BRANDS = [
    (re.compile(r"^4"), "visa"),
    (re.compile(r"^(5[1-5]|2(2[2-9]|[3-6]\d|7[01]|720))"), "mastercard"),
    (re.compile(r"^3[47]"), "amex"),
    (re.compile(r"^(6011|65|64[4-9])"), "discover"),
    (re.compile(r"^35"), "jcb"),
    (re.compile(r"^3(0[0-5]|[68])"), "diners"),
    (re.compile(r"^62"), "unionpay"),
]
_EXPIRY = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*$")


@dataclass(frozen=True)
class CardInput:
    """What the buyer typed, cleaned: digits only, expiry as month and four-digit year."""

    number: str
    exp_month: int
    exp_year: int
    cvc: str


def luhn_ok(digits: str) -> bool:
    """Whether the number passes the Luhn check every real card number passes."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def brand_of(digits: str) -> str:
    """Return the card network a number belongs to, by its leading digits."""
    return next((brand for pattern, brand in _BRANDS if pattern.match(digits)), "unknown")


def check_number(raw: str) -> tuple[str | None, str | None]:
    """Return (digits, None), or (None, the message Stripe shows under the number field)."""
    digits = re.sub(r"[\s-]", "", raw)
    if not digits:
        return None, "Your card number is incomplete."
    if not digits.isdigit():
        return None, "Your card number is invalid."
    if len(digits) < {"amex": 15, "diners": 14}.get(brand_of(digits), 16):
        return None, "Your card number is incomplete."
    if len(digits) > 19 or not luhn_ok(digits):
        return None, "Your card number is invalid."
    return digits, None


def check_expiry(raw: str, year: int, month: int) -> tuple[tuple[int, int] | None, str | None]:
    """Return ((month, four-digit year), None) for MM/YY not in the past (by the given today), else a message."""
    if not raw.strip():
        return None, "Your card's expiration date is incomplete."
    match = _EXPIRY.match(raw)
    if not match:
        return None, "Your card's expiration date is incomplete."
    exp_month, exp_year = int(match.group(1)), int(match.group(2))
    if len(match.group(2)) == 2:
        exp_year += 2000
    if not 1 <= exp_month <= 12 or exp_year > year + 50:
        return None, "Your card's expiration date is invalid."
    if (exp_year, exp_month) < (year, month):
        return None, "Your card's expiration date is invalid."
    return (exp_month, exp_year), None


def check_cvc(raw: str, digits: str | None) -> str | None:
    """Return the message for a bad security code, or None; American Express has four digits."""
    cvc = raw.strip()
    wanted = 4 if digits and brand_of(digits) == "amex" else 3
    if not cvc or (cvc.isdigit() and len(cvc) < wanted):
        return "Your card's security code is incomplete."
    if not cvc.isdigit() or len(cvc) > wanted:
        return "Your card's security code is invalid."
    return None


def asks_for_3ds(number: str) -> bool:
    """Whether the issuer of this test card asks for a 3D Secure challenge before paying."""
    test = TEST_CARDS.get(number)
    return bool(test and test.three_d_secure)


def card_country(number: str) -> str:
    """Return the country that issued a card number (a test card's own; US for any other, as describe() says)."""
    test = TEST_CARDS.get(number)
    return test.country if test else "US"


def describe(card: CardInput) -> tuple[Card, Decline | None]:
    """Return the card as a charge records it and how the network answers (None: approved)."""
    test = TEST_CARDS.get(card.number)
    decline = test.decline if test else LIVE_CARD
    # Stripe fingerprints a number the same way every time; a salted hash keeps that property here.
    fingerprint = hashlib.sha256(b"sandbox-card:" + card.number.encode()).hexdigest()[:16]
    recorded = Card(
        brand=test.brand if test else brand_of(card.number),
        last4=card.number[-4:],
        exp_month=card.exp_month,
        exp_year=card.exp_year,
        country=test.country if test else "US",
        funding=test.funding if test else "credit",
        fingerprint=fingerprint,
        cvc_check="fail" if decline and decline.code == "incorrect_cvc" else "pass",
    )
    return recorded, decline
