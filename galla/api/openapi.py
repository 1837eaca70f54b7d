"""The API's OpenAPI 3.1 document, generated from the pydantic models that validate requests and
describe responses, served as JSON and rendered as a page for people."""

from __future__ import annotations

import functools
import json
import re
from importlib.metadata import version
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from markupsafe import Markup, escape
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from galla.api import responses
from galla.api.requests import CartRequest, CheckoutRequest, RazorpayFailedRequest, RazorpayVerifyRequest, RefundRequest

routes = web.RouteTableDef()

DOCUMENT_PATH = "/api/openapi.json"
REF = "#/components/schemas/{model}"
REQUEST_MODELS = (CartRequest, CheckoutRequest, RazorpayVerifyRequest, RazorpayFailedRequest, RefundRequest)
RESPONSE_MODELS = (
    responses.ProductList,
    responses.Quote,
    responses.CheckoutCreated,
    responses.PaymentStatus,
    responses.OrderView,
    responses.AdminOrder,
    responses.RefundAccepted,
    responses.ReconcileReport,
    responses.WebhookReceipt,
    responses.Health,
    responses.Ready,
    responses.ErrorBody,
    responses.CheckoutFailure,
)
ADMIN_SECURITY = [{"adminBasic": []}]
INLINE_CODE = re.compile(r"`([^`]+)`")

DESCRIPTION = """\
Galla's checkout API: Razorpay first (UPI, cards, netbanking through checkout.js), Stripe Checkout for
international cards and as the fallback.

* Money is always an integer of minor units (paise, cents) beside an ISO 4217 currency code; prices
  come from the shop's database, never from the request.
* Every error is `{"error": {"code", "message", "field"?}}`: `code` is stable for programs, `message`
  is for people, `field` names the input at fault (`items[0].quantity`, a header's name).
* Request bodies are JSON (`Content-Type: application/json`, at most 64 KiB); unknown fields are refused.
* Every response carries `X-Request-Id` (yours, if you sent a sane one); quote it when asking for help.
* The admin API takes HTTP Basic credentials, user `admin` and the server's `ADMIN_PASSWORD` (the admin
  pages' session cookie works too, with its `X-CSRF-Token` on changes).
"""

TAGS = [
    {"name": "Catalog", "description": "Products and what a cart costs."},
    {"name": "Checkout", "description": "Placing an order and paying for it."},
    {"name": "Orders", "description": "An order's status, for the order page."},
    {"name": "Admin", "description": "Refunds, capture and reconciliation, behind HTTP Basic auth."},
    {"name": "Webhooks", "description": "Signed events from Razorpay and Stripe."},
    {"name": "Operations", "description": "Liveness, readiness, metrics and this document."},
]

ERROR_TITLES = {
    400: "The request is malformed",
    401: "Admin credentials are missing or wrong",
    403: "A browser's request from another site, or without the session's CSRF token",
    404: "No such order",
    409: "In conflict with the order's state, or with a request still under way",
    413: "The body is too large",
    415: "The body is not JSON",
    422: "The input is not valid",
    429: "Too many requests",
    502: "The gateway refused or failed",
    503: "Unavailable for now; try again after Retry-After",
}
# The errors that say "not now" rather than "no" carry Retry-After.
RETRY_AFTER_CODES = {
    "request_in_progress",
    "order_busy",
    "rate_limited",
    "database_unavailable",
    "gateway_unavailable",
    "no_gateway_available",
    "event_in_progress",
}

DATABASE_DOWN = (503, "database_unavailable")
BODY_ERRORS = (
    (400, "malformed_json"),
    (413, "body_too_large"),
    (415, "unsupported_media_type"),
    (422, "invalid_input"),
)
GATEWAY_ERRORS = ((502, "gateway_error"), (503, "gateway_unavailable"))
# Public endpoints that call a gateway are limited per client (PUBLIC_GATEWAY_RATE_LIMIT).
PUBLIC_GATEWAY_LIMIT = (429, "rate_limited")
# Too many failed sign-ins from one address are refused for a while, the right password too.
ADMIN_ERRORS = ((401, "unauthorized"), (429, "rate_limited"))
ADMIN_CHANGE_ERRORS = (*ADMIN_ERRORS, (403, "csrf_failed"))
ORDER_ID = {
    "name": "order_id",
    "in": "path",
    "required": True,
    "description": "Our order id, as POST /api/checkout returned it.",
    "schema": {"type": "string", "minLength": 1},
    "example": "ord_4Ck0dI2SxPjJ7mF1aQzW",
}


