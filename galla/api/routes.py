"""JSON handlers: each parses its input, calls one checkout flow and answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiohttp import web

from galla.api import responses
from galla.api.bodies import (
    describe_catalog,
    describe_checkout,
    describe_order,
    describe_payment_status,
    describe_plan,
    describe_plans,
    describe_quote,
    describe_subscription,
    describe_subscription_created,
    describe_subscription_state,
)
from galla.api.documented import (
    BODY_ERRORS,
    DATABASE_DOWN,
    GATEWAY_ERRORS,
    ORDER_ID,
    PUBLIC_GATEWAY_LIMIT,
    Answer,
    documented,
    idempotency_key,
    parameter,
)
from galla.ops.metrics import METRICS
from galla.orders.context import Shop
from galla.orders.errors import CheckoutError
from galla.orders.inputs import (
    CancelSubscriptionRequest,
    CartRequest,
    CheckoutRequest,
    RazorpayFailedRequest,
    RazorpaySubscriptionVerifyRequest,
    RazorpayVerifyRequest,
    StripeSubscriptionReturnRequest,
    SubscribeRequest,
)
from galla.orders.place import place_order
from galla.orders.plans import load_plan, load_plans
from galla.orders.quote import quote_cart
from galla.orders.subscribe import place_subscription
from galla.orders.subscription_actions import (
    cancel_at_period_end,
    confirm_razorpay_mandate,
    confirm_stripe_return,
    load_subscription_and_charges,
    portal_url,
)
from galla.payments.razorpay.confirm import confirm_razorpay_payment, prepare_payment, record_failed_payment
from galla.payments.stripe.confirm import load_order_after_return
from galla.shop.catalog import load_catalog
from galla.store.orders import Order
from galla.web.body import model_response, read_model
from galla.web.idempotency import read_idempotency_key
from galla.web.ratelimit import calls_gateway, places_orders, with_session_id
from galla.web.state import SHOP

routes = web.RouteTableDef()
Report = TypeVar("Report", RazorpayVerifyRequest, RazorpayFailedRequest)
# What pricing a cart may refuse, whether it is only quoted or placed as an order.
CART_ERRORS = ((422, "unknown_product"), (422, "not_for_sale"), (422, "amount_too_small"), (422, "gateway_off"))
CART_EXAMPLE = {
    "items": [{"product_id": "masala-chai", "quantity": 2}, {"product_id": "brass-diya", "quantity": 1}],
    "country": "IN",
}
CHECKOUT_EXAMPLE = {
    **CART_EXAMPLE,
    "customer": {"name": "Asha Rao", "email": "asha.rao@example.in", "phone": "+91 98765 43210"},
    "shipping_address": {
        "line1": "Flat 4B, 12 MG Road",
        "line2": "Near Trinity Circle",
        "city": "Bengaluru",
        "state": "Karnataka",
        "postal_code": "560001",
        "country": "IN",
    },
}
VERIFY_EXAMPLE = {
    "order_id": "ord_4Ck0dI2SxPjJ7mF1aQzW",
    "razorpay_order_id": "order_Nz1ZbWkY3mQ8pT",
    "razorpay_payment_id": "pay_Nz1ZfK2qXo9sRa",
    "razorpay_signature": "0d4e3f9a2b7c",
}
FAILED_EXAMPLE = {
    "order_id": "ord_4Ck0dI2SxPjJ7mF1aQzW",
    "error": {
        "code": "BAD_REQUEST_ERROR",
        "description": "Payment failed",
        "source": "customer",
        "step": "payment_authentication",
        "reason": "payment_failed",
        "metadata": {"order_id": "order_Nz1ZbWkY3mQ8pT", "payment_id": "pay_Nz1ZfK2qXo9sRa"},
    },
}
REPLAYED_HEADER = {
    "Idempotent-Replayed": {
        "description": '"true" when this answers an earlier request with the same Idempotency-Key.',
        "schema": {"type": "string", "enum": ["true"]},
    }
}
SESSION_ID = parameter(
    "session_id",
    "query",
    "The Stripe Checkout Session the buyer returned from.",
    {"type": "string", "pattern": "^cs_(test|live)_[A-Za-z0-9]{1,250}$"},
    required=False,
    example="cs_test_a1B2c3D4",
)
PLAN_ID = parameter(
    "plan_id",
    "path",
    "The plan's id, as GET /api/plans lists it.",
    {"type": "string", "minLength": 1},
    example="chai-club",
)


async def answer_payment_report(
    request: web.Request, model: type[Report], flow: Callable[[Shop, Report], Awaitable[Order]]
) -> web.Response:
    """Read what the browser reports of a payment, apply it with flow, and answer with the order's status."""
    order = await flow(request.config_dict[SHOP], await read_model(request, model))
    return model_response(describe_payment_status(order))


