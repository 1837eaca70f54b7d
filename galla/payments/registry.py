"""The provider registry: each gateway's name to the provider that serves it (a third gateway is one entry)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from galla.payments.gateways import Gateway
from galla.payments.provider import PaymentProvider
from galla.payments.razorpay.provider import RazorpayProvider
from galla.payments.stripe.provider import StripeProvider


class UnknownGateway(LookupError):
    """A gateway name no provider is registered for (a stored order of a gateway this build does not have)."""


class ProviderRegistry(Mapping[str, PaymentProvider]):
    """Providers by gateway name; asking for an unregistered one raises UnknownGateway."""

    def __init__(self, providers: Mapping[Gateway, PaymentProvider]) -> None:
        self._providers = dict(providers)

    def __getitem__(self, gateway: str) -> PaymentProvider:
        try:
            return self._providers[Gateway(gateway)]
        except (ValueError, KeyError):
            raise UnknownGateway(f"no payment provider for gateway {gateway!r}") from None

    def __contains__(self, gateway: object) -> bool:
        return isinstance(gateway, str) and gateway in self._providers

    def __iter__(self) -> Iterator[str]:
        return iter(self._providers)

    def __len__(self) -> int:
        return len(self._providers)


PROVIDERS = ProviderRegistry({Gateway.RAZORPAY: RazorpayProvider(), Gateway.STRIPE: StripeProvider()})