def idempotency_key(purpose: str) -> dict:
    """The optional Idempotency-Key header of an operation that must not happen twice."""
    return {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": f"Any unique string; a retry with the same key and body {purpose}.",
        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    }


def json_content(schema: dict, example: Any = None) -> dict:
    """A JSON media type with its schema (and an example)."""
    media = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {"application/json": media}


def ref(model: type[BaseModel]) -> dict:
    """A reference to a model's schema in components."""
    return {"$ref": REF.format(model=model.__name__)}


def request_body(model: type[BaseModel], example: dict, *, required: bool = True) -> dict:
    """A JSON request body validated by `model`."""
    return {"required": required, "content": json_content(ref(model), example)}


def success(status: int, model: type[BaseModel], description: str, headers: dict | None = None) -> dict:
    """The operation's success response, keyed by status."""
    answer = {"description": description, "content": json_content(ref(model))}
    if headers:
        answer["headers"] = headers
    return {str(status): answer}


def errors(*codes: tuple[int, str], kept_order: bool = False) -> dict:
    """The error responses, one per status, listing the error codes each may carry (x-error-codes).

    kept_order: a gateway failure (502, 503) names the pending order it kept, for a retry.
    """
    by_status: dict[int, list[str]] = {}
    for status, code in codes:
        by_status.setdefault(status, []).append(code)
    answers = {}
    for status, names in sorted(by_status.items()):
        schema = responses.CheckoutFailure if kept_order and status >= 502 else responses.ErrorBody
        answer = {
            "description": f"{ERROR_TITLES[status]}: {', '.join(names)}.",
            "content": json_content(ref(schema)),
            "x-error-codes": names,
        }
        if RETRY_AFTER_CODES.intersection(names):
            answer["headers"] = {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}
        if status == 401:
            answer["headers"] = {"WWW-Authenticate": {"$ref": "#/components/headers/WWW-Authenticate"}}
        answers[str(status)] = answer
    return answers


def operation(
    operation_id: str,
    tag: str,
    summary: str,
    description: str,
    answers: dict,
    *,
    parameters: tuple[dict, ...] = (),
    body: dict | None = None,
    admin: bool = False,
) -> dict:
    """One operation object."""
    spec: dict[str, Any] = {"operationId": operation_id, "tags": [tag], "summary": summary, "description": description}
    if parameters:
        spec["parameters"] = list(parameters)
    if body is not None:
        spec["requestBody"] = body
    spec["responses"] = answers
    if admin:
        spec["security"] = ADMIN_SECURITY
    return spec


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


