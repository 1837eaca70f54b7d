"""Driving Razorpay subscriptions in tests: our subscription as place_subscription stores it, and the sandbox's window,
clock and charge knob over HTTP, as a buyer and a developer would use them."""

from __future__ import annotations

from typing import Any

import aiohttp

from galla.orders.subscription_ids import new_subscription_id
from galla.store.orders import now
from galla.store.subscriptions import Subscription, insert_subscription
from galla.web.state import DATABASE, SHOP
from sandboxes.razorpay import RAZORPAY_WEBHOOKS, SANDBOX_SUBSCRIPTIONS
from support.app import CUSTOMER
from support.webhooks import razorpay_secret

DAY = 86400


def subscription_doc(**changes: Any) -> dict[str, Any]:
    """A new Chai club subscription, ₹499 a month through Razorpay, with no end, in status created."""
    stamp = now()
    return {
        "_id": new_subscription_id(),
        "status": "created",
        "plan_id": "chai-club",
        "plan_version": 1,
        "plan_name": "Chai club",
        "interval": "month",
        "interval_count": 1,
        "total_count": None,
        "amount": 49900,
        "currency": "INR",
        "gateway": "razorpay",
        "country": "IN",
        "customer": {**CUSTOMER, "email": CUSTOMER["email"].lower()},
        "created_at": stamp,
        "updated_at": stamp,
        "timeline": [],
        **changes,
    }


def hook_up(client, sandbox) -> Any:
    """Have the sandbox send its webhooks to the app (fast retries); return its sender."""
    sender = sandbox.server.app[RAZORPAY_WEBHOOKS]
    sender.url, sender.secret = str(client.make_url("/webhooks/razorpay")), razorpay_secret(client)
    sender.knobs.retry_delays = (0.01, 0.02, 0.05, 0.1)
    return sender


async def opened(client, **changes: Any) -> Subscription:
    """Our subscription stored, then opened at Razorpay through the provider."""
    sub = await insert_subscription(client.app[DATABASE].db, subscription_doc(**changes))
    shop = client.app[SHOP]
    return await shop.subscription_provider("razorpay").open_subscription(shop, sub)


async def sandbox_call(sandbox, method: str, path: str, body: dict, *, auth: bool = True) -> tuple[int, Any]:
    """One call to the sandbox's own routes (the window's pay endpoint takes no key pair)."""
    headers = {"Authorization": aiohttp.encode_basic_auth(sandbox.key_id, sandbox.key_secret)} if auth else {}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, sandbox.url + path, json=body, headers=headers) as resp,
    ):
        return resp.status, await resp.json()


async def authenticate(sandbox, razorpay_subscription_id: str, outcome: str = "success") -> tuple[int, dict]:
    """The buyer approves (or declines) the UPI Autopay mandate in the checkout window."""
    body = {"key_id": sandbox.key_id, "subscription_id": razorpay_subscription_id, "method": "upi", "outcome": outcome}
    return await sandbox_call(sandbox, "POST", "/checkout/subscriptions/pay", body, auth=False)


async def advance(sandbox, seconds: float) -> dict:
    """Move the sandbox's clock: charges fall due, retry, halt, and send their webhooks."""
    status, answer = await sandbox_call(sandbox, "POST", "/sandbox/clock", {"seconds": seconds})
    assert status == 200, answer
    return answer


async def plan_charges(sandbox, razorpay_subscription_id: str, outcomes: list[str], then: str = "success") -> None:
    """Tell the sandbox how the subscription's next charges end, then all later ones."""
    path = f"/sandbox/subscriptions/{razorpay_subscription_id}/charges"
    status, answer = await sandbox_call(sandbox, "PUT", path, {"outcomes": outcomes, "then": then})
    assert status == 200, answer


def sandbox_record(sandbox, razorpay_subscription_id: str) -> tuple[tuple[str, int, bool], dict[str, str]]:
    """The sandbox's own record of a subscription: (status, paid_count, cancelling at its cycle's end), and each of its
    invoices' status by id."""
    book = sandbox.server.app[SANDBOX_SUBSCRIPTIONS]
    remote = book.subscriptions[razorpay_subscription_id]
    invoices = {
        i["id"]: i["status"] for i in book.invoices.values() if i["subscription_id"] == razorpay_subscription_id
    }
    ended = remote["status"] in ("cancelled", "completed", "expired")
    cancelling = razorpay_subscription_id in book.cancel_at_end and not ended
    return (remote["status"], remote["paid_count"], cancelling), invoices
