"""Subscribing through the API as a buyer would, and approving a Razorpay mandate in the sandbox's window."""

from __future__ import annotations

import aiohttp

from galla.web.state import DATABASE
from support.app import CUSTOMER


def subscribe_body(**overrides) -> dict:
    """An Indian buyer's subscription to the monthly chai club, with changes."""
    return {"plan_id": "chai-club", "customer": dict(CUSTOMER), "country": "IN", **overrides}


async def subscribe(client, body: dict | None = None, key: str | None = None) -> tuple[int, dict, dict]:
    """POST /api/subscriptions; the status, headers and body."""
    headers = {"Idempotency-Key": key} if key else {}
    resp = await client.post("/api/subscriptions", json=body or subscribe_body(), headers=headers)
    return resp.status, dict(resp.headers), await resp.json()


async def stored(client, sub_id: str) -> dict | None:
    """The subscription's document as stored."""
    return await client.app[DATABASE].db.subscriptions.find_one({"_id": sub_id})


async def authenticate(sandbox, razorpay_subscription_id: str) -> dict:
    """The buyer approves the UPI Autopay mandate in the sandbox's checkout window: checkout.js's handler fields."""
    body = {
        "key_id": sandbox.key_id,
        "subscription_id": razorpay_subscription_id,
        "method": "upi",
        "outcome": "success",
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(sandbox.url + "/checkout/subscriptions/pay", json=body) as resp,
    ):
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def verify(client, sub_id: str, proof: dict) -> tuple[int, dict]:
    """POST checkout.js's mandate report to /api/subscriptions/razorpay/verify; the status and body."""
    resp = await client.post("/api/subscriptions/razorpay/verify", json={"subscription_id": sub_id, **proof})
    return resp.status, await resp.json()
