"""An offline Razorpay: its REST API, checkout.js and payment window, with real signatures.

app = create_razorpay_sandbox(key_id="rzp_test_...", key_secret="...")
parent.add_subapp("/sandbox/razorpay", app)     # or serve it on its own
app[SANDBOX_STATE].orders / .payments / .refunds / .disputes / .events
app[SANDBOX_SUBSCRIPTIONS].plans / .subscriptions / .invoices     # Subscriptions; POST /sandbox/clock charges
app[RAZORPAY_WEBHOOKS].url = "http://127.0.0.1:8080/webhooks/razorpay"   # events arrive as signed webhooks
"""

from .app import create_razorpay_sandbox
from .config import (
    RAZORPAY_WEBHOOKS,
    SANDBOX_FAULTS,
    SANDBOX_KEYS,
    SANDBOX_STATE,
    SANDBOX_SUBSCRIPTIONS,
    Faults,
    SandboxKeys,
)
from .state import Event, SandboxState

__all__ = [
    "RAZORPAY_WEBHOOKS",
    "SANDBOX_FAULTS",
    "SANDBOX_KEYS",
    "SANDBOX_STATE",
    "SANDBOX_SUBSCRIPTIONS",
    "Event",
    "Faults",
    "SandboxKeys",
    "SandboxState",
    "create_razorpay_sandbox",
]
