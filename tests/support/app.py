"""The app under test wired to the sandboxes: how tests see each sandbox, the settings, a checkout body."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import aiohttp

from galla.settings import Settings
from sandboxes.razorpay import SANDBOX_STATE
from sandboxes.stripe import STRIPE_SANDBOX_STATE
from support.addresses import US_BILLING, US_SHIPPING_FORM, shipping_address
from support.served import Served


@dataclass
class RazorpaySandbox(Served):
    """The sandbox as the tests see it: its URL, keys and in-memory state."""

    key_id: str
    key_secret: str

    @property
    def state(self):
        return self.server.app[SANDBOX_STATE]

    @property
    def account(self) -> dict[str, str]:
        """A Razorpay client's key pair and API base, pointing at this sandbox."""
        return {"key_id": self.key_id, "key_secret": self.key_secret, "api_base": self.url}

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
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url + "/checkout/pay", json=body) as resp,
        ):
            return resp.status, await resp.json()


@dataclass
class StripeSandbox(Served):
    """The Stripe sandbox as the tests see it: its URL, secret key and in-memory state."""

    secret_key: str

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
            **US_BILLING,  # billing_address_collection=required, as Stripe India wants for exports
            **US_SHIPPING_FORM,  # asked for when the order has none (shipping_address_collection)
            **fields,
        }
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{self.url}/c/pay/{session_id}", data=form, allow_redirects=False) as resp,
        ):
            return resp.status, resp.headers.get("Location", ""), await resp.text()


ADMIN_PASSWORD = "correct-horse-battery-staple"


ADMIN = {"Authorization": aiohttp.encode_basic_auth("admin", ADMIN_PASSWORD)}


def sandbox_settings(sandbox: RazorpaySandbox, stripe: StripeSandbox | None = None, **overrides) -> Settings:
    """Settings that point the app at the sandboxes as if they were real Razorpay and Stripe accounts."""
    values = dict(
        admin_password=ADMIN_PASSWORD,
        reconcile_interval=0,  # tests run reconciliation when they mean to
        mail_poll_seconds=0,  # and send the outbox when they mean to
        checkout_rate_limit="100000/minute",  # the rate limit has its own tests
        public_gateway_rate_limit="100000/minute",  # and so has this one (tests/api/test_public_rate_limits.py)
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
