"""Plans and subscriptions over HTTP: Razorpay's REST routes (named api.*, so Basic auth applies), the checkout's
authentication payment, and the sandbox-only knob that says how later charges go.

REST paths as razorpay-python razorpay/resources/{plan,subscription}.py call them (SUBSCRIPTIONS.md §1).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any

from aiohttp import web

from .attempts import (
    DESCRIPTION_TOO_LONG,
    MAX_DESCRIPTION,
    Attempt,
    PayRequest,
    read_contact,
    read_email,
    resolve_attempt,
)
from .config import SANDBOX_KEYS, SANDBOX_STATE, SANDBOX_SUBSCRIPTIONS
from .controls import read_control
from .errors import ID_NOT_FOUND, RazorpayError, invalid_field
from .replies import read_json, reply, reply_collection
from .signatures import sign_subscription_payment
from .subscription_requests import (
    read_text_field,
    validate_cancel_request,
    validate_now,
    validate_plan_request,
    validate_subscription_request,
)
from .subscriptions import METHODS, OUTCOMES, SubscriptionBook, mandate_rail
from .validation import read_notes, reject_unknown_fields, validate_list_query

routes = web.RouteTableDef()
# The window's body, as for an order (attempts.PAY_FIELDS) but with subscription_id; `bank` is the e-mandate's bank.
PAY_FIELDS = (
    "key_id",
    "subscription_id",
    "method",
    "outcome",
    "card_number",
    "card_expiry",
    "card_cvv",
    "bank",
    "email",
    "contact",
    "description",
    "notes",
)
TEXT_FIELDS = tuple(name for name in PAY_FIELDS if name != "notes")
DEFAULT_EMANDATE_BANK = "HDFC"


def book_of(request: web.Request) -> SubscriptionBook:
    """Return the sandbox's subscription book."""
    return request.app[SANDBOX_SUBSCRIPTIONS]


def page(request: web.Request, entities: list[dict[str, Any]]) -> web.Response:
    """Answer a collection page: skip and count as the other list endpoints take them."""
    query = validate_list_query(request.query)
    return reply_collection(entities[query.skip : query.skip + query.count])


@routes.post("/v1/plans", name="api.create_plan")
async def create_plan(request: web.Request) -> web.Response:
    """Create a plan (plans cannot be edited or deleted afterwards)."""
    return reply(book_of(request).create_plan(validate_plan_request(await read_json(request))))


@routes.get("/v1/plans", name="api.list_plans")
async def list_plans(request: web.Request) -> web.Response:
    """List plans, newest first."""
    return page(request, book_of(request).list_plans())


@routes.get("/v1/plans/{plan_id}", name="api.fetch_plan")
async def fetch_plan(request: web.Request) -> web.Response:
    """Fetch one plan."""
    return reply(book_of(request).get_plan(request.match_info["plan_id"]))


@routes.post("/v1/subscriptions", name="api.create_subscription")
async def create_subscription(request: web.Request) -> web.Response:
    """Create a subscription on a plan; it waits in status created for its authentication payment."""
    book = book_of(request)
    subscription_request = validate_subscription_request(await read_json(request), book.state.now())
    return reply(book.create_subscription(subscription_request, authentication_link(request)))


def authentication_link(request: web.Request) -> Callable[[str], str]:
    """The short_url maker: Razorpay's hosted page for authenticating is, here, the window opened on its own."""
    key_id = request.app[SANDBOX_KEYS].key_id
    window = request.app.router["checkout.window"]

    def link(subscription_id: str) -> str:
        path = window.url_for().with_query(key_id=key_id, subscription_id=subscription_id)
        return str(request.url.origin().join(path))

    return link


@routes.get("/v1/subscriptions", name="api.list_subscriptions")
async def list_subscriptions(request: web.Request) -> web.Response:
    """List subscriptions newest first, of one plan_id if given."""
    return page(request, book_of(request).list_subscriptions(request.query.get("plan_id")))


@routes.get("/v1/subscriptions/{subscription_id}", name="api.fetch_subscription")
async def fetch_subscription(request: web.Request) -> web.Response:
    """Fetch one subscription."""
    return reply(book_of(request).get_subscription(request.match_info["subscription_id"]))


@routes.post("/v1/subscriptions/{subscription_id}/cancel", name="api.cancel_subscription")
async def cancel_subscription(request: web.Request) -> web.Response:
    """Cancel now, or at the end of the current cycle with cancel_at_cycle_end (cancel-subscription.md)."""
    book = book_of(request)
    subscription_id = request.match_info["subscription_id"]
    book.get_subscription(subscription_id)
    return reply(book.cancel(subscription_id, validate_cancel_request(await read_json(request))))


@routes.post("/v1/subscriptions/{subscription_id}/pause", name="api.pause_subscription")
async def pause_subscription(request: web.Request) -> web.Response:
    """Pause now ({"pause_at": "now"}, the only choice)."""
    book = book_of(request)
    subscription_id = request.match_info["subscription_id"]
    book.get_subscription(subscription_id)
    validate_now(await read_json(request), "pause_at")
    return reply(book.pause(subscription_id))


