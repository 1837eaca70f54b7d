"""Stripe Billing's REST routes: subscriptions, invoices and test clocks (named api.* so auth and errors apply).

Paths and params as stripe-python 16.1.0's services call them (SUBSCRIPTIONS.md §12, §13, §18):
v1.subscriptions.retrieve/list/update/cancel (DELETE), v1.invoices.retrieve/list,
v1.test_helpers.test_clocks.create/retrieve/list/advance.
"""

from __future__ import annotations

from aiohttp import web

from .api import answer, list_from, read, retrieve_from, state_of
from .middlewares import request_ref
from .params import EXPAND, boolean, hash_of, integer, metadata, text, unsupported
from .state import StripeSandboxState
from .subscriptions import Subscriptions
from .validation import PAGING, RETRIEVE, created_filter, unsupported_all

routes = web.RouteTableDef()

SUBSCRIPTION_STATUSES = (
    "active", "all", "canceled", "ended", "incomplete", "incomplete_expired", "past_due", "paused", "trialing",
    "unpaid",
)  # fmt: skip
SUBSCRIPTION_LIST = hash_of(
    {
        **PAGING,
        "customer": text(),
        "price": text(),
        "status": text(choices=SUBSCRIPTION_STATUSES),
        "test_clock": text(),
        "created": created_filter,
        **unsupported_all("automatic_tax", "collection_method", "current_period_end", "current_period_start"),
    }
)
SUBSCRIPTION_UPDATE = hash_of(
    {
        "cancel_at_period_end": boolean,
        "default_payment_method": text(),
        "metadata": metadata,
        "expand": EXPAND,
        **unsupported_all(
            "cancel_at", "cancellation_details", "items", "pause_collection", "payment_behavior",
            "proration_behavior", "trial_end", "billing_cycle_anchor", "coupon", "discounts",
        ),
    }
)  # fmt: skip
SUBSCRIPTION_CANCEL = hash_of({"expand": EXPAND, **unsupported_all("cancellation_details", "invoice_now", "prorate")})
INVOICE_LIST = hash_of(
    {
        **PAGING,
        "subscription": text(),
        "customer": text(),
        "status": text(choices=("draft", "open", "paid", "uncollectible", "void")),
        "created": created_filter,
        **unsupported_all("collection_method", "due_date", "customer_account"),
    }
)
# stripe-python 16.1.0 params/_subscription_pause_params.py and _subscription_resume_params.py; the pause endpoint
# came with 2026-09-30.endive (docs.stripe.com/changelog/endive/2026-09-30/pause-subscription).
SUBSCRIPTION_PAUSE = hash_of(
    {
        "type": text(choices=("subscription",)),
        "bill_for": hash_of(
            {
                # Galla's items are licensed, not metered: there is no usage to bill, whichever is asked.
                "outstanding_usage_through": hash_of({"type": text(choices=("none", "now"))}, required=["type"]),
                "unused_time_from": hash_of(
                    {"type": text(choices=("item_current_period_start", "none", "now"))}, required=["type"]
                ),
            }
        ),
        "invoicing_behavior": text(choices=("invoice", "pending_invoice_item")),
        "expand": EXPAND,
    }
)
SUBSCRIPTION_RESUME = hash_of(
    {
        # An object in this version: {type: now | unchanged}.
        "billing_cycle_anchor": hash_of({"type": text(choices=("now", "unchanged"))}, required=["type"]),
        # The sandbox makes no prorations: it takes only "none".
        "proration_behavior": text(choices=("none",)),
        "expand": EXPAND,
        **unsupported_all("payment_behavior", "proration_date"),
    }
)
CLOCK_CREATE = hash_of(
    {"frozen_time": integer(0), "name": text(300), "expand": EXPAND, "customer": unsupported},
    required=["frozen_time"],
)
CLOCK_ADVANCE = hash_of({"frozen_time": integer(0), "expand": EXPAND}, required=["frozen_time"])


def billing_of(request: web.Request) -> Subscriptions:
    """Return the subscription operations over the sandbox's store."""
    return Subscriptions(state_of(request))


