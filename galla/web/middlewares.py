"""Middlewares: a request id on every exchange, and errors as JSON envelopes or friendly pages, each area (the API,
the webhooks, the shop, the admin) answering in its own form."""

from __future__ import annotations

import logging
import random
import re
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from aiohttp.typedefs import Handler
from aiohttp.web_urldispatcher import AbstractRoute, SystemRoute
from pymongo.errors import ConnectionFailure

from galla.ops.logs import REQUEST_ID_VAR
from galla.orders.errors import CheckoutError
from galla.web.body import body_too_large, json_response

log = logging.getLogger("galla.http")

REQUEST_ID_HEADER = "X-Request-Id"
REQUEST_ID = web.RequestKey("request_id", str)
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Request ids correlate log lines, they guard nothing (a caller may choose its own): a generator seeded once from
# the OS is enough, where secrets.token_hex made a system call per request (5% of a trivial request's CPU).
_request_ids = random.Random()
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
}


# Set on an area's application that answers programs (the API, the webhooks); its sub-applications inherit it.
ANSWERS_JSON = web.AppKey("answers_json", bool)
# Set on a stand-in for a gateway (a sandbox), which answers as that gateway does, with its own headers and errors.
STAND_IN = web.AppKey("stand_in", bool)
# The attribute answers_json sets on a handler of the root application that answers programs (the probes).
JSON_HANDLER = "galla_answers_json"


def answers_json(handler: Handler) -> Handler:
    """Mark a handler of the root application whose callers are programs: its errors are JSON envelopes."""
    setattr(handler, JSON_HANDLER, True)
    return handler


def wants_json(request: web.Request) -> bool:
    """Whether the caller is a program rather than a person's browser: the area the request was routed to says so
    (the API, the webhooks), or the root route at its URL does (the probes)."""
    for app in reversed(request.match_info.apps):  # the innermost application first
        if ANSWERS_JSON in app:
            return app[ANSWERS_JSON]
    return any(getattr(route.handler, JSON_HANDLER, False) for route in routes_at(request))


def routes_at(request: web.Request) -> list[AbstractRoute]:
    """The routes at the request's URL: the one it matched, or for a refused method every one the URL has."""
    route = request.match_info.route
    if not isinstance(route, SystemRoute):
        return [route]
    return [r for resource in request.app.router.resources() if resource.raw_match(request.path) for r in resource]


def is_stand_in(request: web.Request) -> bool:
    """Whether the request was routed to a gateway's stand-in (a sandbox), which answers in the gateway's form."""
    return any(app.get(STAND_IN, False) for app in request.match_info.apps)


def json_error(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: dict | None = None,
    extra: dict | None = None,
) -> web.Response:
    """An error response in the API's envelope (extra: top-level fields beside it, such as order_id)."""
    error = {"code": code, "message": message}
    if field:
        error["field"] = field
    return json_response({"error": error, **(extra or {})}, status=status, headers=headers)


@web.middleware
async def request_id_middleware(request: web.Request, handler):
    """Give every request an id (the caller's, if it sent a sane one) and echo it back."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else f"{_request_ids.getrandbits(64):016x}"
    request[REQUEST_ID] = request_id
    REQUEST_ID_VAR.set(request_id)  # each request runs in its own task, so this stays with it
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers[REQUEST_ID_HEADER] = request_id
        raise
    response.headers[REQUEST_ID_HEADER] = request_id
    return response


def untie(request: web.Request, exc: web.HTTPException) -> None:
    """Break the reference cycles an HTTP exception ties the request into, so it is freed once answered.

    A cycle waits for a collection, and one that outlives a young collection is frozen for good
    (galla/ops/collector.py): a leak per request. The raised exception's traceback holds the frames that hold it,
    and for a 404 or 405 aiohttp's SystemRoute holds its own bound method as handler (and the exception).
    """
    exc.__traceback__ = None
    route = request.match_info.route
    if isinstance(route, SystemRoute):
        route._handler = None  # type: ignore[assignment]  # the route has been answered; nothing calls it again


def answer_as_response(exc: web.HTTPException) -> web.Response:
    """A raised redirect as a plain response: raised on, aiohttp's own frames would hold it in a cycle again."""
    return web.Response(status=exc.status, reason=exc.reason, headers=exc.headers, body=exc.body)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn flow errors and HTTP errors into the API's envelope, or an error page for people."""
    if is_stand_in(request):
        return await handler(request)  # the sandbox answers in the gateway's own format
    try:
        return await handler(request)
    except CheckoutError as exc:
        return answer_error(
            request, exc.status, exc.code, exc.message, field=exc.field, headers=exc.headers, extra=exc.extra
        )
    except web.HTTPRequestEntityTooLarge:
        # Handlers reading raw bytes (the webhooks) meet aiohttp's client_max_size: answer as read_json does.
        too_large = body_too_large()
        return answer_error(request, too_large.status, too_large.code, too_large.message, field=too_large.field)
    except web.HTTPException as exc:
        untie(request, exc)
        if exc.status < 400:
            return answer_as_response(exc)
        # Keep what the client needs (Allow, Retry-After), not the exception's own Content-Type.
        headers = {k: v for k, v in exc.headers.items() if k.lower() in ("allow", "retry-after")}
        return answer_error(request, exc.status, HTTP_CODES.get(exc.status, "http_error"), exc.reason, headers=headers)
    except ConnectionFailure as exc:
        # MongoDB is unreachable: nothing was acknowledged, so a 503 makes callers (and gateways) try again.
        log.error(
            "database unavailable on %s %s (request %s): %s", request.method, request.path, request.get(REQUEST_ID), exc
        )
        message = "the database is not answering; nothing was stored, please try again shortly"
        return answer_error(request, 503, "database_unavailable", message, headers={"Retry-After": "5"})
    except Exception:
        log.exception("unhandled error on %s %s (request %s)", request.method, request.path, request.get(REQUEST_ID))
        message = f"something went wrong on our side (request {request.get(REQUEST_ID)})"
        return answer_error(request, 500, "internal_error", message)


def answer_error(request: web.Request, status: int, code: str, message: str, **details: Any) -> web.Response:
    """An error as the caller reads it: the API's envelope for programs (details: json_error's field, headers,
    extra), a friendly page (the status and the message alone) for people."""
    if wants_json(request):
        return json_error(status, code, message, **details)
    return render_error(request, status, message)


def render_error(request: web.Request, status: int, message: str) -> web.Response:
    """A friendly error page."""
    return aiohttp_jinja2.render_template("error.html", request, {"status": status, "message": message}, status=status)
