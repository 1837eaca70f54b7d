"""Money as integer minor units plus a currency code, and the rules gateways put on amounts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from babel.numbers import format_currency

from galla.payments.labels import gateway_label

# Our minor unit is ISO 4217's (and CLDR's, which people read): none for these. ISK and UGX are here because ISO
# gives them no minor unit; Stripe's wire keeps two decimals for them (STRIPE_TWO_DECIMAL_WIRE below).
ZERO_DECIMAL = frozenset(
    [
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "ISK",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    ]
)
THREE_DECIMAL = frozenset(["BHD", "JOD", "KWD", "OMR", "TND"])

# The smallest charge each gateway takes, in minor units. Razorpay documents ₹1.00 for INR.
RAZORPAY_MINIMUMS = {"INR": 100}
RAZORPAY_DEFAULT_MINIMUM = 100
# Stripe's minimum charge table (GATEWAYS.md §12); unlisted currencies get USD's 50 minor units.
STRIPE_MINIMUMS = {
    "USD": 50,
    "AED": 200,
    "AUD": 50,
    "BGN": 100,
    "BRL": 50,
    "CAD": 50,
    "CHF": 50,
    "CZK": 1500,
    "DKK": 250,
    "EUR": 50,
    "GBP": 30,
    "HKD": 400,
    "HUF": 17500,
    "INR": 50,
    "JPY": 50,
    "MXN": 1000,
    "MYR": 200,
    "NOK": 300,
    "NZD": 50,
    "PLN": 200,
    "RON": 200,
    "SEK": 300,
    "SGD": 50,
    "THB": 1000,
}
STRIPE_DEFAULT_MINIMUM = 50
# docs.stripe.com/currencies#special-cases: "ISK [and UGX] transitioned to a zero-decimal currency, but backward
# compatibility requires you to represent it as a two-decimal value, where the decimal amount is always `00`. For
# example, to charge 5 ISK, provide an `amount` value of `500`." HUF and TWD are zero-decimal only for payouts
# ("you can charge two-decimal amounts"), so charges and refunds in them go as ISO's two-decimal minor units.
STRIPE_TWO_DECIMAL_WIRE = frozenset({"ISK", "UGX"})


# An amount as people type it: plain digits, or grouped in thousands (1,299) or the Indian way (1,23,456).
TYPED_AMOUNT = re.compile(r"(?P<whole>\d+|\d{1,3}(?:,\d{3})+|\d{1,2}(?:,\d{2})*,\d{3})(?:\.(?P<fraction>\d*))?")


class AmountNotChargeable(ValueError):
    """The gateway cannot charge this amount: below its minimum, or not representable."""


# The locale a buyer of each currency reads amounts in: ₹1,23,456.00 for rupees.
DISPLAY_LOCALES = {"INR": "en_IN"}


def exponent_of(currency: str) -> int:
    """Return how many decimal places the currency's minor unit has."""
    code = currency.upper()
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in the currency's smallest unit (paise for INR)."""

    amount: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise TypeError("Money.amount must be an int of minor units")
        object.__setattr__(self, "currency", self.currency.upper())

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.amount + other.amount, self.currency)

    def __mul__(self, quantity: int) -> Money:
        return Money(self.amount * quantity, self.currency)

    def to_decimal(self) -> Decimal:
        """Return the amount in major units, exactly."""
        return Decimal(self.amount).scaleb(-exponent_of(self.currency))

    def format(self) -> str:
        """Format for people: ₹1,23,456.00 for INR, $6.99 for USD."""
        return format_money(self.amount, self.currency)


def parse_major(text: str, currency: str) -> int:
    """Minor units, exactly, from an amount typed in major units ("499", "1,299.50", "1,23,456"); ValueError why."""
    typed = text.strip().replace(" ", "")
    if typed.startswith("-"):
        raise ValueError("an amount cannot be negative")
    match = TYPED_AMOUNT.fullmatch(typed) if len(typed) <= 30 else None
    if not match:
        raise ValueError(f"type the amount in {currency} as a number, like 499 or 1,299.50")
    places = exponent_of(currency)
    minor = Decimal(match["whole"].replace(",", "") + "." + (match["fraction"] or "0")).scaleb(places)
    if minor != minor.to_integral_value():
        raise ValueError(f"{currency} has {places or 'no'} decimal place{'' if places == 1 else 's'}; {typed} has more")
    return int(minor)


@lru_cache(maxsize=4096)
def format_money(amount: int, currency: str) -> str:
    """Format minor units the way a buyer of that currency reads them."""
    code = currency.upper()
    locale = DISPLAY_LOCALES.get(code, "en_US")
    value = Decimal(amount).scaleb(-exponent_of(code))
    # CLDR writes some two-decimal currencies with no decimals (HUF, IDR, COP…) and babel rounds to that: HUF 10.45,
    # which Stripe charges as such (docs.stripe.com/currencies#special-cases), would read HUF10. Never round.
    return format_currency(value, code, locale=locale, decimal_quantization=False)


def minimum_charge(gateway: str, currency: str) -> Money:
    """Return the smallest amount the gateway charges in this currency."""
    code = currency.upper()
    if gateway == "razorpay":
        return Money(RAZORPAY_MINIMUMS.get(code, RAZORPAY_DEFAULT_MINIMUM), code)
    if gateway == "stripe":
        return Money(STRIPE_MINIMUMS.get(code, STRIPE_DEFAULT_MINIMUM), code)
    raise ValueError(f"unknown gateway {gateway!r}")


def check_chargeable(gateway: str, money: Money) -> None:
    """Raise AmountNotChargeable unless the gateway can charge exactly this amount."""
    minimum = minimum_charge(gateway, money.currency)
    name = gateway_label(gateway)
    if money.amount < minimum.amount:
        raise AmountNotChargeable(
            f"the order total {money.format()} is below the smallest payment {name} accepts, {minimum.format()}"
        )
    if gateway == "stripe" and money.currency in THREE_DECIMAL and money.amount % 10:
        # Stripe charges three-decimal currencies only in whole hundredths (last digit 0).
        raise AmountNotChargeable(
            f"{name} charges {money.currency} only in steps of 0.010; {money.format()} cannot be charged exactly"
        )


def to_stripe_amount(money: Money) -> int:
    """Return the integer Stripe expects for this amount: our minor units, ×100 for whole-unit ISK and UGX."""
    if money.currency in STRIPE_TWO_DECIMAL_WIRE:
        return money.amount * 100
    return money.amount


def from_stripe_amount(amount: int, currency: str) -> Money:
    """Read an amount Stripe sent back (lowercase currency) as our Money; a fractional ISK or UGX is refused."""
    code = currency.upper()
    if code in STRIPE_TWO_DECIMAL_WIRE:
        if amount % 100:
            raise AmountNotChargeable(f"{amount} is not a whole number of {code}")
        return Money(amount // 100, code)
    return Money(amount, code)
