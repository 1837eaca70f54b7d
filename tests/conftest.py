"""Shared fixtures: a database (embedded, or real when MONGODB_URI is set), the Razorpay and Stripe
sandboxes each on its own real socket, and the app wired to them."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

import aiohttp
import pytest
from address_helpers import shipping_address
from aiohttp import web
from aiohttp.test_utils import TestServer

from galla.app import create_app
from galla.settings import Settings
from galla.store.db import open_database
from sandboxes.razorpay import SANDBOX_STATE, create_razorpay_sandbox
from sandboxes.stripe import STRIPE_SANDBOX_STATE, create_stripe_sandbox


@pytest.fixture
async def database():
    """A fresh, empty database for one test: a real server's throwaway db, or the embedded store."""
    uri = os.environ.get("MONGODB_URI")
    name = f"galla_test_{secrets.token_hex(4)}"
    db = open_database(uri, name)
    yield db
    if uri:
        await db.client.drop_database(name)
    db.close()


@dataclass
class RazorpaySandbox:
    """The sandbox as the tests see it: its URL, keys and in-memory state."""

    server: TestServer
    key_id: str
    key_secret: str

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    @property
    def state(self):
        return self.server.app[SANDBOX_STATE]

    async def pay(
        self,
        razorpay_order_id: str,
        *,
        method: str = "upi",
        outcome: str = "success",
        key_id: str | None = None,
        **extra,
    ) -> tuple[int, dict]:
        """Pay as the checkout window does, over HTTP; returns the status and the JSON answer."""
        body = {
            "key_id": key_id or self.key_id,
            "order_id": razorpay_order_id,
            "method": method,
            "outcome": outcome,
            **extra,
        }
        async with aiohttp.ClientSession() as session:
            async with session.post(self.url + "/checkout/pay", json=body) as resp:
                return resp.status, await resp.json()


@pytest.fixture
async def razorpay_sandbox(aiohttp_server) -> RazorpaySandbox:
    """The Razorpay sandbox on its own port, with fresh test keys."""
    key_id, secret = "rzp_test_" + secrets.token_hex(7), secrets.token_urlsafe(24)
    server = await aiohttp_server(create_razorpay_sandbox(key_id=key_id, key_secret=secret))
    return RazorpaySandbox(server=server, key_id=key_id, key_secret=secret)


@dataclass
class StripeSandbox:
    """The Stripe sandbox as the tests see it: its URL, secret key and in-memory state."""

    server: TestServer
    secret_key: str

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    @property
    def state(self):
        return self.server.app[STRIPE_SANDBOX_STATE]

    async def pay(self, session_id: str, card: str = "4242 4242 4242 4242", **fields) -> tuple[int, str, str]:
        """Pay on the hosted page as a buyer would; returns the status, the redirect and the page."""
        form = {
            "card_number": card,
            "card_expiry": "12 / 34",
            "card_cvc": "123",
            "card_name": "Jane Doe",
            "email": "jane@example.com",
            **BILLING_OUTSIDE_INDIA,
            **SHIPPING_FORM,
            **fields,
        }
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{self.url}/c/pay/{session_id}", data=form, allow_redirects=False) as resp,
        ):
            return resp.status, resp.headers.get("Location", ""), await resp.text()


# The billing address Checkout collects (billing_address_collection=required, as Stripe India wants for exports),
# and the shipping address it asks for when the order has none (shipping_address_collection; ignored otherwise).
BILLING_OUTSIDE_INDIA = {
    "billing_line1": "510 Townsend St",
    "billing_city": "San Francisco",
    "billing_state": "CA",
    "billing_postal_code": "94103",
    "billing_country": "US",
}
SHIPPING_FORM = {
    "shipping_name": "Jane Doe",
    "shipping_line1": "510 Townsend St",
    "shipping_city": "San Francisco",
    "shipping_state": "CA",
    "shipping_postal_code": "94103",
    "shipping_country": "US",
}


@pytest.fixture
async def stripe_sandbox(aiohttp_server) -> StripeSandbox:
    """The Stripe sandbox on its own port, with a fresh secret key (an Indian account selling goods, its default)."""
    key = "sk_test_" + secrets.token_urlsafe(24)
    server = await aiohttp_server(create_stripe_sandbox(secret_key=key))
    return StripeSandbox(server=server, secret_key=key)


ADMIN_PASSWORD = "correct-horse-battery-staple"
ADMIN = {"Authorization": aiohttp.encode_basic_auth("admin", ADMIN_PASSWORD)}


def sandbox_settings(sandbox: RazorpaySandbox, stripe: StripeSandbox | None = None, **overrides) -> Settings:
    """Settings that point the app at the sandboxes as if they were real Razorpay and Stripe accounts."""
    values = dict(
        admin_password=ADMIN_PASSWORD,
        reconcile_interval=0,  # tests run reconciliation when they mean to
        mail_poll_seconds=0,  # and send the outbox when they mean to
        checkout_rate_limit="100000/minute",  # the rate limit has its own tests
        public_gateway_rate_limit="100000/minute",  # and so has this one (tests/test_public_rate_limits.py)
        razorpay_key_id=sandbox.key_id,
        razorpay_key_secret=sandbox.key_secret,
        razorpay_webhook_secret="whsec_" + secrets.token_hex(8),
        razorpay_api_base=sandbox.url,
        razorpay_checkout_js=sandbox.url + "/v1/checkout.js",
        razorpay_timeout=5,
    )
    if stripe is not None:
        values.update(
            stripe_secret_key=stripe.secret_key,
            stripe_publishable_key="pk_test_x",
            stripe_webhook_secret="whsec_" + secrets.token_hex(8),
            stripe_api_base=stripe.url,
            stripe_timeout=5,
        )
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
async def make_client(aiohttp_client, database, razorpay_sandbox, stripe_sandbox):
    """Build a test client of the app against the sandboxes; settings overrides as keywords."""

    async def make(**overrides):
        app: web.Application = create_app(sandbox_settings(razorpay_sandbox, stripe_sandbox, **overrides), db=database)
        return await aiohttp_client(app)

    return make


@pytest.fixture
async def client(make_client):
    """The app with default settings (automatic capture)."""
    return await make_client()


CUSTOMER = {"name": "Asha Rao", "email": "Asha.Rao@example.in", "phone": "+91 98765 43210"}


def checkout_body(items=None, **overrides) -> dict:
    """A valid checkout request body (with a delivery address in the body's country, unless one is given)."""
    body = {
        "items": items or [{"product_id": "masala-chai", "quantity": 2}, {"product_id": "brass-diya", "quantity": 1}],
        "customer": dict(CUSTOMER),
        "country": "IN",
    }
    body.update(overrides)
    body.setdefault("shipping_address", shipping_address(str(body.get("country", "IN"))))
    return body
