"""Middlewares for the REST API: Stripe's envelope and headers, API-key auth, idempotency, and injected faults.

They run outermost first: error_middleware → auth_middleware → idempotency_middleware → fault_middleware.
Latency sits inside idempotency on purpose: a retry that arrives while the first try is still "slow"
finds its key in progress and gets Stripe's 409, as it would from Stripe. (Where the server cancels the
handler of a client that hung up, as aiohttp's TestServer does, the slow try is dropped and its key freed.)
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
import logging

from aiohttp import web

from ..common.faults import play_fault
from .config import STRIPE_SANDBOX_CONFIG, STRIPE_SANDBOX_FAULTS, STRIPE_SANDBOX_STATE, SandboxConfig
from .errors import API_ERROR, StripeError
from .idempotency import SavedResponse
from .ids import new_id
from .objects import API_VERSION
from .replies import read_params, reply_error
from .state import RequestRef

log = logging.getLogger("sandboxes.stripe")

API_ROUTE_PREFIX = "api."  # REST routes are named api.*; the hosted page's are not
REQUEST_ID = web.RequestKey("stripe_sandbox_request_id", str)
API_KEY = web.RequestKey("stripe_sandbox_api_key", str)

NO_KEY = (
    "You did not provide an API key. You need to provide your API key in the Authorization header, using "
    "Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication "
    "for details, or we can help at https://support.stripe.com/."
)
PUBLISHABLE_KEY = (
    "This API call cannot be made with a publishable API key. Please use a secret API key. You can "
    "find a list of your API keys at https://dashboard.stripe.com/account/apikeys."
)
UNKNOWN_ERROR = "An unknown error occurred. The Stripe sandbox logged the traceback."
FAULT_MESSAGES = {
    429: (
        "Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.",
        "rate_limit",
    ),
    409: (
        "This object cannot be accessed right now because another API request or Stripe process is "
        "currently accessing it. If you see this error intermittently, retry the request.",
        "lock_timeout",
    ),
}


class InjectedFault(StripeError):
    """A failure Faults.fail_next asked for: answered before the endpoint runs, so never saved for replay."""


def mount_prefix(request: web.Request) -> str:
    """Return the path the sandbox is mounted at ("" when served alone, "/sandbox/stripe" as a sub-app)."""
    return str(request.app.router["index"].url_for()).rstrip("/")


def api_path(request: web.Request) -> str:
    """Return the request's path relative to the sandbox, e.g. "/v1/checkout/sessions"."""
    return request.path[len(mount_prefix(request)) :] or "/"


def is_api_request(request: web.Request) -> bool:
    """Whether the request is for the REST API: a route named api.*, or any other /v1 path (a Stripe 404)."""
    name = request.match_info.route.name or ""
    return name.startswith(API_ROUTE_PREFIX) or (not name and api_path(request).startswith("/v1/"))


def request_ref(request: web.Request) -> RequestRef:
    """Return the request's id and Idempotency-Key, for the events it raises."""
    return RequestRef(id=request.get(REQUEST_ID), idempotency_key=request.headers.get("Idempotency-Key"))


def mask_key(key: str) -> str:
    """Return a key as Stripe quotes a wrong one: its prefix and last four characters, the rest starred."""
    prefix, sep, rest = key.rpartition("_")
    head = prefix + sep if prefix.startswith(("sk", "rk", "pk")) else ""
    body = rest if head else key
    if len(body) <= 4:
        return head + "*" * len(body)
    return head + "*" * (len(body) - 4) + body[-4:]


def unrecognized_url(request: web.Request) -> StripeError:
    """Stripe's 404 for a path (or method) the API does not have."""
    return StripeError(
        f"Unrecognized request URL ({request.method}: {api_path(request)}). Please see "
        "https://stripe.com/docs or we can help at https://support.stripe.com/.",
        status=404,
    )


