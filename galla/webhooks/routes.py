"""Webhook endpoints: the raw body goes to the flow untouched, since signatures cover its exact bytes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from pymongo.errors import ConnectionFailure

from galla.api import responses
from galla.api.bodies import describe_receipt
from galla.api.documented import DATABASE_DOWN, GATEWAY_ERRORS, Answer, documented, parameter
from galla.ops.metrics import METRICS
from galla.orders.context import Shop
from galla.orders.errors import CheckoutError, NotFound
from galla.payments.labels import gateway_label
from galla.web.body import model_response
from galla.web.state import WEBHOOK_SHOP
from galla.webhooks.receive import WebhookReceipt, receive_razorpay_webhook, receive_stripe_webhook

routes = web.RouteTableDef()


def webhook(operation_id: str, description: str, headers: tuple[dict, ...]):
    """Declare a webhook endpoint for the OpenAPI document: a signed raw body, acknowledged once stored."""
    return documented(
        operation_id,
        "Webhooks",
        f"{description} The signature is checked over the exact bytes before anything is read; the event is then "
        "stored once under its id and applied. A redelivery is acknowledged (`duplicate: true`) and not applied "
        "twice. The answer comes within 2 s: an event still being applied then, or whose gateway call failed, is "
        "acknowledged (it is stored) and applied after, by the ledger job if need be. 404 `gateway_off`: the shop "
        "has no keys for this gateway.",
        {200: Answer("Stored (now or before); applied, or to be applied.", responses.WebhookReceipt)},
        errors=(
            (400, "signature_invalid"),
            (400, "malformed_webhook"),
            (404, "gateway_off"),
            (413, "body_too_large"),
            *GATEWAY_ERRORS,
            (503, "event_in_progress"),
            DATABASE_DOWN,
        ),
        parameters=headers,
        raw_body={
            "required": True,
            "description": "The event exactly as the gateway sent it.",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
    )


class GatewayIsOff(NotFound, code="gateway_off"):
    """A webhook for a gateway this shop has no keys for."""


async def acknowledge(
    request: web.Request, gateway: str, receive: Callable[[Shop, bytes], Awaitable[WebhookReceipt]]
) -> web.Response:
    """Hand the raw body to receive (unless the gateway is off here) and answer 200 once the event is stored (a
    duplicate too), saying what it did; every delivery is counted."""
    check_live(request, gateway)
    receiving = receive(request.config_dict[WEBHOOK_SHOP], await request.read())
    events = request.config_dict[METRICS].webhook_events
    try:
        receipt = await receiving
    except CheckoutError as exc:
        events.labels(gateway, "unverified", exc.code).inc()
        raise
    except ConnectionFailure:
        events.labels(gateway, "unverified", "database_unavailable").inc()
        raise
    events.labels(gateway, receipt.type, classify(receipt)).inc()
    return model_response(describe_receipt(receipt))


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
    if gateway not in request.config_dict[WEBHOOK_SHOP].live:
        request.config_dict[METRICS].webhook_events.labels(gateway, "unverified", GatewayIsOff.code).inc()
        raise GatewayIsOff(
            f"{gateway_label(gateway)} is off on this shop (it has no keys for it): "
            "there is no webhook to receive here",
            field="gateway",
        )


@routes.post("/webhooks/razorpay")
@webhook(
    "receiveRazorpayWebhook",
    "Signed with the webhook secret: X-Razorpay-Signature is the hex HMAC-SHA256 of the raw body.",
    (
        parameter(
            "X-Razorpay-Signature",
            "header",
            "Hex HMAC-SHA256 of the raw body under the webhook secret.",
            {"type": "string"},
        ),
        parameter(
            "X-Razorpay-Event-Id",
            "header",
            "The event's id; a redelivery carries the same one.",
            {"type": "string", "minLength": 1, "maxLength": 100},
        ),
    ),
)
async def post_razorpay_webhook(request: web.Request) -> web.Response:
    """A Razorpay event."""
    signature, event_id = request.headers.get("X-Razorpay-Signature"), request.headers.get("X-Razorpay-Event-Id")
    return await acknowledge(
        request, "razorpay", lambda shop, body: receive_razorpay_webhook(shop, body, signature, event_id)
    )


@routes.post("/webhooks/stripe")
@webhook(
    "receiveStripeWebhook",
    "Signed as Stripe signs webhooks (Stripe-Signature, 300 s tolerance).",
    (
        parameter(
            "Stripe-Signature",
            "header",
            't=<timestamp>,v1=<HMAC-SHA256 of "<timestamp>.<raw body>">.',
            {"type": "string"},
        ),
    ),
)
async def post_stripe_webhook(request: web.Request) -> web.Response:
    """A Stripe event."""
    signature = request.headers.get("Stripe-Signature")
    return await acknowledge(request, "stripe", lambda shop, body: receive_stripe_webhook(shop, body, signature))
