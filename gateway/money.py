"""Money as integer minor units plus a currency code, and the rules gateways put on amounts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from babel.numbers import format_currency

# ISO 4217 currencies whose minor unit is not the usual cent (Stripe's list; Razorpay agrees).
ZERO_DECIMAL = frozenset(
    "BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split()
)
THREE_DECIMAL = frozenset("BHD JOD KWD OMR TND".split())

# Razorpay refuses orders below these (minor units); INR is documented as ₹1.00.
RAZORPAY_MINIMUMS = {"INR": 100}
RAZORPAY_DEFAULT_MINIMUM = 100

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


@lru_cache(maxsize=4096)
def format_money(amount: int, currency: str) -> str:
    """Format minor units the way a buyer of that currency reads them."""
    code = currency.upper()
    locale = DISPLAY_LOCALES.get(code, "en_US")
    value = Decimal(amount).scaleb(-exponent_of(code))
    return format_currency(value, code, locale=locale)


def razorpay_minimum(currency: str) -> Money:
    """Return the smallest order Razorpay accepts in this currency."""
    code = currency.upper()
    return Money(RAZORPAY_MINIMUMS.get(code, RAZORPAY_DEFAULT_MINIMUM), code)
