"""What a shopper sees: checkout.js, the payment window it frames, and the endpoint the window pays through."""

from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from markupsafe import Markup

from ..common.pages import asset_response, page_response, page_templates, read_assets
from .attempts import METHODS, resolve_attempt, validate_pay_request
from .config import SANDBOX_KEYS, SANDBOX_STATE, SANDBOX_SUBSCRIPTIONS
from .errors import ID_NOT_FOUND, RazorpayError
from .instruments import BANKS
from .money import format_amount
from .qr import render_qr_svg
from .replies import read_json, reply
from .signatures import sign_payment
from .validation import read_notes

routes = web.RouteTableDef()

HERE = Path(__file__).resolve().parent
ASSET_TYPES = {
    "checkout.js": "application/javascript",
    "window.js": "application/javascript",
    "window.css": "text/css",
    "banner.css": "text/css",
}
ASSETS = read_assets(HERE / "assets", ASSET_TYPES)
TEMPLATES = page_templates(HERE / "templates")
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+$")
_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
_DATA_IMAGE = re.compile(r"^data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$")
MAX_IMAGE_URL = 65536
MAX_NOTES_PARAM = 8192
PERIOD_UNITS = {"daily": "days", "weekly": "weeks", "monthly": "months", "yearly": "years"}
MAX_WINDOW_TEXT = 2048  # a description in the window's address: room for one longer than Razorpay takes


@dataclass(frozen=True)
class WindowOptions:
    """The checkout.js options the window shows, passed in its query string and cleaned here."""

    name: str
    description: str
    image: str | None
    prefill_name: str
    prefill_email: str
    prefill_contact: str
    method: str
    theme_color: str | None
    origin: str | None


def read_origin(raw: str) -> str | None:
    """Return the opener's origin (scheme://host[:port]) if it is one, for postMessage and the CSP."""
    return raw if _ORIGIN.match(raw) else None


def read_image(raw: str, origin: str | None) -> str | None:
    """Return a logo the window may show: a data: image, or one served by the shop's own origin."""
    if not raw or len(raw) > MAX_IMAGE_URL:
        return None
    if _DATA_IMAGE.match(raw):
        return raw
    parts = urlsplit(raw)
    if origin and parts.scheme in ("http", "https") and f"{parts.scheme}://{parts.netloc}" == origin:
        return raw
    return None  # anything else would load from outside the shop, which its CSP forbids


def read_window_options(query) -> WindowOptions:
    """Clean the display options; prefill.method counts only with contact and email, as in checkout.js."""
    origin = read_origin(query.get("origin", ""))
    contact, email = query.get("prefill_contact", "")[:20], query.get("prefill_email", "")[:254]
    method = query.get("method", "")
    if method not in METHODS or not (contact and email):
        method = METHODS[0]
    colour = query.get("theme", "")
    return WindowOptions(
        name=query.get("name", "")[:100] or "Test merchant",
        # Kept whole, as checkout.js passes it: a payment with one too long is refused (attempts.MAX_DESCRIPTION).
        description=query.get("description", "")[:MAX_WINDOW_TEXT],
        image=read_image(query.get("image", ""), origin),
        prefill_name=query.get("prefill_name", "")[:100],
        prefill_email=email,
        prefill_contact=contact,
        method=method,
        theme_color=colour if _COLOUR.match(colour) else None,
        origin=origin,
    )


def read_checkout_notes(raw: str) -> str:
    """Return checkout's `notes` option, passed by checkout.js as JSON, checked and re-encoded for the window."""
    if not raw:
        return ""
    try:
        notes = json.loads(raw) if len(raw) <= MAX_NOTES_PARAM else None
    except ValueError:
        notes = None
    if notes is None:
        raise RazorpayError("The notes must be an object of key-value pairs.", field="notes")
    return json.dumps(read_notes(notes), separators=(",", ":")) if notes else ""


def content_security_policy(origin: str | None) -> str:
    """Return the window's CSP: nothing from outside the sandbox, bar the shop's own logo."""
    images = "'self' data:" + (f" {origin}" if origin else "")
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        f"img-src {images}; connect-src 'self'; base-uri 'none'; form-action 'none'"
    )


@dataclass(frozen=True)
class WindowPayment:
    """What the window takes a payment for: an order, or a subscription's authentication (checkout.js opened with
    subscription_id instead of order_id, SUBSCRIPTIONS.md §6), and how much that is."""

    order_id: str
    subscription_id: str
    amount: int
    currency: str
    pay_route: str
    mandate: str  # for a subscription, what the mandate is for, in words; "" for an order


