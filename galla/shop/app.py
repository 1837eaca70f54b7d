"""The shop's pages: the catalog, cart and checkout on the root application (whose errors are friendly pages),
the uploaded product images, and the order pages as a sub-application at /orders, kept out of caches."""

from __future__ import annotations

from aiohttp import web

from galla.shop import images, pages
from galla.web.areas import add_routes_under
from galla.web.middlewares import error_middleware
from galla.web.security import no_store_middleware

ORDERS_PREFIX = "/orders"


def add_shop(app: web.Application) -> None:
    """Serve the shop's pages from app, the root application."""
    app.add_routes(pages.routes)
    app.add_routes(images.routes)
    app.add_subapp(ORDERS_PREFIX, create_order_pages_app())


def create_order_pages_app() -> web.Application:
    """The order pages (a buyer's name, email, address and receipt), with friendly error pages."""
    orders = web.Application(middlewares=[no_store_middleware, error_middleware])
    add_routes_under(orders, ORDERS_PREFIX, pages.order_routes)
    return orders
