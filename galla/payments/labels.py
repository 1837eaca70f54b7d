"""How gateways and payment methods read to people: one wording for pages, emails, the trace and the dashboard."""

from __future__ import annotations

GATEWAY_NAMES = {"razorpay": "Razorpay", "stripe": "Stripe"}
METHOD_LABELS = {
    "upi": "UPI",
    "card": "Card",
    "netbanking": "Netbanking",
    "wallet": "Wallet",
    "emi": "EMI",
    "paylater": "Pay Later",
    "bank_transfer": "Bank transfer",
    "cardless_emi": "Cardless EMI",
}
# A plan's period when it is one interval long (SUBSCRIPTIONS.md: weekly, monthly, yearly plans).
EVERY_ONE = {"week": "Weekly", "month": "Monthly", "year": "Yearly"}


def gateway_label(gateway: str | None) -> str:
    """A gateway's name as written (razorpay → Razorpay)."""
    return GATEWAY_NAMES.get(gateway or "", (gateway or "").capitalize())


def method_label(method: str | None) -> str:
    """A payment method as a buyer reads it (upi → UPI, bank_transfer → Bank transfer); "" for none."""
    return METHOD_LABELS.get(method, method.replace("_", " ").capitalize()) if method else ""


def interval_label(interval: str, count: int = 1) -> str:
    """How often a plan charges, as people say it (Monthly, Every 3 months)."""
    if count == 1:
        return EVERY_ONE.get(interval, f"Every {interval}")
    return f"Every {count} {interval}s"


# A subscription's status as people read it (SUBSCRIPTIONS.md §5: Razorpay's vocabulary, Stripe's mapped onto it).
SUBSCRIPTION_LABELS = {
    "created": "Awaiting authorisation",
    "authenticated": "Authorised, not started",
    "active": "Active",
    "pending": "Retrying a charge",
    "halted": "Halted",
    "paused": "Paused",
    "cancelled": "Cancelled",
    "completed": "Completed",
    "expired": "Expired",
}


def subscription_label(status: str) -> str:
    """A subscription's status as people read it (pending → Retrying a charge)."""
    return SUBSCRIPTION_LABELS.get(status, status.replace("_", " ").capitalize())
