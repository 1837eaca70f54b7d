"""Razorpay's signatures, written here from the spec so a bug in the app's copy is not mirrored."""

from __future__ import annotations

import hashlib
import hmac


def sign_payment(key_secret: str, order_id: str, payment_id: str) -> str:
    """Return checkout's razorpay_signature: hex HMAC-SHA256 of "order_id|payment_id"."""
    return hmac_hex(key_secret, f"{order_id}|{payment_id}".encode())


def sign_webhook(webhook_secret: str, body: bytes) -> str:
    """Return the X-Razorpay-Signature header for a raw webhook body."""
    return hmac_hex(webhook_secret, body)


def hmac_hex(secret: str, message: bytes) -> str:
    """Return the lowercase hex HMAC-SHA256 of message under secret."""
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign_subscription_payment(key_secret: str, payment_id: str, subscription_id: str) -> str:
    """Return a subscription's authentication signature: hex HMAC-SHA256 of "payment_id|subscription_id", the reverse
    of the order flow (razorpay-python razorpay/utility/utility.py verify_subscription_payment_signature)."""
    return hmac_hex(key_secret, f"{payment_id}|{subscription_id}".encode())
