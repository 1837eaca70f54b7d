"""The admin's dashboard at /admin: takings, success rate, refunds, reviews, failovers and subscriptions."""

from __future__ import annotations

from datetime import timedelta

import aiohttp_jinja2
from aiohttp import web

from galla.admin.figures import build_dashboard
from galla.admin.subscription_figures import build_subscription_figures
from galla.web.state import SETTINGS, SHOP

routes = web.RouteTableDef()


@routes.get("/admin")
@aiohttp_jinja2.template("admin_dashboard.html")
async def show_dashboard(request: web.Request) -> dict:
    """The shop at a glance: today and this week, in IST."""
    expiry = timedelta(seconds=request.config_dict[SETTINGS].order_expiry)
    db = request.config_dict[SHOP].db
    return {
        "dashboard": await build_dashboard(db, order_expiry=expiry),
        "subscriptions": await build_subscription_figures(db),
    }
