"""Per-client rate limits: `limits`' moving window in this process's memory, and the checkout's middleware."""

from __future__ import annotations

import math
import time

import limits
from aiohttp import web
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from views.middlewares import json_error, render_error, wants_json
from views.settings import Settings

CHECKOUT_PATH = "/api/checkout"


class ClientLimiter:
    """One rate (e.g. "20/minute") counted per client, in a moving window held by this process."""

    def __init__(self, rate: str) -> None:
        self.item = limits.parse(rate)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    async def hit(self, client: str) -> int | None:
        """Count one request; None if it is allowed, else the seconds until the window frees a slot."""
        if await self.limiter.hit(self.item, client):
            return None
        return await self.seconds_to_wait(client)

    async def retry_after(self, client: str) -> int | None:
        """Without counting anything: None if the client has room left, else the seconds to wait."""
        if await self.limiter.test(self.item, client):
            return None
        return await self.seconds_to_wait(client)

    async def seconds_to_wait(self, client: str) -> int:
        """Whole seconds (at least 1) until the oldest request in the window leaves it."""
        stats = await self.limiter.get_window_stats(self.item, client)
        return max(1, math.ceil(stats.reset_time - time.time()))


def client_address(request: web.Request, trust_forwarded_for: bool) -> str:
    """Who is asking: the peer's address, or the first X-Forwarded-For address behind a trusted proxy."""
    if trust_forwarded_for:
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[0].strip()
        if forwarded:
            return forwarded
    return request.remote or "unknown"


def too_many_requests(request: web.Request, retry_after: int, message: str) -> web.Response:
    """429 with Retry-After, in the API's envelope or as a page."""
    headers = {"Retry-After": str(retry_after)}
    if wants_json(request):
        return json_error(429, "rate_limited", message, headers=headers)
    response = render_error(request, 429, message)
    response.headers.update(headers)
    return response


def checkout_rate_limit_middleware(settings: Settings):
    """A middleware allowing each client settings.checkout_rate_limit order creations (POST /api/checkout)."""
    limiter = ClientLimiter(settings.checkout_rate_limit)

    @web.middleware
    async def checkout_rate_limit(request: web.Request, handler):
        if request.method != "POST" or request.path != CHECKOUT_PATH:
            return await handler(request)
        # Replays of an Idempotency-Key count too: they cost a lookup, and a fair client rarely sends many.
        retry_after = await limiter.hit(client_address(request, settings.trust_forwarded_for))
        if retry_after is not None:
            return too_many_requests(request, retry_after, f"too many checkouts from this address "
                                     f"(at most {settings.checkout_rate_limit}); try again in {retry_after} s")
        return await handler(request)

    return checkout_rate_limit
