"""An offline Stripe: Checkout Sessions, PaymentIntents, refunds and customers over its REST API, a hosted
payment page with Stripe's test cards, and the events it would send as webhooks.

    app = create_stripe_sandbox(secret_key="sk_test_...")
    parent.add_subapp("/sandbox/stripe", app)     # or serve it alone: python -m sandboxes.stripe
    app[STRIPE_SANDBOX_STATE].sessions / .payment_intents / .charges / .refunds / .disputes / .customers / .events
    app[STRIPE_WEBHOOKS].url = "http://127.0.0.1:8080/webhooks/stripe"   # events arrive as signed webhooks
    app[STRIPE_WEBHOOK_ENDPOINT].api_version = "2026-10-28.endive"      # the version webhooks are rendered in

An Indian account by default (create_stripe_sandbox(country="IN", exports="goods")): no customer search, and
Stripe India's rules for a card issued outside India (sandboxes/stripe/india.py). 3D Secure test cards get a
challenge on the hosted page. The page names the business as Checkout does, from the account's settings
(create_stripe_sandbox(business=BusinessProfile(name=..., icon_url=..., support_email=...))).

Billing too (billing_api.py, subscriptions.py, portal.py): Checkout in subscription mode, Subscriptions, Invoices,
test clocks whose advance renews, retries and cancels as Stripe's dunning does, and a customer portal page.

It imports nothing from the app (nor the stripe SDK), so a bug in the shop cannot be mirrored here.
"""

from .account import BusinessProfile, address_from_lines
from .app import create_stripe_sandbox
from .config import (
    STRIPE_SANDBOX_CONFIG,
    STRIPE_SANDBOX_FAULTS,
    STRIPE_SANDBOX_STATE,
    STRIPE_WEBHOOK_ENDPOINT,
    STRIPE_WEBHOOKS,
    Faults,
    SandboxConfig,
    WebhookEndpoint,
)
from .state import StripeEvent, StripeSandboxState

__all__ = [
    "STRIPE_SANDBOX_CONFIG",
    "STRIPE_SANDBOX_FAULTS",
    "STRIPE_SANDBOX_STATE",
    "STRIPE_WEBHOOKS",
    "STRIPE_WEBHOOK_ENDPOINT",
    "BusinessProfile",
    "Faults",
    "SandboxConfig",
    "StripeEvent",
    "StripeSandboxState",
    "WebhookEndpoint",
    "address_from_lines",
    "create_stripe_sandbox",
]
