"""What every flow needs: the database, the gateway clients and the shop's own settings."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, cast

from galla.payments.breaker import CircuitBreaker
from galla.payments.calls import CallRecord
from galla.payments.errors import GatewayInvalid
from galla.payments.gateways import KEY_SETTINGS, Gateway
from galla.payments.labels import gateway_label
from galla.payments.money import Money
from galla.payments.razorpay.client import CaptureMode, RazorpayClient
from galla.payments.reports import RefundReport
from galla.payments.retry import NO_RETRY
from galla.payments.stripe.client import StripeGateway

if TYPE_CHECKING:
    from galla.payments.provider import PaymentProvider
    from galla.payments.subscription_provider import SubscriptionProvider

# A webhook's follow-up calls (a capture, adopting a Razorpay order, a Stripe lookup) are each cut off after
# this long and never retried: the gateway waits for our answer (Razorpay 5 s) and delivers again if it is late.
WEBHOOK_CALL_SECONDS = 1.5


class GatewayOff(GatewayInvalid):
    """A call to a gateway this shop has no keys for: it is off, not a sandbox (a live shop is never half-live)."""


class OffGateway:
    """Stands in for the client of a gateway that is off: every call raises GatewayOff, naming the setting.

    Routing sends no buyer to an off gateway; this catches what is left (an old order's refund, reconcile),
    with the error every caller already handles, so no flow has to test for a missing client.
    """

    observe = None  # the metrics hook some code sets on every client; nothing to observe here

    def __init__(self, gateway: str) -> None:
        self.gateway = gateway
        self.breaker = CircuitBreaker(gateway)  # never called; present because every client has one

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def refuse(*args: Any, **kwargs: Any) -> Any:
            raise gateway_off(self.gateway)

        return refuse


def gateway_off(gateway: str) -> GatewayOff:
    """The error a call to a gateway that is off raises, naming the setting that would turn it on."""
    setting = KEY_SETTINGS[Gateway(gateway)]
    return GatewayOff(
        f"{gateway_label(gateway)} is off on this shop ({setting} is not set)", gateway=gateway, code="gateway_off"
    )


def registered_providers() -> Mapping[str, PaymentProvider]:
    """The registry of every gateway's provider."""
    # Imported when a Shop is made, not above: the providers' flows import this module for Shop.
    from galla.payments.registry import PROVIDERS

    return PROVIDERS


@dataclass(frozen=True, slots=True)
class ShopDetails:
    """Who sells: the shop's name, legal name, postal address (lines split by ", " or newlines) and contacts."""

    name: str = "Galla"
    legal_name: str = "Galla"
    address: str | None = None
    email: str | None = None
    phone: str | None = None

    @property
    def address_lines(self) -> list[str]:
        """The postal address as lines (SHOP_ADDRESS may separate them by newlines or by ", ")."""
        if not self.address:
            return []
        return [part.strip() for part in re.split(r"\n|, ", self.address) if part.strip()]


@dataclass(frozen=True, slots=True)
class Shop:
    """The dependencies of the checkout flows, built once by the app; None for a gateway that is off."""

    db: Any
    razorpay: RazorpayClient | OffGateway | None
    stripe: StripeGateway | OffGateway | None
    public_url: str = "http://127.0.0.1:8080"
    name: str = "Galla"
    details: ShopDetails = field(default_factory=ShopDetails)  # legal name, address, contacts (receipts, emails)
    capture: CaptureMode = "auto"
    failover: bool = True  # Razorpay's Indian buyers may pay through Stripe in INR when Razorpay is down
    on_failover: Callable[[str, str], None] | None = None  # told (from, to) of each rerouted checkout
    # No SMTP server configured: emails are queued as held (shown in the admin, sent once one is configured).
    holds_mail: bool = False
    # The gateways played by the sandboxes mounted in this app (`make run`, no keys): never one with real keys.
    sandboxed: frozenset[str] = frozenset()
    # Each gateway's provider by name (galla/payments/registry.py's PROVIDERS unless a test brings its own).
    providers: Mapping[str, PaymentProvider] = field(default_factory=registered_providers)

    def __post_init__(self) -> None:
        for gateway in Gateway:
            if getattr(self, gateway) is None:
                object.__setattr__(self, gateway, OffGateway(gateway))

    def provider(self, gateway: str) -> PaymentProvider:
        """The provider of a gateway, by its name as stored; UnknownGateway for a name none is registered for."""
        return self.providers[gateway]

    def subscription_provider(self, gateway: str) -> SubscriptionProvider:
        """The subscription side of a gateway's provider (each provider implements both interfaces)."""
        return cast("SubscriptionProvider", self.providers[gateway])

    def subscription_url(self, subscription_id: str) -> str:
        """The buyer's page for a subscription, as the buyer's browser reaches it."""
        return f"{self.public_url.rstrip('/')}/subscriptions/{subscription_id}"

    @property
    def razorpay_client(self) -> RazorpayClient:
        """The Razorpay client; GatewayOff, which every caller handles, when Razorpay is off on this shop."""
        if isinstance(self.razorpay, RazorpayClient):
            return self.razorpay
        raise gateway_off(Gateway.RAZORPAY.value)

    @property
    def stripe_client(self) -> StripeGateway:
        """The Stripe client; GatewayOff, which every caller handles, when Stripe is off on this shop."""
        if isinstance(self.stripe, StripeGateway):
            return self.stripe
        raise gateway_off(Gateway.STRIPE.value)

    @property
    def live(self) -> frozenset[str]:
        """The gateways this shop takes payments through (the others are off)."""
        return frozenset(name.value for name in Gateway if not isinstance(getattr(self, name), OffGateway))

    @property
    def breakers(self) -> tuple[CircuitBreaker, ...]:
        """Each live gateway's circuit breaker."""
        return tuple(getattr(self, name).breaker for name in Gateway if name in self.live)

    async def refund(
        self, gateway: str, payment_id: str, money: Money, *, key: str, notes: dict[str, str]
    ) -> tuple[RefundReport, CallRecord]:
        """Ask the gateway that took a payment to refund it under our key (a retry is the same refund)."""
        return await self.provider(gateway).refund(self, payment_id, money, key=key, notes=notes)

    def fails_over(self, to: str) -> bool:
        """Whether an outage may send a buyer to gateway `to` instead: wanted, and `to` is live."""
        return self.failover and to in self.live

    def for_webhook(self) -> Shop:
        """This shop with gateway clients for a webhook's follow-up calls: short timeouts, no retries.

        The copies share each client's aiohttp session and circuit breaker (dataclasses.replace keeps them).
        """
        razorpay, stripe = self.razorpay, self.stripe
        if isinstance(razorpay, RazorpayClient):
            razorpay = replace(razorpay, timeout=min(razorpay.timeout, WEBHOOK_CALL_SECONDS), retry=NO_RETRY)
        if isinstance(stripe, StripeGateway):
            stripe = replace(stripe, timeout=min(stripe.timeout, WEBHOOK_CALL_SECONDS), max_network_retries=0)
        return replace(self, razorpay=razorpay, stripe=stripe)

    def order_url(self, order_id: str) -> str:
        """The buyer's page for an order, as the buyer's browser reaches it."""
        return f"{self.public_url.rstrip('/')}/orders/{order_id}"
