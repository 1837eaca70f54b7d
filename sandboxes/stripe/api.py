"""The REST API under /v1, in Stripe's wire format; every route is named api.* so auth and the envelope apply."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from .account import build_account
from .config import STRIPE_SANDBOX_CONFIG, STRIPE_SANDBOX_FAULTS, STRIPE_SANDBOX_STATE
from .errors import StripeError
from .listing import expand, paginate
from .middlewares import mount_prefix, request_ref
from .objects import search_result
from .params import Reader
from .replies import read_params, reply
from .search import matches, parse_query
from .state import StripeSandboxState
from .validation import (
    CUSTOMER_CREATE,
    CUSTOMER_LIST,
    CUSTOMER_SEARCH,
    EVENT_LIST,
    LINE_ITEM_LIST,
    REFUND_LIST,
    RETRIEVE,
    SESSION_LIST,
    validate_refund_request,
    validate_session_request,
)

routes = web.RouteTableDef()
# One of the store's find_* methods: the objects a list request's parameters select, newest first.
Finder = Callable[[StripeSandboxState, dict[str, Any]], list[dict[str, Any]]]


def state_of(request: web.Request) -> StripeSandboxState:
    """Return the sandbox's store."""
    return request.app[STRIPE_SANDBOX_STATE]


def public_base(request: web.Request) -> str:
    """Return the absolute URL the sandbox is reached at: public_url if configured, else as this request came in."""
    configured = request.app[STRIPE_SANDBOX_CONFIG].public_url
    if configured:
        return configured.rstrip("/")
    return f"{request.scheme}://{request.host}{mount_prefix(request)}"


async def read(request: web.Request, spec: Reader) -> dict[str, Any]:
    """Return the request's parameters, checked against the endpoint's spec."""
    return spec(await read_params(request), "")


def answer(request: web.Request, obj: dict[str, Any], fields: dict[str, Any]) -> web.Response:
    """Answer with obj, expanded as the request's expand[] asks."""
    return reply(expand(obj, fields.get("expand", []), state_of(request).lookup))


def retrieve_from(table: str) -> Handler:
    """A GET handler answering one stored object of a table ({object_id} at the path's end), expanded as asked."""

    async def retrieve(request: web.Request) -> web.Response:
        fields = await read(request, RETRIEVE)
        return answer(request, state_of(request).get(table, request.match_info["object_id"]), fields)

    return retrieve


def list_from(path: str, spec: Reader, find: Finder, kind: str) -> Handler:
    """A GET handler answering a page of what find returns for the checked parameters (kind: the objects')."""

    async def list_objects(request: web.Request) -> web.Response:
        fields = await read(request, spec)
        return answer(request, paginate(find(state_of(request), fields), fields, path, kind), fields)

    return list_objects


# -- checkout sessions ---------------------------------------------------------------------------


@routes.post("/v1/checkout/sessions", name="api.create_session")
async def create_session(request: web.Request) -> web.Response:
    """Create a Checkout Session in payment mode."""
    state = state_of(request)
    session_request = validate_session_request(await read_params(request), state.now())
    # Unless the session says, it follows the account's Dashboard setting.
    session_request.fields.setdefault("adaptive_pricing", {})
    session_request.fields["adaptive_pricing"].setdefault(
        "enabled", request.app[STRIPE_SANDBOX_CONFIG].adaptive_pricing
    )
    session = state.create_session(session_request, public_base(request), request_ref(request))
    return answer(request, session, {"expand": session_request.expand})


@routes.get("/v1/checkout/sessions/{session_id}", name="api.retrieve_session")
async def retrieve_session(request: web.Request) -> web.Response:
    """Retrieve a session; expand[]=payment_intent and expand[]=line_items work."""
    fields = await read(request, RETRIEVE)
    return answer(request, state_of(request).get_session(request.match_info["session_id"]), fields)


@routes.post("/v1/checkout/sessions/{session_id}/expire", name="api.expire_session")
async def expire_session(request: web.Request) -> web.Response:
    """Expire an open session so nobody can pay it any more."""
    fields = await read(request, RETRIEVE)
    session = state_of(request).expire_session(request.match_info["session_id"], request_ref(request))
    return answer(request, session, fields)


@routes.get("/v1/checkout/sessions/{session_id}/line_items", name="api.list_line_items")
async def list_line_items(request: web.Request) -> web.Response:
    """List a session's line items, in the order they were given."""
    fields = await read(request, LINE_ITEM_LIST)
    session_id = request.match_info["session_id"]
    items = list(state_of(request).session_line_items(session_id))
    return answer(request, paginate(items, fields, f"/v1/checkout/sessions/{session_id}/line_items", "item"), fields)


