"""What a buyer sees: the hosted payment page at /c/pay/{session_id}, which pays by a plain form POST."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from ..common.pages import asset_response, page_response, page_templates, read_assets
from . import india
from .cards import CardInput, asks_for_3ds, card_country, check_cvc, check_expiry, check_number
from .config import STRIPE_SANDBOX_CONFIG, STRIPE_SANDBOX_STATE
from .display import format_for_buyer, page_locale
from .errors import StripeError
from .objects import success_redirect
from .params import email as read_email
from .state import CardPayment, StripeSandboxState

routes = web.RouteTableDef()

HERE = Path(__file__).resolve().parent
ASSET_TYPES = {
    "pay.css": "text/css",
    "portal.css": "text/css",
    "banner.css": "text/css",
    "pay.js": "application/javascript",
}
ASSETS = read_assets(HERE / "assets", ASSET_TYPES)
TEMPLATES = page_templates(HERE / "templates")
TEST_CARDS = [
    ("4242 4242 4242 4242", "succeeds"),
    ("4000 0000 0000 0002", "declined"),
    ("4000 0000 0000 9995", "insufficient funds"),
    ("4000 0000 0000 0069", "expired card"),
    ("4000 0000 0000 0127", "incorrect CVC"),
    ("4000 0000 0000 0119", "processing error"),
    ("4000 0025 0000 3155", "asks for 3D Secure"),
    ("4000 0035 6000 0008", "issued in India"),
]


@dataclass
class PayForm:
    """What the buyer typed, and what is wrong with it, field by field."""

    email: str = ""
    expiry: str = ""
    name: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    card: CardInput | None = None
    amount: int | None = None  # the sandbox knob: charge this many minor units instead of the total
    address: dict[str, str] = field(default_factory=dict)  # the billing address, when the session collects one
    shipping: dict[str, Any] | None = None  # {name, address}, when the session collects a shipping address


# The billing address fields Checkout shows with billing_address_collection=required, and which must be filled.
ADDRESS_FIELDS = ("line1", "line2", "city", "state", "postal_code", "country")
ADDRESS_REQUIRED = {
    "line1": "Enter your address.",
    "city": "Enter your city.",
    "postal_code": "Enter your postal code.",
    "country": "Choose your country.",
}


def page_state(session: dict[str, Any] | None) -> str:
    """Return which page to show: open, complete, expired or missing."""
    return "missing" if session is None else session["status"]


def locked_email(state: StripeSandboxState, session: dict[str, Any]) -> str | None:
    """Return the email Checkout shows fixed: customer_email, or the given customer's email."""
    if session["customer_email"]:
        return session["customer_email"]
    customer = state.customers.get(session["customer"] or "")
    return customer["email"] if customer else None


def read_pay_form(form: Any, session: dict[str, Any], state: StripeSandboxState) -> PayForm:
    """Check the posted form as Stripe's card form does; errors are keyed by field name."""
    locked = locked_email(state, session)
    pay = PayForm(
        email=locked or form.get("email", "").strip(),
        expiry=form.get("card_expiry", "").strip(),
        name=form.get("card_name", "").strip(),
    )
    if not pay.email:
        pay.errors["email"] = "Your email is incomplete."
    else:
        try:
            read_email(pay.email, "email")
        except StripeError:
            pay.errors["email"] = "Your email address is invalid."
    digits, number_error = check_number(form.get("card_number", ""))
    today = time.gmtime(state.now())
    expiry, expiry_error = check_expiry(pay.expiry, today.tm_year, today.tm_mon)
    cvc_error = check_cvc(form.get("card_cvc", ""), digits)
    for name, error in (("card_number", number_error), ("card_expiry", expiry_error), ("card_cvc", cvc_error)):
        if error:
            pay.errors[name] = error
    if not pay.name:
        pay.errors["card_name"] = "Enter the name on the card."
    if session["billing_address_collection"] == "required":
        pay.address = {name: form.get(f"billing_{name}", "").strip() for name in ADDRESS_FIELDS}
        pay.address["country"] = pay.address["country"].upper()
        for name, message in ADDRESS_REQUIRED.items():
            if not pay.address[name]:
                pay.errors[f"billing_{name}"] = message
        pay.address = {name: value for name, value in pay.address.items() if value}
    if session["shipping_address_collection"]:
        pay.shipping = read_shipping(form, session["shipping_address_collection"]["allowed_countries"], pay.errors)
    raw_amount = form.get("amount", "").strip()
    if raw_amount:
        if not raw_amount.isdigit() or int(raw_amount) < 1:
            pay.errors["amount"] = "Sandbox knob: amount must be a positive whole number of minor units."
        else:
            pay.amount = int(raw_amount)
    if digits is not None and expiry is not None and not pay.errors:  # each None came with its error
        pay.card = CardInput(number=digits, exp_month=expiry[0], exp_year=expiry[1], cvc=form["card_cvc"].strip())
    return pay


