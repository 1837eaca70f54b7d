"""Issue 24, item 18: the public endpoints that make gateway calls (reporting or confirming a Razorpay payment, an
order lookup or page with Stripe's session_id, paying again) are rate limited per client, so a stranger cannot
spend the shop's gateway quota or open its circuit breaker; everything else is not."""

from __future__ import annotations

import pytest
from support.abuse import place_order

LIMIT = "3/minute"
FAILURE = {
    "code": "BAD_REQUEST_ERROR",
    "description": "Payment failed",
    "source": "customer",
    "step": "payment_authentication",
    "reason": "payment_failed",
    "metadata": {"payment_id": "pay_Nz1ZfK2qXo9sRa"},
}


def gateway_requests(order_id: str, razorpay_order_id: str) -> dict:
    """One request to each public endpoint that calls a gateway, as (method, path, json)."""
    return {
        "failed": ("POST", "/api/payments/razorpay/failed", {"order_id": order_id, "error": FAILURE}),
        "verify": (
            "POST",
            "/api/payments/razorpay/verify",
            {
                "order_id": order_id,
                "razorpay_order_id": razorpay_order_id,
                "razorpay_payment_id": "pay_Nz1ZfK2qXo9sRa",
                "razorpay_signature": "00",
            },
        ),
        "lookup": ("GET", f"/api/orders/{order_id}?session_id=cs_test_a1B2c3D4", None),
        "page": ("GET", f"/orders/{order_id}?session_id=cs_test_a1B2c3D4", None),
        "pay": ("POST", f"/api/orders/{order_id}/pay", None),
    }


async def send(client, request, headers=None):
    method, path, body = request
    return await client.request(method, path, json=body, headers=headers or {})


@pytest.mark.parametrize("endpoint", ["failed", "verify", "lookup", "page", "pay"])
async def test_item18_each_gateway_calling_endpoint_is_limited_per_client(make_client, database, endpoint):
    client = await make_client(public_gateway_rate_limit=LIMIT)
    placed = await place_order(client)
    request = gateway_requests(placed["order_id"], placed["razorpay"]["order_id"])[endpoint]
    for _ in range(3):
        assert (await send(client, request)).status != 429
    calls_before = await gateway_call_count(database, placed["order_id"])
    resp = await send(client, request)
    assert resp.status == 429
    assert 0 < int(resp.headers["Retry-After"]) <= 60
    if endpoint == "page":
        assert "text/html" in resp.headers["Content-Type"] and LIMIT in await resp.text()
    else:
        error = (await resp.json())["error"]
        assert error["code"] == "rate_limited" and LIMIT in error["message"]
    # Refused before anything reached a gateway.
    assert await gateway_call_count(database, placed["order_id"]) == calls_before


async def test_item18_the_limit_is_shared_by_all_gateway_calling_endpoints(make_client):
    """A stranger cannot get LIMIT calls from each endpoint: they count together."""
    client = await make_client(public_gateway_rate_limit=LIMIT)
    placed = await place_order(client)
    requests = gateway_requests(placed["order_id"], placed["razorpay"]["order_id"])
    for name in ("failed", "verify", "lookup"):
        assert (await send(client, requests[name])).status != 429, name
    assert (await send(client, requests["pay"])).status == 429


async def test_item18_order_polling_without_a_session_id_is_not_limited(make_client):
    """The order page polls GET /api/orders/{id} every 2 s, which reads only our database."""
    client = await make_client(public_gateway_rate_limit=LIMIT)
    placed = await place_order(client)
    for _ in range(10):
        assert (await client.get(f"/api/orders/{placed['order_id']}")).status == 200
        assert (await client.get(f"/orders/{placed['order_id']}")).status == 200
    assert (await client.get("/api/products")).status == 200


async def test_item18_each_client_has_its_own_allowance_behind_a_trusted_proxy(make_client):
    client = await make_client(public_gateway_rate_limit=LIMIT, trust_forwarded_for=True)
    placed = await place_order(client)
    request = gateway_requests(placed["order_id"], placed["razorpay"]["order_id"])["failed"]
    stranger, buyer = {"X-Forwarded-For": "203.0.113.7"}, {"X-Forwarded-For": "198.51.100.2"}
    for _ in range(3):
        assert (await send(client, request, stranger)).status == 200
    assert (await send(client, request, stranger)).status == 429
    # A forged leftmost entry does not make the stranger someone else: the proxy's own entry is the client.
    assert (await send(client, request, {"X-Forwarded-For": "192.0.2.99, 203.0.113.7"})).status == 429
    assert (await send(client, request, buyer)).status == 200


def test_item18_the_setting_is_read_in_the_limits_notation():
    from galla.settings import Settings

    assert Settings(_env_file=None).public_gateway_rate_limit == "60/minute"
    with pytest.raises(ValueError):
        Settings(_env_file=None, public_gateway_rate_limit="lots")


async def gateway_call_count(database, order_id: str) -> int:
    order = await database.db.orders.find_one({"_id": order_id})
    return sum(1 for e in order.get("timeline", []) if e.get("kind") == "gateway_call")
