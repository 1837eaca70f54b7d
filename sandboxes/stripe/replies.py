"""Small HTTP helpers for the REST API: parameters in, Stripe-formatted JSON out."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from .errors import StripeError
from .forms import FormError, decode_form

PARAMS = web.RequestKey("stripe_sandbox_params", dict)
FORM_TYPE = "application/x-www-form-urlencoded"


async def read_params(request: web.Request) -> dict[str, Any]:
    """Return the request's decoded parameters: the query string of a GET, the form body of a POST (read once)."""
    if PARAMS in request:
        return request[PARAMS]
    if request.method == "POST":
        raw = await request.text()
        if raw.strip() and request.content_type not in (FORM_TYPE, "application/octet-stream"):
            raise StripeError(
                f"Invalid request: unsupported Content-Type {request.content_type}. If error "
                f"persists and you need assistance, please contact support@stripe.com."
            )
    else:
        raw = request.query_string
    try:
        params = decode_form(raw)
    except FormError as exc:
        raise StripeError(str(exc), param=exc.param) from None
    request[PARAMS] = params
    return params


def encode(obj: dict[str, Any]) -> bytes:
    """Return obj as the pretty-printed JSON Stripe sends."""
    return json.dumps(obj, indent=2, ensure_ascii=False).encode()


def reply(obj: dict[str, Any], status: int = 200) -> web.Response:
    """Answer with a Stripe object."""
    return web.Response(body=encode(obj), status=status, content_type="application/json", charset="utf-8")


def reply_error(error: StripeError, headers: dict[str, str] | None = None) -> web.Response:
    """Answer with Stripe's error envelope."""
    response = reply(error.to_envelope(), error.status)
    response.headers.update(headers or {})
    return response
