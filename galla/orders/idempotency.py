"""Idempotency-Key for the requests that create something (an order, a subscription): claim the key, or answer a
repeat with what the first request made, if its body was the same."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel

from galla.orders.errors import Conflict, InvalidInput
from galla.store.idempotency import claim_key


class IdempotencyKeyReused(InvalidInput, code="idempotency_key_reused"):
    """An Idempotency-Key sent again with another body."""


def fingerprint(request: BaseModel) -> str:
    """A digest of the validated request, so a reused Idempotency-Key can be compared."""
    canonical = json.dumps(request.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def claim_or_replay(db: Any, key: str, request: BaseModel, new_id: str) -> str | None:
    """Claim the key for `new_id`; None if claimed, else the id the first request with this key and body made."""
    digest = fingerprint(request)
    # The claim's "order_id" holds whatever the first request made: an order id, or a subscription id (sbn_…).
    earlier = await claim_key(db, key, fingerprint=digest, order_id=new_id)
    if earlier is None:
        return None
    if earlier.get("fingerprint") != digest:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was used with a different request body", field="Idempotency-Key"
        )
    return str(earlier["order_id"])


def still_in_progress() -> Conflict:
    """409 for a repeat whose first request has claimed the key but not stored what it makes yet."""
    return Conflict(
        "the first request with this Idempotency-Key is still being processed",
        code="request_in_progress",
        headers={"Retry-After": "1"},
    )
