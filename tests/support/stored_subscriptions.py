"""Subscriptions and charges stored straight through the store, for admin pages tested without a gateway flow
making them; and one subscribed through the API and the Razorpay sandbox, for the owner's actions."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from galla.store.subscription_charges import Charge, record_charge
from galla.store.subscriptions import Subscription, get_subscription, insert_subscription
from galla.web.state import DATABASE
from support.razorpay_subscriptions import subscription_doc
from support.subscribing import authenticate, subscribe, verify

STARTED = datetime(2026, 11, 2, 4, 30, tzinfo=UTC)


async def store_subscription(db: Any, **fields: Any) -> Subscription:
    """A subscription as the flows leave it once authorised (Chai club, ₹499 monthly through Razorpay, active, started
    on 2 November), changed by fields."""
    started = {"at": STARTED, "kind": "status", "from": "created", "to": "active", "reason": "stored by a test"}
    defaults = {
        "status": "active",
        "customer": {"name": "Meera Iyer", "email": "meera@example.in", "phone": "+919812345678"},
        "razorpay_subscription_id": "sub_" + secrets.token_hex(7),
        "created_at": STARTED,
        "updated_at": STARTED,
        "timeline": [started],
    }
    return await insert_subscription(db, subscription_doc(**{**defaults, **fields}))


async def store_charge(db: Any, sub: Subscription, invoice_id: str, status: str = "paid", **fields: Any) -> Charge:
    """One billing cycle's charge of the subscription, recorded as the sync flow records it."""
    charge, _ = await record_charge(
        db,
        {
            "subscription_id": sub.id,
            "gateway": sub.gateway,
            "invoice_id": invoice_id,
            "payment_id": f"pay_{invoice_id[-14:]:0>14}" if status == "paid" else None,
            "amount": sub.amount,
            "currency": sub.currency,
            "status": status,
            "attempts": 1,
            "period_start": STARTED,
            "period_end": None,
            "paid_at": STARTED if status == "paid" else None,
            **fields,
        },
    )
    return charge


async def subscribe_through_razorpay(client: Any, sandbox: Any) -> Subscription:
    """An Indian buyer subscribes through the API, approves the UPI Autopay mandate in the Razorpay sandbox's window
    and the app verifies it: active, with its first charge paid."""
    status, _, body = await subscribe(client)
    assert status == 201, body
    proof = await authenticate(sandbox, body["razorpay"]["subscription_id"])
    status, verified = await verify(client, body["subscription_id"], proof)
    assert status == 200, verified
    sub = await get_subscription(client.app[DATABASE].db, body["subscription_id"])
    assert sub is not None
    return sub