def describe_paths() -> dict:
    """Every operation of the API, by path and method."""
    return {
        "/api/products": {
            "get": operation(
                "listProducts",
                "Catalog",
                "List the products on sale",
                "Every active product with its price in each currency it is sold in, in minor units.",
                {**success(200, responses.ProductList, "The catalog, in catalog order."), **errors(DATABASE_DOWN)},
            )
        },
        "/api/checkout/quote": {
            "post": operation(
                "quoteCheckout",
                "Catalog",
                "Price a cart for a buyer",
                "Which gateway, route and currency would take this cart from a buyer in this country, and what "
                "each line costs there. Nothing is stored.",
                {
                    **success(200, responses.Quote, "The priced cart."),
                    **errors(
                        *BODY_ERRORS,
                        (422, "unknown_product"),
                        (422, "not_for_sale"),
                        (422, "amount_too_small"),
                        (422, "gateway_off"),
                        DATABASE_DOWN,
                    ),
                },
                body=request_body(CartRequest, CART_EXAMPLE),
            )
        },
        "/api/checkout": {
            "post": operation(
                "createCheckout",
                "Checkout",
                "Place an order",
                "Store a pending order priced from the database and open its payment: checkout.js options for "
                "Razorpay, or a Stripe Checkout Session to redirect to. The goods are delivered to `shipping_address`, "
                "required and checked in the format of the checkout's `country` (in India a state or union territory "
                "and a 6-digit PIN code); a part out of format is refused naming it, such as "
                "`shipping_address.postal_code`. When Razorpay is down an Indian buyer's "
                "order fails over to Stripe in rupees (`route: failover`). When no gateway can take it, the order "
                "is kept pending and the error carries its `order_id`.",
                {
                    **success(
                        201,
                        responses.CheckoutCreated,
                        "The order, and what pays for it.",
                        headers={
                            "Idempotent-Replayed": {
                                "description": '"true" when this answers an earlier request with '
                                "the same Idempotency-Key.",
                                "schema": {"type": "string", "enum": ["true"]},
                            }
                        },
                    ),
                    **errors(
                        *BODY_ERRORS,
                        (409, "request_in_progress"),
                        (422, "unknown_product"),
                        (422, "not_for_sale"),
                        (422, "amount_too_small"),
                        (422, "idempotency_key_reused"),
                        (422, "gateway_off"),
                        (429, "rate_limited"),
                        *GATEWAY_ERRORS,
                        (503, "no_gateway_available"),
                        DATABASE_DOWN,
                        kept_order=True,
                    ),
                },
                parameters=(idempotency_key("answers with the same order instead of placing another"),),
                body=request_body(CheckoutRequest, CHECKOUT_EXAMPLE),
            )
        },
        "/api/payments/razorpay/verify": {
            "post": operation(
                "verifyRazorpayPayment",
                "Checkout",
                "Confirm a Razorpay payment",
                "What checkout.js's handler received. The signature is checked against the Razorpay order this "
                "order was given, then Razorpay is asked what the payment really is.",
                {
                    **success(200, responses.PaymentStatus, "The order's status after the payment."),
                    **errors(
                        *BODY_ERRORS,
                        (400, "signature_invalid"),
                        (404, "not_found"),
                        PUBLIC_GATEWAY_LIMIT,
                        *GATEWAY_ERRORS,
                        DATABASE_DOWN,
                    ),
                },
                body=request_body(
                    RazorpayVerifyRequest,
                    {
                        "order_id": "ord_4Ck0dI2SxPjJ7mF1aQzW",
                        "razorpay_order_id": "order_Nz1ZbWkY3mQ8pT",
                        "razorpay_payment_id": "pay_Nz1ZfK2qXo9sRa",
                        "razorpay_signature": "0d4e3f9a2b7c",
                    },
                ),
            )
        },
        "/api/payments/razorpay/failed": {
            "post": operation(
                "recordRazorpayFailure",
                "Checkout",
                "Record a failed Razorpay payment",
                "checkout.js's `payment.failed` error, kept on the order as an attempt (checked with Razorpay "
                "when it names a payment). It moves no status; the buyer may try again.",
                {
                    **success(200, responses.PaymentStatus, "The order's status, unchanged."),
                    **errors(*BODY_ERRORS, (404, "not_found"), PUBLIC_GATEWAY_LIMIT, DATABASE_DOWN),
                },
                body=request_body(
                    RazorpayFailedRequest,
                    {
                        "order_id": "ord_4Ck0dI2SxPjJ7mF1aQzW",
                        "error": {
                            "code": "BAD_REQUEST_ERROR",
                            "description": "Payment failed",
                            "source": "customer",
                            "step": "payment_authentication",
                            "reason": "payment_failed",
                            "metadata": {"order_id": "order_Nz1ZbWkY3mQ8pT", "payment_id": "pay_Nz1ZfK2qXo9sRa"},
                        },
                    },
                ),
            )
        },
        "/api/orders/{order_id}": {
            "get": operation(
                "getOrder",
                "Orders",
                "An order's status",
                "Status, items and failed attempts, for the order page. With `session_id` (Stripe sends buyers back "
                "with it) the session is first checked with Stripe and its payment applied.",
                {
                    **success(200, responses.OrderView, "The order."),
                    **errors(
                        (400, "session_invalid"),
                        (404, "not_found"),
                        (422, "session_invalid"),
                        PUBLIC_GATEWAY_LIMIT,
                        *GATEWAY_ERRORS,
                        DATABASE_DOWN,
                    ),
                },
                parameters=(
                    ORDER_ID,
                    {
                        "name": "session_id",
                        "in": "query",
                        "required": False,
                        "description": "The Stripe Checkout Session the buyer returned from.",
                        "schema": {"type": "string", "pattern": "^cs_(test|live)_[A-Za-z0-9]{1,250}$"},
                        "example": "cs_test_a1B2c3D4",
                    },
                ),
            )
        },
        "/api/orders/{order_id}/pay": {
            "post": operation(
                "payOrder",
                "Checkout",
                "Pay a pending order again",
                "What pays the order now: the same checkout.js options, or an open Stripe session (a new one if "
                "the last expired). Fails over like POST /api/checkout.",
                {
                    **success(200, responses.CheckoutCreated, "What pays for the order."),
                    **errors(
                        (404, "not_found"),
                        (409, "order_not_payable"),
                        PUBLIC_GATEWAY_LIMIT,
                        *GATEWAY_ERRORS,
                        (503, "no_gateway_available"),
                        DATABASE_DOWN,
                        kept_order=True,
                    ),
                },
                parameters=(ORDER_ID,),
            )
        },
        "/api/admin/orders/{order_id}": {
            "get": operation(
                "getAdminOrder",
                "Admin",
                "An order as the shop sees it",
                "The buyer's view plus the gateway's payment, refunds, dispute and why it is under review.",
                {
                    **success(200, responses.AdminOrder, "The order."),
                    **errors(*ADMIN_ERRORS, (404, "not_found"), DATABASE_DOWN),
                },
                parameters=(ORDER_ID,),
                admin=True,
            )
        },
        "/api/admin/orders/{order_id}/refund": {
            "post": operation(
                "refundOrder",
                "Admin",
                "Refund a paid order",
                "Refund all that is left (no body, or no amount) or part of it. Accepted, not done: the gateway's "
                "webhook (or reconciliation) settles the refund.",
                {
                    **success(202, responses.RefundAccepted, "The refund is asked for; the order with it."),
                    **errors(
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
                },
                parameters=(ORDER_ID, idempotency_key("answers with the same refund instead of another")),
                body=request_body(RefundRequest, {"amount": 34900}, required=False),
                admin=True,
            )
        },
        "/api/admin/orders/{order_id}/capture": {
            "post": operation(
                "captureOrder",
                "Admin",
                "Capture an authorized payment",
                "Capture exactly the order's amount of an authorized Razorpay payment (RAZORPAY_CAPTURE=manual).",
                {
                    **success(200, responses.AdminOrder, "The order after the capture."),
                    **errors(
                        *ADMIN_CHANGE_ERRORS,
                        (404, "not_found"),
                        (409, "order_not_capturable"),
                        *GATEWAY_ERRORS,
                        DATABASE_DOWN,
                    ),
                },
                parameters=(ORDER_ID,),
                admin=True,
            )
        },
        "/api/admin/reconcile": {
            "post": operation(
                "reconcile",
                "Admin",
                "Reconcile now",
                "One pass of what the server does periodically: stale pending orders and open refunds are looked "
                "up at their gateway and brought to the truth.",
                {
                    **success(200, responses.ReconcileReport, "What the pass looked at and changed."),
                    **errors(*ADMIN_CHANGE_ERRORS, DATABASE_DOWN),
                },
                admin=True,
            )
        },
        "/webhooks/razorpay": webhook(
            "receiveRazorpayWebhook",
            "A Razorpay event",
            "Signed with the webhook secret: X-Razorpay-Signature is the hex HMAC-SHA256 of the raw body.",
            (
                {
                    "name": "X-Razorpay-Signature",
                    "in": "header",
                    "required": True,
                    "schema": {"type": "string"},
                    "description": "Hex HMAC-SHA256 of the raw body under the webhook secret.",
                },
                {
                    "name": "X-Razorpay-Event-Id",
                    "in": "header",
                    "required": True,
                    "schema": {"type": "string", "minLength": 1, "maxLength": 100},
                    "description": "The event's id; a redelivery carries the same one.",
                },
            ),
        ),
        "/webhooks/stripe": webhook(
            "receiveStripeWebhook",
            "A Stripe event",
            "Signed as Stripe signs webhooks (Stripe-Signature, 300 s tolerance).",
            (
                {
                    "name": "Stripe-Signature",
                    "in": "header",
                    "required": True,
                    "schema": {"type": "string"},
                    "description": 't=<timestamp>,v1=<HMAC-SHA256 of "<timestamp>.<raw body>">.',
                },
            ),
        ),
        "/healthz": {
            "get": operation(
                "getHealth", "Operations", "Liveness", "The process answers.", success(200, responses.Health, "Alive.")
            )
        },
        "/readyz": {
            "get": operation(
                "getReadiness",
                "Operations",
                "Readiness",
                "Whether MongoDB answers.",
                {
                    **success(200, responses.Ready, "Ready."),
                    **success(503, responses.Ready, "MongoDB does not answer."),
                },
            )
        },
        "/metrics": {
            "get": operation(
                "getMetrics",
                "Operations",
                "Prometheus metrics",
                "Counters and histograms in the Prometheus text exposition format.",
                {"200": {"description": "The metrics.", "content": {"text/plain": {"schema": {"type": "string"}}}}},
            )
        },
        DOCUMENT_PATH: {
            "get": operation(
                "getOpenApiDocument",
                "Operations",
                "This document",
                "The API's OpenAPI 3.1 document.",
                {"200": {"description": "The document.", "content": json_content({"type": "object"})}},
            )
        },
        "/api/docs": {
            "get": operation(
                "showApiDocs",
                "Operations",
                "The API reference page",
                "This document, rendered for people.",
                {"200": {"description": "The page.", "content": {"text/html": {"schema": {"type": "string"}}}}},
            )
        },
    }


def webhook(operation_id: str, summary: str, description: str, headers: tuple[dict, ...]) -> dict:
    """A webhook endpoint: a signed raw body, acknowledged once stored."""
    return {
        "post": operation(
            operation_id,
            "Webhooks",
            summary,
            f"{description} The signature is checked over the exact bytes before anything is read; the event is "
            "then stored once under its id and applied. A redelivery is acknowledged (`duplicate: true`) and "
            "not applied twice. The answer comes within 2 s: an event still being applied then, or whose gateway "
            "call failed, is acknowledged (it is stored) and applied after, by the ledger job if need be. 404 "
            "`gateway_off`: the shop has no keys for this gateway.",
            {
                **success(200, responses.WebhookReceipt, "Stored (now or before); applied, or to be applied."),
                **errors(
                    (400, "signature_invalid"),
                    (400, "malformed_webhook"),
                    (404, "gateway_off"),
                    (413, "body_too_large"),
                    *GATEWAY_ERRORS,
                    (503, "event_in_progress"),
                    DATABASE_DOWN,
                ),
            },
            parameters=headers,
            body={
                "required": True,
                "description": "The event exactly as the gateway sent it.",
                "content": json_content({"type": "object"}),
            },
        )
    }


def describe_components() -> dict:
    """Schemas generated from the request and response models, shared headers, and the admin's auth."""
    _, schemas = models_json_schema(
        [(m, "validation") for m in REQUEST_MODELS] + [(m, "serialization") for m in RESPONSE_MODELS], ref_template=REF
    )
    return {
        "schemas": schemas["$defs"],
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before trying again.",
                "schema": {"type": "integer", "minimum": 0},
            },
            "WWW-Authenticate": {"description": "The Basic realm to sign in to.", "schema": {"type": "string"}},
        },
        "securitySchemes": {
            "adminBasic": {"type": "http", "scheme": "basic", "description": "User `admin`, password ADMIN_PASSWORD."}
        },
    }


