"""Money: minor units, currency exponents, and rupees written the Indian way."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from galla.payments.money import (
    THREE_DECIMAL,
    ZERO_DECIMAL,
    AmountNotChargeable,
    Money,
    check_chargeable,
    exponent_of,
    format_money,
    from_stripe_amount,
    minimum_charge,
    parse_major,
    to_stripe_amount,
)


@pytest.mark.parametrize(
    "amount,currency,text",
    [
        (12345600, "INR", "₹1,23,456.00"),
        (49900, "INR", "₹499.00"),
        (1249900, "INR", "₹12,499.00"),
        (1000000000, "INR", "₹1,00,00,000.00"),
        (5, "INR", "₹0.05"),
        (699, "USD", "$6.99"),
        (123456789, "USD", "$1,234,567.89"),
        (500, "JPY", "¥500"),
    ],
)
def test_format(amount, currency, text):
    assert format_money(amount, currency) == text
    assert Money(amount, currency).format() == text


def indian_grouping(rupees: int) -> str:
    """Reference: the last three digits, then pairs (lakh, crore)."""
    digits = str(rupees)
    head, tail = digits[:-3], digits[-3:]
    pairs = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    return ",".join(([head] if head else []) + pairs + [tail])


@given(st.integers(min_value=0, max_value=10**15))
def test_inr_grouping_matches_lakh_crore_rule(paise):
    rupees, rest = divmod(paise, 100)
    assert format_money(paise, "INR") == f"₹{indian_grouping(rupees)}.{rest:02d}"


def test_exponents_and_arithmetic():
    assert [exponent_of(c) for c in ("INR", "usd", "JPY", "KWD")] == [2, 2, 0, 3]
    assert Money(100, "inr") * 3 + Money(50, "INR") == Money(350, "INR")
    assert str(Money(123, "KWD").to_decimal()) == "0.123"
    with pytest.raises(ValueError):
        Money(1, "INR") + Money(1, "USD")
    with pytest.raises(TypeError):
        Money(1.5, "INR")
    with pytest.raises(TypeError):
        Money(True, "INR")


@pytest.mark.parametrize(
    "gateway,currency,minimum",
    [
        ("razorpay", "INR", 100),  # ₹1.00
        ("stripe", "INR", 50),  # ₹0.50
        ("stripe", "USD", 50),  # $0.50
        ("stripe", "GBP", 30),  # £0.30
        ("stripe", "JPY", 50),  # ¥50: zero-decimal, so 50 is fifty yen, not half a yen
        ("stripe", "HUF", 17500),  # 175.00 Ft
        ("stripe", "KWD", 50),  # unlisted: USD's 50 minor units
    ],
)
def test_minimum_charge_per_gateway(gateway, currency, minimum):
    assert minimum_charge(gateway, currency.lower()) == Money(minimum, currency)
    check_chargeable(gateway, Money(minimum, currency))
    with pytest.raises(AmountNotChargeable, match="below the smallest payment"):
        check_chargeable(gateway, Money(minimum - 1, currency))


def test_below_minimum_message_names_both_amounts():
    with pytest.raises(AmountNotChargeable) as raised:
        check_chargeable("stripe", Money(49, "JPY"))
    assert str(raised.value) == "the order total ¥49 is below the smallest payment Stripe accepts, ¥50"


@pytest.mark.parametrize("amount,ok", [(5120, True), (5124, False), (50, True), (55, False)])
def test_three_decimal_currencies_charge_whole_hundredths_on_stripe(amount, ok):
    money = Money(amount, "KWD")
    if ok:
        check_chargeable("stripe", money)
    else:
        with pytest.raises(AmountNotChargeable, match=r"steps of 0\.010"):
            check_chargeable("stripe", money)
    check_chargeable("razorpay", Money(max(amount, 100), "KWD"))  # Razorpay has no such rule


@pytest.mark.parametrize(
    "money,wire",
    [
        (Money(1398, "USD"), 1398),
        (Money(750, "JPY"), 750),
        (Money(5120, "KWD"), 5120),
        (Money(5, "ISK"), 500),  # ISK: zero-decimal, but two decimals on Stripe's wire
        (Money(34900, "INR"), 34900),
    ],
)
def test_stripe_wire_amounts_round_trip(money, wire):
    assert to_stripe_amount(money) == wire
    assert from_stripe_amount(wire, money.currency.lower()) == money


def test_isk_wire_amount_must_be_whole_kronur():
    with pytest.raises(AmountNotChargeable):
        from_stripe_amount(550, "isk")


# Stripe's published rules, transcribed here from docs.stripe.com/currencies independently of galla/payments/money.py:
# how many of Stripe's `amount` units make one whole unit of each currency ("Zero-decimal currencies" list,
# three-decimal currencies, and the "Special cases" table), and whether fractions of a unit can be charged.
STRIPE_ZERO_DECIMAL = [
    "BIF",
    "CLP",
    "DJF",
    "GNF",
    "JPY",
    "KMF",
    "KRW",
    "MGA",
    "PYG",
    "RWF",
    "VND",
    "VUV",
    "XAF",
    "XOF",
    "XPF",
]
STRIPE_THREE_DECIMAL = ["BHD", "JOD", "KWD", "OMR", "TND"]
# "to charge 5 ISK, provide an amount value of 500 ... You can't charge fractions of ISK"; UGX likewise (it is in
# the zero-decimal list too, but the Special cases table says what a charge takes). HUF and TWD: "you can charge
# two-decimal amounts" (zero-decimal only for payouts).
STRIPE_WHOLE_UNITS_AS_HUNDREDS = ["ISK", "UGX"]
STRIPE_TWO_DECIMAL_SAMPLE = ["USD", "INR", "EUR", "GBP", "HUF", "TWD", "SGD", "AED"]
PUBLISHED = (
    [(c, 1, False) for c in STRIPE_ZERO_DECIMAL]
    + [(c, 1000, True) for c in STRIPE_THREE_DECIMAL]
    + [(c, 100, False) for c in STRIPE_WHOLE_UNITS_AS_HUNDREDS]
    + [(c, 100, True) for c in STRIPE_TWO_DECIMAL_SAMPLE]
)


@given(rule=st.sampled_from(PUBLISHED), whole=st.integers(min_value=0, max_value=10**9))
def test_item6_a_whole_amount_typed_in_major_units_goes_to_stripe_as_stripe_publishes(rule, whole):
    """docs.stripe.com/currencies: 5 ISK is sent as 500, ¥500 as 500, 10 USD as 1000, 5.120 KWD as 5120."""
    currency, per_unit, _ = rule
    assert to_stripe_amount(Money(parse_major(str(whole), currency), currency)) == whole * per_unit


@given(rule=st.sampled_from(PUBLISHED), whole=st.integers(min_value=0, max_value=10**9))
def test_item6_what_stripe_sends_back_reads_as_the_same_whole_amount(rule, whole):
    currency, per_unit, _ = rule
    assert from_stripe_amount(whole * per_unit, currency.lower()) == Money(parse_major(str(whole), currency), currency)


@given(
    rule=st.sampled_from([r for r in PUBLISHED if r[2] and r[1] == 100]),
    cents=st.integers(min_value=0, max_value=10**11),
)
def test_item6_two_decimal_currencies_huf_and_twd_included_charge_their_cents(rule, cents):
    """HUF and TWD: "Stripe treats [them] as a zero-decimal currency for payouts, even though you can charge
    two-decimal amounts" (docs.stripe.com/currencies#special-cases): HUF 10.45 is charged as 1045."""
    currency = rule[0]
    typed = f"{cents // 100}.{cents % 100:02d}"
    assert to_stripe_amount(Money(parse_major(typed, currency), currency)) == cents


