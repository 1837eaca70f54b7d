"""Admin pages for orders: an order with its payment trace, and refund and capture (the list: order_list.py)."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable

import aiohttp_jinja2
from aiohttp import web

from galla.admin.actions import act
from galla.admin.refund_notice import Notice, describe_refund, payment_state, refund_label, status_label
from galla.admin.trace import trace_order
from galla.ops.logs import settings_secrets
from galla.ops.redact import Redactor
from galla.orders.errors import CheckoutError, InvalidInput
from galla.orders.refunds import (
    REFUNDABLE,
    check_refund_amount,
    check_refundable,
    refund_key,
    refundable_amount,
    request_refund,
)
from galla.orders.view import load_order
from galla.payments.money import format_money, parse_major
from galla.payments.razorpay.capture import capture_order
from galla.store.orders import Order
from galla.web.body import read_form
from galla.web.state import SETTINGS, SHOP

routes = web.RouteTableDef()
DONE_NOTICES = {"capture": Notice("Payment captured.")}


@routes.get("/admin/orders/{order_id}")
async def show_order(request: web.Request) -> web.Response:
    """One order: what was bought, the payment, refunds, and the trace of every step."""
    order = await load_order(request.config_dict[SHOP], request.match_info["order_id"])
    # After a refund, ?refund= names it: the notice says where it stands now, read afresh on every visit.
    notice = describe_refund(order, request.query.get("refund")) or DONE_NOTICES.get(request.query.get("done", ""))
    return await render_order(request, order, notice=notice)


def show_order_failure(request: web.Request, order_id: str) -> Callable[[CheckoutError], Awaitable[web.Response]]:
    """What shows why an action on the order failed: the order page as it now is, with the error."""

    async def show(exc: CheckoutError) -> web.Response:
        return await render_order(request, await load_order(request.config_dict[SHOP], order_id), error=exc)

    return show


async def render_order(
    request: web.Request, order: Order, *, notice: Notice | None = None, error: CheckoutError | None = None
) -> web.Response:
    """The order page, with a notice or the error that stopped an action."""
    redactor = Redactor(settings_secrets(request.config_dict[SETTINGS]))
    # Read again with the timeline: the page shows the order as its trace ends, not as it was a moment before.
    order, trace = await trace_order(request.config_dict[SHOP], order.id, redactor)
    context = {
        "order": order,
        "trace": trace,
        "refundable": refundable_amount(order) if order.status in REFUNDABLE else 0,
        "notice": notice,
        "error": error,
        "capturable": order.status == "authorized",
        "status_label": status_label(order.status),
        "payment_state": payment_state(order),
        "refund_label": refund_label,
    }
    return aiohttp_jinja2.render_template("admin_order.html", request, context, status=error.status if error else 200)


@routes.post("/admin/orders/{order_id}/refund/confirm")
async def confirm_refund(request: web.Request) -> web.Response:
    """Ask the admin to confirm a refund of the amount typed (nothing is sent yet)."""
    order = await load_order(request.config_dict[SHOP], request.match_info["order_id"])
    form = await read_form(request)
    try:
        check_refundable(order)
        amount = read_refund_amount(form.get("amount", ""), order)
        check_refund_amount(order, amount, refundable_amount(order))
    except CheckoutError as exc:
        return await render_order(request, order, error=exc)
    # One key per confirmation page: a double click or a resent form makes one refund, not two.
    return render_confirmation(request, order, action="refund", amount=amount, key=secrets.token_urlsafe(16))


@routes.post("/admin/orders/{order_id}/refund")
async def post_refund(request: web.Request) -> web.Response:
    """Refund the confirmed amount, then back to the order."""
    shop, order_id = request.config_dict[SHOP], request.match_info["order_id"]
    form = await read_form(request)
    try:
        amount = int(form.get("amount", ""))
    except ValueError:
        raise InvalidInput("amount must be the confirmed amount in minor units", field="amount") from None
    # The confirmation page's key, or a fresh one: either way the redirect can name the refund it makes.
    key = form.get("key") or secrets.token_urlsafe(16)
    done = f"/admin/orders/{order_id}?refund={refund_key(order_id, key)}"
    return await act(request_refund(shop, order_id, amount, key), done, show_order_failure(request, order_id))


@routes.post("/admin/orders/{order_id}/capture/confirm")
async def confirm_capture(request: web.Request) -> web.Response:
    """Ask the admin to confirm capturing an authorized payment."""
    order = await load_order(request.config_dict[SHOP], request.match_info["order_id"])
    return render_confirmation(request, order, action="capture", amount=order.amount_paid or order.amount)


@routes.post("/admin/orders/{order_id}/capture")
async def post_capture(request: web.Request) -> web.Response:
    """Capture the authorized payment, then back to the order."""
    shop, order_id = request.config_dict[SHOP], request.match_info["order_id"]
    done = f"/admin/orders/{order_id}?done=capture"
    return await act(capture_order(shop, order_id), done, show_order_failure(request, order_id))


def read_refund_amount(text: str, order: Order) -> int:
    """The refund typed in major units ("499.50"), in minor units; all that is left when left blank."""
    if not text.strip():
        return refundable_amount(order)
    try:
        amount = parse_major(text, order.currency)
    except ValueError as exc:
        raise InvalidInput(f"amount: {exc}", field="amount") from None
    return amount


def render_confirmation(
    request: web.Request, order: Order, *, action: str, amount: int, key: str | None = None
) -> web.Response:
    """The 'are you sure?' page for a refund or a capture."""
    context = {
        "order": order,
        "action": action,
        "amount": amount,
        "key": key,
        "amount_text": format_money(amount, order.currency),
    }
    return aiohttp_jinja2.render_template("admin_confirm.html", request, context)