@routes.get("/api/products")
@documented(
    "listProducts",
    "Catalog",
    "Every active product with its price in each currency it is sold in, in minor units.",
    {200: Answer("The catalog, in catalog order.", responses.ProductList)},
    errors=(DATABASE_DOWN,),
)
async def get_products(request: web.Request) -> web.Response:
    """List the products on sale."""
    return model_response(describe_catalog(await load_catalog(request.config_dict[SHOP])))


@routes.get("/api/plans")
@documented(
    "listPlans",
    "Catalog",
    "Every recurring plan on sale at its current version: its period and the price of each charge per currency, in "
    "minor units.",
    {200: Answer("The plans on sale, in catalog order.", responses.PlanList)},
    errors=(DATABASE_DOWN,),
)
async def get_plans(request: web.Request) -> web.Response:
    """List the plans on sale."""
    return model_response(describe_plans(await load_plans(request.config_dict[SHOP])))


@routes.get("/api/plans/{plan_id}")
@documented(
    "getPlan",
    "Catalog",
    "One plan on sale at its current version. Earlier versions stay with the subscriptions made on them.",
    {200: Answer("The plan.", responses.Plan)},
    errors=((404, "not_found"), DATABASE_DOWN),
    parameters=(PLAN_ID,),
)
async def get_plan(request: web.Request) -> web.Response:
    """Show one plan on sale."""
    return model_response(describe_plan(await load_plan(request.config_dict[SHOP], request.match_info["plan_id"])))


@routes.post("/api/checkout/quote")
@documented(
    "quoteCheckout",
    "Catalog",
    "Which gateway, route and currency would take this cart from a buyer in this country, and what each line costs "
    "there. Nothing is stored.",
    {200: Answer("The priced cart.", responses.Quote)},
    errors=(*BODY_ERRORS, *CART_ERRORS, DATABASE_DOWN),
    request=CartRequest,
    example=CART_EXAMPLE,
)
async def post_checkout_quote(request: web.Request) -> web.Response:
    """Price a cart for a buyer."""
    body = await read_model(request, CartRequest)
    quote = await quote_cart(request.config_dict[SHOP], body)
    return model_response(describe_quote(quote))


@routes.post("/api/checkout")
@documented(
    "createCheckout",
    "Checkout",
    "Store a pending order priced from the database and open its payment: checkout.js options for Razorpay, or a "
    "Stripe Checkout Session to redirect to. The goods are delivered to `shipping_address`, required and checked in "
    "the format of the checkout's `country` (in India a state or union territory and a 6-digit PIN code); a part out "
    "of format is refused naming it, such as `shipping_address.postal_code`. When Razorpay is down an Indian buyer's "
    "order fails over to Stripe in rupees (`route: failover`). When no gateway can take it, the order is kept pending "
    "and the error carries its `order_id`.",
    {201: Answer("The order, and what pays for it.", responses.CheckoutCreated, headers=REPLAYED_HEADER)},
    errors=(
        *BODY_ERRORS,
        (409, "request_in_progress"),
        *CART_ERRORS,
        (422, "idempotency_key_reused"),
        (429, "rate_limited"),
        *GATEWAY_ERRORS,
        (503, "no_gateway_available"),
        DATABASE_DOWN,
    ),
    kept_order=True,
    parameters=(idempotency_key("answers with the same order instead of placing another"),),
    request=CheckoutRequest,
    example=CHECKOUT_EXAMPLE,
)
@places_orders
async def post_checkout(request: web.Request) -> web.Response:
    """Place an order."""
    key = read_idempotency_key(request)
    shop, checkouts = request.config_dict[SHOP], request.config_dict[METRICS].checkouts
    try:
        order, created = await place_order(shop, await read_model(request, CheckoutRequest), key)
    except CheckoutError as exc:
        checkouts.labels("none", exc.code).inc()
        raise
    checkouts.labels(order.gateway, "created" if created else "replayed").inc()
    headers = {} if created else {"Idempotent-Replayed": "true"}
    return model_response(describe_checkout(shop, order), status=201, headers=headers)


