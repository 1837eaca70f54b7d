"""Currencies as Stripe treats them: minor-unit exponents, minimum charges, and amounts for people."""

from __future__ import annotations

from decimal import Decimal

from .errors import StripeError

# docs.stripe.com/currencies, "Zero-decimal currencies" and "Special cases". UGX is in Stripe's zero-decimal list
# too, but the Special cases table says what the API takes for it, and that wins: see WHOLE_UNITS_TWO_DECIMALS.
ZERO_DECIMAL = frozenset(
    ["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "vnd", "vuv", "xaf", "xof", "xpf"]
)
THREE_DECIMAL = frozenset(["bhd", "jod", "kwd", "omr", "tnd"])
# "ISK [UGX] transitioned to a zero-decimal currency, but backward compatibility requires you to represent it as a
# two-decimal value, where the decimal amount is always `00`. For example, to charge 5 ISK, provide an `amount`
# value of `500`. You can't charge fractions of ISK." (docs.stripe.com/currencies#special-cases). HUF and TWD are
# zero-decimal only for payouts; charges and refunds in them take two-decimal amounts, so they are plain here.
WHOLE_UNITS_TWO_DECIMALS = frozenset({"isk", "ugx"})

# Minimum charge per currency in minor units (GATEWAYS.md §12, a third-party copy of Stripe's table).
# Currencies not listed are held only to "more than zero": Stripe's settlement-currency rule is not modelled.
MINIMUM_CHARGE = {
    "usd": 50,
    "aed": 200,
    "aud": 50,
    "bgn": 100,
    "brl": 50,
    "cad": 50,
    "chf": 50,
    "czk": 1500,
    "dkk": 250,
    "eur": 50,
    "gbp": 30,
    "hkd": 400,
    "huf": 17500,
    "inr": 50,
    "jpy": 50,
    "mxn": 1000,
    "myr": 200,
    "nok": 300,
    "nzd": 50,
    "pln": 200,
    "ron": 200,
    "sek": 300,
    "sgd": 50,
    "thb": 1000,
}

# The presentment currencies Stripe accepts (docs.stripe.com/currencies), lowercase as on the wire.
SUPPORTED = frozenset(
    [
        "usd",
        "aed",
        "afn",
        "all",
        "amd",
        "ang",
        "aoa",
        "ars",
        "aud",
        "awg",
        "azn",
        "bam",
        "bbd",
        "bdt",
        "bgn",
        "bhd",
        "bif",
        "bmd",
        "bnd",
        "bob",
        "brl",
        "bsd",
        "bwp",
        "byn",
        "bzd",
        "cad",
        "cdf",
        "chf",
        "clp",
        "cny",
        "cop",
        "crc",
        "cve",
        "czk",
        "djf",
        "dkk",
        "dop",
        "dzd",
        "egp",
        "etb",
        "eur",
        "fjd",
        "fkp",
        "gbp",
        "gel",
        "gip",
        "gmd",
        "gnf",
        "gtq",
        "gyd",
        "hkd",
        "hnl",
        "htg",
        "huf",
        "idr",
        "ils",
        "inr",
        "isk",
        "jmd",
        "jod",
        "jpy",
        "kes",
        "kgs",
        "khr",
        "kmf",
        "krw",
        "kwd",
        "kyd",
        "kzt",
        "lak",
        "lbp",
        "lkr",
        "lrd",
        "lsl",
        "mad",
        "mdl",
        "mga",
        "mkd",
        "mmk",
        "mnt",
        "mop",
        "mur",
        "mvr",
        "mwk",
        "mxn",
        "myr",
        "mzn",
        "nad",
        "ngn",
        "nio",
        "nok",
        "npr",
        "nzd",
        "omr",
        "pab",
        "pen",
        "pgk",
        "php",
        "pkr",
        "pln",
        "pyg",
        "qar",
        "ron",
        "rsd",
        "rub",
        "rwf",
        "sar",
        "sbd",
        "scr",
        "sek",
        "sgd",
        "shp",
        "sle",
        "sos",
        "srd",
        "std",
        "szl",
        "thb",
        "tjs",
        "tnd",
        "top",
        "try",
        "ttd",
        "twd",
        "tzs",
        "uah",
        "ugx",
        "uyu",
        "uzs",
        "vnd",
        "vuv",
        "wst",
        "xaf",
        "xcd",
        "xof",
        "xpf",
        "yer",
        "zar",
        "zmw",
    ]
)

SYMBOLS = {
    "usd": "$",
    "eur": "€",
    "gbp": "£",
    "inr": "₹",
    "jpy": "¥",
    "aud": "A$",
    "cad": "CA$",
    "sgd": "SGD ",
    "nzd": "NZ$",
    "hkd": "HK$",
    "chf": "CHF ",
    "krw": "₩",
    "cny": "CN¥",
    "mxn": "MX$",
    "brl": "R$",
}


def exponent(currency: str) -> int:
    """Return how many minor-unit digits the currency has on Stripe's wire: 0, 2 or 3."""
    currency = currency.lower()
    if currency in ZERO_DECIMAL:
        return 0
    return 3 if currency in THREE_DECIMAL else 2


def check_whole_units(amount: int, currency: str, param: str) -> None:
    """Refuse a fractional ISK or UGX amount with the error Stripe gives since 2023-04-14.

    Message and code: support.stripe.com/questions/deprecation-of-fractional-isk-charges-and-refunds (ISK; the
    same rule for UGX is from docs.stripe.com/currencies#special-cases, its message assumed to follow ISK's).
    """
    if currency.lower() in WHOLE_UNITS_TWO_DECIMALS and amount % 100:
        raise StripeError(
            f"Invalid amount. Currency {currency.upper()} has become effectively zero-decimal and "
            "charged amounts must be evenly divisible by 100. See "
            "https://stripe.com/docs/currencies#special-cases for more information.",
            code="invalid_charge_amount_no_decimal_compatible",
            param=param,
        )


def minimum_charge(currency: str) -> int:
    """Return the smallest amount Stripe charges in this currency, in minor units (1 where unlisted)."""
    return MINIMUM_CHARGE.get(currency.lower(), 1)


def major_units(amount: int, currency: str) -> Decimal:
    """Return a wire amount in the currency's major units, exactly: 1050 USD is 10.50, and 500 ISK is 5."""
    currency = currency.lower()
    if currency in WHOLE_UNITS_TWO_DECIMALS and amount % 100 == 0:
        return Decimal(amount // 100)  # whole krónur and shillings are shown as such
    return Decimal(amount).scaleb(-exponent(currency))


def format_amount(amount: int, currency: str) -> str:
    """Return minor units as Stripe's API messages write them: $10.00, ¥1,000, KWD 5.120 (pages use display.py)."""
    value = major_units(amount, currency)
    sign = "-" if value < 0 else ""
    symbol = SYMBOLS.get(currency.lower(), currency.upper() + " ")
    return f"{sign}{symbol}{abs(value):,}"


def format_minimum(currency: str) -> str:
    """Return the minimum charge the way Stripe's amount_too_small message states it: "$0.50 usd"."""
    return f"{format_amount(minimum_charge(currency), currency)} {currency.lower()}"
