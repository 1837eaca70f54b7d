"""JSON handlers: each parses its input, calls one checkout flow and answers."""

from __future__ import annotations

from aiohttp import web

from galla.api.requests import CartRequest, CheckoutRequest, RazorpayFailedRequest, RazorpayVerifyRequest
from galla.ops.metrics import METRICS, render_metrics
from galla.orders.errors import CheckoutError, InvalidInput
from galla.orders.place import place_order
from galla.orders.quote import quote_cart
from galla.orders.view import checkout_response, describe_order
from galla.payments.razorpay.confirm import confirm_razorpay_payment, prepare_payment, record_failed_payment
from galla.payments.stripe.confirm import load_order_after_return
from galla.shop.catalog import list_catalog
from galla.store.db import ping
from galla.web.body import json_response, read_model
from galla.web.ratelimit import calls_gateway, with_session_id
from galla.web.state import DATABASE, SHOP

routes = web.RouteTableDef()
IDEMPOTENCY_HEADER = "Idempotency-Key"


@routes.get("/api/products")
async def get_products(request: web.Request) -> web.Response:
    """The catalog with prices in every currency, in minor units."""
    products = await list_catalog(request.app[SHOP])
    return json_response({"products": products})


@routes.post("/api/checkout/quote")
async def post_checkout_quote(request: web.Request) -> web.Response:
    """What a cart costs this buyer, in which currency and through which gateway; nothing is stored."""
    body = await read_model(request, CartRequest)
    quote = await quote_cart(request.app[SHOP], body)
    return json_response(quote.to_dict())


@routes.post("/api/checkout")
async def post_checkout(request: web.Request) -> web.Response:
    """Place an order and return what pays for it: checkout.js options or a Stripe session."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None and not 1 <= len(key) <= 255:
        raise InvalidInput("Idempotency-Key must be 1 to 255 characters", field=IDEMPOTENCY_HEADER)
    shop, checkouts = request.app[SHOP], request.app[METRICS].checkouts
    try:
        order, created = await place_order(shop, await read_model(request, CheckoutRequest), key)
    except CheckoutError as exc:
        checkouts.labels("none", exc.code).inc()
        raise
    checkouts.labels(order.gateway, "created" if created else "replayed").inc()
    headers = {} if created else {"Idempotent-Replayed": "true"}
    return json_response(checkout_response(shop, order), status=201, headers=headers)


@routes.post("/api/payments/razorpay/verify")
@calls_gateway()
async def post_razorpay_verify(request: web.Request) -> web.Response:
    """Confirm a payment checkout.js reported as successful."""
    body = await read_model(request, RazorpayVerifyRequest)
    order = await confirm_razorpay_payment(request.app[SHOP], body)
    return json_response({"order_id": order.id, "status": order.status})


@routes.post("/api/payments/razorpay/failed")
@calls_gateway()
async def post_razorpay_failed(request: web.Request) -> web.Response:
    """Record a failed payment attempt checkout.js reported."""
    body = await read_model(request, RazorpayFailedRequest)
    order = await record_failed_payment(request.app[SHOP], body)
    return json_response({"order_id": order.id, "status": order.status})


@routes.get("/api/orders/{order_id}")
@calls_gateway(when=with_session_id)
async def get_order(request: web.Request) -> web.Response:
    """An order's status, items and attempts; with ?session_id= it first confirms that Stripe session."""
    order = await load_order_after_return(
        request.app[SHOP], request.match_info["order_id"], request.query.get("session_id")
    )
    return json_response(describe_order(order))


@routes.post("/api/orders/{order_id}/pay")
@calls_gateway()
async def post_order_pay(request: web.Request) -> web.Response:
    """What pays a pending order again: checkout.js options, or an open Stripe session."""
    shop = request.app[SHOP]
    order = await prepare_payment(shop, request.match_info["order_id"])
    return json_response(checkout_response(shop, order))


@routes.get("/healthz")
async def get_healthz(request: web.Request) -> web.Response:
    """The process is alive."""
    return json_response({"status": "ok"})


@routes.get("/readyz")
async def get_readyz(request: web.Request) -> web.Response:
    """Ready when MongoDB answers; each gateway's circuit is shown (an open one is failed over, not fatal)."""
    shop = request.app[SHOP]
    gateways = {
        breaker.gateway: {"circuit": breaker.state, "retry_after": round(breaker.retry_after(), 1)}
        for breaker in shop.breakers
    }
    try:
        ok = await ping(request.app[DATABASE].db)
        mongodb = "ok" if ok else "unavailable"
    except Exception as exc:  # any driver failure means "not ready", which is the answer
        ok, mongodb = False, str(exc)[:200]
    return json_response(
        {"status": "ok" if ok else "unavailable", "mongodb": mongodb, "gateways": gateways}, status=200 if ok else 503
    )


@routes.get("/metrics")
async def get_metrics(request: web.Request) -> web.Response:
    """Prometheus metrics of this process."""
    return await render_metrics(request, request.app[SHOP])