@functools.cache
def openapi_document() -> dict:
    """The OpenAPI 3.1 document of the API (built once; treat it as read-only)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Galla API",
            "version": version("galla"),
            "description": DESCRIPTION,
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": "/"}],
        "tags": TAGS,
        "paths": describe_paths(),
        "components": describe_components(),
    }


@functools.cache
def openapi_json() -> bytes:
    """The document, serialised once."""
    return json.dumps(openapi_document(), ensure_ascii=False, indent=1).encode()


@routes.get(DOCUMENT_PATH)
async def get_openapi_document(request: web.Request) -> web.Response:
    """The OpenAPI document, for Postman, Insomnia, code generators and schemathesis."""
    return web.Response(body=openapi_json(), content_type="application/json", charset="utf-8")


@routes.get("/api/docs")
@aiohttp_jinja2.template("api_docs.html")
async def show_api_docs(request: web.Request) -> dict:
    """The API reference: every operation with its parameters, body fields and answers."""
    document = openapi_document()
    intro, points = split_description(document["info"]["description"])
    return {
        "info": document["info"],
        "intro": intro,
        "points": points,
        "document_path": DOCUMENT_PATH,
        "groups": group_operations(document),
        "inline": render_inline,
    }


def render_inline(text: str) -> Markup:
    """Escape text for the page, setting `backticked` words as code."""
    return Markup(INLINE_CODE.sub(r"<code>\1</code>", str(escape(text))))


def split_description(text: str) -> tuple[str, list[str]]:
    """The document's description as its opening paragraph and the bullet points after it."""
    intro: list[str] = []
    points: list[str] = []
    for line in text.splitlines():
        if line.startswith("* "):
            points.append(line[2:])
        elif line.startswith("  ") and points:
            points[-1] += " " + line.strip()
        elif line:
            intro.append(line)
    return " ".join(intro), points