@web.middleware
async def error_middleware(request: web.Request, handler):
    """Give REST calls a Request-Id and Stripe-Version, and answer their failures in Stripe's envelope."""
    if not is_api_request(request):
        return await handler(request)
    request[REQUEST_ID] = new_id("req_")
    try:
        response = await handler(request)
    except StripeError as exc:
        response = reply_error(exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = reply_error(
            unrecognized_url(request) if exc.status in (404, 405) else StripeError(exc.reason, status=exc.status)
        )
    except Exception:
        log.exception("Stripe sandbox crashed on %s %s", request.method, request.path)
        response = reply_error(StripeError(UNKNOWN_ERROR, status=500, type=API_ERROR))
    response.headers["Request-Id"] = request[REQUEST_ID]
    response.headers["Stripe-Version"] = request.headers.get("Stripe-Version", API_VERSION)
    return response


@web.middleware
async def auth_middleware(request: web.Request, handler):
    """Require the secret key, as Bearer or as the username of HTTP Basic, on REST routes."""
    if is_api_request(request):
        request[API_KEY] = check_api_key(request.headers.get("Authorization"), request.app[STRIPE_SANDBOX_CONFIG])
    return await handler(request)


def read_api_key(header: str | None) -> str | None:
    """Return the key from "Bearer <key>" or "Basic base64(<key>:)", or None when there is none."""
    if not header:
        return None
    scheme, _, credentials = header.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer":
        return credentials or None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials, validate=True).decode()
        except (binascii.Error, ValueError):
            return credentials or None
        return decoded.partition(":")[0] or None
    return None


def check_api_key(header: str | None, config: SandboxConfig) -> str:
    """Return the secret key if the header carries it, else raise Stripe's 401."""
    key = read_api_key(header)
    if key is None:
        raise StripeError(NO_KEY, status=401)
    if hmac.compare_digest(key.encode(), config.secret_key.encode()):
        return key
    if hmac.compare_digest(key.encode(), config.publishable_key.encode()):
        raise StripeError(PUBLISHABLE_KEY, status=401)
    raise StripeError(f"Invalid API Key provided: {mask_key(key)}", status=401)


@web.middleware
async def idempotency_middleware(request: web.Request, handler):
    """Replay the first response to a POST's Idempotency-Key, and refuse the key with other params."""
    key = request.headers.get("Idempotency-Key")
    if not (is_api_request(request) and request.method == "POST" and key):
        return await handler(request)
    params = await read_params(request)
    state = request.app[STRIPE_SANDBOX_STATE]
    store, api_key, endpoint = state.idempotency, request[API_KEY], api_path(request)
    saved = store.begin(api_key, key, endpoint, json.dumps(params, sort_keys=True), state.clock())
    if saved is not None:
        return web.Response(
            body=saved.body,
            status=saved.status,
            content_type=saved.content_type,
            charset="utf-8",
            headers={"Idempotent-Replayed": "true", "Idempotency-Key": key, "Original-Request": saved.request_id},
        )
    try:
        response = await handler(request)
    except InjectedFault:
        store.finish(api_key, key, None)
        raise
    except asyncio.CancelledError:
        # The client hung up and the server cancels handlers (TestServer does): that can only happen in the
        # latency sleep, before the endpoint ran, so the key is released, or every retry would get a 409.
        store.finish(api_key, key, None)
        raise
    except StripeError as exc:
        response = reply_error(exc)
    except Exception:
        # Stripe saves a 500 too once the endpoint ran, and says a retry would only replay it.
        log.exception("Stripe sandbox crashed on %s %s", request.method, request.path)
        response = reply_error(StripeError(UNKNOWN_ERROR, status=500, type=API_ERROR), {"Stripe-Should-Retry": "false"})
    # Requests refused before they ran (bad params, conflicts) are not saved; ones that ran, succeeded or not, are.
    ran = response.status < 400 or response.status == 402 or response.status >= 500
    store.finish(
        api_key,
        key,
        SavedResponse(
            status=response.status,
            body=response.body,
            content_type=response.content_type,
            request_id=request[REQUEST_ID],
        )
        if ran
        else None,
    )
    response.headers["Idempotency-Key"] = key
    return response


@web.middleware
async def fault_middleware(request: web.Request, handler):
    """Inject the configured faults into REST calls: latency, a queued failure, else the outage's draw."""
    if is_api_request(request):
        faults = request.app[STRIPE_SANDBOX_FAULTS]
        status = await play_fault(faults.latency, faults.failures, faults.next_failure)
        if status is not None:
            message, code = FAULT_MESSAGES.get(status, (f"Injected failure {status} (sandbox fault).", None))
            raise InjectedFault(
                message, status=status, type=API_ERROR if status >= 500 else "invalid_request_error", code=code
            )
    return await handler(request)
