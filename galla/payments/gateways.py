"""The gateways Galla takes payments through: their names as stored, and what each needs to be live."""

from __future__ import annotations

from enum import StrEnum


class Gateway(StrEnum):
    """A payment gateway, by the name stored on orders, refunds and ledger entries (a str, so JSON is unchanged)."""

    RAZORPAY = "razorpay"
    STRIPE = "stripe"


# The setting whose absence turns a gateway off (said in the error a call to an off gateway raises).
KEY_SETTINGS = {Gateway.RAZORPAY: "RAZORPAY_KEY_ID", Gateway.STRIPE: "STRIPE_SECRET_KEY"}
