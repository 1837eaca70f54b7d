"""Webhook endpoints: the raw body goes to the flow untouched, since signatures cover its exact bytes."""

from __future__ import annotations

from collections.abc import Awaitable

from aiohttp import web
from pymongo.errors import ConnectionFailure

from galla.ops.metrics import METRICS
from galla.orders.errors import CheckoutError, NotFound
from galla.payments.labels import gateway_label
from galla.web.body import json_response
from galla.web.state import WEBHOOK_SHOP
from galla.webhooks.receive import WebhookReceipt, receive_razorpay_webhook, receive_stripe_webhook

routes = web.RouteTableDef()


class GatewayIsOff(NotFound):
    """A webhook for a gateway this shop has no keys for."""

    code = "gateway_off"


async def acknowledge(request: web.Request, gateway: str, receiving: Awaitable[WebhookReceipt]) -> web.Response:
    """200 once the event is stored (a duplicate too), saying what it did; every delivery is counted."""
    events = request.app[METRICS].webhook_events
    try:
        receipt = await receiving
    except CheckoutError as exc:
        events.labels(gateway, "unverified", exc.code).inc()
        raise
    except ConnectionFailure:
        events.labels(gateway, "unverified", "database_unavailable").inc()
        raise
    events.labels(gateway, receipt.type, classify(receipt)).inc()
    return json_response({"received": True, "duplicate": receipt.duplicate, "outcome": receipt.outcome})


def classify(receipt: WebhookReceipt) -> str:
    """The metric's outcome label for an acknowledged delivery."""
    if receipt.duplicate:
        return "duplicate"
    for prefix, label in (("not applied", "not_applied"), ("ignored", "ignored"), ("stored", "deferred")):
        if receipt.outcome.startswith(prefix):
            return label
    return "applied"


def check_live(request: web.Request, gateway: str) -> None:
    """Refuse a delivery for a gateway that is off on this shop (no keys): nothing of it is stored."""
    if gateway not in request.app[WEBHOOK_SHOP].live:
        request.app[METRICS].webhook_events.labels(gateway, "unverified", GatewayIsOff.code).inc()
        raise GatewayIsOff(
            f"{gateway_label(gateway)} is off on this shop (it has no keys for it): "
            "there is no webhook to receive here",
            field="gateway",
        )


@routes.post("/webhooks/razorpay")
async def post_razorpay_webhook(request: web.Request) -> web.Response:
    """A Razorpay event, signed with X-Razorpay-Signature."""
    check_live(request, "razorpay")
    return await acknowledge(
        request,
        "razorpay",
        receive_razorpay_webhook(
            request.app[WEBHOOK_SHOP],
            await request.read(),
            request.headers.get("X-Razorpay-Signature"),
            request.headers.get("X-Razorpay-Event-Id"),
        ),
    )


@routes.post("/webhooks/stripe")
async def post_stripe_webhook(request: web.Request) -> web.Response:
    """A Stripe event, signed with Stripe-Signature."""
    check_live(request, "stripe")
    return await acknowledge(
        request,
        "stripe",
        receive_stripe_webhook(
            request.app[WEBHOOK_SHOP], await request.read(), request.headers.get("Stripe-Signature")
        ),
    )