def check_window_payment(request: web.Request) -> WindowPayment:
    """Return what the window may take a payment for, or raise what the buyer should see."""
    query = request.query
    key_id, order_id, subscription_id = (query.get(name, "") for name in ("key_id", "order_id", "subscription_id"))
    if not key_id or not (order_id or subscription_id):
        raise RazorpayError("key_id and order_id are required to open checkout")
    if not hmac.compare_digest(key_id.encode(), request.app[SANDBOX_KEYS].key_id.encode()):
        raise RazorpayError(ID_NOT_FOUND, field="key_id")  # a key that is not the order's: Razorpay's wording
    if subscription_id:
        book = request.app[SANDBOX_SUBSCRIPTIONS]
        subscription, amount, currency = book.authentication_due(subscription_id)
        mandate = describe_mandate(subscription, book.plans[subscription["plan_id"]])
        return WindowPayment("", subscription_id, amount, currency, "checkout.pay_subscription", mandate)
    order = request.app[SANDBOX_STATE].check_payable(order_id)
    return WindowPayment(order_id, "", order["amount_due"], order["currency"], "checkout.pay", "")


def describe_mandate(subscription: dict[str, Any], plan: dict[str, Any]) -> str:
    """Say what the buyer authorises: the plan, each charge and how often, how many; a future start's ₹5 comes back."""
    item = plan["item"]
    each = format_amount(item["amount"] * subscription["quantity"], item["currency"])
    every = plan["period"] if plan["interval"] == 1 else f"every {plan['interval']} {PERIOD_UNITS[plan['period']]}"
    words = f"Mandate for {item['name']}: {each} {every}, {subscription['total_count']} charges."
    if subscription["start_at"] is not None:
        words += " This authorisation payment is refunded at once."
    return words


def serve_asset(name: str) -> web.Response:
    """Answer with one of the sandbox's own scripts or stylesheets."""
    return asset_response(ASSETS[name], ASSET_TYPES[name], {"Access-Control-Allow-Origin": "*"})


@routes.get("/v1/checkout.js", name="checkout.script")
async def checkout_script(request: web.Request) -> web.Response:
    """Serve checkout.js (no auth: a shop's page loads it)."""
    return serve_asset("checkout.js")


@routes.get("/checkout/assets/{name}", name="checkout.asset")
async def checkout_asset(request: web.Request) -> web.Response:
    """Serve the window's script and stylesheet."""
    name = request.match_info["name"]
    if name not in ASSETS or name == "checkout.js":
        raise web.HTTPNotFound()
    return serve_asset(name)


@routes.get("/checkout/window", name="checkout.window")
async def checkout_window(request: web.Request) -> web.Response:
    """Render the payment window for an order, or the reason it cannot be paid."""
    options = read_window_options(request.query)
    context: dict[str, Any] = {
        "options": options,
        "error": None,
        "order": None,
        "amount_text": "",
        "qr": "",
        "notes": "",
        "banks": sorted(BANKS.items(), key=lambda bank: bank[1]),
        "key_id": request.query.get("key_id", ""),
        "pay_url": str(request.app.router["checkout.pay"].url_for()),
        "subscription_id": "",
        "mandate": "",
        "banner_css_url": str(request.app.router["checkout.asset"].url_for(name="banner.css")),
        "css_url": str(request.app.router["checkout.asset"].url_for(name="window.css")),
        "js_url": str(request.app.router["checkout.asset"].url_for(name="window.js")),
    }
    status = 200
    try:
        context["notes"] = read_checkout_notes(request.query.get("notes", ""))
        payment = check_window_payment(request)
    except RazorpayError as exc:
        context["error"], status = exc.description, exc.status
    else:
        context.update(
            order={"id": payment.order_id},
            subscription_id=payment.subscription_id,
            mandate=payment.mandate,
            pay_url=str(request.app.router[payment.pay_route].url_for()),
            amount_text=format_amount(payment.amount, payment.currency),
            qr=Markup(render_qr_svg(payment.order_id or payment.subscription_id)),
        )
    html = TEMPLATES.get_template("window.html").render(context)
    return page_response(html, status, content_security_policy(options.origin))


@routes.post("/checkout/pay", name="checkout.pay")
async def checkout_pay(request: web.Request) -> web.Response:
    """Make a payment attempt as the window does (see create_razorpay_sandbox for the body)."""
    pay = validate_pay_request(await read_json(request))
    keys, state = request.app[SANDBOX_KEYS], request.app[SANDBOX_STATE]
    if not hmac.compare_digest(pay.key_id.encode(), keys.key_id.encode()):
        raise RazorpayError(ID_NOT_FOUND, field="key_id")
    state.check_payable(pay.order_id)
    attempt = resolve_attempt(pay, state.clock())
    payment = state.start_payment(
        pay.order_id,
        amount=pay.amount,
        method=attempt.method,
        instrument=attempt.instrument,
        email=pay.email,
        contact=pay.contact,
        description=pay.description,
        notes=pay.notes,
    )
    metadata = {"order_id": pay.order_id, "payment_id": payment["id"]}
    if attempt.failure is not None:
        failure = attempt.failure
        state.fail_payment(payment["id"], failure)
        raise failure.to_error(metadata)
    state.authorize_payment(payment["id"])
    return reply(
        {
            "razorpay_payment_id": payment["id"],
            "razorpay_order_id": pay.order_id,
            "razorpay_signature": sign_payment(keys.key_secret, pay.order_id, payment["id"]),
        }
    )
