"""Helpers for the issue-24 money tests: a paid order, the sandbox's events and its control routes, signatures."""

from __future__ import annotations

import hashlib
import hmac

import aiohttp

from galla.payments.razorpay.client import AUTOMATIC_CAPTURE_OPTIONS
from sandboxes.razorpay.state import AUTO_REFUND_AFTER
from support.app import checkout_body
from support.webhooks import admin_post, deliver_all, events_named, paid_razorpay_order, place


async def paid_order(client, sandbox) -> dict:
    """A Razorpay order paid and its capture applied."""
    placed = await place(client, checkout_body())
    status, paid = await sandbox.pay(placed["razorpay"]["order_id"])
    assert status == 200, paid
    await deliver_all(client, events_named(sandbox, "order.paid"))
    return placed


def checkout_signature(key_secret: str, razorpay_order_id: str, payment_id: str) -> str:
    """checkout.js's signature, computed here: HMAC-SHA256(key_secret, "order_id|payment_id")."""
    return hmac.new(key_secret.encode(), f"{razorpay_order_id}|{payment_id}".encode(), hashlib.sha256).hexdigest()


def verify_body(sandbox, placed: dict, payment_id: str) -> dict:
    """What the buyer's browser sends to verify a Razorpay payment: the ids and checkout.js's valid signature."""
    razorpay_order_id = placed["razorpay"]["order_id"]
    return {
        "order_id": placed["order_id"],
        "razorpay_order_id": razorpay_order_id,
        "razorpay_payment_id": payment_id,
        "razorpay_signature": checkout_signature(sandbox.key_secret, razorpay_order_id, payment_id),
    }


async def control(sandbox, method: str, path: str, body: dict) -> dict:
    """Call one of the Razorpay sandbox's control routes (Basic key pair); it must answer 200."""
    headers = {"Authorization": aiohttp.encode_basic_auth(sandbox.key_id, sandbox.key_secret)}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, sandbox.url + path, json=body, headers=headers) as resp,
    ):
        answer = await resp.json()
        assert resp.status == 200, answer
        return answer


async def placed_with_failed_payment(client, sandbox) -> tuple[dict, str]:
    """A Razorpay order whose one payment failed at checkout; return the placed order and the payment id."""
    placed = await place(client, checkout_body())
    status, body = await sandbox.pay(placed["razorpay"]["order_id"], outcome="failure")
    assert status == 400, body
    return placed, body["error"]["metadata"]["payment_id"]


async def given_back_payment(client, sandbox) -> tuple[dict, str]:
    """A payment authorised after the capture window and then auto-refunded by Razorpay (captured false)."""
    placed, payment_id = await placed_with_failed_payment(client, sandbox)
    # Past the automatic_expiry_period Galla's orders ask for: Razorpay would capture an authorisation before it.
    window = AUTOMATIC_CAPTURE_OPTIONS["automatic_expiry_period"] * 60
    await control(sandbox, "POST", "/sandbox/clock", {"seconds": window + 60})
    await control(sandbox, "POST", f"/sandbox/payments/{payment_id}/authorize", {})
    await control(sandbox, "POST", "/sandbox/clock", {"seconds": AUTO_REFUND_AFTER})
    payment = sandbox.state.payments[payment_id]
    assert (payment["status"], payment["captured"]) == ("refunded", False)
    return placed, payment_id


async def paid_and_known(client, sandbox):
    """A Razorpay order paid and its capture webhook applied."""
    placed, paid = await paid_razorpay_order(client, sandbox)
    await deliver_all(client, events_named(sandbox, "order.paid"))
    return placed, paid


async def refund(client, order_id, amount=None, **kwargs):
    return await admin_post(
        client, f"/api/admin/orders/{order_id}/refund", {} if amount is None else {"amount": amount}, **kwargs
    )
