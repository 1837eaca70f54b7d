"""The Idempotency-Key header of an operation that must not happen twice (placing an order, asking for a refund)."""

from __future__ import annotations

from aiohttp import web

from galla.orders.errors import InvalidInput

IDEMPOTENCY_HEADER = "Idempotency-Key"
# Also the bound the OpenAPI document declares (galla.api.documented.idempotency_key).
MAX_KEY_LENGTH = 255


def read_idempotency_key(request: web.Request) -> str | None:
    """The request's Idempotency-Key, or None without one; 422 when it is not 1 to 255 characters."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None and not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise InvalidInput(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters", field=IDEMPOTENCY_HEADER)
    return key
