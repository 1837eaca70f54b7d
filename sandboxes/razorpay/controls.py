"""The sandbox-only control routes' plumbing: Basic-authed JSON bodies and their bounded numbers."""

from __future__ import annotations

from aiohttp import web

from .config import SANDBOX_KEYS
from .errors import RazorpayError
from .middlewares import check_basic_auth


async def read_control(request: web.Request) -> dict:
    """Check the key pair on a control route and return its JSON body ({} when empty)."""
    check_basic_auth(request.headers.get("Authorization"), request.app[SANDBOX_KEYS])
    try:
        body = await request.json() if await request.text() else {}
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise RazorpayError("The request body must be a JSON object", status=400)
    return body


def read_number(body: dict, name: str, upper: float) -> float:
    """A number field of a control body, from 0 to upper, or a 400 naming it."""
    value = body.get(name)
    # bool is an int to Python, not a number to JSON.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= upper:
        raise RazorpayError(f"{name} must be a number from 0 to {upper:g}", status=400, field=name)
    return float(value)
