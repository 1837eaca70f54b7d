"""An offline Stripe: Checkout Sessions, PaymentIntents, refunds and customers over its REST API, a hosted
payment page with Stripe's test cards, and the events it would send as webhooks.

    app = create_stripe_sandbox(secret_key="sk_test_...")
    parent.add_subapp("/sandbox/stripe", app)     # or serve it alone: python -m sandbox.stripe
    app[STRIPE_SANDBOX_STATE].sessions / .payment_intents / .charges / .refunds / .disputes / .customers / .events
    app[STRIPE_WEBHOOKS].url = "http://127.0.0.1:8080/webhooks/stripe"   # events arrive as signed webhooks

It imports nothing from the app (nor the stripe SDK), so a bug in the shop cannot be mirrored here.
"""

from .app import create_stripe_sandbox
from .config import (STRIPE_SANDBOX_CONFIG, STRIPE_SANDBOX_FAULTS, STRIPE_SANDBOX_STATE, STRIPE_WEBHOOKS, Faults,
                     SandboxConfig)
from .state import StripeEvent, StripeSandboxState

__all__ = ["STRIPE_SANDBOX_CONFIG", "STRIPE_SANDBOX_FAULTS", "STRIPE_SANDBOX_STATE", "STRIPE_WEBHOOKS", "Faults",
           "SandboxConfig", "StripeEvent", "StripeSandboxState", "create_stripe_sandbox"]
