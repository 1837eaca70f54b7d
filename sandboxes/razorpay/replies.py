"""Small HTTP helpers shared by the REST API and the checkout: JSON bodies in, entities out."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from aiohttp import web

from .errors import RazorpayError


async def read_json(request: web.Request) -> dict[str, Any]:
    """Return the request's JSON object; an empty body counts as {} (the SDK sends none for some GETs)."""
    raw = await request.text()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except json.JSONDecodeError:
        raise RazorpayError("The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise RazorpayError("The request body must be a JSON object")
    return body


def reply(entity: dict[str, Any], status: int = 200) -> web.Response:
    """Answer with an entity as JSON."""
    return web.json_response(entity, status=status)


def reply_collection(items: Iterable[dict[str, Any]]) -> web.Response:
    """Answer with Razorpay's collection wrapper."""
    items = list(items)
    return web.json_response({"entity": "collection", "count": len(items), "items": items})


def reply_error(error: RazorpayError, headers: dict[str, str] | None = None) -> web.Response:
    """Answer with Razorpay's error envelope."""
    return web.json_response(error.to_envelope(), status=error.status, headers=headers)
