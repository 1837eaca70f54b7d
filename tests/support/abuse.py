"""Helpers of the abuse tests (issue 24, items 7 and 18-20): placing an order as a buyer's browser does."""

from __future__ import annotations

from support.addresses import shipping_address

BUYER = {"name": "Asha Rao", "email": "asha.rao@example.in", "phone": "+91 98765 43210"}


def order_body(**customer) -> dict:
    """A checkout body for one masala chai, from a buyer in India; customer fields override the buyer's."""
    return {
        "items": [{"product_id": "masala-chai", "quantity": 1}],
        "customer": {**BUYER, **customer},
        "country": "IN",
        "shipping_address": shipping_address("IN"),
    }


async def place_order(client, headers: dict | None = None, **customer) -> dict:
    """Place an order through POST /api/checkout; return its answer."""
    resp = await client.post("/api/checkout", json=order_body(**customer), headers=headers or {})
    assert resp.status == 201, await resp.text()
    return await resp.json()


def gateway_paths(order: dict, gateway: str = "razorpay") -> list[str]:
    """The paths of the calls to a gateway an order's stored timeline records."""
    return [e.get("path") for e in order.get("timeline", []) if e.get("gateway") == gateway and e.get("path")]


def failure(payment_id: str | None = None, order_id: str | None = None) -> dict:
    """checkout.js's payment.failed error, naming a payment and a Razorpay order."""
    metadata = {k: v for k, v in (("payment_id", payment_id), ("order_id", order_id)) if v is not None}
    return {
        "code": "BAD_REQUEST_ERROR",
        "description": "Payment failed",
        "source": "customer",
        "step": "payment_authentication",
        "reason": "payment_failed",
        "metadata": metadata,
    }
