"""The buyer's subscription pages: the plans with a subscribe form, a subscription's page (Stripe returns buyers
there), and each charge's receipt."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from galla.api.bodies import describe_subscription
from galla.orders.checkout_rules import COUNTRIES, rules_for_page
from galla.orders.errors import CheckoutError, NotFound
from galla.orders.mandates import rupee_mandate
from galla.orders.plans import load_plans
from galla.orders.subscription_actions import confirm_stripe_return, load_subscription, load_subscription_and_charges
from galla.orders.subscription_emails import describe_charge
from galla.orders.subscription_view import STATUS_DETAILS, format_shop_date, start_options
from galla.payments.labels import gateway_label, interval_label
from galla.payments.money import format_money
from galla.payments.routing import HOME_COUNTRY, NoRoute, choose_route
from galla.shop.pages import COUNTRY_CHOICES
from galla.store.plans import Plan
from galla.store.subscription_charges import get_charge
from galla.web.body import json_values
from galla.web.ratelimit import calls_gateway, with_session_id
from galla.web.state import SHOP

routes = web.RouteTableDef()
# A subscription's pages show a buyer's name and email: served by their own application, kept out of caches.
subscription_routes = web.RouteTableDef()


@routes.get("/plans")
@aiohttp_jinja2.template("plans.html")
async def show_plans(request: web.Request) -> dict[str, Any]:
    """The plans on sale, priced for the buyer's country (?country=, India by default), and the subscribe form."""
    shop = request.config_dict[SHOP]
    country = request.query.get("country", HOME_COUNTRY).strip().upper()
    if country not in COUNTRIES:
        raise NotFound(f"country: {country} is not a country the shop knows", field="country")
    return {
        "plans": [price_plan(plan, country, shop.live) for plan in await load_plans(shop)],
        "country": country,
        "countries": COUNTRY_CHOICES,
        "field_rules": {"country": country, "rules": rules_for_page(country)},
    }


def price_plan(plan: Plan, country: str, live: frozenset[str]) -> dict[str, Any]:
    """A plan as the plans page shows it to a buyer in `country`: its price there, and its mandate's rules."""
    try:
        route = choose_route(country, plan.prices, live=live)
    except NoRoute:
        route = None
    amount = plan.prices[route.currency] if route else None
    mandate = (
        rupee_mandate(amount, total_count=plan.total_count)
        if route and route.gateway == "razorpay" and amount
        else None
    )
    return {
        "id": plan.id,
        "name": plan.name,
        "description": plan.description,
        "every": describe_period(plan.interval, plan.interval_count),
        "total_count": plan.total_count,
        "price": format_money(amount, route.currency) if route and amount else None,
        "gateway": gateway_label(route.gateway) if route else None,
        "mandate": mandate.lines if mandate else None,
    }


def describe_period(interval: str, count: int) -> str:
    """How often a plan charges, inside a sentence: "monthly", "every 3 months"."""
    return interval_label(interval, count).lower()


@subscription_routes.get("/subscriptions/{subscription_id}")
@calls_gateway(when=with_session_id)
async def show_subscription(request: web.Request) -> web.Response:
    """A subscription's status, next charge, charges and mandate; Stripe returns buyers here with ?session_id=."""
    shop, sub_id = request.config_dict[SHOP], request.match_info["subscription_id"]
    session_id = request.query.get("session_id")
    notice, status = None, 200
    if session_id:
        try:
            await confirm_stripe_return(shop, sub_id, session_id)
            notice = {"kind": "success", "text": "Stripe has confirmed your subscription."}
        except NotFound:
            pass  # no such subscription (the load below says so), or one not paid through Stripe: nothing to confirm
        except CheckoutError as exc:
            notice, status = {"kind": "error", "text": exc.message}, exc.status
    sub, charges = await load_subscription_and_charges(shop, sub_id)
    view = json_values(describe_subscription(sub, charges))
    context = {
        "sub": view,
        "detail": STATUS_DETAILS.get(sub.status, ""),
        "ends_on": format_shop_date(sub.current_end) if sub.current_end else None,
        "every": describe_period(sub.interval, sub.interval_count),
        "gateway_name": gateway_label(sub.gateway),
        "notice": notice,
        "start": start_options(shop, sub),
    }
    return aiohttp_jinja2.render_template("subscription.html", request, context, status=status)


@subscription_routes.get("/subscriptions/{subscription_id}/charges/{charge_id}")
@aiohttp_jinja2.template("charge_receipt.html")
async def show_charge_receipt(request: web.Request) -> dict[str, Any]:
    """The receipt of one paid charge of a subscription, with the facts its receipt email shows."""
    shop = request.config_dict[SHOP]
    sub = await load_subscription(shop, request.match_info["subscription_id"])
    charge = await get_charge(shop.db, request.match_info["charge_id"])
    if charge is None or charge.subscription_id != sub.id or charge.status != "paid":
        raise NotFound("this subscription has no paid charge with this id", field="charge_id")
    return {"receipt": describe_charge(shop, sub, charge), "every": describe_period(sub.interval, sub.interval_count)}
