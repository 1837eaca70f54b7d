"""The routing rule as a table: who pays through which gateway, in which currency."""

from __future__ import annotations

import pytest

from galla.payments.routing import GatewayOff, NoRoute, Route, choose_route, local_currencies

ALL = {"INR", "USD", "EUR", "GBP", "JPY"}


@pytest.mark.parametrize(
    "country,priced_in,international_card,route",
    [
        # Buyers in India: Razorpay in rupees, unless they ask for an international card.
        ("IN", ALL, False, Route("razorpay", "INR", "domestic")),
        ("in", {"INR"}, False, Route("razorpay", "INR", "domestic")),
        ("IN", ALL, True, Route("stripe", "INR", "international_card")),
        # Elsewhere: Stripe, in the buyer's own currency when the cart is priced in it...
        ("US", ALL, False, Route("stripe", "USD", "international")),
        ("JP", ALL, False, Route("stripe", "JPY", "international")),
        ("DE", ALL, False, Route("stripe", "EUR", "international")),
        ("FR", ALL, True, Route("stripe", "EUR", "international")),  # the option means nothing abroad
        ("GB", ALL, False, Route("stripe", "GBP", "international")),
        # ...else in US dollars...
        ("BR", ALL, False, Route("stripe", "USD", "international")),
        ("AU", {"INR", "USD"}, False, Route("stripe", "USD", "international")),
        ("JP", {"INR", "USD"}, False, Route("stripe", "USD", "international")),
        # ...else in another currency the whole cart has, alphabetically.
        ("BR", {"INR", "GBP", "EUR"}, False, Route("stripe", "EUR", "international")),
        ("US", {"INR"}, False, Route("stripe", "INR", "international")),
    ],
)
def test_route_table(country, priced_in, international_card, route):
    assert choose_route(country, priced_in, international_card=international_card) == route


@pytest.mark.parametrize(
    "country,priced_in,international_card",
    [
        ("IN", {"USD", "EUR"}, False),  # no rupee price: Razorpay cannot take it
        ("IN", {"USD"}, True),  # the international card still pays in rupees
        ("US", set(), False),
    ],
)
def test_no_route(country, priced_in, international_card):
    with pytest.raises(NoRoute):
        choose_route(country, priced_in, international_card=international_card)


RAZORPAY_ONLY, STRIPE_ONLY = frozenset({"razorpay"}), frozenset({"stripe"})


@pytest.mark.parametrize(
    "live,country,international_card,route",
    [
        # Issue 24 item 17: a gateway without keys is off, and no buyer is routed to it.
        (RAZORPAY_ONLY, "IN", False, Route("razorpay", "INR", "domestic")),
        (STRIPE_ONLY, "IN", False, Route("stripe", "INR", "domestic")),  # cards, in rupees
        (STRIPE_ONLY, "IN", True, Route("stripe", "INR", "international_card")),
        (STRIPE_ONLY, "US", False, Route("stripe", "USD", "international")),
    ],
)
def test_item17_route_table_with_one_gateway_live(live, country, international_card, route):
    assert choose_route(country, ALL, international_card=international_card, live=live) == route


@pytest.mark.parametrize(
    "country,international_card,field",
    [
        ("US", False, "country"),  # the shop takes payments only in India for now
        ("JP", True, "country"),
        ("IN", True, "international_card"),
    ],
)
def test_item17_no_route_to_an_off_stripe_names_the_field(country, international_card, field):
    with pytest.raises(GatewayOff) as refused:
        choose_route(country, ALL, international_card=international_card, live=RAZORPAY_ONLY)
    assert refused.value.field == field


def test_local_currencies_come_from_cldr():
    assert local_currencies("JP") == ("JPY",)
    assert local_currencies("DE") == ("EUR",)
    assert local_currencies("AQ") == ()  # Antarctica: no tender, so the fallbacks decide
    assert choose_route("AQ", ALL).currency == "USD"
