"""The Stripe sandbox as its own tests drive it: on a real socket, alone or mounted under a prefix, the official
SDK pointed at it, and the hosted page's form.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

import aiohttp
import stripe

from sandboxes.common.webhooks import WebhookSender
from sandboxes.stripe import (
    STRIPE_SANDBOX_FAULTS,
    STRIPE_SANDBOX_STATE,
    STRIPE_WEBHOOKS,
    Faults,
    StripeSandboxState,
    create_stripe_sandbox,
)
from support.addresses import US_BILLING, US_SHIPPING, US_SHIPPING_FORM
from support.clock import Clock
from support.served import Started, serve

MOUNT = "/sandbox/stripe"
WEBHOOK_SECRET = "whsec_" + "t3st" * 8
FAST_RETRIES = (0.05, 0.05, 0.05)  # Stripe's test-mode schedule spans hours; tests cannot wait that long
GOOD_CARD = "4242 4242 4242 4242"
# The events paying a Checkout Session raises, in order.
PAID = ["payment_intent.created", "charge.succeeded", "payment_intent.succeeded", "checkout.session.completed"]


async def paid_intent(sandbox) -> str:
    """Create a $25.00 session (metadata order_id ord_1 on it and its PaymentIntent), pay it; return the intent."""
    session = await sandbox.create_session()
    assert (await sandbox.pay(session.id)).status == 303
    return sandbox.state.sessions[session.id]["payment_intent"]


def new_secret_key() -> str:
    """A fresh test secret key."""
    return "sk_test_" + secrets.token_hex(12)


def sdk_encode(params: dict[str, Any]) -> str:
    """Encode params exactly as stripe-python 16.1.0 does for a form body or query string."""
    from stripe._encode import _api_encode

    return urlencode(list(_api_encode(params))).replace("%5B", "[").replace("%5D", "]")


@asynccontextmanager
async def stripe_client(url: str, key: str, **options: Any) -> AsyncIterator[stripe.StripeClient]:
    """The official SDK on aiohttp, pointed at url, with no retries unless asked; closed afterwards."""
    http = stripe.AIOHTTPClient()
    options.setdefault("max_network_retries", 0)
    try:
        yield stripe.StripeClient(key, http_client=http, base_addresses={"api": url}, **options)
    finally:
        await http.close_async()


def session_params(**overrides: Any) -> dict[str, Any]:
    """Create params for a two-line USD session of $25.00 (unless told otherwise), as the shop sends them: with what
    Stripe India asks of an export (billing address collected, a description, the shipping address)."""
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {"currency": "usd", "unit_amount": 1000, "product_data": {"name": "Masala chai"}},
                "quantity": 2,
            },
            {
                "price_data": {"currency": "usd", "unit_amount": 500, "product_data": {"name": "Brass diya"}},
                "quantity": 1,
            },
        ],
        "success_url": "https://shop.example/orders/ord_1/done?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://shop.example/cart",
        "client_reference_id": "ord_1",
        "metadata": {"order_id": "ord_1"},
        "payment_intent_data": {
            "metadata": {"order_id": "ord_1"},
            "description": "Masala chai ×2, Brass diya ×1",
            "shipping": US_SHIPPING,
        },
        "billing_address_collection": "required",
    }
    params.update(overrides)
    return params


def line(name: str, unit_amount: int, currency: str = "usd", quantity: int = 1) -> dict[str, Any]:
    """One line item with inline price_data."""
    return {
        "price_data": {"currency": currency, "unit_amount": unit_amount, "product_data": {"name": name}},
        "quantity": quantity,
    }


@dataclass
class Page:
    """A hosted-page answer as a test sees it."""

    status: int
    html: str
    headers: Any

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")

    @property
    def elements(self) -> Elements:
        return parse(self.html)


@dataclass
class Sandbox(Started):
    """The running sandbox as a test sees it: where it is, its key, its state, an HTTP session and the SDK."""

    http: aiohttp.ClientSession
    sdk: stripe.StripeClient
    secret_key: str

    @property
    def state(self) -> StripeSandboxState:
        return self.app[STRIPE_SANDBOX_STATE]

    @property
    def faults(self) -> Faults:
        return self.app[STRIPE_SANDBOX_FAULTS]

    @property
    def webhooks(self) -> WebhookSender:
        return self.app[STRIPE_WEBHOOKS]

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret_key}"}

    async def call(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | str | None = None,
        *,
        headers: dict[str, str] | None = None,
        auth: bool = True,
    ) -> tuple[int, Any, Any]:
        """Send one raw REST call with SDK-encoded params; return the status, the JSON body and the headers."""
        encoded = params if isinstance(params, str) else sdk_encode(params or {})
        all_headers = {**(self.auth if auth else {}), **(headers or {})}
        if method == "GET":
            url = self.url + path + (f"?{encoded}" if encoded else "")
            request = self.http.request(method, url, headers=all_headers)
        else:
            all_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
            request = self.http.request(method, self.url + path, data=encoded, headers=all_headers)
        async with request as resp:
            return resp.status, await resp.json(), resp.headers

    async def create_session(self, **overrides: Any) -> stripe.StripeObject:
        """Create a Checkout Session through the SDK (see session_params for the defaults)."""
        return await self.sdk.v1.checkout.sessions.create_async(params=session_params(**overrides))

    async def open_page(self, session_id: str) -> Page:
        """GET the hosted page."""
        async with self.http.get(f"{self.url}/c/pay/{session_id}") as resp:
            return Page(resp.status, await resp.text(), resp.headers)

    async def pay(
        self,
        session_id: str,
        card: str = GOOD_CARD,
        *,
        expiry: str = "12 / 34",
        cvc: str = "123",
        name: str = "Asha Rao",
        email: str = "asha@example.in",
        **extra: str,
    ) -> Page:
        """Submit the hosted page's form as a browser would, without following the redirect."""
        form = {
            "email": email,
            "card_number": card,
            "card_expiry": expiry,
            "card_cvc": cvc,
            "card_name": name,
            **US_BILLING,
            **US_SHIPPING_FORM,
            **extra,
        }
        async with self.http.post(f"{self.url}/c/pay/{session_id}", data=form, allow_redirects=False) as resp:
            return Page(resp.status, await resp.text(), resp.headers)

    def event_types(self) -> list[str]:
        return [event.type for event in self.state.events]


