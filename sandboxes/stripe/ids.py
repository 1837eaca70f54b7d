"""Stripe-shaped ids: a prefix and random base62 characters, as long as Stripe's own."""

from __future__ import annotations

from ..common.ids import random_chars

# Characters after the prefix in the ids Stripe hands out (test mode).
LENGTHS = {"cs_test_": 58, "cus_": 14, "prod_": 14, "req_": 14}
DEFAULT_LENGTH = 24  # pi_, ch_, re_, evt_, li_, price_, pm_, txn_


def new_id(prefix: str) -> str:
    """Return a fresh id such as pi_3MtwBwLkdIwHu7ix28a3tqPa or cs_test_a1… (58 characters)."""
    return prefix + random_chars(LENGTHS.get(prefix, DEFAULT_LENGTH))


def new_client_secret(object_id: str) -> str:
    """Return a client secret the way Stripe builds one: the object id, "_secret_", random characters."""
    return f"{object_id}_secret_{random_chars(25)}"
