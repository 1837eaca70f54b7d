"""Money: minor units, currency exponents, and rupees written the Indian way."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.money import Money, exponent_of, format_money, razorpay_minimum


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
    assert razorpay_minimum("INR") == Money(100, "INR")