def group_operations(document: dict) -> list[dict]:
    """The operations grouped by tag, in the document's order, described for the page."""
    schemas = document["components"]["schemas"]
    groups = {tag["name"]: {**tag, "operations": []} for tag in document["tags"]}
    for path, methods in document["paths"].items():
        for method, spec in methods.items():
            groups[spec["tags"][0]]["operations"].append(describe_operation(path, method, spec, schemas))
    return list(groups.values())


def describe_operation(path: str, method: str, spec: dict, schemas: dict) -> dict:
    """One operation as the page shows it."""
    body = spec.get("requestBody")
    return {
        "id": spec["operationId"],
        "method": method.upper(),
        "path": path,
        "summary": spec["summary"],
        "description": spec["description"],
        "admin": "security" in spec,
        "parameters": [
            {
                "name": p["name"],
                "in": p["in"],
                "required": p.get("required", False),
                "type": describe_type(p["schema"]),
                "notes": describe_constraints(p["schema"]),
                "description": p.get("description", ""),
            }
            for p in spec.get("parameters", [])
        ],
        "body": body and describe_body(body, schemas),
        "responses": [describe_response(status, answer, schemas) for status, answer in spec["responses"].items()],
    }


def describe_body(body: dict, schemas: dict) -> dict:
    """A request body: its media type, whether it is required, and its fields."""
    media_type, media = next(iter(body["content"].items()))
    return {
        "required": body.get("required", False),
        "media_type": media_type,
        "description": body.get("description", ""),
        "schema": schema_name(media["schema"]),
        "fields": list(flatten_fields(media["schema"], schemas)),
    }


