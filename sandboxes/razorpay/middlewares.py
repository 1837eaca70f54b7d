"""Middlewares: Razorpay's error envelope for everything, fault injection and Basic auth for /v1."""

from __future__ import annotations

import base64
import binascii
import hmac
import logging

from aiohttp import web

from ..common.faults import play_fault
from .config import SANDBOX_FAULTS, SANDBOX_KEYS, SandboxKeys
from .errors import INVALID_KEY, SERVER_ERROR, URL_NOT_FOUND, RazorpayError
from .replies import reply_error

log = logging.getLogger("sandboxes.razorpay")
API_ROUTE_PREFIX = "api."  # REST routes are named api.*; checkout.js and the window are not


def is_api_request(request: web.Request) -> bool:
    """Whether the request matched one of the authenticated REST routes."""
    return (request.match_info.route.name or "").startswith(API_ROUTE_PREFIX)


@web.middleware
async def error_middleware(request: web.Request, handler):
    """Answer every failure in Razorpay's envelope, including unknown URLs and crashes."""
    try:
        return await handler(request)
    except RazorpayError as exc:
        return reply_error(exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        description = URL_NOT_FOUND if exc.status == 404 else exc.reason
        headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
        return reply_error(RazorpayError(description, status=exc.status), headers)
    except Exception:
        log.exception("sandbox crashed on %s %s", request.method, request.path)
        return reply_error(
            RazorpayError(
                "The server encountered an error. The incident has been reported to admins.",
                status=500,
                code=SERVER_ERROR,
            )
        )


@web.middleware
async def fault_middleware(request: web.Request, handler):
    """Inject the configured faults into REST calls: latency, then the outage's failures, if any."""
    if is_api_request(request):
        faults = request.app[SANDBOX_FAULTS]
        status = await play_fault(faults.latency, faults.failures)
        if status is not None:
            raise injected_failure(status)
    return await handler(request)


def injected_failure(status: int) -> RazorpayError:
    """The error Razorpay answers when it is overloaded (429), failing (5xx) or refusing (4xx); nothing runs."""
    if status < 500:
        return RazorpayError("Too many requests" if status == 429 else f"Injected failure {status}", status=status)
    return RazorpayError(
        "The server encountered an error. The incident has been reported to admins.", status=status, code=SERVER_ERROR
    )


@web.middleware
async def auth_middleware(request: web.Request, handler):
    """Require HTTP Basic key_id:key_secret on REST routes, as Razorpay does."""
    if is_api_request(request):
        check_basic_auth(request.headers.get("Authorization"), request.app[SANDBOX_KEYS])
    return await handler(request)


def check_basic_auth(header: str | None, keys: SandboxKeys) -> None:
    """Accept exactly "Basic base64(key_id:key_secret)"; Razorpay refuses "BASIC", "basic" and the rest."""
    invalid = RazorpayError(INVALID_KEY, status=401)
    if not header or not header.startswith("Basic "):
        raise invalid
    try:
        decoded = base64.b64decode(header[len("Basic ") :], validate=True)
    except (binascii.Error, ValueError):
        raise invalid from None
    key_id, sep, secret = decoded.partition(b":")
    # Both comparisons always run, so the timing does not tell which half was wrong.
    id_ok = hmac.compare_digest(key_id, keys.key_id.encode())
    secret_ok = hmac.compare_digest(secret, keys.key_secret.encode())
    if not (sep and id_ok and secret_ok):
        raise invalid