def read_shipping(form: Any, allowed: list[str], errors: dict[str, str]) -> dict[str, Any]:
    """Read the shipping form (shipping_name, shipping_line1, …) as PaymentIntent.shipping; errors by field."""
    typed = {name: form.get(f"shipping_{name}", "").strip() for name in ("name", *ADDRESS_FIELDS)}
    typed["country"] = typed["country"].upper()
    for name, message in {"name": "Enter the recipient's name.", **ADDRESS_REQUIRED}.items():
        if not typed[name]:
            errors[f"shipping_{name}"] = message
    if typed["country"] and typed["country"] not in allowed:
        errors["shipping_country"] = "The shop does not deliver to this country."
    address = {name: typed[name] or None for name in ADDRESS_FIELDS}
    return {"name": typed["name"], "phone": None, "address": address, "carrier": None, "tracking_number": None}


def render_page(
    request: web.Request,
    session: dict[str, Any] | None,
    *,
    status: int = 200,
    pay: PayForm | None = None,
    card_error: str | None = None,
) -> web.Response:
    """Render the page for a session in whatever state it is, with the form's values and errors if any (or the
    3D Secure challenge the buyer has yet to answer)."""
    state = request.app[STRIPE_SANDBOX_STATE]
    business = request.app[STRIPE_SANDBOX_CONFIG].business
    context: dict[str, Any] = {
        "business": business,
        "page": page_state(session),
        "session": session,
        "lines": [],
        "total_text": "",
        "card_error": card_error,
        "pay": pay or PayForm(),
        "email_locked": False,
        "success_url": None,
        "test_cards": TEST_CARDS,
        "challenge": None,
        "challenge_url": None,
        "banner_css_url": str(request.app.router["hosted.asset"].url_for(name="banner.css")),
        "css_url": str(request.app.router["hosted.asset"].url_for(name="pay.css")),
        "js_url": str(request.app.router["hosted.asset"].url_for(name="pay.js")),
    }
    if session is not None:
        # Stripe shows amounts in the page's locale: the session's, else the browser's.
        buyer = page_locale(session["locale"], request.headers.get("Accept-Language"))
        money = partial(format_for_buyer, currency=session["currency"], buyer=buyer)
        context.update(
            lines=[
                {
                    "name": item["description"],
                    "quantity": item["quantity"],
                    "unit_text": None if item["price"]["unit_amount"] is None else money(item["price"]["unit_amount"]),
                    "amount_text": money(item["amount_total"]),
                }
                for item in state.line_items[session["id"]]
            ],
            total_text=money(session["amount_total"]),
            pay_url=str(request.app.router["hosted.page"].url_for(session_id=session["id"])),
            success_url=success_redirect(session["success_url"], session["id"]),
        )
        if pay is None:
            context["pay"] = PayForm(email=locked_email(state, session) or "")
        context["email_locked"] = locked_email(state, session) is not None
        challenge = state.pending_challenge(session["id"])
        if challenge is not None:
            number = challenge.card_input.number
            context.update(
                challenge={"brand": "Visa" if number.startswith("4") else "Card", "last4": number[-4:]},
                challenge_url=str(request.app.router["hosted.challenge"].url_for(session_id=session["id"])),
            )
    html = TEMPLATES.get_template("pay.html").render(context)
    policy = content_security_policy(session, business.icon_url)
    return page_response(html, status, policy, {"X-Frame-Options": "DENY"})


