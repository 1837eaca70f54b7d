"""The webhooks as an aiohttp sub-application at /webhooks: errors in the API's JSON envelope."""

from __future__ import annotations

from aiohttp import web

from galla.web.areas import add_routes_under
from galla.web.middlewares import ANSWERS_JSON, error_middleware
from galla.webhooks import routes

WEBHOOKS_PREFIX = "/webhooks"


def create_webhooks_app() -> web.Application:
    """The gateways' webhook endpoints."""
    app = web.Application(middlewares=[error_middleware])
    app[ANSWERS_JSON] = True
    add_routes_under(app, WEBHOOKS_PREFIX, routes.routes)
    return app