@routes.post("/api/payments/razorpay/verify")
@documented(
    "verifyRazorpayPayment",
    "Checkout",
    "What checkout.js's handler received. The signature is checked against the Razorpay order this order was given, "
    "then Razorpay is asked what the payment really is.",
    {200: Answer("The order's status after the payment.", responses.PaymentStatus)},
    errors=(
        *BODY_ERRORS,
        (400, "signature_invalid"),
        (404, "not_found"),
        PUBLIC_GATEWAY_LIMIT,
        *GATEWAY_ERRORS,
        DATABASE_DOWN,
    ),
    request=RazorpayVerifyRequest,
    example=VERIFY_EXAMPLE,
)
@calls_gateway()
async def post_razorpay_verify(request: web.Request) -> web.Response:
    """Confirm a Razorpay payment."""
    return await answer_payment_report(request, RazorpayVerifyRequest, confirm_razorpay_payment)


@routes.post("/api/payments/razorpay/failed")
@documented(
    "recordRazorpayFailure",
    "Checkout",
    "checkout.js's `payment.failed` error, kept on the order as an attempt (checked with Razorpay when it names a "
    "payment). It moves no status; the buyer may try again.",
    {200: Answer("The order's status, unchanged.", responses.PaymentStatus)},
    errors=(*BODY_ERRORS, (404, "not_found"), PUBLIC_GATEWAY_LIMIT, DATABASE_DOWN),
    request=RazorpayFailedRequest,
    example=FAILED_EXAMPLE,
)
@calls_gateway()
async def post_razorpay_failed(request: web.Request) -> web.Response:
    """Record a failed Razorpay payment."""
    return await answer_payment_report(request, RazorpayFailedRequest, record_failed_payment)


@routes.get("/api/orders/{order_id}")
@documented(
    "getOrder",
    "Orders",
    "Status, items and failed attempts, for the order page. With `session_id` (Stripe sends buyers back with it) the "
    "session is first checked with Stripe and its payment applied.",
    {200: Answer("The order.", responses.OrderView)},
    errors=(
        (400, "session_invalid"),
        (404, "not_found"),
        (422, "session_invalid"),
        PUBLIC_GATEWAY_LIMIT,
        *GATEWAY_ERRORS,
        DATABASE_DOWN,
    ),
    parameters=(ORDER_ID, SESSION_ID),
)
@calls_gateway(when=with_session_id)
async def get_order(request: web.Request) -> web.Response:
    """An order's status."""
    order = await load_order_after_return(
        request.config_dict[SHOP], request.match_info["order_id"], request.query.get("session_id")
    )
    return model_response(describe_order(order))


@routes.post("/api/orders/{order_id}/pay")
@documented(
    "payOrder",
    "Checkout",
    "What pays the order now: the same checkout.js options, or an open Stripe session (a new one if the last "
    "expired). Fails over like POST /api/checkout.",
    {200: Answer("What pays for the order.", responses.CheckoutCreated)},
    errors=(
        (404, "not_found"),
        (409, "order_not_payable"),
        PUBLIC_GATEWAY_LIMIT,
        *GATEWAY_ERRORS,
        (503, "no_gateway_available"),
        DATABASE_DOWN,
    ),
    kept_order=True,
    parameters=(ORDER_ID,),
)
@calls_gateway()
async def post_order_pay(request: web.Request) -> web.Response:
    """Pay a pending order again."""
    shop = request.config_dict[SHOP]
    order = await prepare_payment(shop, request.match_info["order_id"])
    return model_response(describe_checkout(shop, order))


