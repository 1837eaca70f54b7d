"""Server-rendered pages: catalog, cart, checkout form and the order page."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from checkout.catalog import list_catalog
from checkout.orders import describe_order, load_order
from checkout.schemas import COUNTRIES
from views.state import SHOP

routes = web.RouteTableDef()
COUNTRY_CHOICES = [("IN", "India")] + sorted(
    ((code, name) for code, name in COUNTRIES.items() if code != "IN"), key=lambda c: c[1])


@routes.get("/")
@aiohttp_jinja2.template("catalog.html")
async def show_catalog(request: web.Request) -> dict:
    """The product grid."""
    return {"products": await list_catalog(request.app[SHOP])}


@routes.get("/cart")
@aiohttp_jinja2.template("cart.html")
async def show_cart(request: web.Request) -> dict:
    """The cart, which lives in the browser; the page gets the catalog to price it."""
    return {"products": await list_catalog(request.app[SHOP])}


@routes.get("/checkout")
@aiohttp_jinja2.template("checkout.html")
async def show_checkout(request: web.Request) -> dict:
    """The buyer's details form."""
    return {"products": await list_catalog(request.app[SHOP]), "countries": COUNTRY_CHOICES}


@routes.get("/orders/{order_id}")
@aiohttp_jinja2.template("order.html")
async def show_order(request: web.Request) -> dict:
    """An order's status, updated in place while payment is under way."""
    order = await load_order(request.app[SHOP], request.match_info["order_id"])
    return {"order": describe_order(order)}
