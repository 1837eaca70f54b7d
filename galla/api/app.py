"""The API as an aiohttp sub-application at /api: JSON errors in the API's envelope, nothing kept in caches, and
the admin's API mounted inside it."""

from __future__ import annotations

from aiohttp import web

from galla.api import openapi, routes
from galla.web.areas import add_routes_under
from galla.web.middlewares import ANSWERS_JSON, error_middleware
from galla.web.security import no_store_middleware

API_PREFIX = "/api"


def create_api_app(admin_api: web.Application) -> web.Application:
    """The API's routes and its document; admin_api (galla.admin.app.create_admin_api_app) at /api/admin."""
    app = web.Application(middlewares=[no_store_middleware, error_middleware])
    app[ANSWERS_JSON] = True
    add_routes_under(app, API_PREFIX, routes.routes, openapi.routes)
    app.add_subapp("/admin", admin_api)
    return app