class Elements(HTMLParser):
    """Every element's attributes and text, to find them by data-testid."""

    VOID = frozenset({"input", "meta", "link", "br", "img", "hr"})

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None], list[str]]] = []
        self.open: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        texts: list[str] = []
        self.found.append((tag, dict(attrs), texts))
        if tag not in self.VOID:
            self.open.append(texts)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.open:
            self.open.pop()

    def handle_data(self, data):
        for texts in self.open:
            texts.append(data)

    def testids(self) -> list[str]:
        return [attrs["data-testid"] for _, attrs, _ in self.found if attrs.get("data-testid")]

    def attrs(self, testid: str) -> dict[str, str | None]:
        return next(attrs for _, attrs, _ in self.found if attrs.get("data-testid") == testid)

    def texts(self, testid: str) -> list[str]:
        return [
            " ".join("".join(texts).split()) for _, attrs, texts in self.found if attrs.get("data-testid") == testid
        ]

    def text(self, testid: str) -> str:
        return self.texts(testid)[0]


def parse(html: str) -> Elements:
    elements = Elements()
    elements.feed(html)
    return elements


@asynccontextmanager
async def running_sandbox(aiohttp_server, clock: Clock, *, mount: bool, **options: Any) -> AsyncIterator[Sandbox]:
    """Start the sandbox (alone, or under MOUNT in a parent app) with the SDK and an HTTP session pointed at it."""
    key = new_secret_key()
    app = create_stripe_sandbox(secret_key=key, clock=clock, **options)
    prefix = MOUNT if mount else ""
    server = await serve(aiohttp_server, app, prefix)
    url = str(server.make_url(prefix or "/")).rstrip("/")
    async with aiohttp.ClientSession() as http, stripe_client(url, key) as sdk:
        yield Sandbox(server=server, app=app, http=http, sdk=sdk, secret_key=key, clock=clock, prefix=prefix)