# -- refunds -------------------------------------------------------------------------------------


@routes.post("/v1/refunds", name="api.create_refund")
async def create_refund(request: web.Request) -> web.Response:
    """Refund a payment in full or in part."""
    refund_request = validate_refund_request(await read_params(request))
    refund = state_of(request).create_refund(
        refund_request, request_ref(request), outcome=request.app[STRIPE_SANDBOX_FAULTS].refund_outcome
    )
    return answer(request, refund, {"expand": refund_request.expand})


# -- customers -----------------------------------------------------------------------------------


@routes.post("/v1/customers", name="api.create_customer")
async def create_customer(request: web.Request) -> web.Response:
    """Create a customer."""
    fields = await read(request, CUSTOMER_CREATE)
    return answer(request, state_of(request).create_customer(fields, request_ref(request)), fields)


# Registered before /v1/customers/{customer_id}, which "search" would otherwise match.
@routes.get("/v1/customers/search", name="api.search_customers")
async def search_customers(request: web.Request) -> web.Response:
    """Search customers with Stripe's query language (see search.py); results are immediate, unlike Stripe's.

    Not for an Indian account: "Search functionality is not available to merchants in India"
    (docs.stripe.com/api/customers/search); the 400 is the one Stripe answers (its message as quoted in
    SAP-archive/btp-create-api-integrations#7, a Stripe India account's log).
    """
    if request.app[STRIPE_SANDBOX_CONFIG].country == "IN":
        raise StripeError("The search feature is temporarily unavailable in your region.")
    fields = await read(request, CUSTOMER_SEARCH)
    clauses, combinator = parse_query(fields["query"])
    found = [customer for customer in state_of(request).find_customers({}) if matches(customer, clauses, combinator)]
    page_token = fields.get("page", "0")
    if not page_token.isdigit():  # the sandbox's tokens are offsets; anything else did not come from it
        raise StripeError(f"Invalid page: {page_token!r} is not a next_page this sandbox handed out.", param="page")
    start = int(page_token)
    limit = fields.get("limit", 10)
    page = found[start : start + limit]
    more = start + limit < len(found)
    result = search_result(page, "/v1/customers/search", has_more=more, next_page=str(start + limit) if more else None)
    return answer(request, result, fields)


# -- the account ---------------------------------------------------------------------------------


@routes.get("/v1/account", name="api.retrieve_account")
async def retrieve_account(request: web.Request) -> web.Response:
    """The account the key belongs to, with its public business profile and branding."""
    # docs.stripe.com/api/accounts/retrieve; stripe-python's v1.accounts.retrieve_current (GET /v1/account).
    fields = await read(request, RETRIEVE)
    config = request.app[STRIPE_SANDBOX_CONFIG]
    return answer(request, build_account(config.business, config.country, config.started), fields)


# -- events --------------------------------------------------------------------------------------


@routes.get("/v1/events/{event_id}", name="api.retrieve_event")
async def retrieve_event(request: web.Request) -> web.Response:
    """Retrieve an event."""
    fields = await read(request, RETRIEVE)
    return answer(request, state_of(request).get_event(request.match_info["event_id"]).envelope, fields)


def route_reads() -> None:
    """Route the GET requests that list stored objects or retrieve one, after the routes above (so that
    /v1/customers/search comes before /v1/customers/{object_id})."""
    store = StripeSandboxState
    # Newest first: sessions by payment_intent, customer, status, customer_details and created; refunds by charge,
    # payment_intent and created; customers by exact email and created; events by type or types (a trailing *
    # matches a prefix).
    for path, name, spec, find, kind in (
        ("/v1/checkout/sessions", "api.list_sessions", SESSION_LIST, store.find_sessions, "checkout.session"),
        ("/v1/refunds", "api.list_refunds", REFUND_LIST, store.find_refunds, "refund"),
        ("/v1/customers", "api.list_customers", CUSTOMER_LIST, store.find_customers, "customer"),
        ("/v1/events", "api.list_events", EVENT_LIST, store.find_events, "event"),
    ):
        routes.get(path, name=name)(list_from(path, spec, find, kind))
    # A dispute is made by state.open_dispute.
    for path, name, table in (
        ("/v1/payment_intents/{object_id}", "api.retrieve_payment_intent", "payment_intents"),
        ("/v1/charges/{object_id}", "api.retrieve_charge", "charges"),
        ("/v1/refunds/{object_id}", "api.retrieve_refund", "refunds"),
        ("/v1/disputes/{object_id}", "api.retrieve_dispute", "disputes"),
        ("/v1/customers/{object_id}", "api.retrieve_customer", "customers"),
    ):
        routes.get(path, name=name)(retrieve_from(table))


route_reads()