def describe_response(status: str, answer: dict, schemas: dict) -> dict:
    """A response: status, what it means, its schema, error codes and headers; fields for successes."""
    media_type, media = next(iter(answer.get("content", {}).items()), (None, {}))
    schema = media.get("schema", {})
    return {
        "status": status,
        "description": answer["description"],
        "media_type": media_type,
        "schema": schema_name(schema),
        "codes": answer.get("x-error-codes", []),
        "headers": list(answer.get("headers", {})),
        "fields": list(flatten_fields(schema, schemas)) if status.startswith("2") else [],
    }


def schema_name(schema: dict) -> str | None:
    """The component a schema refers to, if it is a reference."""
    return schema["$ref"].rsplit("/", 1)[-1] if "$ref" in schema else None


def resolve(schema: dict, schemas: dict) -> dict:
    """Follow a reference into components."""
    while "$ref" in schema:
        schema = schemas[schema_name(schema)]
    return schema


def flatten_fields(schema: dict, schemas: dict, prefix: str = "") -> list[dict]:
    """A row per field, nested objects and arrays of objects as `a.b` and `a[].b`."""
    schema = resolve(schema, schemas)
    if "oneOf" in schema:
        return merge_variants(schema["oneOf"], schemas, prefix)
    rows = []
    required = set(schema.get("required", []))
    for name, field in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        target = expandable(field, schemas)
        rows.append(
            {
                "name": path,
                "type": describe_type(field),
                "required": name in required,
                "notes": describe_constraints(target),
                "only_in": "",
                "description": field.get("description") or target.get("description", ""),
            }
        )
        if "properties" in target:
            rows += flatten_fields(target, schemas, f"{path}.")
        elif "properties" in expandable(target.get("items", {}), schemas):
            rows += flatten_fields(target["items"], schemas, f"{path}[].")
        elif isinstance(values := target.get("additionalProperties"), dict) and "$ref" in values:
            rows += flatten_fields(values, schemas, f"{path}.<key>.")
    return rows


