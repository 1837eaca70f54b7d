"""The Indian mandate's rules for a subscription (SUBSCRIPTIONS.md §7, Razorpay's recurring-payments UPI FAQ: "The
maximum transaction amount allowed is ₹15,000 when using UPI ... Any auto debit above ₹15,000 undergoes an additional
authorisation from the customer"; RBI: a pre-debit notice at least 24 hours before each debit, from the issuer)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from galla.orders.mandates import FRICTIONLESS_LIMIT, mandate_facts, rupee_mandate


def test_a_plan_up_to_15000_rupees_may_be_carried_by_upi_autopay_without_afa_on_each_debit():
    facts = rupee_mandate(FRICTIONLESS_LIMIT)
    assert (facts.max_amount, facts.upi_autopay, facts.afa_each_debit) == (1_500_000, True, False)
    assert facts.methods == ("upi", "card", "emandate")
    assert facts.max_amount_display == "₹15,000.00"


def test_above_15000_rupees_upi_autopay_is_not_offered_and_a_card_needs_afa_on_each_debit():
    facts = rupee_mandate(FRICTIONLESS_LIMIT + 1)
    assert (facts.upi_autopay, facts.afa_each_debit) == (False, True)
    assert facts.methods == ("card", "emandate")
    assert any("approve every debit" in line for line in facts.lines)
    assert any("UPI Autopay is not offered" in line for line in facts.lines)


@pytest.mark.parametrize(
    ("method", "sender"),
    [("upi", "your UPI app"), ("card", "your card's issuing bank"), (None, "your bank or UPI app")],
)
def test_the_pre_debit_notice_comes_24_hours_ahead_from_the_bank_or_upi_app_never_the_shop(method, sender):
    facts = rupee_mandate(49900, method)
    assert (facts.pre_debit_notice_hours, facts.pre_debit_notice_by) == (24, sender)
    assert f"At least 24 hours before each debit, {sender} (not this shop)" in facts.lines[-1]


def test_a_card_mandate_above_the_limit_is_not_called_upi_and_a_upi_one_needs_no_card_afa():
    assert rupee_mandate(2_000_000, "card").afa_each_debit is True
    assert rupee_mandate(2_000_000, "emandate").afa_each_debit is False
    assert rupee_mandate(49900, "card").upi_autopay is False


def test_a_plan_with_a_number_of_charges_says_how_many():
    assert "12 in all" in rupee_mandate(49900, total_count=12).lines[0]
    assert "until you cancel" in rupee_mandate(49900).lines[0]


def test_only_a_rupee_subscription_through_razorpay_has_mandate_facts():
    sub = dict(gateway="razorpay", amount=49900, currency="INR", payment_method="upi", total_count=None)
    assert mandate_facts(SimpleNamespace(**sub)) is not None
    assert mandate_facts(SimpleNamespace(**{**sub, "gateway": "stripe"})) is None
    assert mandate_facts(SimpleNamespace(**{**sub, "currency": "USD"})) is None
