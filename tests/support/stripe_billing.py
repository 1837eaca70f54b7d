"""Driving Stripe Billing's test helpers in the sandbox over HTTP, as a developer does with test mode: a test clock,
a customer living on it (SUBSCRIPTIONS.md §18: Checkout reaches a clock through a clock-attached `customer`), and
moving the clock on so renewals, retries and their webhooks happen."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp

from support.razorpay_subscriptions import subscription_doc


class StripeApi(Protocol):
    """Where a Stripe sandbox's API answers, and its secret key (a test's StripeSandbox, or a mounted one)."""

    url: str
    secret_key: str


@dataclass(frozen=True)
class MountedStripe:
    """The Stripe sandbox a keyless app mounts: its API under the app's SANDBOX_STRIPE_PATH."""

    url: str
    secret_key: str


BUYER = {"name": "Jane Doe", "email": "jane@example.com", "phone": "+14155550132"}


def stripe_subscription_doc(email: str = BUYER["email"], **changes: Any) -> dict[str, Any]:
    """A new Chai club subscription, $9.00 a month through Stripe, as the subscribe flow inserts it (created,
    before any gateway call)."""
    stripe = {"amount": 900, "currency": "USD", "gateway": "stripe", "country": "US"}
    return subscription_doc(**stripe, customer={**BUYER, "email": email}, **changes)


async def call_sandbox(sandbox: StripeApi, method: str, path: str, form: dict[str, Any] | None = None) -> dict:
    """One form-encoded request to the sandbox's API with its secret key; the JSON answer (2xx expected)."""
    headers = {"Authorization": f"Bearer {sandbox.secret_key}"}
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, sandbox.url + path, data=form, headers=headers) as resp,
    ):
        body = await resp.json()
        assert resp.status < 300, body
        return body


async def new_test_clock(sandbox: StripeApi, frozen_time: int) -> str:
    """POST /v1/test_helpers/test_clocks; the clock's id."""
    clock = await call_sandbox(sandbox, "POST", "/v1/test_helpers/test_clocks", {"frozen_time": str(frozen_time)})
    return str(clock["id"])


async def clock_customer(sandbox: StripeApi, email: str, clock_id: str, name: str = "Jane Doe") -> str:
    """POST /v1/customers on the clock: the buyer's Stripe customer Galla will find by email."""
    form = {"email": email, "name": name, "test_clock": clock_id}
    return str((await call_sandbox(sandbox, "POST", "/v1/customers", form))["id"])


async def advance_clock(sandbox: StripeApi, clock_id: str, frozen_time: int) -> None:
    """POST /v1/test_helpers/test_clocks/:id/advance: every renewal and retry due by then runs."""
    await call_sandbox(
        sandbox, "POST", f"/v1/test_helpers/test_clocks/{clock_id}/advance", {"frozen_time": str(frozen_time)}
    )


async def set_payment_method(sandbox: StripeApi, subscription_id: str, payment_method: str) -> None:
    """POST /v1/subscriptions/:id default_payment_method: pm_card_chargeCustomerFail makes every later charge fail."""
    form = {"default_payment_method": payment_method}
    await call_sandbox(sandbox, "POST", f"/v1/subscriptions/{subscription_id}", form)


class EventFeed:
    """The sandbox's events not delivered yet, taken in the order they happened."""

    def __init__(self, sandbox: Any) -> None:
        self.sandbox = sandbox
        self.taken = 0

    def take(self) -> list[Any]:
        """Every event recorded since the last take."""
        events = self.sandbox.state.events[self.taken :]
        self.taken += len(events)
        return list(events)


def clocked(shop: Any) -> Any:
    """The shop as a sandboxed run plays Stripe: each new subscription's own customer on a test clock of its own
    (galla/payments/stripe/test_clocks.py), which a test then moves on."""
    return dataclasses.replace(shop, sandboxed=shop.sandboxed | {"stripe"})
