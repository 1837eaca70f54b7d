"""The API's OpenAPI 3.1 document, generated from the routes as they are served and what each handler declares
(galla.api.documented): the pydantic models that validate its requests and describe its answers. Served as JSON and
rendered as a page for people."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from importlib.metadata import version
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from aiohttp.typedefs import Handler
from aiohttp.web_urldispatcher import AbstractRoute
from markupsafe import Markup, escape
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from galla.api import responses
from galla.api.documented import SIGNED_IN, Answer, Operation, declared_operation, documented
from galla.orders.inputs import (
    CartRequest,
    CheckoutRequest,
    RazorpayFailedRequest,
    RazorpayVerifyRequest,
    RefundRequest,
)
from galla.web.middlewares import ANSWERS_JSON, JSON_HANDLER

routes = web.RouteTableDef()

DOCUMENT_PATH = "/api/openapi.json"
REF = "#/components/schemas/{model}"
# The models the API validates request bodies with; each is declared by a handler (its schema is the body's).
REQUEST_MODELS = (CartRequest, CheckoutRequest, RazorpayVerifyRequest, RazorpayFailedRequest, RefundRequest)
ADMIN_SECURITY: list[dict[str, list[str]]] = [{"adminBasic": []}]
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
    {"name": "Subscriptions", "description": "Subscribing to a plan, its mandate, charges and cancelling."},
    {"name": "Admin", "description": "Refunds, capture and reconciliation, behind HTTP Basic auth."},
    {"name": "Webhooks", "description": "Signed events from Razorpay and Stripe."},
    {"name": "Operations", "description": "Liveness, readiness, metrics and this document."},
]

# The document's order: the buyer's API (its tags mixed, as its routes are added), the admin's, the webhooks, and
# operations (the docs page groups them by tag in TAGS' order).
SECTIONS = {"Catalog": 0, "Checkout": 0, "Orders": 0, "Subscriptions": 0, "Admin": 1, "Webhooks": 2, "Operations": 3}

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


def json_content(schema: dict, example: Any = None) -> dict:
    """A JSON media type with its schema (and an example)."""
    media = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {"application/json": media}


def ref(model: type[BaseModel]) -> dict:
    """A reference to a model's schema in components."""
    return {"$ref": REF.format(model=model.__name__)}


def success(status: int, answer: Answer) -> dict:
    """A successful answer, keyed by status."""
    schema = ref(answer.model) if answer.model is not None else answer.schema or {}
    spec: dict[str, Any] = {"description": answer.description, "content": {answer.media_type: {"schema": schema}}}
    if answer.headers:
        spec["headers"] = answer.headers
    return {str(status): spec}


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


def describe_operation_spec(op: Operation, signed_in: bool) -> dict:
    """One operation object, from what its handler declared."""
    spec: dict[str, Any] = {
        "operationId": op.operation_id,
        "tags": [op.tag],
        "summary": op.summary,
        "description": op.description,
    }
    if op.parameters:
        spec["parameters"] = list(op.parameters)
    if op.request is not None:
        spec["requestBody"] = {"required": op.body_required, "content": json_content(ref(op.request), op.example)}
    elif op.raw_body is not None:
        spec["requestBody"] = op.raw_body
    answers: dict[str, Any] = {}
    for status, answer in op.answers.items():
        answers.update(success(status, answer))
    spec["responses"] = {**answers, **errors(*op.errors, kept_order=op.kept_order)}
    if signed_in:
        spec["security"] = ADMIN_SECURITY
    return spec


def documented_routes(app: web.Application) -> list[tuple[str, str, Operation, bool]]:
    """(path, method, operation, whether it needs the admin's sign-in) of every route (its sub-applications' too)
    whose handler declared one, by SECTIONS, in the order the routes were added within each."""
    found = [
        (route.resource.canonical, route.method.lower(), op, signed_in)
        for route, signed_in, _ in walk_routes(app, signed_in=False, for_programs=False)
        if route.resource is not None and (op := declared_operation(route.handler)) is not None
    ]
    return sorted(found, key=lambda entry: SECTIONS[entry[2].tag])


