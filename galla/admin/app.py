"""The admin area as aiohttp sub-applications: its pages at /admin and its API at /api/admin, both behind the
admin's sign-in and CSRF checks, which run for no other request."""

from __future__ import annotations

from importlib.metadata import version

import aiohttp_jinja2
from aiohttp import web
from aiohttp.typedefs import Middleware

from galla.admin import api, dashboard, order_search, orders, outbox, plans, products, session, subscriptions
from galla.admin.auth import ADMIN_SESSION, ADMIN_USER
from galla.api.documented import SIGNED_IN
from galla.web.areas import add_routes_under
from galla.web.middlewares import error_middleware
from galla.web.security import no_store_middleware

ADMIN_PREFIX = "/admin"
ADMIN_API_PREFIX = "/api/admin"  # mounted by the API's application, whose JSON errors it answers with
GALLA_VERSION = version("galla")  # in the admin's footer


def create_admin_app(guard: Middleware) -> web.Application:
    """The admin's pages, errors as friendly pages, kept out of caches, behind guard (admin_auth_middleware)."""
    app = web.Application(
        middlewares=[
            no_store_middleware,
            error_middleware,
            products.image_uploads,  # before the guard, which reads a form's CSRF token from its body
            guard,
            aiohttp_jinja2.context_processors_middleware,
        ]
    )
    # Run after the guard, so the pages know who is signed in.
    app[aiohttp_jinja2.APP_CONTEXT_PROCESSORS_KEY] = (admin_page_context,)
    add_routes_under(
        app,
        ADMIN_PREFIX,
        session.routes,
        dashboard.routes,
        order_search.routes,
        orders.routes,
        products.routes,
        plans.routes,
        subscriptions.routes,
        outbox.routes,
    )
    return app


def create_admin_api_app(guard: Middleware) -> web.Application:
    """The admin's API behind guard (the same one as the pages'), inside the API's application."""
    app = web.Application(middlewares=[guard])
    app[SIGNED_IN] = True
    add_routes_under(app, ADMIN_API_PREFIX, api.routes)
    return app


async def admin_page_context(request: web.Request) -> dict:
    """What every admin page shows: who is signed in, which section is open, and the Galla version."""
    section = "/".join(request.path.split("/")[:3])
    return {
        "admin_user": ADMIN_USER,
        "admin_session": request.get(ADMIN_SESSION),
        "admin_section": section,
        "galla_version": GALLA_VERSION,
    }