SUBSCRIPTION_ID = parameter(
    "subscription_id",
    "path",
    "Our subscription id, as POST /api/subscriptions returned it.",
    {"type": "string", "minLength": 1},
    example="sbn_4Ck0dI2SxPjJ7mF1aQzW",
)
SUBSCRIBE_EXAMPLE = {"plan_id": "chai-club", "customer": CHECKOUT_EXAMPLE["customer"], "country": "IN"}
SUBSCRIPTION_VERIFY_EXAMPLE = {
    "subscription_id": "sbn_4Ck0dI2SxPjJ7mF1aQzW",
    "razorpay_payment_id": "pay_Nz1ZfK2qXo9sRa",
    "razorpay_subscription_id": "sub_Nz1ZbWkY3mQ8pT",
    "razorpay_signature": "0d4e3f9a2b7c",
}
# What a subscription's own actions may refuse besides a bad body.
SUBSCRIPTION_ERRORS = ((404, "not_found"), PUBLIC_GATEWAY_LIMIT, *GATEWAY_ERRORS, DATABASE_DOWN)


@routes.post("/api/subscriptions")
@documented(
    "createSubscription",
    "Subscriptions",
    "Store a `created` subscription to a plan, routed like a checkout (buyers in India through Razorpay in rupees, "
    "elsewhere through Stripe in their currency), at the plan's current version and price, locked; then open it: "
    "checkout.js options carrying a Razorpay `subscription_id` (UPI Autopay, card or netbanking mandate), or a "
    "Stripe Checkout Session in subscription mode. `mandate` states the Indian mandate's rules. A subscription never "
    "fails over to another gateway (its mandate lives at one): when its gateway is down the answer is 503 and the "
    "error carries the kept `subscription_id`.",
    {201: Answer("The subscription, and what starts it.", responses.SubscriptionCreated, headers=REPLAYED_HEADER)},
    errors=(
        *BODY_ERRORS,
        (404, "not_found"),
        (409, "request_in_progress"),
        (422, "not_for_sale"),
        (422, "gateway_off"),
        (422, "idempotency_key_reused"),
        (429, "rate_limited"),
        *GATEWAY_ERRORS,
        DATABASE_DOWN,
    ),
    kept_order=True,
    parameters=(idempotency_key("answers with the same subscription instead of making another"),),
    request=SubscribeRequest,
    example=SUBSCRIBE_EXAMPLE,
)
@places_orders
async def post_subscription(request: web.Request) -> web.Response:
    """Subscribe to a plan."""
    key = read_idempotency_key(request)
    shop = request.config_dict[SHOP]
    sub, created = await place_subscription(shop, await read_model(request, SubscribeRequest), key)
    headers = {} if created else {"Idempotent-Replayed": "true"}
    return model_response(describe_subscription_created(shop, sub), status=201, headers=headers)


@routes.post("/api/subscriptions/razorpay/verify")
@documented(
    "verifyRazorpaySubscription",
    "Subscriptions",
    "What checkout.js's handler received once the buyer authorised the mandate. The signature is checked against "
    "the Razorpay subscription id stored for this subscription, then Razorpay is asked what the payment and the "
    "subscription really are. A forged or swapped report is refused (`signature_invalid`) and nothing is stored.",
    {200: Answer("The subscription's status after the authorisation.", responses.SubscriptionState)},
    errors=(*BODY_ERRORS, (400, "signature_invalid"), *SUBSCRIPTION_ERRORS),
    request=RazorpaySubscriptionVerifyRequest,
    example=SUBSCRIPTION_VERIFY_EXAMPLE,
)
@calls_gateway()
async def post_razorpay_subscription_verify(request: web.Request) -> web.Response:
    """Confirm a Razorpay subscription's mandate."""
    body = await read_model(request, RazorpaySubscriptionVerifyRequest)
    sub = await confirm_razorpay_mandate(request.config_dict[SHOP], body)
    return model_response(describe_subscription_state(sub))


