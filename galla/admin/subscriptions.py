"""Admin pages for subscriptions: the list (filters, search), one subscription with its charges and trace, and the
owner's actions (cancel, pause, resume, refund a charge), each confirmed on a page of its own before it is sent."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web

from galla.admin.actions import act
from galla.admin.order_filters import GATEWAYS
from galla.admin.plan_form import list_plans_for_admin
from galla.admin.sandbox_clock import MOVED, SPANS, clock_spans, move_clock
from galla.admin.subscription_actions import (
    ACTIONS,
    available_actions,
    check_refund,
    read_action,
    refund_confirmed,
    refundable,
    take_action,
)
from galla.admin.subscription_list import read_page
from galla.admin.subscription_trace import trace_subscription
from galla.ops.logs import settings_secrets
from galla.ops.redact import Redactor
from galla.orders.errors import CheckoutError, InvalidInput
from galla.orders.mandates import mandate_facts
from galla.orders.receipts import format_shop_time
from galla.orders.subscription_actions import load_subscription
from galla.payments.labels import interval_label, subscription_label
from galla.payments.money import format_money
from galla.store.subscription_charges import list_charges
from galla.store.subscriptions import STATUSES
from galla.web.body import read_form
from galla.web.state import SETTINGS, SHOP

routes = web.RouteTableDef()
PATH = "/admin/subscriptions"
LABELS = {"subscription_label": subscription_label, "interval_label": interval_label, "when": format_shop_time}


@routes.get(PATH)
async def show_subscriptions(request: web.Request) -> web.Response:
    """Subscriptions newest first, filtered by status, plan and gateway, and found by the search box."""
    shop = request.config_dict[SHOP]
    plan_names = {plan.id: plan.name for plan in await list_plans_for_admin(shop)}
    context: dict[str, Any] = {
        "statuses": STATUSES,
        "gateways": GATEWAYS,
        "plan_names": plan_names,
        "filters": dict(request.query),
        **LABELS,
    }
    try:
        page = await read_page(shop, request.query)
    except InvalidInput as exc:
        context["error"] = exc
        return aiohttp_jinja2.render_template("admin_subscriptions.html", request, context, status=exc.status)
    context.update(subscriptions=page.subscriptions, more=page.more)
    return aiohttp_jinja2.render_template("admin_subscriptions.html", request, context)


@routes.get(PATH + "/{subscription_id}")
async def show_subscription(request: web.Request) -> web.Response:
    """One subscription: its plan and locked amount, gateway ids, charges, the owner's actions and its trace."""
    notice = None
    if request.query.get("done") in ACTIONS:
        notice = ACTIONS[request.query["done"]].done
    elif request.query.get("refunded"):
        notice = "Refund sent to the gateway; the charges below show where it stands."
    elif request.query.get("moved") in SPANS:
        notice = MOVED.format(span=SPANS[request.query["moved"]])
    return await render_subscription(request, request.match_info["subscription_id"], notice=notice)


async def render_subscription(
    request: web.Request, subscription_id: str, *, notice: str | None = None, error: CheckoutError | None = None
) -> web.Response:
    """The subscription page, with a notice or the error that stopped an action."""
    shop = request.config_dict[SHOP]
    redactor = Redactor(settings_secrets(request.config_dict[SETTINGS]))
    sub, trace = await trace_subscription(shop, subscription_id, redactor)
    charges = await list_charges(shop.db, sub.id)
    context = {
        "sub": sub,
        "trace": trace,
        "charges": [(charge, refundable(charge)) for charge in charges],
        "actions": available_actions(sub),
        "mandate": mandate_facts(sub),
        "clock_spans": clock_spans(shop, sub),
        "notice": notice,
        "error": error,
        **LABELS,
    }
    return aiohttp_jinja2.render_template(
        "admin_subscription.html", request, context, status=error.status if error else 200
    )


def show_failure(request: web.Request, subscription_id: str) -> Callable[[CheckoutError], Awaitable[web.Response]]:
    """What shows why an action failed: the subscription page as it now is, with the error."""

    async def show(exc: CheckoutError) -> web.Response:
        return await render_subscription(request, subscription_id, error=exc)

    return show


@routes.post(PATH + "/{subscription_id}/actions/{action}/confirm")
async def confirm_action(request: web.Request) -> web.Response:
    """Ask the admin to confirm a cancellation, pause or resume (nothing is sent yet)."""
    subscription_id = request.match_info["subscription_id"]
    sub = await load_subscription(request.config_dict[SHOP], subscription_id)
    try:
        action = read_action(sub, request.match_info["action"])
    except CheckoutError as exc:
        return await show_failure(request, subscription_id)(exc)
    context = {"sub": sub, "action": action, "post_to": f"{PATH}/{sub.id}/actions/{action.key}", **LABELS}
    return aiohttp_jinja2.render_template("admin_subscription_confirm.html", request, context)


@routes.post(PATH + "/{subscription_id}/actions/{action}")
async def post_action(request: web.Request) -> web.Response:
    """Send the confirmed action to the gateway, then back to the subscription."""
    subscription_id, action = request.match_info["subscription_id"], request.match_info["action"]
    done = f"{PATH}/{quote(subscription_id)}?done={quote(action)}"
    return await act(
        take_action(request.config_dict[SHOP], subscription_id, action), done, show_failure(request, subscription_id)
    )


@routes.post(PATH + "/{subscription_id}/charges/{charge_id}/refund/confirm")
async def confirm_refund(request: web.Request) -> web.Response:
    """Ask the admin to confirm a refund of the amount typed (blank: all that is left of the charge)."""
    subscription_id, charge_id = request.match_info["subscription_id"], request.match_info["charge_id"]
    form = await read_form(request)
    try:
        sub, charge, amount = await check_refund(
            request.config_dict[SHOP], subscription_id, charge_id, form.get("amount", "")
        )
    except CheckoutError as exc:
        return await show_failure(request, subscription_id)(exc)
    context = {
        "sub": sub,
        "charge": charge,
        "amount": amount,
        "amount_text": format_money(amount, charge.currency),
        # One key per confirmation page: a double click or a resent form makes one refund, not two.
        "key": secrets.token_urlsafe(16),
        "post_to": f"{PATH}/{sub.id}/charges/{charge.id}/refund",
        **LABELS,
    }
    return aiohttp_jinja2.render_template("admin_subscription_confirm.html", request, context)


@routes.post(PATH + "/{subscription_id}/charges/{charge_id}/refund")
async def post_refund(request: web.Request) -> web.Response:
    """Refund the confirmed amount of a charge, then back to the subscription."""
    subscription_id, charge_id = request.match_info["subscription_id"], request.match_info["charge_id"]
    form = await read_form(request)
    key = form.get("key") or secrets.token_urlsafe(16)
    done = f"{PATH}/{quote(subscription_id)}?refunded={quote(charge_id)}"
    refund = refund_confirmed(request.config_dict[SHOP], subscription_id, charge_id, form.get("amount", ""), key)
    return await act(refund, done, show_failure(request, subscription_id))


@routes.post(PATH + "/{subscription_id}/sandbox-clock")
async def post_sandbox_clock(request: web.Request) -> web.Response:
    """Move the subscription's sandbox clock on by the span posted (a sandboxed run only), then back to it."""
    subscription_id = request.match_info["subscription_id"]
    span = (await read_form(request)).get("span", "")
    done = f"{PATH}/{quote(subscription_id)}?moved={quote(span)}"
    moving = move_clock(request.config_dict[SHOP], subscription_id, span)
    return await act(moving, done, show_failure(request, subscription_id))
