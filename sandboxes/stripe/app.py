"""The sandbox app factory: Stripe's REST API and its hosted Checkout page on one aiohttp app."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from ..common.ids import random_chars
from ..common.webhooks import (
    STRIPE_RETRY_DELAYS,
    STRIPE_TIMEOUT,
    DeliveryKnobs,
    WebhookSender,
    deliveries_handler,
    stripe_signature_header,
)
from . import api, billing_api, hosted, portal
from .account import BusinessProfile
from .config import (
    STRIPE_SANDBOX_CONFIG,
    STRIPE_SANDBOX_FAULTS,
    STRIPE_SANDBOX_STATE,
    STRIPE_WEBHOOK_ENDPOINT,
    STRIPE_WEBHOOKS,
    Faults,
    SandboxConfig,
    WebhookEndpoint,
)
from .middlewares import auth_middleware, error_middleware, fault_middleware, idempotency_middleware
from .state import StripeEvent, StripeSandboxState


def encode_event(event: StripeEvent, api_version: str | None = None) -> bytes:
    """Return the webhook body: the Event envelope as JSON, pretty-printed as Stripe sends it, stamped with the
    endpoint's API version (the envelope's `api_version`) when one is given."""
    envelope = event.envelope if api_version is None else {**event.envelope, "api_version": api_version}
    return json.dumps(envelope, indent=2, ensure_ascii=False).encode()


def build_sender(
    state: StripeSandboxState,
    url: str | None,
    secret: str | None,
    parallel: int = 1,
    endpoint: WebhookEndpoint | None = None,
) -> WebhookSender:
    """Return a sender that signs each attempt afresh (t from the sandbox clock) and retries as Stripe's test mode;
    each body carries `endpoint`'s API version."""
    endpoint = endpoint or WebhookEndpoint()

    def headers(event: StripeEvent, body: bytes, signing_secret: str | None) -> dict[str, str]:
        """Return Stripe's webhook headers, signed now: a retry carries a new t, as Stripe's do."""
        found = {"Content-Type": "application/json; charset=utf-8"}
        if signing_secret:
            # One v1 per secret still signing, all over the same t: a receiver verifying with any of them
            # accepts it (stripe-python stripe/_webhook.py, WebhookSignature.verify_header checks every v1).
            stamp = state.now()
            signed = [
                stripe_signature_header(secret, body, stamp) for secret in (signing_secret, *sender.expiring_secrets)
            ]
            found["Stripe-Signature"] = ",".join([signed[0], *(one.split(",", 1)[1] for one in signed[1:])])
        return found

    sender = WebhookSender(
        encode=lambda event: encode_event(event, endpoint.api_version),
        sign=headers,
        url=url,
        secret=secret,
        knobs=DeliveryKnobs(retry_delays=STRIPE_RETRY_DELAYS, timeout=STRIPE_TIMEOUT),
        user_agent="Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        parallel=parallel,
    )
    return sender


async def deliver_webhooks(app: web.Application) -> AsyncIterator[None]:
    """Run the webhook sender for as long as the app (or the parent it is mounted in) runs."""
    async with app[STRIPE_WEBHOOKS].running():
        yield


