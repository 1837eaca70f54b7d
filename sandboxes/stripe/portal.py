"""The customer portal: POST /v1/billing_portal/sessions answers a short-lived `url`; the page there lists the
customer's subscriptions, cancels one at the end of its period (or takes that back), and links to return_url.

SUBSCRIPTIONS.md §16 (stripe-python params/billing_portal/_session_create_params.py, billing_portal/_session.py): {customer, return_url,
configuration, locale, flow_data} → {url}. The portal's features are the account's Dashboard configuration; the
sandbox plays the default one with cancellation "at the end of the billing period".
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from ..common.pages import page_response
from .api import answer, public_base, read, state_of
from .config import STRIPE_SANDBOX_CONFIG
from .display import format_for_buyer, page_locale
from .hosted import TEMPLATES
from .ids import new_id
from .params import EXPAND, hash_of, text, url
from .subscriptions import Subscriptions
from .validation import unsupported_all

routes = web.RouteTableDef()
DEFAULT_CONFIGURATION = "bpc_sandbox_default"
PORTAL_SESSION_CREATE = hash_of(
    {
        "customer": text(),
        "return_url": url,
        "configuration": text(),
        "locale": text(16),
        "expand": EXPAND,
        **unsupported_all("flow_data", "on_behalf_of", "customer_account"),
    },
    required=["customer"],
)
SHOWN = ("active", "past_due", "trialing", "unpaid")  # the subscriptions the portal lists


@routes.post("/v1/billing_portal/sessions", name="api.create_portal_session")
async def create_portal_session(request: web.Request) -> web.Response:
    """Create a portal session for a customer; its url opens the sandbox's portal page."""
    fields = await read(request, PORTAL_SESSION_CREATE)
    state = state_of(request)
    state.get("customers", fields["customer"], param="customer")
    portal_id = new_id("bps_")
    portal = {
        "id": portal_id,
        "object": "billing_portal.session",
        "after_expiration": None,
        "customer_account": None,
        "configuration": fields.get("configuration", DEFAULT_CONFIGURATION),
        "created": state.now(),
        "customer": fields["customer"],
        "flow": None,
        "livemode": False,
        "locale": fields.get("locale"),
        "on_behalf_of": None,
        "return_url": fields.get("return_url"),
        "url": f"{public_base(request)}/p/session/{portal_id}",
    }
    state.portal_sessions[portal_id] = portal  # no event: stripe-python _event.py has no billing_portal.session.*
    return answer(request, portal, fields)


def find_portal(request: web.Request) -> dict[str, Any]:
    """Return the portal session in the URL, or 404."""
    portal = state_of(request).portal_sessions.get(request.match_info["portal_id"])
    if portal is None:
        raise web.HTTPNotFound(text="This portal session does not exist.")
    return portal


def describe_subscription(request: web.Request, portal_id: str, sub: dict[str, Any]) -> dict[str, Any]:
    """Return what the page shows of one subscription: plan, price, status and the button it offers."""
    state = state_of(request)
    item = sub["items"]["data"][0]
    price = item["price"]
    recurring = price["recurring"]
    buyer = page_locale(None, request.headers.get("Accept-Language"))
    every = (
        recurring["interval"]
        if recurring["interval_count"] == 1
        else f"{recurring['interval_count']} {recurring['interval']}s"
    )
    end = time.strftime("%d %b %Y", time.gmtime(item["current_period_end"]))
    if sub["cancel_at_period_end"]:
        status_text = f"Cancels on {end}"
    elif sub["status"] == "active":
        status_text = f"Renews on {end}"
    else:
        status_text = f"Payment due: {sub['status'].replace('_', ' ')}"
    router = request.app.router
    return {
        "id": sub["id"],
        "name": state.products[price["product"]]["name"],
        "price_text": f"{format_for_buyer(price['unit_amount'] * item['quantity'], sub['currency'], buyer)} per {every}",
        "status_text": status_text,
        "can_cancel": not sub["cancel_at_period_end"],
        "can_renew": sub["cancel_at_period_end"],
        "cancel_url": str(router["portal.cancel"].url_for(portal_id=portal_id, subscription_id=sub["id"])),
        "renew_url": str(router["portal.renew"].url_for(portal_id=portal_id, subscription_id=sub["id"])),
    }


@routes.get("/p/session/{portal_id}", name="portal.page")
async def portal_page(request: web.Request) -> web.Response:
    """Show the customer's subscriptions."""
    portal = find_portal(request)
    state = state_of(request)
    found = state.find_subscriptions({"customer": portal["customer"], "status": "all"})
    router = request.app.router
    context = {
        "business": request.app[STRIPE_SANDBOX_CONFIG].business,
        "return_url": portal["return_url"] or "/",
        "subscriptions": [describe_subscription(request, portal["id"], sub) for sub in found if sub["status"] in SHOWN],
        "banner_css_url": str(router["hosted.asset"].url_for(name="banner.css")),
        "pay_css_url": str(router["hosted.asset"].url_for(name="pay.css")),
        "css_url": str(router["hosted.asset"].url_for(name="portal.css")),
    }
    policy = (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )
    html = TEMPLATES.get_template("portal.html").render(context)
    return page_response(html, 200, policy, {"X-Frame-Options": "DENY"})


async def change_cancellation(request: web.Request, cancel: bool) -> web.Response:
    """Set or clear cancel_at_period_end on one of the portal customer's subscriptions, then show the page."""
    portal = find_portal(request)
    state = state_of(request)
    sub = state.subscriptions.get(request.match_info["subscription_id"])
    if sub is None or sub["customer"] != portal["customer"] or sub["status"] not in SHOWN:
        raise web.HTTPNotFound(text="No such subscription in this portal.")
    Subscriptions(state).update(sub["id"], {"cancel_at_period_end": cancel})
    raise web.HTTPSeeOther(str(request.app.router["portal.page"].url_for(portal_id=portal["id"])))


@routes.post("/p/session/{portal_id}/subscriptions/{subscription_id}/cancel", name="portal.cancel")
async def portal_cancel(request: web.Request) -> web.Response:
    """Cancel at the end of the period, as the default portal configuration does."""
    return await change_cancellation(request, True)


@routes.post("/p/session/{portal_id}/subscriptions/{subscription_id}/renew", name="portal.renew")
async def portal_renew(request: web.Request) -> web.Response:
    """Take back a cancellation at period end."""
    return await change_cancellation(request, False)
