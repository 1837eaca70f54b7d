"""The admin's orders list: searched and filtered, a page at a time, or all of it as a CSV download."""

from __future__ import annotations

import logging
from contextlib import aclosing
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from galla.admin.order_export import export_filename, header_bytes, order_row, write_rows
from galla.admin.order_filters import GATEWAYS, METHODS, read_batches, read_filters, read_page
from galla.orders.errors import InvalidInput
from galla.orders.receipts import format_shop_time
from galla.store.orders import STATUSES
from galla.web.middlewares import REQUEST_ID, REQUEST_ID_HEADER
from galla.web.security import build_headers
from galla.web.state import SETTINGS, SHOP

log = logging.getLogger(__name__)
routes = web.RouteTableDef()


@routes.get("/admin/orders")
async def show_orders(request: web.Request) -> web.Response:
    """Orders newest first, found by the search box and filtered by status, gateway, method and IST dates."""
    try:
        page = await read_page(request.config_dict[SHOP], request.query)
    except InvalidInput as exc:
        return render_list(request, error=exc)
    return render_list(request, orders=page.orders, filters=page.filters, next_token=page.next_token)


def render_list(request: web.Request, *, error: InvalidInput | None = None, **found: Any) -> web.Response:
    """The list page: the form as the admin filled it, and the orders found or the error naming a field."""
    context = {
        "statuses": STATUSES,
        "gateways": GATEWAYS,
        "methods": METHODS,
        "filters": dict(request.query),
        "paged": "after" in request.query,
        "when": format_shop_time,
        "error": error,
        **found,
    }
    return aiohttp_jinja2.render_template("admin_orders.html", request, context, status=error.status if error else 200)


@routes.get("/admin/orders.csv")
async def export_orders(request: web.Request) -> web.StreamResponse:
    """Every order the list's search and filters find, as CSV, written as the database sends them."""
    try:
        filters, _ = read_filters(request.query)
    except InvalidInput as exc:  # before any byte is sent: the list page, naming the field
        return render_list(request, error=exc)
    response = web.StreamResponse(
        headers={
            # The middlewares add headers only to responses not yet sent, and this one is sent row by row.
            **build_headers(request.config_dict[SETTINGS]),
            "Cache-Control": "no-store",
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{export_filename()}"',
            REQUEST_ID_HEADER: request[REQUEST_ID],
        }
    )
    response.enable_chunked_encoding()
    await response.prepare(request)
    await response.write(header_bytes())
    try:
        async with aclosing(read_batches(request.config_dict[SHOP], filters)) as batches:
            async for batch in batches:
                await response.write(write_rows(order_row(order) for order in batch))
    except ConnectionResetError:  # the admin cancelled the download: nothing more to read or send
        return response
    except Exception:
        # The status line has gone: an error page now would be written into the CSV, and ending the stream cleanly
        # would pass a cut-off file for a whole one. Dropping the connection makes the download fail, visibly.
        log.exception("the CSV export failed after %d bytes; connection dropped", response.body_length)
        if request.transport is not None:
            request.transport.abort()
        return response
    await response.write_eof()
    return response
