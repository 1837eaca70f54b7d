"""The shop's pages: the catalog, cart, checkout and plans on the root application (whose errors are friendly
pages), the uploaded product images, and the order and subscription pages as sub-applications at /orders and
/subscriptions, kept out of caches."""

from __future__ import annotations

from aiohttp import web

from galla.shop import images, pages, subscriptions
from galla.web.areas import add_routes_under
from galla.web.middlewares import error_middleware
from galla.web.security import no_store_middleware

ORDERS_PREFIX = "/orders"
SUBSCRIPTIONS_PREFIX = "/subscriptions"


def add_shop(app: web.Application) -> None:
    """Serve the shop's pages from app, the root application."""
    app.add_routes(pages.routes)
    app.add_routes(subscriptions.routes)
    app.add_routes(images.routes)
    app.add_subapp(ORDERS_PREFIX, create_buyer_pages_app(ORDERS_PREFIX, pages.order_routes))
    app.add_subapp(
        SUBSCRIPTIONS_PREFIX, create_buyer_pages_app(SUBSCRIPTIONS_PREFIX, subscriptions.subscription_routes)
    )


def create_buyer_pages_app(prefix: str, table: web.RouteTableDef) -> web.Application:
    """Pages showing one buyer's data (name, email, receipts), kept out of caches, with friendly error pages."""
    buyer = web.Application(middlewares=[no_store_middleware, error_middleware])
    add_routes_under(buyer, prefix, table)
    return buyer
