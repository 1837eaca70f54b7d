"""The admin API: refunds, capture and reconciliation, behind HTTP Basic auth (see galla.admin.auth)."""

from __future__ import annotations

from aiohttp import web

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
async def get_admin_order(request: web.Request) -> web.Response:
    """One order as the shop sees it."""
    order = await load_order(request.app[SHOP], request.match_info["order_id"])
    return json_response(describe_for_admin(order))


@routes.post("/api/admin/orders/{order_id}/refund")
async def post_refund(request: web.Request) -> web.Response:
    """Refund all or part of a paid order; 202, since the gateway's webhook settles it."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None and not 1 <= len(key) <= 255:
        raise InvalidInput("Idempotency-Key must be 1 to 255 characters", field=IDEMPOTENCY_HEADER)
    body = await read_model(request, RefundRequest) if request.body_exists else RefundRequest()
    order, refund = await request_refund(request.app[SHOP], request.match_info["order_id"], body.amount, key)
    return json_response({**describe_for_admin(order), "refund": describe_refund(refund)}, status=202)


@routes.post("/api/admin/orders/{order_id}/capture")
async def post_capture(request: web.Request) -> web.Response:
    """Capture an authorized Razorpay payment (manual capture)."""
    order = await capture_order(request.app[SHOP], request.match_info["order_id"])
    return json_response(describe_for_admin(order))


@routes.post("/api/admin/reconcile")
async def post_reconcile(request: web.Request) -> web.Response:
    """Run one reconciliation pass now and say what it changed."""
    report = await reconcile_pass(request.app[SHOP], request.app[SETTINGS])
    return json_response(report.to_dict())
