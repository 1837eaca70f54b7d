"""The admin API: refunds, capture and reconciliation, behind HTTP Basic auth (see galla.admin.auth)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from galla.api import responses
from galla.api.bodies import describe_admin_order, describe_reconcile, describe_refund_accepted
from galla.api.documented import (
    ADMIN_CHANGE_ERRORS,
    ADMIN_ERRORS,
    BODY_ERRORS,
    DATABASE_DOWN,
    GATEWAY_ERRORS,
    ORDER_ID,
    Answer,
    documented,
    idempotency_key,
)
from galla.orders.context import Shop
from galla.orders.inputs import RefundRequest
from galla.orders.refunds import request_refund
from galla.orders.view import load_order
from galla.payments.razorpay.capture import capture_order
from galla.store.orders import Order
from galla.web.body import model_response, read_model
from galla.web.idempotency import read_idempotency_key
from galla.web.state import SETTINGS, SHOP
from galla.workers.reconciler import reconcile_pass

routes = web.RouteTableDef()


async def answer_order(request: web.Request, flow: Callable[[Shop, str], Awaitable[Order]]) -> web.Response:
    """Run a flow on the order the path names and answer with the shop's view of it."""
    order = await flow(request.config_dict[SHOP], request.match_info["order_id"])
    return model_response(describe_admin_order(order))


@routes.get("/api/admin/orders/{order_id}")
@documented(
    "getAdminOrder",
    "Admin",
    "The buyer's view plus the gateway's payment, refunds, dispute and why it is under review.",
    {200: Answer("The order.", responses.AdminOrder)},
    errors=(*ADMIN_ERRORS, (404, "not_found"), DATABASE_DOWN),
    parameters=(ORDER_ID,),
)
async def get_admin_order(request: web.Request) -> web.Response:
    """An order as the shop sees it."""
    return await answer_order(request, load_order)


@routes.post("/api/admin/orders/{order_id}/refund")
@documented(
    "refundOrder",
    "Admin",
    "Refund all that is left (no body, or no amount) or part of it. Accepted, not done: the gateway's webhook (or "
    "reconciliation) settles the refund.",
    {202: Answer("The refund is asked for; the order with it.", responses.RefundAccepted)},
    errors=(
        *BODY_ERRORS,
        *ADMIN_CHANGE_ERRORS,
        (404, "not_found"),
        (409, "order_not_refundable"),
        (409, "nothing_to_refund"),
        (409, "order_busy"),
        (422, "refund_too_large"),
        (422, "refund_refused"),
        *GATEWAY_ERRORS,
        DATABASE_DOWN,
    ),
    parameters=(ORDER_ID, idempotency_key("answers with the same refund instead of another")),
    request=RefundRequest,
    example={"amount": 34900},
    body_required=False,
)
async def post_refund(request: web.Request) -> web.Response:
    """Refund a paid order."""
    key = read_idempotency_key(request)
    body = await read_model(request, RefundRequest) if request.body_exists else RefundRequest()
    order, refund = await request_refund(request.config_dict[SHOP], request.match_info["order_id"], body.amount, key)
    return model_response(describe_refund_accepted(order, refund), status=202)


@routes.post("/api/admin/orders/{order_id}/capture")
@documented(
    "captureOrder",
    "Admin",
    "Capture exactly the order's amount of an authorized Razorpay payment (RAZORPAY_CAPTURE=manual).",
    {200: Answer("The order after the capture.", responses.AdminOrder)},
    errors=(*ADMIN_CHANGE_ERRORS, (404, "not_found"), (409, "order_not_capturable"), *GATEWAY_ERRORS, DATABASE_DOWN),
    parameters=(ORDER_ID,),
)
async def post_capture(request: web.Request) -> web.Response:
    """Capture an authorized payment."""
    return await answer_order(request, capture_order)


@routes.post("/api/admin/reconcile")
@documented(
    "reconcile",
    "Admin",
    "One pass of what the server does periodically: stale pending orders and open refunds are looked up at their "
    "gateway and brought to the truth.",
    {200: Answer("What the pass looked at and changed.", responses.ReconcileReport)},
    errors=(*ADMIN_CHANGE_ERRORS, DATABASE_DOWN),
)
async def post_reconcile(request: web.Request) -> web.Response:
    """Reconcile now."""
    report = await reconcile_pass(request.config_dict[SHOP], request.config_dict[SETTINGS])
    return model_response(describe_reconcile(report))
