"""The sandbox app factory: Razorpay's REST API, checkout.js and its payment window on one aiohttp app."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from ..common.webhooks import (
    RAZORPAY_RETRY_DELAYS,
    RAZORPAY_TIMEOUT,
    DeliveryKnobs,
    WebhookSender,
    deliveries_handler,
    razorpay_signature,
)
from . import api, checkout
from .config import (
    RAZORPAY_WEBHOOKS,
    SANDBOX_FAULTS,
    SANDBOX_KEYS,
    SANDBOX_STATE,
    SANDBOX_SUBSCRIPTIONS,
    Faults,
    SandboxKeys,
)
from .controls import read_control, read_number
from .errors import RazorpayError
from .middlewares import auth_middleware, check_basic_auth, error_middleware, fault_middleware
from .state import Event, SandboxState
from .subscription_api import mount_subscriptions


def encode_event(event: Event) -> bytes:
    """Return the webhook body: the envelope as compact JSON, the same bytes on every attempt."""
    return json.dumps(event.envelope, separators=(",", ":")).encode()


def webhook_headers(event: Event, body: bytes, secret: str | None) -> dict[str, str]:
    """Return Razorpay's webhook headers: the event id and the raw body's HMAC under the webhook secret."""
    headers = {"Content-Type": "application/json", "X-Razorpay-Event-Id": event.id}
    if secret:
        headers["X-Razorpay-Signature"] = razorpay_signature(secret, body)
    return headers


def build_sender(url: str | None, secret: str | None, parallel: int = 1) -> WebhookSender:
    """Return a sender that signs, times out and retries as Razorpay does."""
    return WebhookSender(
        encode=encode_event,
        sign=webhook_headers,
        url=url,
        secret=secret,
        knobs=DeliveryKnobs(retry_delays=RAZORPAY_RETRY_DELAYS, timeout=RAZORPAY_TIMEOUT),
        pin_secret=True,
        user_agent="Razorpay-Webhook/v1",
        parallel=parallel,
    )


async def deliver_webhooks(app: web.Application) -> AsyncIterator[None]:
    """Run the webhook sender for as long as the app (or the parent it is mounted in) runs."""
    async with app[RAZORPAY_WEBHOOKS].running():
        yield


def create_razorpay_sandbox(
    *,
    key_id: str,
    key_secret: str,
    latency: float = 0.0,
    clock: Callable[[], float] | None = None,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    webhook_parallel: int = 1,
) -> web.Application:
    """Build an offline Razorpay that accepts only key_id:key_secret; mount it anywhere (add_subapp) or alone.

    Routes, relative to where it is served:
      /v1/...            Razorpay's REST API (orders, payments, capture, refunds), HTTP Basic auth,
                         each call delayed by `latency` seconds (app[SANDBOX_FAULTS] changes it live).
      GET  /v1/checkout.js            the checkout.js contract: new Razorpay(options).open()
      GET  /checkout/window           the payment window checkout.js frames (?key_id=&order_id=... or
                                      &subscription_id=... for a subscription's authentication payment)
      POST /checkout/pay              one payment attempt, as the window makes it (tests call it too):
           {key_id, order_id, method: "upi"|"card"|"netbanking", outcome?: "success"|"failure",
            card_number?, card_expiry?, card_cvv?, bank?, email?, contact?, description?, amount?, notes?,
            reason?}
           An explicit outcome wins; else the test cards (4000 0000 0000 0002 is declined) decide; UPI
           (intent/QR: a `vpa`, UPI Collect, is refused) and netbanking need the outcome, netbanking a bank.
           `notes` is checkout's notes option, which the payment carries. `reason` (a sandbox knob) fails the
           payment with one of Razorpay's documented reasons for its method (instruments.FAILURES).
           `amount` is a sandbox-only knob: the payment is made for that many minor units instead of
           the order's amount due, so a test can make a correctly signed payment that does not match.
           200 {razorpay_payment_id, razorpay_order_id, razorpay_signature}; 400 Razorpay error envelope,
           with metadata {order_id, payment_id} when a payment was made and failed.

    Every change appends an Event to app[SANDBOX_STATE].events; app[RAZORPAY_WEBHOOKS] POSTs each to
    `webhook_url` (changeable live, None sends nothing) signed with `webhook_secret` as
    X-Razorpay-Signature, with X-Razorpay-Event-Id, retrying non-2xx answers and 5 s timeouts;
    `webhook_parallel` first deliveries at once (1: one by one, in order). GET /webhooks/deliveries lists them.
    PUT /sandbox/latency {"seconds": s} (Basic key_id:key_secret) changes the injected latency live.
    Automatic capture is a step after authorisation (PUT /sandbox/capture {"after": s} delays it); POST
    /sandbox/clock {"seconds": s} moves the clock on, and authorisations nobody captured within Razorpay's window
    are auto-refunded (status refunded, captured false); POST /sandbox/payments/{id}/authorize authorises a failed
    payment late; PUT /sandbox/refunds {"hold": s, "conflicts": n} makes refunds race (409). All Basic-authed.
    app[SANDBOX_FAULTS].refund_outcome makes refunds stay pending or fail (state.settle_refund settles them);
    state.open_dispute(payment_id) raises payment.dispute.created.

    Subscriptions (subscription_api.py, app[SANDBOX_SUBSCRIPTIONS]): /v1/plans, /v1/subscriptions (create, fetch, list
    by plan_id, cancel, pause, resume) and /v1/invoices?subscription_id= in Razorpay's shapes; a subscription's
    short_url is the window opened on its own for its authentication (Razorpay's hosted page).
    POST /checkout/subscriptions/pay {key_id, subscription_id, method: "upi"|"card"|"emandate", outcome?, card_number?,
    email?, contact?} is the mandate's authentication payment as checkout.js opened with subscription_id makes it:
    200 {razorpay_payment_id, razorpay_subscription_id, razorpay_signature = HMAC(payment_id|subscription_id)}.
    POST /sandbox/clock also runs every subscription charge that falls due, each stamped with its due time (a failed
    one retries daily, pending, then halted after 4 attempts), and answers their event ids as subscription_events;
    PUT /sandbox/subscriptions/{id}/charges {"outcomes": ["failure", ...], "then": "success"} (Basic-authed) says
    how the next charge attempts end, and all after them.
    """
    app = web.Application(middlewares=[error_middleware, fault_middleware, auth_middleware])
    app[SANDBOX_KEYS] = SandboxKeys(key_id=key_id, key_secret=key_secret)
    app[SANDBOX_STATE] = SandboxState() if clock is None else SandboxState(clock=clock)
    app[SANDBOX_FAULTS] = Faults(latency=latency)
    app[RAZORPAY_WEBHOOKS] = build_sender(webhook_url, webhook_secret, webhook_parallel)
    app[SANDBOX_STATE].listeners.append(app[RAZORPAY_WEBHOOKS].enqueue)
    app.cleanup_ctx.append(deliver_webhooks)
    app.add_routes(api.routes)
    app.add_routes(checkout.routes)
    mount_subscriptions(app)
    app.router.add_get("/webhooks/deliveries", deliveries_handler(RAZORPAY_WEBHOOKS), name="webhooks.deliveries")
    app.router.add_put("/sandbox/latency", set_latency, name="sandbox.latency")
    app.router.add_post("/sandbox/clock", advance_clock, name="sandbox.clock")
    app.router.add_put("/sandbox/capture", set_capture_delay, name="sandbox.capture")
    app.router.add_post("/sandbox/payments/{payment_id}/authorize", authorize_late, name="sandbox.authorize")
    app.router.add_put("/sandbox/refunds", set_refund_faults, name="sandbox.refunds")
    return app


async def advance_clock(request: web.Request) -> web.Response:
    """POST /sandbox/clock {"seconds": s}: move the clock on; refund stale authorisations, run due subscription charges."""
    seconds = read_number(await read_control(request), "seconds", 400 * 24 * 3600)
    state = request.app[SANDBOX_STATE]
    refunded = state.advance_clock(seconds)
    events = request.app[SANDBOX_SUBSCRIPTIONS].run_due()
    return web.json_response(
        {"now": state.now(), "auto_refunded": [payment["id"] for payment in refunded], "subscription_events": events}
    )


async def set_capture_delay(request: web.Request) -> web.Response:
    """PUT /sandbox/capture {"after": s}: how long automatic capture waits after an authorisation (0-60 s)."""
    after = read_number(await read_control(request), "after", 60)
    request.app[SANDBOX_STATE].capture_after = after
    return web.json_response({"after": after})


async def authorize_late(request: web.Request) -> web.Response:
    """POST /sandbox/payments/{id}/authorize: the bank confirms a failed (or unfinished) payment late."""
    await read_control(request)
    return web.json_response(request.app[SANDBOX_STATE].authorize_late(request.match_info["payment_id"]))


async def set_refund_faults(request: web.Request) -> web.Response:
    """PUT /sandbox/refunds {"hold": s, "conflicts": n}: refunds hold their payment s seconds; the next n answer 409."""
    body = await read_control(request)
    faults = request.app[SANDBOX_FAULTS]
    if "hold" in body:
        faults.refund_hold = read_number(body, "hold", 60)
    if "conflicts" in body:
        faults.refund_conflicts = int(read_number(body, "conflicts", 1000))
    return web.json_response({"hold": faults.refund_hold, "conflicts": faults.refund_conflicts})


async def set_latency(request: web.Request) -> web.Response:
    """PUT /sandbox/latency {"seconds": 0-60}: the delay added to every REST call from now on."""
    check_basic_auth(request.headers.get("Authorization"), request.app[SANDBOX_KEYS])
    try:
        seconds = (await request.json())["seconds"]
    except (ValueError, TypeError, KeyError):
        seconds = None
    if type(seconds) not in (int, float) or not 0 <= seconds <= 60:
        raise RazorpayError("seconds must be a number from 0 to 60", status=400, field="seconds")
    request.app[SANDBOX_FAULTS].latency = float(seconds)
    return web.json_response({"seconds": float(seconds)})
