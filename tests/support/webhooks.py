"""Delivering webhooks to the app as the gateways would: signed here with the official recipes, from the
sandboxes' own event records, so a test chooses the order, the repeats and the losses."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import stripe

from galla.web.state import DATABASE, SETTINGS
from support.app import ADMIN, checkout_body


def razorpay_secret(client) -> str:
    return client.app[SETTINGS].razorpay_webhook_secret.get_secret_value()


def stripe_secret(client) -> str:
    return client.app[SETTINGS].stripe_webhook_secret.get_secret_value()


def sign_razorpay(body: bytes, secret: str) -> str:
    """X-Razorpay-Signature: hex HMAC-SHA256 of the raw body."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def sign_stripe(body: bytes, secret: str, timestamp: int | None = None) -> str:
    """Stripe-Signature through the SDK's own generator."""
    return stripe.WebhookSignature.generate_signature_header(
        body.decode(), secret, timestamp=timestamp or int(time.time())
    )


async def post_razorpay(
    client,
    envelope: dict,
    event_id: str,
    *,
    secret: str | None = None,
    signature: str | None = None,
    body: bytes | None = None,
):
    """POST one Razorpay event; returns (status, json)."""
    body = body if body is not None else json.dumps(envelope).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Razorpay-Event-Id": event_id,
        "X-Razorpay-Signature": signature
        if signature is not None
        else sign_razorpay(body, secret or razorpay_secret(client)),
    }
    resp = await client.post("/webhooks/razorpay", data=body, headers=headers)
    return resp.status, await resp.json()


async def post_stripe(
    client,
    envelope: dict,
    *,
    secret: str | None = None,
    timestamp: int | None = None,
    signature: str | None = None,
    body: bytes | None = None,
):
    """POST one Stripe event; returns (status, json)."""
    body = body if body is not None else json.dumps(envelope).encode()
    header = signature if signature is not None else sign_stripe(body, secret or stripe_secret(client), timestamp)
    resp = await client.post(
        "/webhooks/stripe", data=body, headers={"Content-Type": "application/json", "Stripe-Signature": header}
    )
    return resp.status, await resp.json()


async def deliver(client, event) -> tuple[int, dict]:
    """Deliver one recorded sandbox event (Razorpay's Event or Stripe's StripeEvent)."""
    if hasattr(event, "name"):
        return await post_razorpay(client, event.envelope, event.id)
    return await post_stripe(client, event.envelope)


async def deliver_all(client, events) -> list[tuple[int, dict]]:
    """Deliver events in the order given, each expected to be acknowledged."""
    answers = [await deliver(client, event) for event in events]
    assert all(status == 200 for status, _ in answers), answers
    return answers


async def ledger(client) -> list[dict]:
    """Every event the app stored."""
    return await client.app[DATABASE].db.events.find().to_list(None)


async def stored_order(client, order_id: str) -> dict:
    return await client.app[DATABASE].db.orders.find_one({"_id": order_id})


async def admin_post(client, path: str, json_body=None, headers=None):
    """POST to the admin API as the admin; returns (status, json)."""
    resp = await client.post(path, json=json_body, headers={**ADMIN, **(headers or {})})
    return resp.status, await resp.json()


async def place(client, body) -> dict:
    resp = await client.post("/api/checkout", json=body)
    assert resp.status == 201, await resp.text()
    return await resp.json()


US_BUYER = {"name": "Jane Doe", "email": "jane@example.com", "phone": "+1 415 555 0132"}


def events_named(sandbox, *names):
    """The sandbox's recorded events with these names, oldest first."""
    return [e for e in sandbox.state.events if getattr(e, "name", getattr(e, "type", None)) in names]


async def paid_razorpay_order(client, razorpay_sandbox, **pay):
    """An order paid by UPI in the Razorpay sandbox, with the notes the shop's page gives checkout.js: placed, paid."""
    placed = await place(client, checkout_body())
    pay.setdefault("notes", placed["razorpay"]["notes"])  # the shop's page hands checkout.js these notes
    status, paid = await razorpay_sandbox.pay(placed["razorpay"]["order_id"], **pay)
    assert status == 200, paid
    return placed, paid


async def paid_stripe_order(client, stripe_sandbox, **pay):
    """An order of a buyer in the US paid on the Stripe sandbox's hosted page: placed."""
    placed = await place(client, checkout_body(customer=US_BUYER, country="US"))
    status, _, _ = await stripe_sandbox.pay(placed["stripe"]["session_id"], **pay)
    assert status == 303
    return placed


async def verify(client, order_id, paid: dict):
    resp = await client.post("/api/payments/razorpay/verify", json={"order_id": order_id, **paid})
    return resp.status, await resp.json()
