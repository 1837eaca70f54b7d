"""Delivery addresses for test checkouts: one valid address per country the tests buy from (issue 24, item 11)."""

from __future__ import annotations

# Real-looking addresses in each country's format (galla/orders/addresses.py); name and phone are left out, so the
# buyer's are used, whoever the test's buyer is.
ADDRESSES = {
    "IN": {
        "line1": "Flat 4B, 12 MG Road",
        "line2": "Near Trinity Circle",
        "city": "Bengaluru",
        "state": "Karnataka",
        "postal_code": "560001",
    },
    "US": {"line1": "1600 Amphitheatre Parkway", "city": "Mountain View", "state": "CA", "postal_code": "94043"},
    "GB": {"line1": "10 Downing Street", "city": "London", "postal_code": "SW1A 2AA"},
    "DE": {"line1": "Unter den Linden 1", "city": "Berlin", "postal_code": "10117"},
    "JP": {"line1": "1-1 Chiyoda", "city": "Chiyoda-ku", "state": "Tokyo", "postal_code": "100-0001"},
}
# Countries without an entry above: the least any address needs.
ANYWHERE = {"line1": "1 Harbour Road", "city": "Capital City"}


def shipping_address(country: str = "IN", **overrides) -> dict:
    """A valid shipping_address for a checkout from `country`, with `overrides` on top."""
    return {**ADDRESSES.get(country, ANYWHERE), "country": country, **overrides}


async def fill_address(page, country: str = "IN") -> None:
    """Type the country's address into the checkout page's address fields (once the country is chosen there)."""
    address = ADDRESSES.get(country, ANYWHERE)
    for part in ("line1", "line2", "city", "postal_code"):
        if address.get(part):
            await page.fill(f'[data-testid="address-{part.replace("_", "-")}"]', address[part])
    if address.get("state") and country == "IN":  # India's states are a list to choose from
        await page.select_option('[data-testid="address-state"]', address["state"])
    elif address.get("state"):
        await page.fill('[data-testid="address-state-text"]', address["state"])


# A buyer's billing address outside India, as the hosted page's form fields (billing_address_collection=required).
US_BILLING = {
    "billing_line1": "510 Townsend St",
    "billing_city": "San Francisco",
    "billing_state": "CA",
    "billing_postal_code": "94103",
    "billing_country": "US",
}
# The shipping form's fields, for a session that collects the address (shipping_address_collection).
US_SHIPPING_FORM = {
    "shipping_name": "Jane Doe",
    "shipping_line1": "510 Townsend St",
    "shipping_city": "San Francisco",
    "shipping_state": "CA",
    "shipping_postal_code": "94103",
    "shipping_country": "US",
}
# payment_intent_data.shipping for a parcel to the buyer (Stripe India: goods exports need it).
US_SHIPPING = {
    "name": "Jane Doe",
    "phone": "+14155550132",
    "address": {
        "line1": "510 Townsend St",
        "city": "San Francisco",
        "state": "CA",
        "postal_code": "94103",
        "country": "US",
    },
}
