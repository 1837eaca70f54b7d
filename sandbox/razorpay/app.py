"""The sandbox app factory: Razorpay's REST API, checkout.js and its payment window on one aiohttp app."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from . import api, checkout
from .config import SANDBOX_FAULTS, SANDBOX_KEYS, SANDBOX_STATE, Faults, SandboxKeys
from .middlewares import auth_middleware, error_middleware, fault_middleware
from .state import SandboxState


def create_razorpay_sandbox(*, key_id: str, key_secret: str, latency: float = 0.0,
                            clock: Callable[[], float] | None = None) -> web.Application:
    """Build an offline Razorpay that accepts only key_id:key_secret; mount it anywhere (add_subapp) or alone.

    Routes, relative to where it is served:
      /v1/...            Razorpay's REST API (orders, payments, capture, refunds), HTTP Basic auth,
                         each call delayed by `latency` seconds (app[SANDBOX_FAULTS] changes it live).
      GET  /v1/checkout.js            the checkout.js contract: new Razorpay(options).open()
      GET  /checkout/window           the payment window checkout.js frames (?key_id=&order_id=...)
      POST /checkout/pay              one payment attempt, as the window makes it (tests call it too):
           {key_id, order_id, method: "upi"|"card"|"netbanking", outcome?: "success"|"failure",
            vpa?, card_number?, card_expiry?, card_cvv?, bank?, email?, contact?, description?, amount?}
           An explicit outcome wins; else success@razorpay / failure@razorpay, the test cards
           (4000 0000 0000 0002 is declined) decide; netbanking needs bank and outcome.
           `amount` is a sandbox-only knob: the payment is made for that many minor units instead of
           the order's amount due, so a test can make a correctly signed payment that does not match.
           200 {razorpay_payment_id, razorpay_order_id, razorpay_signature}; 400 Razorpay error envelope,
           with metadata {order_id, payment_id} when a payment was made and failed.
    """
    app = web.Application(middlewares=[error_middleware, fault_middleware, auth_middleware])
    app[SANDBOX_KEYS] = SandboxKeys(key_id=key_id, key_secret=key_secret)
    app[SANDBOX_STATE] = SandboxState() if clock is None else SandboxState(clock=clock)
    app[SANDBOX_FAULTS] = Faults(latency=latency)
    app.add_routes(api.routes)
    app.add_routes(checkout.routes)
    return app
