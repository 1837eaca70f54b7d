"""The REST API under /v1, in Razorpay's wire format; every route is named api.* so auth applies."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from .config import SANDBOX_FAULTS, SANDBOX_STATE
from .errors import RazorpayError, not_found
from .replies import read_json, reply, reply_collection
from .state import PAYMENT_BUSY, SAME_KEY_IN_PROGRESS, SandboxState
from .validation import (
    ListQuery,
    validate_capture_request,
    validate_idempotency_key,
    validate_list_query,
    validate_notes_update,
    validate_order_request,
    validate_refund_request,
)

routes = web.RouteTableDef()


def state_of(request: web.Request) -> SandboxState:
    """Return the sandbox's store."""
    return request.app[SANDBOX_STATE]


def paginate(entities: list[dict[str, Any]], query: ListQuery) -> list[dict[str, Any]]:
    """Apply from/to (inclusive, on created_at), then skip and count."""
    kept = [
        entity
        for entity in entities
        if (query.since is None or entity["created_at"] >= query.since)
        and (query.until is None or entity["created_at"] <= query.until)
    ]
    return kept[query.skip : query.skip + query.count]


def fetch_from(fetch: Callable[[SandboxState, str], dict[str, Any]], key: str) -> Handler:
    """A GET handler answering the entity fetch finds by the path's id (key names it), or Razorpay's 400."""

    async def fetch_entity(request: web.Request) -> web.Response:
        return reply(fetch(state_of(request), request.match_info[key]))

    return fetch_entity


def list_from(entities: Callable[[SandboxState], list[dict[str, Any]]]) -> Handler:
    """A GET handler answering a page (from, to, skip, count) of the entities listed, newest first."""

    async def list_entities(request: web.Request) -> web.Response:
        query = validate_list_query(request.query)
        return reply_collection(paginate(entities(state_of(request)), query))

    return list_entities


@routes.post("/v1/orders", name="api.create_order")
async def create_order(request: web.Request) -> web.Response:
    """Create an order."""
    order_request = validate_order_request(await read_json(request))
    return reply(state_of(request).create_order(order_request))


@routes.get("/v1/orders", name="api.list_orders")
async def list_orders(request: web.Request) -> web.Response:
    """List orders newest first, filtered by receipt, authorized, from and to."""
    query = validate_list_query(request.query)
    state = state_of(request)
    orders = state.list_orders()
    if receipt := request.query.get("receipt"):
        orders = [order for order in orders if order["receipt"] == receipt]
    if request.query.get("authorized") in ("1", "true"):
        orders = [order for order in orders if state.has_authorized_payment(order["id"])]
    return reply_collection(paginate(orders, query))


@routes.patch("/v1/orders/{order_id}", name="api.update_order")
async def update_order(request: web.Request) -> web.Response:
    """Replace an order's notes, the only editable field."""
    state = state_of(request)
    order_id = request.match_info["order_id"]
    state.get_order(order_id)
    notes = validate_notes_update(await read_json(request))
    return reply(state.update_order_notes(order_id, notes))


@routes.get("/v1/orders/{order_id}/payments", name="api.list_order_payments")
async def list_order_payments(request: web.Request) -> web.Response:
    """List an order's payments, newest first."""
    return reply_collection(state_of(request).order_payments(request.match_info["order_id"]))


@routes.post("/v1/payments/{payment_id}/capture", name="api.capture_payment")
async def capture_payment(request: web.Request) -> web.Response:
    """Capture an authorized payment for its full amount."""
    state = state_of(request)
    payment_id = request.match_info["payment_id"]
    state.get_payment(payment_id)
    amount, currency = validate_capture_request(await read_json(request))
    return reply(state.capture_payment(payment_id, amount, currency))


@routes.post("/v1/payments/{payment_id}/refund", name="api.refund_payment")
async def refund_payment(request: web.Request) -> web.Response:
    """Refund a captured payment, honouring X-Refund-Idempotency; one refund operation per payment at a time."""
    state, faults = state_of(request), request.app[SANDBOX_FAULTS]
    payment_id = request.match_info["payment_id"]
    state.get_payment(payment_id)
    key = validate_idempotency_key(request.headers.get("X-Refund-Idempotency"))
    refund_request = validate_refund_request(await read_json(request))
    if faults.refund_conflicts > 0 or (key is not None and key in state.refunds_in_flight):
        faults.refund_conflicts = max(faults.refund_conflicts - 1, 0)
        raise RazorpayError(SAME_KEY_IN_PROGRESS, status=409)
    if payment_id in state.refunds_in_flight:
        raise RazorpayError(PAYMENT_BUSY)
    holds = {payment_id} | ({key} if key else set())
    state.refunds_in_flight |= holds
    try:
        if faults.refund_hold > 0:
            await asyncio.sleep(faults.refund_hold)
        return reply(state.refund_payment(payment_id, refund_request, key, outcome=faults.refund_outcome))
    finally:
        state.refunds_in_flight -= holds


@routes.get("/v1/payments/{payment_id}/refunds", name="api.list_payment_refunds")
async def list_payment_refunds(request: web.Request) -> web.Response:
    """List a payment's refunds, newest first: the last 10 unless count (at most 100) and skip say otherwise
    (https://razorpay.com/docs/api/refunds/fetch-multiple-refund-payment)."""
    query = validate_list_query(request.query)
    return reply_collection(paginate(state_of(request).payment_refunds(request.match_info["payment_id"]), query))


@routes.get("/v1/payments/{payment_id}/refunds/{refund_id}", name="api.fetch_payment_refund")
async def fetch_payment_refund(request: web.Request) -> web.Response:
    """Fetch one refund of a payment."""
    refund = state_of(request).get_refund(request.match_info["refund_id"])
    if refund["payment_id"] != request.match_info["payment_id"]:
        raise not_found()
    return reply(refund)


def route_reads() -> None:
    """Route the GET requests that fetch one entity or list them (payments, refunds and disputes filtered by from
    and to)."""
    store = SandboxState
    for path, name, fetch, key in (
        ("/v1/orders/{order_id}", "api.fetch_order", store.get_order, "order_id"),
        ("/v1/payments/{payment_id}", "api.fetch_payment", store.get_payment, "payment_id"),
        ("/v1/refunds/{refund_id}", "api.fetch_refund", store.get_refund, "refund_id"),
        ("/v1/disputes/{dispute_id}", "api.fetch_dispute", store.get_dispute, "dispute_id"),
    ):
        routes.get(path, name=name)(fetch_from(fetch, key))
    for path, name, entities in (
        ("/v1/payments", "api.list_payments", store.list_payments),
        ("/v1/refunds", "api.list_refunds", store.list_refunds),
        ("/v1/disputes", "api.list_disputes", store.list_disputes),
    ):
        routes.get(path, name=name)(list_from(entities))


route_reads()
