"""The app as `make run` starts it: no keys, the sandbox mounted, real sockets, pages rendered."""

from __future__ import annotations

import re

import aiohttp
import pytest
from aiohttp import web

from views.app import create_app
from views.settings import Settings


@pytest.fixture
async def served(database, unused_tcp_port_factory):
    """create_app exactly as `galla serve` does, on a real port, and a session to talk to it."""
    port = unused_tcp_port_factory()
    base = f"http://127.0.0.1:{port}"
    app = create_app(Settings(_env_file=None), db=database, self_url=base)
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

    resp = await served.post("/api/checkout", json={
        "items": [{"product_id": "pashmina-shawl", "quantity": 1}],
        "customer": {"name": "Meera Iyer", "email": "meera@example.in", "phone": "9845012345"},
        "country": "IN"})
    placed = await resp.json()
    assert resp.status == 201, placed
    options = placed["razorpay"]
    assert options["key"].startswith("rzp_test_")

    script = await served.get("/sandbox/razorpay/v1/checkout.js")
    assert script.status == 200 and "Razorpay" in await script.text()
    window = await served.get("/sandbox/razorpay/checkout/window",
                              params={"key_id": options["key"], "order_id": options["order_id"]})
    assert window.status == 200 and re.search("sandbox", await window.text(), re.I)

    resp = await served.post("/sandbox/razorpay/checkout/pay", json={
        "key_id": options["key"], "order_id": options["order_id"], "method": "upi",
        "vpa": "success@razorpay"})
    paid = await resp.json()
    assert resp.status == 200, paid
    resp = await served.post("/api/payments/razorpay/verify", json={"order_id": placed["order_id"], **paid})
    assert (await resp.json())["status"] == "paid"

    page = await served.get(f"/orders/{placed['order_id']}")
    html = await page.text()
    assert page.status == 200 and "Paid" in html and "₹12,499.00" in html
    for path in ("/cart", "/checkout", "/api/products", "/healthz", "/readyz"):
        assert (await served.get(path)).status == 200, path
