"""Both gateways implement the provider interface, and the registry refuses a gateway it has no provider for."""

import inspect

import pytest

from galla.orders.context import Shop
from galla.payments.gateways import Gateway
from galla.payments.provider import PaymentProvider
from galla.payments.registry import PROVIDERS, UnknownGateway

# The interface's methods, from the protocol itself (its own attributes, not object's).
METHODS = sorted(
    name for name, member in vars(PaymentProvider).items() if not name.startswith("_") and inspect.isfunction(member)
)


@pytest.mark.parametrize("gateway", list(Gateway))
def test_the_registry_gives_each_gateway_its_own_provider(gateway):
    assert PROVIDERS[gateway].gateway == gateway


def parameters(method):
    """A method's parameters by name and kind (the annotations may narrow, as a gateway's event type does)."""
    return [(p.name, p.kind) for p in inspect.signature(method).parameters.values()]


@pytest.mark.parametrize("gateway", list(Gateway))
def test_each_provider_has_every_method_of_the_interface_with_its_parameters(gateway):
    provider = type(PROVIDERS[gateway])
    assert {name: parameters(getattr(provider, name)) for name in METHODS} == {
        name: parameters(getattr(PaymentProvider, name)) for name in METHODS
    }


@pytest.mark.parametrize("gateway", list(Gateway))
def test_each_provider_says_how_it_fails_over_and_captures(gateway):
    provider = PROVIDERS[gateway]
    assert (provider.fails_over_to in (None, *Gateway), isinstance(provider.captures_by_hand, bool)) == (True, True)


@pytest.mark.parametrize("gateway", list(Gateway))
def test_each_provider_is_async_where_the_interface_is(gateway):
    provider = PROVIDERS[gateway]
    assert [inspect.iscoroutinefunction(getattr(provider, name)) for name in METHODS] == [
        inspect.iscoroutinefunction(getattr(PaymentProvider, name)) for name in METHODS
    ]


def test_the_registry_knows_a_gateway_by_its_stored_name():
    assert PROVIDERS["razorpay"] is PROVIDERS[Gateway.RAZORPAY]


def test_an_unknown_gateway_is_refused():
    with pytest.raises(UnknownGateway, match="cashfree"):
        PROVIDERS["cashfree"]


def test_an_unknown_gateway_is_not_in_the_registry():
    assert "cashfree" not in PROVIDERS


def test_a_shop_finds_providers_through_its_registry():
    shop = Shop(db=None, razorpay=None, stripe=None)
    assert shop.provider("stripe") is PROVIDERS["stripe"]


def test_a_shop_refuses_an_unknown_gateway():
    shop = Shop(db=None, razorpay=None, stripe=None)
    with pytest.raises(UnknownGateway):
        shop.provider("payu")