def create_stripe_sandbox(
    *,
    secret_key: str,
    publishable_key: str | None = None,
    public_url: str | None = None,
    latency: float = 0.0,
    clock: Callable[[], float] | None = None,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    webhook_parallel: int = 1,
    webhook_api_version: str | None = None,
    country: str = "IN",
    exports: str = "goods",
    adaptive_pricing: bool = False,
    business: BusinessProfile | None = None,
) -> web.Application:
    """Build an offline Stripe that accepts only secret_key; mount it anywhere (add_subapp) or serve it alone.

    `country` is the account's (default IN, as Galla's shops are): an Indian account has no customer search and
    refuses international card payments that lack what Stripe India requires (india.py; `exports` "goods" also
    needs a shipping address, "services" does not). `business` is the account's public name, icon and support
    details (account.py), which the hosted page shows as Checkout does and GET /v1/account returns.

    Routes, relative to where it is served:
      /v1/...   Stripe's REST API, form-encoded with bracket keys, `Authorization: Bearer <secret_key>`
                (or HTTP Basic with the key as username), every error in Stripe's envelope, a Request-Id on
                every answer, Idempotency-Key honoured on POST. Each call is delayed by `latency` seconds;
                app[STRIPE_SANDBOX_FAULTS] changes that live, and its fail_next list makes the next calls
                answer 429/409/5xx without running (and without using up the Idempotency-Key).
          POST /v1/checkout/sessions, GET /v1/checkout/sessions[/{id}[/line_items]],
          POST /v1/checkout/sessions/{id}/expire, GET /v1/payment_intents/{id}, GET /v1/charges/{id},
          POST|GET /v1/refunds, GET /v1/refunds/{id}, POST|GET /v1/customers, GET /v1/customers/search,
          GET /v1/customers/{id}, GET /v1/events[/{id}], GET /v1/account;
          Billing (billing_api.py): GET /v1/subscriptions[/{id}], POST|DELETE /v1/subscriptions/{id},
          GET /v1/invoices[/{id}], POST|GET /v1/test_helpers/test_clocks, GET .../{id}, POST .../{id}/advance.
          Checkout in mode=subscription (price_data.recurring) starts a Subscription when paid; a customer
          created with test_clock lives in that clock's time, and advancing it renews, retries and dunns.
          POST /v1/billing_portal/sessions {customer, return_url} answers a `url` to the portal (portal.py).
      GET  /p/session/{id}       the customer portal: the customer's subscriptions, each to cancel at period end
                                 (POST .../subscriptions/{sub}/cancel) or keep (.../renew), and a link back.
      GET  /c/pay/{session_id}   the hosted payment page a Session's `url` points at. The URL is built from
                                 `public_url` if given (e.g. "http://127.0.0.1:8080/sandbox/stripe"), else
                                 from the scheme, host and mount prefix of the request that created it.
      POST /c/pay/{session_id}   pay, as the page's form does (tests post it too), form-encoded:
           {email, card_number, card_expiry ("MM/YY"), card_cvc, card_name, amount?}
           Stripe's test cards decide the outcome (4242… succeeds, 4000 0000 0000 0002 is declined, …).
           `amount` is a sandbox-only knob: the payment is made for that many minor units instead of the
           session's total, and the paid session's amount_total says so, as a tampered session would look.
           303 to success_url ({CHECKOUT_SESSION_ID} filled in); 400 with the page and field errors; 402 with
           the page and the decline message; 400 for a session that is expired or already paid.

    Every change appends a StripeEvent to app[STRIPE_SANDBOX_STATE].events and calls its listeners;
    app[STRIPE_WEBHOOKS] POSTs each to `webhook_url` (changeable live, None sends nothing) with a
    Stripe-Signature made with `webhook_secret`, re-signed on every retry; `webhook_parallel` first deliveries
    at once (1: one by one, in order). GET /webhooks/deliveries lists every attempt. Each delivered body's
    `api_version` is the endpoint's (`webhook_api_version`, default the sandbox's own; app[STRIPE_WEBHOOK_ENDPOINT]
    changes it live), as Stripe renders webhooks in the version the endpoint was created with.
    The sandbox clock (`clock`, default time.time) drives created, expires_at, lazy expiry, key pruning and
    the signature's t. app[STRIPE_SANDBOX_FAULTS].refund_outcome makes refunds stay pending or fail
    (state.settle_refund settles them); state.open_dispute(charge_id) raises charge.dispute.created.
    """
    app = web.Application(middlewares=[error_middleware, auth_middleware, idempotency_middleware, fault_middleware])
    app[STRIPE_SANDBOX_STATE] = StripeSandboxState() if clock is None else StripeSandboxState(clock=clock)
    app[STRIPE_SANDBOX_CONFIG] = SandboxConfig(
        secret_key=secret_key,
        publishable_key=publishable_key or "pk_test_" + random_chars(24),
        public_url=public_url.rstrip("/") if public_url else None,
        country=country.upper(),
        exports=exports,
        adaptive_pricing=adaptive_pricing,
        business=business or BusinessProfile(),
        started=int(app[STRIPE_SANDBOX_STATE].now()),
    )
    app[STRIPE_SANDBOX_FAULTS] = Faults(latency=latency)
    app[STRIPE_WEBHOOK_ENDPOINT] = (
        WebhookEndpoint() if webhook_api_version is None else WebhookEndpoint(api_version=webhook_api_version)
    )
    app[STRIPE_WEBHOOKS] = build_sender(
        app[STRIPE_SANDBOX_STATE], webhook_url, webhook_secret, webhook_parallel, app[STRIPE_WEBHOOK_ENDPOINT]
    )
    app[STRIPE_SANDBOX_STATE].listeners.append(app[STRIPE_WEBHOOKS].enqueue)
    app.cleanup_ctx.append(deliver_webhooks)
    app.add_routes(api.routes)
    app.add_routes(billing_api.routes)
    app.add_routes(hosted.routes)
    app.add_routes(portal.routes)
    app.router.add_get("/webhooks/deliveries", deliveries_handler(STRIPE_WEBHOOKS), name="webhooks.deliveries")
    return app
