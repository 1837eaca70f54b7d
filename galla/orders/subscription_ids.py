"""Our subscription ids."""

from __future__ import annotations

import secrets


def new_subscription_id() -> str:
    """A fresh, unguessable subscription id (120 random bits): its page is reached by knowing it, as an order's is."""
    return "sbn_" + secrets.token_urlsafe(15)
