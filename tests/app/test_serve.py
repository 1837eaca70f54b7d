"""The app as `make run` starts it: no keys, the sandbox mounted, real sockets, pages rendered."""

from __future__ import annotations

import asyncio
import re

import aiohttp
import pytest
from aiohttp import web
from support.addresses import shipping_address

from galla.app import create_app
from galla.settings import Settings

# One pashmina shawl, bought from India as the checkout page sends it.
SHAWL_CHECKOUT = {
    "items": [{"product_id": "pashmina-shawl", "quantity": 1}],
    "customer": {"name": "Meera Iyer", "email": "meera@example.in", "phone": "9845012345"},
    "country": "IN",
    "shipping_address": shipping_address("IN"),
}


@pytest.fixture
async def served(database, unused_tcp_port_factory):
    """create_app exactly as `galla serve` does, on a real port, and a session to talk to it."""
    port = unused_tcp_port_factory()
    base = f"http://127.0.0.1:{port}"
    app = create_app(Settings(_env_file=None, admin_password="demo"), db=database, self_url=base)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    async with aiohttp.ClientSession(base_url=base) as session:
        yield session
    await runner.cleanup()


async def test_keyless_shop_takes_a_upi_payment_through_mounted_sandbox(served):
    catalog = await (await served.get("/")).text()
    assert "₹1,23,456.00" in catalog  # the saree, in lakhs
    assert "Sandbox mode" in catalog
    assert "data is lost when the server stops" in catalog  # the embedded store says so on every page

    resp = await served.post(
        "/api/checkout",
        json=SHAWL_CHECKOUT,
    )
    placed = await resp.json()
    assert resp.status == 201, placed
    options = placed["razorpay"]
    assert options["key"].startswith("rzp_test_")

    script = await served.get("/sandbox/razorpay/v1/checkout.js")
    assert script.status == 200 and "Razorpay" in await script.text()
    window = await served.get(
        "/sandbox/razorpay/checkout/window", params={"key_id": options["key"], "order_id": options["order_id"]}
    )
    assert window.status == 200 and re.search("sandbox", await window.text(), re.I)

    resp = await served.post(
        "/sandbox/razorpay/checkout/pay",
        json={"key_id": options["key"], "order_id": options["order_id"], "method": "upi", "outcome": "success"},
    )
    paid = await resp.json()
    assert resp.status == 200, paid
    resp = await served.post("/api/payments/razorpay/verify", json={"order_id": placed["order_id"], **paid})
    assert (await resp.json())["status"] == "paid"

    page = await served.get(f"/orders/{placed['order_id']}")
    html = await page.text()
    assert page.status == 200 and "Paid" in html and "₹12,499.00" in html
    for path in ("/cart", "/checkout", "/api/products", "/healthz", "/readyz"):
        assert (await served.get(path)).status == 200, path


async def wait_for_status(served, order_id: str, wanted: str) -> dict:
    """Poll the order API until the order has the wanted status (the webhook is on its way)."""
    for _ in range(100):
        order = await (await served.get(f"/api/orders/{order_id}")).json()
        if order["status"] == wanted:
            return order
        await asyncio.sleep(0.02)
    raise AssertionError(f"order {order_id} is {order['status']}, not {wanted}")


async def test_keyless_shop_is_paid_and_refunded_by_its_sandboxes_webhooks(served):
    """What `make demo-refund` shows on `make run`: no browser verify, only the sandbox's signed webhooks."""
    resp = await served.post(
        "/api/checkout",
        json=SHAWL_CHECKOUT,
    )
    placed = await resp.json()
    options = placed["razorpay"]
    resp = await served.post(
        "/sandbox/razorpay/checkout/pay",
        json={"key_id": options["key"], "order_id": options["order_id"], "method": "upi", "outcome": "success"},
    )
    assert resp.status == 200
    await wait_for_status(served, placed["order_id"], "paid")

    admin = {"Authorization": aiohttp.encode_basic_auth("admin", "demo")}
    resp = await served.post(
        f"/api/admin/orders/{placed['order_id']}/refund", json={"amount": placed["amount"] // 2}, headers=admin
    )
    refund = await resp.json()
    assert resp.status == 202 and refund["refund"]["status"] == "pending"
    await wait_for_status(served, placed["order_id"], "partially_refunded")
    order = await (await served.get(f"/api/admin/orders/{placed['order_id']}", headers=admin)).json()
    assert order["refunded_amount"] == placed["amount"] // 2 and order["refunds"][0]["status"] == "processed"