def undocumented_routes(app: web.Application) -> list[str]:
    """The routes answering programs (the API's, the webhooks', the probes') whose handler declared nothing."""
    return [
        f"{route.method} {route.resource.canonical}"
        for route, _, for_programs in walk_routes(app, signed_in=False, for_programs=False)
        if route.resource is not None
        and (for_programs or getattr(route.handler, JSON_HANDLER, False))
        and declared_operation(route.handler) is None
    ]


def walk_routes(
    app: web.Application, *, signed_in: bool, for_programs: bool
) -> Iterator[tuple[AbstractRoute, bool, bool]]:
    """Every route but HEAD of an app and, depth first, of the sub-applications it mounts, with whether it needs the
    admin's sign-in and whether its application answers programs."""
    for resource in app.router.resources():
        if isinstance(resource, web.PrefixedSubAppResource):
            sub = resource.get_info()["app"]
            yield from walk_routes(
                sub,
                signed_in=signed_in or sub.get(SIGNED_IN, False),
                for_programs=sub.get(ANSWERS_JSON, for_programs),
            )
            continue
        yield from ((route, signed_in, for_programs) for route in resource if route.method != "HEAD")


def describe_paths(app: web.Application) -> dict:
    """Every documented operation of the app, by path and method."""
    paths: dict[str, dict] = {}
    for path, method, op, signed_in in documented_routes(app):
        paths.setdefault(path, {})[method] = describe_operation_spec(op, signed_in)
    return paths


def documented_models(app: web.Application) -> tuple[list[type[BaseModel]], list[type[BaseModel]]]:
    """The request models and the response models the app's operations declare, each once, in route order."""
    requests: dict[type[BaseModel], None] = {}
    answers: dict[type[BaseModel], None] = {}
    for _, _, op, _ in documented_routes(app):
        if op.request is not None:
            requests[op.request] = None
        answers.update((answer.model, None) for answer in op.answers.values() if answer.model is not None)
        if op.errors:
            answers[responses.ErrorBody] = None
        if op.kept_order:
            answers[responses.CheckoutFailure] = None
    return list(requests), list(answers)


def describe_components(app: web.Application) -> dict:
    """Schemas generated from the request and response models, shared headers, and the admin's auth."""
    requests, answers = documented_models(app)
    _, schemas = models_json_schema(
        [(m, "validation") for m in requests] + [(m, "serialization") for m in answers], ref_template=REF
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
    """The OpenAPI 3.1 document of the API (built once; treat it as read-only), from the routes as served."""
    from galla.app import mount_areas  # the composition root, which mounts this module's routes itself

    app = web.Application()
    mount_areas(app, guard=pass_through)
    return describe_document(app)


@web.middleware
async def pass_through(request: web.Request, handler: Handler) -> web.StreamResponse:
    """No guard: the routes are mounted only to be described."""
    return await handler(request)


def describe_document(app: web.Application) -> dict:
    """The OpenAPI 3.1 document of an app's documented routes; a route answering programs must declare itself."""
    if missing := undocumented_routes(app):
        raise RuntimeError(f"routes without @documented (galla.api.documented): {', '.join(missing)}")
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
        "paths": describe_paths(app),
        "components": describe_components(app),
    }


@functools.cache
def openapi_json() -> bytes:
    """The document, serialised once."""
    return json.dumps(openapi_document(), ensure_ascii=False, indent=1).encode()


@routes.get(DOCUMENT_PATH)
@documented(
    "getOpenApiDocument",
    "Operations",
    "The API's OpenAPI 3.1 document.",
    {200: Answer("The document.", schema={"type": "object"})},
)
async def get_openapi_document(request: web.Request) -> web.Response:
    """This document."""
    # For Postman, Insomnia, code generators and schemathesis.
    return web.Response(body=openapi_json(), content_type="application/json", charset="utf-8")


@routes.get("/api/docs")
@documented(
    "showApiDocs",
    "Operations",
    "This document, rendered for people.",
    {200: Answer("The page.", media_type="text/html", schema={"type": "string"})},
)
@aiohttp_jinja2.template("api_docs.html")
async def show_api_docs(request: web.Request) -> dict:
    """The API reference page."""
    # Every operation with its parameters, body fields and answers.
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
    content: dict[str, dict] = answer.get("content", {})
    media_type, media = next(iter(content.items()), (None, {}))
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
        return schema["$ref"].rsplit("/", 1)[-1]
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