@routes.get("/v1/subscriptions/{subscription_id}", name="api.retrieve_subscription")
async def retrieve_subscription(request: web.Request) -> web.Response:
    """Retrieve a subscription, brought up to date with its clock."""
    fields = await read(request, RETRIEVE)
    return answer(request, billing_of(request).get(request.match_info["subscription_id"]), fields)


@routes.post("/v1/subscriptions/{subscription_id}", name="api.update_subscription")
async def update_subscription(request: web.Request) -> web.Response:
    """Cancel at period end (or undo it), change the default payment method, or the metadata."""
    fields = await read(request, SUBSCRIPTION_UPDATE)
    found = billing_of(request).update(request.match_info["subscription_id"], fields, request_ref(request))
    return answer(request, found, fields)


@routes.delete("/v1/subscriptions/{subscription_id}", name="api.cancel_subscription")
async def cancel_subscription(request: web.Request) -> web.Response:
    """Cancel a subscription now."""
    fields = await read(request, SUBSCRIPTION_CANCEL)
    found = billing_of(request).cancel(request.match_info["subscription_id"], request_ref(request))
    return answer(request, found, fields)


@routes.post("/v1/subscriptions/{subscription_id}/pause", name="api.pause_subscription")
async def pause_subscription(request: web.Request) -> web.Response:
    """Pause an active subscription: no invoices and no new periods until it is resumed; unused time credited."""
    fields = await read(request, SUBSCRIPTION_PAUSE)
    found = billing_of(request).pause(request.match_info["subscription_id"], fields, request_ref(request))
    return answer(request, found, fields)


@routes.post("/v1/subscriptions/{subscription_id}/resume", name="api.resume_subscription")
async def resume_subscription(request: web.Request) -> web.Response:
    """Resume a paused subscription, its billing cycle anchor unchanged (the sandbox plays no other)."""
    fields = await read(request, SUBSCRIPTION_RESUME)
    found = billing_of(request).resume(
        request.match_info["subscription_id"],
        fields.get("billing_cycle_anchor", {"type": "now"})["type"],
        request_ref(request),
    )
    return answer(request, found, fields)


@routes.post("/v1/test_helpers/test_clocks", name="api.create_test_clock")
async def create_test_clock(request: web.Request) -> web.Response:
    """Create a test clock frozen at frozen_time."""
    fields = await read(request, CLOCK_CREATE)
    return answer(request, billing_of(request).create_clock(fields, request_ref(request)), fields)


@routes.post("/v1/test_helpers/test_clocks/{clock_id}/advance", name="api.advance_test_clock")
async def advance_test_clock(request: web.Request) -> web.Response:
    """Advance a test clock, running the renewals and retries that fall due."""
    fields = await read(request, CLOCK_ADVANCE)
    clock = billing_of(request).advance_clock(
        request.match_info["clock_id"], fields["frozen_time"], request_ref(request)
    )
    return answer(request, clock, fields)


def route_billing_reads() -> None:
    """Route the list and retrieve GETs of invoices and test clocks, and the subscriptions list."""
    store = StripeSandboxState
    for path, name, spec, find, kind in (
        ("/v1/subscriptions", "api.list_subscriptions", SUBSCRIPTION_LIST, store.find_subscriptions, "subscription"),
        ("/v1/invoices", "api.list_invoices", INVOICE_LIST, store.find_invoices, "invoice"),
        ("/v1/test_helpers/test_clocks", "api.list_test_clocks", hash_of(PAGING), store.find_test_clocks,
         "test_helpers.test_clock"),
    ):  # fmt: skip
        routes.get(path, name=name)(list_from(path, spec, find, kind))
    for path, name, table in (
        ("/v1/invoices/{object_id}", "api.retrieve_invoice", "invoices"),
        ("/v1/test_helpers/test_clocks/{object_id}", "api.retrieve_test_clock", "test_clocks"),
    ):
        routes.get(path, name=name)(retrieve_from(table))


route_billing_reads()