def origin_of(url: str) -> str:
    """Return a URL's origin (scheme://host:port), as a CSP source."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(session: dict[str, Any] | None, icon_url: str | None) -> str:
    """Return the page's CSP: only the sandbox's own files and the business's icon; the form may post here and
    redirect to the shop."""
    targets = ["'self'"]
    if session is not None:
        targets.append(origin_of(session["success_url"]))  # Chrome applies form-action to the 303 as well
    images = ["'self'", "data:", *([origin_of(icon_url)] if icon_url else [])]
    return (
        f"default-src 'none'; script-src 'self'; style-src 'self'; img-src {' '.join(images)}; "
        f"form-action {' '.join(targets)}; base-uri 'none'; frame-ancestors 'none'"
    )


def find_session(request: web.Request) -> dict[str, Any] | None:
    """Return the session in the URL (expired first if its time is up), or None if there is no such session."""
    state = request.app[STRIPE_SANDBOX_STATE]
    session_id = request.match_info["session_id"]
    if session_id not in state.sessions:
        return None
    return state.get_session(session_id)


@routes.get("/", name="index")
async def index(request: web.Request) -> web.Response:
    """Say what this is, for someone who opens the sandbox's root in a browser."""
    return web.Response(
        text="Stripe sandbox (test mode; no real money moves). REST API under ./v1/, hosted "
        "payment pages under ./c/pay/{session_id}.\n"
    )


@routes.get("/c/assets/{name}", name="hosted.asset")
async def hosted_asset(request: web.Request) -> web.Response:
    """Serve the page's stylesheet and script."""
    name = request.match_info["name"]
    if name not in ASSETS:
        raise web.HTTPNotFound()
    return asset_response(ASSETS[name], ASSET_TYPES[name])


@routes.get("/c/pay/{session_id}", name="hosted.page")
async def hosted_page(request: web.Request) -> web.Response:
    """Show the payment page, or why the session cannot be paid."""
    session = find_session(request)
    return render_page(request, session, status=200 if session else 404)


@routes.post("/c/pay/{session_id}")
async def hosted_pay(request: web.Request) -> web.Response:
    """Pay as the page's form does (tests post it too): fields email, card_number, card_expiry (MM/YY),
    card_cvc, card_name, and the sandbox knob amount. 303 to success_url, or the page again with errors."""
    session = find_session(request)
    if session is None:
        return render_page(request, None, status=404)
    if session["status"] != "open":
        return render_page(request, session, status=400)
    state = request.app[STRIPE_SANDBOX_STATE]
    pay = read_pay_form(await request.post(), session, state)
    if pay.card is None:
        return render_page(request, session, status=400, pay=pay)
    config = request.app[STRIPE_SANDBOX_CONFIG]
    intent_data = state.intent_data(session["id"])
    shipping = pay.shipping or intent_data.get("shipping")
    refused = india.refusal(
        account_country=config.country,
        exports=config.exports,
        currency=session["currency"],
        card_country=card_country(pay.card.number),
        # In subscription mode the order description is the subscription's (subscription_data.description).
        description=intent_data.get("description") or state.subscription_data(session["id"]).get("description"),
        shipping=shipping,
        name=pay.name,
        billing_address=pay.address or None,
    )
    if refused:
        state.refuse_confirmation(session["id"], refused)
        return render_page(request, session, status=400, pay=pay, card_error=refused)
    payment = CardPayment(
        card_input=pay.card,
        email=pay.email,
        name=pay.name,
        amount=pay.amount,
        address=pay.address or None,
        shipping=pay.shipping,
    )
    if asks_for_3ds(pay.card.number):
        state.ask_for_authentication(session["id"], payment)
        return render_page(request, session, pay=pay)
    result = state.pay_with_card(session["id"], payment)
    if result.decline is not None:
        return render_page(request, session, status=402, pay=pay, card_error=result.decline.message)
    raise web.HTTPSeeOther(success_redirect(session["success_url"], session["id"]))


@routes.post("/c/pay/{session_id}/3ds", name="hosted.challenge")
async def hosted_challenge(request: web.Request) -> web.Response:
    """The buyer's answer to the 3D Secure test page: outcome=complete pays, outcome=fail leaves the session open
    with the intent's payment_intent_authentication_failure (stripe.com/testing#authentication-and-setup)."""
    session = find_session(request)
    if session is None:
        return render_page(request, None, status=404)
    state = request.app[STRIPE_SANDBOX_STATE]
    outcome = (await request.post()).get("outcome")
    if (
        session["status"] != "open"
        or state.pending_challenge(session["id"]) is None
        or outcome not in ("complete", "fail")
    ):
        return render_page(request, session, status=400)
    result = state.answer_challenge(session["id"], passed=outcome == "complete")
    if result is None:
        intent = state.payment_intents[session["payment_intent"]]
        return render_page(request, session, status=402, card_error=intent["last_payment_error"]["message"])
    if result.decline is not None:
        return render_page(request, session, status=402, card_error=result.decline.message)
    raise web.HTTPSeeOther(success_redirect(session["success_url"], session["id"]))
