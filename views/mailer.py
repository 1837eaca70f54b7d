"""The mailer: sends queued receipts from the outbox in the background, never inside a request."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web


async def mailer_ctx(app: web.Application) -> AsyncIterator[None]:
    """Run the outbox sender for the app's lifetime."""
    yield