@routes.post("/v1/subscriptions/{subscription_id}/resume", name="api.resume_subscription")
async def resume_subscription(request: web.Request) -> web.Response:
    """Resume now ({"resume_at": "now"}, the only choice)."""
    book = book_of(request)
    subscription_id = request.match_info["subscription_id"]
    book.get_subscription(subscription_id)
    validate_now(await read_json(request), "resume_at")
    return reply(book.resume(subscription_id))


@routes.get("/v1/invoices", name="api.list_invoices")
async def list_invoices(request: web.Request) -> web.Response:
    """List invoices newest first, of one subscription_id if given (fetch-invoices.md)."""
    return page(request, book_of(request).list_invoices(request.query.get("subscription_id")))


@routes.get("/v1/invoices/{invoice_id}", name="api.fetch_invoice")
async def fetch_invoice(request: web.Request) -> web.Response:
    """Fetch one invoice."""
    return reply(book_of(request).get_invoice(request.match_info["invoice_id"]))


@routes.post("/checkout/subscriptions/pay", name="checkout.pay_subscription")
async def pay_subscription(request: web.Request) -> web.Response:
    """The authentication payment as the window makes it (checkout.js opened with subscription_id, §6).

    200 {razorpay_payment_id, razorpay_subscription_id, razorpay_signature}, the signature being
    HMAC-SHA256(key_secret, payment_id + "|" + subscription_id) (razorpay-python utility.py
    verify_subscription_payment_signature); 400 Razorpay's envelope with metadata {subscription_id, payment_id}.
    """
    body = await read_json(request)
    reject_unknown_fields(body, PAY_FIELDS)
    fields = {name: read_text_field(body, name, required=False) for name in TEXT_FIELDS}
    keys = request.app[SANDBOX_KEYS]
    if not hmac.compare_digest((fields["key_id"] or "").encode(), keys.key_id.encode()):
        raise RazorpayError(ID_NOT_FOUND, field="key_id")
    subscription_id = read_text_field(body, "subscription_id", required=True) or ""
    method = fields["method"]
    if method not in METHODS:
        raise invalid_field("method", f"The method must be one of {', '.join(METHODS)}.")
    attempt = resolve_mandate(subscription_id, method, fields, book_of(request).state.clock())
    failure = attempt.failure
    if len(fields["description"] or "") > MAX_DESCRIPTION:
        raise invalid_field("description", DESCRIPTION_TOO_LONG)
    buyer = {
        "email": read_email(fields["email"]),
        "contact": read_contact(fields["contact"]),
        "description": fields["description"],
        "notes": read_notes(body.get("notes")),
    }
    payment = book_of(request).authenticate(subscription_id, method, attempt.instrument, failure, **buyer)
    if failure is not None:
        raise failure.to_error({"subscription_id": subscription_id, "payment_id": payment["id"]})
    return reply(
        {
            "razorpay_payment_id": payment["id"],
            "razorpay_subscription_id": subscription_id,
            "razorpay_signature": sign_subscription_payment(keys.key_secret, payment["id"], subscription_id),
        }
    )


def resolve_mandate(subscription_id: str, method: str, fields: dict[str, str | None], now: float) -> Attempt:
    """The mandate's instrument and how its authentication ends, decided as for an order's payment on the same rail
    (attempts.resolve_attempt: test cards, the UPI app's or the bank page's answer); an e-mandate is approved at a bank."""
    if fields["outcome"] is not None and fields["outcome"] not in OUTCOMES:
        raise invalid_field("outcome", "The outcome must be success or failure.")
    bank = fields["bank"] or (DEFAULT_EMANDATE_BANK if method == "emandate" else None)
    pay = PayRequest(
        key_id="",
        order_id=subscription_id,
        method=mandate_rail(method),
        outcome=fields["outcome"],
        card_number=fields["card_number"],
        card_expiry=fields["card_expiry"],
        card_cvv=fields["card_cvv"],
        bank=bank,
    )
    attempt = resolve_attempt(pay, now)
    return Attempt(method, attempt.instrument, attempt.failure)


@routes.put("/sandbox/subscriptions/{subscription_id}/charges", name="sandbox.subscription_charges")
async def plan_charges(request: web.Request) -> web.Response:
    """PUT {"outcomes": ["failure", ...], "then": "success"}: how the next charge attempts end, then all later ones."""
    body = await read_control(request)
    outcomes, then = body.get("outcomes", []), body.get("then", "success")
    if not isinstance(outcomes, list) or any(outcome not in OUTCOMES for outcome in outcomes):
        raise invalid_field("outcomes", 'outcomes must be a list of "success" or "failure"')
    if then not in OUTCOMES:
        raise invalid_field("then", 'then must be "success" or "failure"')
    book_of(request).plan_outcomes(request.match_info["subscription_id"], outcomes, then)
    return web.json_response({"outcomes": outcomes, "then": then})


def mount_subscriptions(app: web.Application) -> None:
    """Keep a subscription book beside the sandbox's state and route plans, subscriptions and their knobs."""
    app[SANDBOX_SUBSCRIPTIONS] = SubscriptionBook(app[SANDBOX_STATE])
    app.add_routes(routes)
