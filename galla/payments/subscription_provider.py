"""The subscription side of a gateway's provider: what every gateway does for a subscription, so the subscription
flows never test a gateway's name (the provider classes in galla/payments/<gateway>/provider.py implement both
this and galla/payments/provider.py's PaymentProvider)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from galla.payments.gateways import Gateway
from galla.payments.provider import Entries
from galla.payments.subscription_reports import ChargeReport, SubscriptionReport

if TYPE_CHECKING:
    from galla.orders.context import Shop
    from galla.store.subscriptions import Subscription


class SubscriptionProvider(Protocol):
    """Open, confirm, fetch, change and hear about a subscription at one gateway."""

    gateway: Gateway

    async def open_subscription(self, shop: Shop, sub: Subscription) -> Subscription:
        """Create the gateway's subscription (or Checkout session) for ours and keep its ids."""
        ...

    def subscription_options(self, shop: Shop, sub: Subscription) -> dict[str, Any]:
        """What the browser needs to authorise the mandate: checkout.js options, or the Stripe session to go to."""
        ...

    async def confirm_subscription(self, shop: Shop, sub_id: str, proof: Mapping[str, str]) -> Subscription:
        """Check with the gateway what the browser says it authorised (a signature, a session), then sync."""
        ...

    async def fetch_subscription(
        self, shop: Shop, sub: Subscription
    ) -> tuple[SubscriptionReport | None, list[ChargeReport], Entries]:
        """The subscription and its charges as the gateway holds them now (None before the gateway has one)."""
        ...

    async def cancel_subscription(self, shop: Shop, sub: Subscription, *, at_period_end: bool) -> Subscription:
        """Cancel now or at the end of the period, then sync from the gateway."""
        ...

    async def pause_subscription(self, shop: Shop, sub: Subscription) -> Subscription:
        """Stop charging until resumed, then sync from the gateway."""
        ...

    async def resume_subscription(self, shop: Shop, sub: Subscription) -> Subscription:
        """Charge again after a pause, then sync from the gateway."""
        ...

    async def portal_url(self, shop: Shop, sub: Subscription, return_url: str) -> str | None:
        """Where the buyer manages the subscription at the gateway (Stripe's customer portal), or None."""
        ...

    def is_subscription_event(self, event: Any) -> bool:
        """Whether a verified event concerns a subscription rather than an order."""
        ...

    async def apply_subscription_event(
        self, shop: Shop, event: Any, entries: Entries
    ) -> tuple[Subscription | None, Subscription | None]:
        """Apply a subscription event: the subscription before and after (None, None when it is none of ours)."""
        ...
