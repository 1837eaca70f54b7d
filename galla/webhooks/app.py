"""The webhooks as an aiohttp sub-application at /webhooks: errors in the API's JSON envelope."""

from __future__ import annotations

from aiohttp import web

from galla.web.areas import add_routes_under
from galla.web.middlewares import ANSWERS_JSON
from galla.webhooks import routes

WEBHOOKS_PREFIX = "/webhooks"


def create_webhooks_app() -> web.Application:
    """The gateways' webhook endpoints."""
    # No middleware of its own: the root application's error middleware, just outside, answers in the JSON
    # envelope for every application marked ANSWERS_JSON; a second one here would only wrap each delivery twice.
    app = web.Application()
    app[ANSWERS_JSON] = True
    add_routes_under(app, WEBHOOKS_PREFIX, routes.routes)
    return app
