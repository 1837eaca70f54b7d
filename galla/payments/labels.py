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


def gateway_label(gateway: str | None) -> str:
    """A gateway's name as written (razorpay → Razorpay)."""
    return GATEWAY_NAMES.get(gateway or "", (gateway or "").capitalize())


def method_label(method: str | None) -> str:
    """A payment method as a buyer reads it (upi → UPI, bank_transfer → Bank transfer); "" for none."""
    return METHOD_LABELS.get(method, method.replace("_", " ").capitalize()) if method else ""
