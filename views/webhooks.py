"""Webhook endpoints: the raw body goes to the flow untouched, since signatures cover its exact bytes."""

from __future__ import annotations

from aiohttp import web

from checkout.webhooks import WebhookReceipt, receive_razorpay_webhook, receive_stripe_webhook
from views.state import SHOP

routes = web.RouteTableDef()


def acknowledge(receipt: WebhookReceipt) -> web.Response:
    """200 once the event is stored (a duplicate too), saying what it did."""
    return web.json_response({"received": True, "duplicate": receipt.duplicate, "outcome": receipt.outcome})


@routes.post("/webhooks/razorpay")
async def post_razorpay_webhook(request: web.Request) -> web.Response:
    """A Razorpay event, signed with X-Razorpay-Signature."""
    receipt = await receive_razorpay_webhook(request.app[SHOP], await request.read(),
                                             request.headers.get("X-Razorpay-Signature"),
                                             request.headers.get("X-Razorpay-Event-Id"))
    return acknowledge(receipt)


@routes.post("/webhooks/stripe")
async def post_stripe_webhook(request: web.Request) -> web.Response:
    """A Stripe event, signed with Stripe-Signature."""
    receipt = await receive_stripe_webhook(request.app[SHOP], await request.read(),
                                           request.headers.get("Stripe-Signature"))
    return acknowledge(receipt)
