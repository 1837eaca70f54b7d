"""Server-rendered pages: catalog, cart, checkout form and the order page."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from galla.api.bodies import describe_order
from galla.orders.addresses import formats_for_pages
from galla.orders.checkout_rules import COUNTRIES, rules_for_page
from galla.orders.errors import CheckoutError, NotFound
from galla.orders.receipts import RECEIPT_STATUSES, describe_receipt
from galla.orders.view import load_order
from galla.payments.stripe.confirm import load_order_after_return
from galla.shop.catalog import list_catalog
from galla.store.orders import Order
from galla.web.body import json_values
from galla.web.ratelimit import calls_gateway, with_session_id
from galla.web.state import SHOP

routes = web.RouteTableDef()
# The order pages show a buyer's data: they are served by their own application (galla.shop.app), kept out of caches.
order_routes = web.RouteTableDef()
COUNTRY_CHOICES = [
    ("IN", "India"),
    *sorted(((code, name) for code, name in COUNTRIES.items() if code != "IN"), key=lambda c: c[1]),
]


@routes.get("/")
@aiohttp_jinja2.template("catalog.html")
async def show_catalog(request: web.Request) -> dict:
    """The product grid."""
    return {"products": await list_catalog(request.config_dict[SHOP])}


@routes.get("/cart")
@aiohttp_jinja2.template("cart.html")
async def show_cart(request: web.Request) -> dict:
    """The cart, which lives in the browser; the page gets the catalog to price it."""
    return {"products": await list_catalog(request.config_dict[SHOP])}


@routes.get("/checkout")
@aiohttp_jinja2.template("checkout.html")
async def show_checkout(request: web.Request) -> dict:
    """The buyer's details form."""
    return {
        "products": await list_catalog(request.config_dict[SHOP]),
        "countries": COUNTRY_CHOICES,
        "address_formats": formats_for_pages(),
        # The form's rules for India, drawn first; another country's come from show_checkout_rules.
        "field_rules": {"country": "IN", "rules": rules_for_page("IN")},
    }


@routes.get("/checkout/rules/{country}")
async def show_checkout_rules(request: web.Request) -> web.Response:
    """The checkout form's rules for a buyer in one country, as the page checks them before it asks the API."""
    country = request.match_info["country"].upper()
    if country not in COUNTRIES:
        raise NotFound(f"country: {country} is not a country the shop knows", field="country")
    # The same for every buyer until the shop is upgraded: cacheable, like the static files.
    return web.json_response(
        {"country": country, "rules": rules_for_page(country)}, headers={"Cache-Control": "public, max-age=3600"}
    )


@order_routes.get("/orders/{order_id}")
@calls_gateway(when=with_session_id)
async def show_order(request: web.Request) -> web.Response:
    """An order's status, updated in place while payment is under way; Stripe returns buyers here."""
    shop, order_id = request.config_dict[SHOP], request.match_info["order_id"]
    session_id = request.query.get("session_id")
    notice, status = None, 200
    try:
        order = await load_order_after_return(shop, order_id, session_id)
    except NotFound:
        raise
    except CheckoutError as exc:
        # The order is shown as it is, with why the return was not believed (or not checkable).
        order = await load_order(shop, order_id)
        notice, status = {"kind": "error", "text": exc.message}, exc.status
    notice = (
        notice
        or return_notice(order.status, session_id is not None, "cancelled" in request.query)
        or failover_notice(order)
    )
    # Once paid, the page is the buyer's receipt (printable; receipt.css lays it out for paper).
    receipt = describe_receipt(shop, order) if order.status in RECEIPT_STATUSES else None
    context = {"order": json_values(describe_order(order)), "notice": notice, "receipt": receipt}
    return aiohttp_jinja2.render_template("order.html", request, context, status=status)


def failover_notice(order: Order) -> dict | None:
    """Why a buyer in India is asked to pay by card through Stripe, while the order waits for payment."""
    if order.failover is None or order.status != "pending":
        return None
    return {
        "kind": "info",
        "text": f"{order.failover['reason']}, so this order is paid by card through Stripe, "
        "in rupees. UPI and netbanking are not available there.",
    }


def return_notice(status: str, from_stripe: bool, cancelled: bool) -> dict | None:
    """What to tell a buyer coming back from Stripe's page, if anything."""
    if cancelled and status == "pending":
        return {
            "kind": "info",
            "text": "You left the payment page before paying, and nothing was charged. "
            "You can try again whenever you're ready.",
        }
    if not from_stripe:
        return None
    if status == "paid":
        return {"kind": "success", "text": "Stripe has confirmed your payment."}
    if status == "pending":
        return {
            "kind": "info",
            "text": "Stripe hasn't confirmed a payment for this order yet. If you paid, "
            "this page updates by itself; if not, you can try again.",
        }
    return None
