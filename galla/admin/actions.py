"""Admin actions sent from a form: run one, then back to its page, or that page again saying why it failed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

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


def notice_naming(query: Mapping[str, str], items: Iterable[Any], notices: Mapping[str, str]) -> str | None:
    """The notice after a redirect (?saved=<id>), naming an item that exists, so the query cannot put words on the
    page; None when the query names none."""
    listed = list(items)
    notice = None
    for kind, text in notices.items():
        named = next((item for item in listed if item.id == query.get(kind)), None)
        if named is not None:
            notice = text.format(name=named.name)
    return notice
