"""Stripe India's rules for a payment on an Indian account: what an export (a card issued outside India) must carry.

Sources: support.stripe.com/questions/failed-international-payments-from-stripe-accounts-in-india (the table of
requirements and the API error messages below, verbatim); support.stripe.com/questions/requirements-for-india-
export-charges ("pass through the customer's name, billing address, and an order description ... for the export of
physical goods, Stripe also mandatorily requires the customer's shipping address"); docs.stripe.com/india-accept-
international-payments. Stripe refuses the confirmation, so the buyer sees the message on the payment page.
"""

from __future__ import annotations

from typing import Any

MORE = " More info here: https://stripe.com/docs/india-exports"
NEEDS_DESCRIPTION = "As per Indian regulations, export transactions require a description." + MORE
NEEDS_NAME_AND_ADDRESS = "As per Indian regulations, export transactions require a customer name and address." + MORE
NEEDS_SHIPPING = "As per Indian regulations, goods export transactions require a billing and a shipping address." + MORE
DOMESTIC_IN_INR = "Domestic transactions in India must present in INR." + MORE


def refusal(
    *,
    account_country: str,
    exports: str,
    currency: str,
    card_country: str,
    description: str | None,
    shipping: dict[str, Any] | None,
    name: str,
    billing_address: dict[str, Any] | None,
) -> str | None:
    """Return the message Stripe India refuses this confirmation with, or None when it may go ahead; `shipping` is
    the PaymentIntent's (payment_intent_data.shipping, or what Checkout collected)."""
    if account_country != "IN":
        return None
    if card_country == "IN":
        # "Domestic Payments: ... passing description and INR currency in the Payment Intent API".
        return DOMESTIC_IN_INR if currency.lower() != "inr" else None
    if not description:
        return NEEDS_DESCRIPTION
    # "To accept international payments, you need to collect the customer name and the address located outside
    # India ... Address needs to be outside India to be considered as valid charges for international payments."
    if not name or not billing_address or not billing_address.get("line1") or billing_address.get("country") == "IN":
        return NEEDS_NAME_AND_ADDRESS
    if exports == "goods" and not shipping:
        return NEEDS_SHIPPING
    return None