def merge_variants(variants: list[dict], schemas: dict, prefix: str) -> list[dict]:
    """The fields of a oneOf: those every variant has once, the others marked with their variant."""
    rows_by_variant = [(schema_name(v) or "", flatten_fields(v, schemas, prefix)) for v in variants]
    everywhere = set.intersection(*({row["name"] for row in rows} for _, rows in rows_by_variant))
    merged: dict[str, dict] = {}
    for variant, rows in rows_by_variant:
        for row in rows:
            name = row["name"]
            if name not in everywhere:
                merged[name] = {**row, "only_in": variant}
            elif name not in merged:
                merged[name] = row
            elif row["type"] not in merged[name]["type"]:
                merged[name]["type"] += f" or {row['type']}"  # the discriminator: "razorpay" or "stripe"
    return list(merged.values())


def expandable(schema: dict, schemas: dict) -> dict:
    """The object behind a field: its reference followed, or the non-null choice of `X or null`."""
    schema = resolve(schema, schemas)
    choices = [resolve(s, schemas) for s in schema.get("anyOf", []) if s.get("type") != "null"]
    return choices[0] if len(choices) == 1 and "properties" in choices[0] else schema


def describe_type(schema: dict) -> str:
    """A schema's type in a few words: "string", "array of CartItem", "integer or null"."""
    if "$ref" in schema:
        return schema_name(schema)
    if "anyOf" in schema:
        return " or ".join(describe_type(s) for s in schema["anyOf"])
    if "const" in schema:
        return json.dumps(schema["const"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {describe_type(schema.get('items', {}))}"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"map of {describe_type(schema['additionalProperties'])}"
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def describe_bounds(low: int | None, high: int | None) -> str:
    """ "1–64", "exactly 2", "at least 1", "at most 2000"."""
    if low is None:
        return f"at most {high}"
    if high is None:
        return f"at least {low}"
    return f"exactly {low}" if low == high else f"{low}–{high}"


def describe_constraints(schema: dict) -> str:
    """What a value must be beyond its type: lengths, bounds, choices, default."""
    notes = []
    for low, high, unit in (
        ("minLength", "maxLength", "characters"),
        ("minimum", "maximum", ""),
        ("minItems", "maxItems", "items"),
    ):
        if low in schema or high in schema:
            notes.append(f"{describe_bounds(schema.get(low), schema.get(high))} {unit}".strip())
    if "enum" in schema:
        notes.append("one of " + ", ".join(map(str, schema["enum"])))
    if schema.get("default") not in (None, {}, []):
        notes.append(f"default {json.dumps(schema['default'])}")
    if schema.get("additionalProperties") is True and "properties" in schema:
        notes.append("other fields allowed")
    return "; ".join(notes)
