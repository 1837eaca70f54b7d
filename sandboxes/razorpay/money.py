"""Amounts for people, the Indian way: ₹1,23,456.00 (lakh and crore grouping)."""

from __future__ import annotations

SYMBOLS = {"INR": "₹", "USD": "$", "EUR": "€", "GBP": "£"}


def group_indian(whole: int) -> str:
    """Return digits grouped as 1,23,45,678: the last three, then pairs."""
    digits = str(whole)
    head, tail = digits[:-3], digits[-3:]
    pairs: list[str] = []
    while head:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    return ",".join([*pairs, tail])


def format_amount(amount: int, currency: str) -> str:
    """Return minor units as en-IN would show them, e.g. 12345600 INR → ₹1,23,456.00."""
    sign = "-" if amount < 0 else ""
    whole, fraction = divmod(abs(amount), 100)
    symbol = SYMBOLS.get(currency, currency + " ")
    return f"{sign}{symbol}{group_indian(whole)}.{fraction:02d}"