@routes.post("/api/subscriptions/{subscription_id}/stripe/return")
@documented(
    "returnFromStripeSubscription",
    "Subscriptions",
    "The Checkout Session Stripe sent the buyer back with: it must be the one opened for this subscription, and "
    "Stripe is asked what it became.",
    {200: Answer("The subscription's status after the return.", responses.SubscriptionState)},
    errors=(*BODY_ERRORS, (400, "session_invalid"), (422, "session_invalid"), *SUBSCRIPTION_ERRORS),
    parameters=(SUBSCRIPTION_ID,),
    request=StripeSubscriptionReturnRequest,
    example={"session_id": "cs_test_a1B2c3D4"},
)
@calls_gateway()
async def post_stripe_subscription_return(request: web.Request) -> web.Response:
    """Confirm a return from Stripe's subscription page."""
    body = await read_model(request, StripeSubscriptionReturnRequest)
    sub = await confirm_stripe_return(request.config_dict[SHOP], request.match_info["subscription_id"], body.session_id)
    return model_response(describe_subscription_state(sub))


@routes.get("/api/subscriptions/{subscription_id}")
@documented(
    "getSubscription",
    "Subscriptions",
    "Status, plan, the next charge's date and amount, every charge with its receipt, whether it stops at the end of "
    "the period, and the Indian mandate's rules (Razorpay).",
    {200: Answer("The subscription.", responses.SubscriptionView)},
    errors=((404, "not_found"), DATABASE_DOWN),
    parameters=(SUBSCRIPTION_ID,),
)
async def get_subscription(request: web.Request) -> web.Response:
    """A subscription's status and charges."""
    sub, charges = await load_subscription_and_charges(request.config_dict[SHOP], request.match_info["subscription_id"])
    return model_response(describe_subscription(sub, charges))


@routes.post("/api/subscriptions/{subscription_id}/cancel")
@documented(
    "cancelSubscription",
    "Subscriptions",
    "Cancel an active subscription at the end of the period already paid for (a buyer cannot cancel at once): no "
    "charge after it. Asking again changes nothing. One not active (not started, retrying, halted, paused) is "
    "refused: the shop cancels those.",
    {200: Answer("The subscription, stopping at the period's end.", responses.SubscriptionState)},
    errors=(
        *BODY_ERRORS,
        (409, "subscription_ended"),
        (409, "subscription_not_active"),
        *SUBSCRIPTION_ERRORS,
    ),
    parameters=(SUBSCRIPTION_ID,),
    request=CancelSubscriptionRequest,
    example={"at_period_end": True},
    body_required=False,
)
@calls_gateway()
async def post_subscription_cancel(request: web.Request) -> web.Response:
    """Cancel a subscription at the end of its period."""
    if request.can_read_body:
        await read_model(request, CancelSubscriptionRequest)
    sub = await cancel_at_period_end(request.config_dict[SHOP], request.match_info["subscription_id"])
    return model_response(describe_subscription_state(sub))


@routes.post("/api/subscriptions/{subscription_id}/portal")
@documented(
    "openSubscriptionPortal",
    "Subscriptions",
    "A fresh Stripe customer portal session for a subscription paid through Stripe, returning to its page: the "
    "buyer changes the card or cancels there. Open `url` at once; it is short-lived.",
    {200: Answer("Where the portal is.", responses.PortalSession)},
    errors=((409, "no_portal"), *SUBSCRIPTION_ERRORS),
    parameters=(SUBSCRIPTION_ID,),
)
@calls_gateway()
async def post_subscription_portal(request: web.Request) -> web.Response:
    """Open Stripe's customer portal for a subscription."""
    url = await portal_url(request.config_dict[SHOP], request.match_info["subscription_id"])
    return model_response(responses.PortalSession(url=url))
