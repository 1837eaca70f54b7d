"""Order ids cannot be guessed: 120 random bits each, so knowing one order's id tells nothing of another's."""

from __future__ import annotations

import base64
import re

from support.addresses import shipping_address

from galla.orders.view import new_order_id


def test_order_ids_carry_120_random_bits_and_fit_a_razorpay_receipt():
    ids = [new_order_id() for _ in range(20000)]
    assert len(set(ids)) == len(ids)
    for order_id in ids[:200]:
        assert re.fullmatch(r"ord_[A-Za-z0-9_-]{20}", order_id)
        assert len(base64.urlsafe_b64decode(order_id[4:])) * 8 == 120
        assert len(order_id) <= 40  # Razorpay's receipt limit, where the id also travels
    # Each of the 20 characters is drawn from all 64 symbols, not from a counter or a clock.
    for position in range(4, 24):
        assert len({order_id[position] for order_id in ids}) == 64


async def test_a_neighbouring_id_finds_nothing(client):
    placed = await (
        await client.post(
            "/api/checkout",
            json={
                "items": [{"product_id": "masala-chai", "quantity": 1}],
                "country": "IN",
                "customer": {"name": "Asha Rao", "email": "asha@example.com", "phone": "+919876543210"},
                "shipping_address": shipping_address("IN"),
            },
        )
    ).json()
    order_id = placed["order_id"]
    neighbour = order_id[:-1] + ("A" if order_id[-1] != "A" else "B")
    resp = await client.get(f"/api/orders/{neighbour}")
    assert resp.status == 404 and (await resp.json())["error"]["code"] == "not_found"
