"""What a handler of the API declares about itself for the OpenAPI document (galla.api.openapi walks the routes
and reads it): its request body, its answers by status, the error codes it may answer with, its parameters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel

from galla.web.idempotency import IDEMPOTENCY_HEADER, MAX_KEY_LENGTH

# The attribute documented sets on a handler.
OPERATION = "galla_operation"
# Set on an application behind the admin's sign-in: its operations need the admin's credentials.
SIGNED_IN = web.AppKey("signed_in", bool)
HandlerT = TypeVar("HandlerT", bound=Callable[..., Any])

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


def parameter(
    name: str, where: str, description: str, schema: dict[str, Any], *, required: bool = True, example: Any = None
) -> dict[str, Any]:
    """An OpenAPI parameter: one path segment, query field or header an operation reads."""
    declared = {"name": name, "in": where, "required": required, "description": description, "schema": schema}
    return declared if example is None else {**declared, "example": example}


ORDER_ID = parameter(
    "order_id",
    "path",
    "Our order id, as POST /api/checkout returned it.",
    {"type": "string", "minLength": 1},
    example="ord_4Ck0dI2SxPjJ7mF1aQzW",
)


@dataclass(frozen=True)
class Answer:
    """A successful answer: its model (or, for a body no model describes, its media type and schema)."""

    description: str
    model: type[BaseModel] | None = None
    media_type: str = "application/json"
    schema: dict | None = None
    headers: dict | None = None


@dataclass(frozen=True)
class Operation:
    """One operation of the API; its summary is the first line of the handler's docstring."""

    operation_id: str
    tag: str
    description: str
    answers: dict[int, Answer]
    errors: tuple[tuple[int, str], ...] = ()
    # A gateway failure (502, 503) names the pending order it kept, for a retry (CheckoutFailure).
    kept_order: bool = False
    request: type[BaseModel] | None = None
    example: dict | None = None
    body_required: bool = True
    # A request body no model validates (a webhook's raw event), as an OpenAPI requestBody.
    raw_body: dict | None = None
    parameters: tuple[dict, ...] = ()
    summary: str = field(default="", compare=False)


def documented(operation_id: str, tag: str, description: str, answers: dict[int, Answer], **details: Any):
    """Declare a handler's operation (see Operation for the details); put it right under the route decorator."""

    def declare(handler: HandlerT) -> HandlerT:
        summary = (handler.__doc__ or "").strip().splitlines()[0].rstrip(".")
        setattr(handler, OPERATION, Operation(operation_id, tag, description, answers, summary=summary, **details))
        return handler

    return declare


def declared_operation(handler: Any) -> Operation | None:
    """The operation a handler declared, if it did."""
    return getattr(handler, OPERATION, None)


def idempotency_key(purpose: str) -> dict:
    """The optional Idempotency-Key header of an operation that must not happen twice."""
    return parameter(
        IDEMPOTENCY_HEADER,
        "header",
        f"Any unique string; a retry with the same key and body {purpose}.",
        {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
        required=False,
    )
