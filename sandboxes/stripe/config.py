"""The sandbox's settings and the typed app keys under which it keeps them."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from ..common.faults import FailurePlan
from ..common.webhooks import WebhookSender
from .account import BusinessProfile
from .objects import API_VERSION
from .state import StripeSandboxState


@dataclass(frozen=True)
class SandboxConfig:
    """The test keys this sandbox accepts, where buyers reach its hosted page (None: as the request came), and the
    account's country, whose rules apply: IN (Galla's shops are Indian) has no Search API and Stripe India's
    rules for international payments."""

    secret_key: str
    publishable_key: str
    public_url: str | None = None
    country: str = "IN"
    # What an Indian account declared it exports at onboarding: "goods" (Galla's shops sell physical goods, so
    # exports need a shipping address too) or "services".
    exports: str = "goods"
    # The account's Adaptive Pricing Dashboard setting, which a session follows unless it says otherwise
    # (docs.stripe.com/api/checkout/sessions/create, adaptive_pricing.enabled).
    adaptive_pricing: bool = False
    # The account's public details and branding, which the hosted page shows (account.py).
    business: BusinessProfile = field(default_factory=BusinessProfile)
    started: int = 0  # the sandbox clock when it started: the account's `created`


@dataclass
class Faults:
    """Fault injection for the REST API; mutable so a test can change it while the server runs."""

    latency: float = 0.0  # seconds added before every /v1 call
    # HTTP statuses (429, 500, 503…) the next /v1 calls answer with, one each, as an overloaded edge would:
    # nothing runs and nothing is saved under the Idempotency-Key, so the SDK's retry can succeed.
    fail_next: list[int] = field(default_factory=list)
    # What a new refund does: "succeeded" at once (refund.created + charge.refunded), stays "pending"
    # (refund.created only; settle it with state.settle_refund), or "failed" (refund.created + refund.failed).
    refund_outcome: str = "succeeded"
    # An outage: a share of /v1 calls answering 5xx/429 or hanging (failures.set(1, "500"), set(0.5, "hang")).
    failures: FailurePlan = field(default_factory=FailurePlan)

    def next_failure(self) -> str | None:
        """The next queued failure, else the outage's draw (None: serve the call)."""
        return str(self.fail_next.pop(0)) if self.fail_next else self.failures.draw()


@dataclass
class WebhookEndpoint:
    """The one webhook endpoint: the API version its events are rendered in, changeable live.

    Stripe renders each webhook with its endpoint's api_version, set when the endpoint is created (POST
    /v1/webhook_endpoints `api_version`; stripe-python params/_webhook_endpoint_create_params.py), not with the
    version of the request that caused the event; docs.stripe.com/webhooks/versioning.
    """

    api_version: str = API_VERSION


STRIPE_SANDBOX_STATE = web.AppKey("stripe_sandbox_state", StripeSandboxState)
STRIPE_SANDBOX_CONFIG = web.AppKey("stripe_sandbox_config", SandboxConfig)
STRIPE_SANDBOX_FAULTS = web.AppKey("stripe_sandbox_faults", Faults)
STRIPE_WEBHOOKS = web.AppKey("stripe_sandbox_webhooks", WebhookSender)
STRIPE_WEBHOOK_ENDPOINT = web.AppKey("stripe_sandbox_webhook_endpoint", WebhookEndpoint)
