"""The sandbox's settings and the typed app keys under which it keeps them."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from ..common.faults import FailurePlan
from ..common.webhooks import WebhookSender
from .state import SandboxState
from .subscriptions import SubscriptionBook


@dataclass(frozen=True)
class SandboxKeys:
    """The one test key pair this sandbox accepts."""

    key_id: str
    key_secret: str


@dataclass
class Faults:
    """Fault injection for the REST API; mutable so a test can change it while the server runs."""

    latency: float = 0.0  # seconds added before every /v1 REST call
    # What a new refund does: "processed" at once (refund.created + refund.processed), stays "pending"
    # (refund.created only; settle it with state.settle_refund), or "failed" (refund.created + refund.failed).
    refund_outcome: str = "processed"
    # How long a refund creation holds its payment before it is processed: a second refund on the same payment
    # meanwhile is refused (409 for the same X-Refund-Idempotency key, 400 for another), as Razorpay's locks do.
    refund_hold: float = 0.0
    # The next this-many refund creations answer 409 as if our earlier request with that key were still running.
    refund_conflicts: int = 0
    # An outage: a share of REST calls answering 5xx/429 or hanging (failures.set(1, "500"), set(0.5, "hang")).
    failures: FailurePlan = field(default_factory=FailurePlan)


SANDBOX_STATE = web.AppKey("razorpay_sandbox_state", SandboxState)
SANDBOX_KEYS = web.AppKey("razorpay_sandbox_keys", SandboxKeys)
SANDBOX_FAULTS = web.AppKey("razorpay_sandbox_faults", Faults)
SANDBOX_SUBSCRIPTIONS = web.AppKey("razorpay_sandbox_subscriptions", SubscriptionBook)
RAZORPAY_WEBHOOKS = web.AppKey("razorpay_sandbox_webhooks", WebhookSender)
