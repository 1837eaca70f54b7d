"""Admin pages: the email outbox, one message, and sending a held or failed message again."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web

from galla.admin.actions import act
from galla.orders.errors import CheckoutError, InvalidInput, NotFound
from galla.orders.receipts import format_shop_time, load_message, resend_message, show_outbox
from galla.store.outbox import OutboxMessage
from galla.web.security import OWN_HEADERS, build_email_preview_headers
from galla.web.state import SETTINGS, SHOP

routes = web.RouteTableDef()


@routes.get("/admin/outbox")
async def show_messages(request: web.Request) -> web.Response:
    """Every email the shop has queued, newest first, with where it stands."""
    context: dict[str, Any] = {"when": format_shop_time}
    try:
        context.update(await show_outbox(request.config_dict[SHOP], request.query.get("status")))
    except InvalidInput as exc:
        context.update(error=exc, messages=[], counts={}, status="", statuses=())
        return aiohttp_jinja2.render_template("admin_outbox.html", request, context, status=exc.status)
    return aiohttp_jinja2.render_template("admin_outbox.html", request, context)


@routes.get("/admin/outbox/{message_id}")
async def show_message(request: web.Request) -> web.Response:
    """One email: its envelope, where it stands, why it last failed, and its text."""
    message = await load_message(request.config_dict[SHOP], request.match_info["message_id"])
    notice = "Queued again: the mailer sends it on its next pass." if request.query.get("done") == "resend" else None
    return render_message(request, message, notice=notice)


@routes.get("/admin/outbox/{message_id}/preview")
async def show_preview(request: web.Request) -> web.Response:
    """The message's HTML as the buyer's mail client gets it, for the message page's sandboxed frame."""
    message = await load_message(request.config_dict[SHOP], request.match_info["message_id"])
    if not message.html:
        raise NotFound("this message has no HTML version", field="message_id")
    headers = build_email_preview_headers(request.config_dict[SETTINGS])
    response = web.Response(text=message.html, content_type="text/html", headers=headers)
    response[OWN_HEADERS] = frozenset(headers)
    return response


@routes.post("/admin/outbox/{message_id}/resend")
async def post_resend(request: web.Request) -> web.Response:
    """Queue a held or failed message again, then back to it."""
    shop, message_id = request.config_dict[SHOP], request.match_info["message_id"]

    async def show_failure(exc: CheckoutError) -> web.Response:
        if exc.status == 404:
            raise exc
        return render_message(request, await load_message(shop, message_id), error=exc)

    done = f"/admin/outbox/{quote(message_id, safe='')}?done=resend"
    return await act(resend_message(shop, message_id), done, show_failure)


def render_message(
    request: web.Request, message: OutboxMessage, *, notice: str | None = None, error: CheckoutError | None = None
) -> web.Response:
    """The message page, with a notice or the error that stopped an action."""
    context = {"message": message, "when": format_shop_time, "notice": notice, "error": error}
    return aiohttp_jinja2.render_template("admin_message.html", request, context, status=error.status if error else 200)
