"""The admin's dashboard at /admin: takings, success rate, refunds, reviews and failovers."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

routes = web.RouteTableDef()


@routes.get("/admin")
@aiohttp_jinja2.template("admin_dashboard.html")
async def show_dashboard(request: web.Request) -> dict:
    """The shop at a glance."""
    return {}
