"""What every flow needs: the database, the gateway clients and the shop's own settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gateway.breaker import CircuitBreaker
from gateway.razorpay import CaptureMode, RazorpayClient
from gateway.stripe import StripeGateway


@dataclass(frozen=True, slots=True)
class Shop:
    """The dependencies of the checkout flows, built once by the app."""

    db: Any
    razorpay: RazorpayClient
    stripe: StripeGateway
    public_url: str = "http://127.0.0.1:8080"
    name: str = "Galla"
    capture: CaptureMode = "auto"
    failover: bool = True  # Razorpay's Indian buyers may pay through Stripe in INR when Razorpay is down
    on_failover: Callable[[str, str], None] | None = None  # told (from, to) of each rerouted checkout
    # No SMTP server configured: emails are queued as held (shown in the admin, sent once one is configured).
    holds_mail: bool = False

    @property
    def breakers(self) -> tuple[CircuitBreaker, ...]:
        """Each gateway's circuit breaker."""
        return (self.razorpay.breaker, self.stripe.breaker)

    def order_url(self, order_id: str) -> str:
        """The buyer's page for an order, as the buyer's browser reaches it."""
        return f"{self.public_url.rstrip('/')}/orders/{order_id}"
