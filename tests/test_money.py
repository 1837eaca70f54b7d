"""Money: minor units, currency exponents, and rupees written the Indian way."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.money import (AmountNotChargeable, Money, check_chargeable, exponent_of, format_money,
                           from_stripe_amount, minimum_charge, to_stripe_amount)


@pytest.mark.parametrize("amount,currency,text", [
    (12345600, "INR", "₹1,23,456.00"),
    (49900, "INR", "₹499.00"),
    (1249900, "INR", "₹12,499.00"),
    (1000000000, "INR", "₹1,00,00,000.00"),
    (5, "INR", "₹0.05"),
    (699, "USD", "$6.99"),
    (123456789, "USD", "$1,234,567.89"),
    (500, "JPY", "¥500"),
])
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


@pytest.mark.parametrize("gateway,currency,minimum", [
    ("razorpay", "INR", 100),   # ₹1.00
    ("stripe", "INR", 50),      # ₹0.50
    ("stripe", "USD", 50),      # $0.50
    ("stripe", "GBP", 30),      # £0.30
    ("stripe", "JPY", 50),      # ¥50: zero-decimal, so 50 is fifty yen, not half a yen
    ("stripe", "HUF", 17500),   # 175.00 Ft
    ("stripe", "KWD", 50),      # unlisted: USD's 50 minor units
])
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
        with pytest.raises(AmountNotChargeable, match="steps of 0.010"):
            check_chargeable("stripe", money)
    check_chargeable("razorpay", Money(max(amount, 100), "KWD"))  # Razorpay has no such rule


@pytest.mark.parametrize("money,wire", [
    (Money(1398, "USD"), 1398), (Money(750, "JPY"), 750), (Money(5120, "KWD"), 5120),
    (Money(5, "ISK"), 500),     # ISK: zero-decimal, but two decimals on Stripe's wire
    (Money(34900, "INR"), 34900),
])
def test_stripe_wire_amounts_round_trip(money, wire):
    assert to_stripe_amount(money) == wire
    assert from_stripe_amount(wire, money.currency.lower()) == money


def test_isk_wire_amount_must_be_whole_kronur():
    with pytest.raises(AmountNotChargeable):
        from_stripe_amount(550, "isk")


def test_zero_and_three_decimal_formatting():
    assert Money(2230000, "JPY").format() == "¥2,230,000"
    assert Money(5120, "KWD").format() == "KWD5.120"  # three decimals kept