@given(currency=st.sampled_from(STRIPE_WHOLE_UNITS_AS_HUNDREDS), wire=st.integers(min_value=1, max_value=10**9))
def test_item6_a_fractional_isk_or_ugx_from_stripe_is_refused_not_rounded(currency, wire):
    """ "You can't charge fractions of ISK" (nor UGX): a wire amount not divisible by 100 is no amount of ours."""
    if wire % 100:
        with pytest.raises(AmountNotChargeable):
            from_stripe_amount(wire, currency.lower())
    else:
        assert to_stripe_amount(from_stripe_amount(wire, currency.lower())) == wire


@pytest.mark.parametrize("currency", STRIPE_WHOLE_UNITS_AS_HUNDREDS)
def test_item6_isk_and_ugx_take_no_fractions_when_typed(currency):
    with pytest.raises(ValueError, match="no decimal places"):
        parse_major("5.50", currency)


def test_zero_and_three_decimal_formatting():
    assert Money(2230000, "JPY").format() == "¥2,230,000"
    assert Money(5120, "KWD").format() == "KWD5.120"  # three decimals kept


@given(
    rule=st.sampled_from([r for r in PUBLISHED if r[2] and r[1] == 100]),
    cents=st.integers(min_value=0, max_value=10**11),
)
def test_item6_a_two_decimal_amount_is_shown_as_it_is_charged_huf_included(rule, cents):
    """What the buyer and the admin read is what Stripe charges: HUF "you can charge two-decimal amounts"
    (docs.stripe.com/currencies#special-cases), so HUF 10.45 is shown as 10.45, not rounded to 10 as CLDR's
    zero-digit display of HUF (babel's currency precision) would have it."""
    currency = rule[0]
    shown = format_money(cents, currency)
    assert Decimal(re.sub(r"[^0-9.]", "", shown)) == Money(cents, currency).to_decimal()


def test_item6_huf_10_45_reads_10_45():
    assert format_money(1045, "HUF") == "HUF10.45"
    assert format_money(17500, "HUF") == "HUF175"  # a whole amount keeps CLDR's way of writing forints


def js_currency_set(name: str) -> frozenset[str]:
    """A currency set as static/js/common.js spells it: const NAME = new Set('A B C'.split(' '))."""
    source = (Path(__file__).resolve().parents[2] / "galla" / "static" / "js" / "common.js").read_text()
    match = re.search(rf"const {name} = new Set\('([A-Z ]+)'\.split\(' '\)\)", source)
    assert match, f"{name} not found in common.js"
    return frozenset(match[1].split())


def test_item6_the_pages_count_minor_units_as_the_server_does_isk_included():
    """The pages' formatMoney (static/js/common.js) and the server's Money agree on each currency's minor unit: ISK
    became zero-decimal here for Stripe's special case (docs.stripe.com/currencies#special-cases), so an order of
    5,000 ISK (amount 5000) must not read "ISK 50.00" in the browser."""
    assert (js_currency_set("ZERO_DECIMAL"), js_currency_set("THREE_DECIMAL")) == (ZERO_DECIMAL, THREE_DECIMAL)
