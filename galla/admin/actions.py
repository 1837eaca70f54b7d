"""Admin actions sent from a form: run one, then back to its page, or that page again saying why it failed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from galla.orders.errors import CheckoutError


async def act(
    action: Awaitable[object], done: str, show_failure: Callable[[CheckoutError], Awaitable[web.Response]]
) -> web.Response:
    """Run the action and see the admin to done (a 303), or answer with show_failure's page."""
    try:
        await action
    except CheckoutError as exc:
        return await show_failure(exc)
    raise web.HTTPSeeOther(done)
