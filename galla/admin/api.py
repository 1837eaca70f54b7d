"""The admin API: refunds, capture and reconciliation, behind HTTP Basic auth (see galla.admin.auth)."""

from __future__ import annotations

from aiohttp import web

from galla.api import responses
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
from galla.api.requests import RefundRequest
from galla.orders.errors import InvalidInput
from galla.orders.refunds import refundable_amount, request_refund
from galla.orders.view import describe_order, load_order
from galla.payments.razorpay.capture import capture_order
from galla.store.orders import Order
from galla.web.body import json_response, read_model
from galla.web.state import SETTINGS, SHOP
from galla.workers.reconciler import reconcile_pass

routes = web.RouteTableDef()
IDEMPOTENCY_HEADER = "Idempotency-Key"


def describe_refund(entry: dict) -> dict:
    """One refund entry with its times as ISO strings."""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in entry.items()}


def describe_for_admin(order: Order) -> dict:
    """The buyer's view of the order plus what the shop needs: payment, refunds, dispute, review reason."""
    return {
        **describe_order(order),
        "payment": order.payment,
        "amount_paid": order.amount_paid,
        "refunded_amount": order.refunded_amount,
        "refundable": refundable_amount(order),
        "review_reason": order.review_reason,
        "dispute": order.dispute,
        "refunds": [describe_refund(r) for r in order.refunds],
    }


@routes.get("/api/admin/orders/{order_id}")
@documented(
    "getAdminOrder",
    "Admin",
    "The buyer's view plus the gateway's payment, refunds, dispute and why it is under review.",
    {200: Answer("The order.", responses.AdminOrder)},
    errors=(*ADMIN_ERRORS, (404, "not_found"), DATABASE_DOWN),
    parameters=(ORDER_ID,),
    admin=True,
)
async def get_admin_order(request: web.Request) -> web.Response:
    """An order as the shop sees it."""
    order = await load_order(request.config_dict[SHOP], request.match_info["order_id"])
    return json_response(describe_for_admin(order))


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
    admin=True,
)
async def post_refund(request: web.Request) -> web.Response:
    """Refund a paid order."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None and not 1 <= len(key) <= 255:
        raise InvalidInput("Idempotency-Key must be 1 to 255 characters", field=IDEMPOTENCY_HEADER)
    body = await read_model(request, RefundRequest) if request.body_exists else RefundRequest()
    order, refund = await request_refund(request.config_dict[SHOP], request.match_info["order_id"], body.amount, key)
    return json_response({**describe_for_admin(order), "refund": describe_refund(refund)}, status=202)


@routes.post("/api/admin/orders/{order_id}/capture")
@documented(
    "captureOrder",
    "Admin",
    "Capture exactly the order's amount of an authorized Razorpay payment (RAZORPAY_CAPTURE=manual).",
    {200: Answer("The order after the capture.", responses.AdminOrder)},
    errors=(*ADMIN_CHANGE_ERRORS, (404, "not_found"), (409, "order_not_capturable"), *GATEWAY_ERRORS, DATABASE_DOWN),
    parameters=(ORDER_ID,),
    admin=True,
)
async def post_capture(request: web.Request) -> web.Response:
    """Capture an authorized payment."""
    order = await capture_order(request.config_dict[SHOP], request.match_info["order_id"])
    return json_response(describe_for_admin(order))


@routes.post("/api/admin/reconcile")
@documented(
    "reconcile",
    "Admin",
    "One pass of what the server does periodically: stale pending orders and open refunds are looked up at their "
    "gateway and brought to the truth.",
    {200: Answer("What the pass looked at and changed.", responses.ReconcileReport)},
    errors=(*ADMIN_CHANGE_ERRORS, DATABASE_DOWN),
    admin=True,
)
async def post_reconcile(request: web.Request) -> web.Response:
    """Reconcile now."""
    report = await reconcile_pass(request.config_dict[SHOP], request.config_dict[SETTINGS])
    return json_response(report.to_dict())
