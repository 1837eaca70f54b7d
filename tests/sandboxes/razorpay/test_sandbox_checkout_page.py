"""checkout.js and the payment window, alone and mounted under /sandbox/razorpay, as a browser fetches them."""

from __future__ import annotations

import asyncio
import re
import socket
import sys
from html.parser import HTMLParser
from pathlib import Path

import aiohttp
import pytest
from support.razorpay_sandbox import basic_auth

ROOT = Path(__file__).resolve().parents[3]


class Elements(HTMLParser):
    """Collect every element's attributes, to find them by data-testid."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    def testids(self) -> set[str]:
        return {attrs["data-testid"] for _, attrs in self.found if attrs.get("data-testid")}

    def by_testid(self, testid: str) -> dict[str, str | None]:
        return next(attrs for _, attrs in self.found if attrs.get("data-testid") == testid)


def parse(html: str) -> Elements:
    elements = Elements()
    elements.feed(html)
    return elements


async def get(sandbox, path: str, **params) -> tuple[aiohttp.ClientResponse, str]:
    async with sandbox.session.get(sandbox.url + path, params=params) as resp:
        return resp, await resp.text()


async def open_window(sandbox, order_id: str, **params) -> tuple[aiohttp.ClientResponse, str]:
    return await get(sandbox, "/checkout/window", key_id=sandbox.key_id, order_id=order_id, **params)


METHOD_TESTIDS = {
    "sandbox-banner",
    "close",
    "amount",
    "contact",
    "email",
    "method-upi",
    "method-card",
    "method-netbanking",
    "upi-qr",
    "upi-success",
    "upi-failure",
    "card-number",
    "card-expiry",
    "card-cvv",
    "card-pay",
    "bank-select",
    "bank-pay",
    "bank-success",
    "bank-failure",
    "payment-error",
    "retry",
    "payment-success",
}


async def test_window_shows_banner_merchant_amount_prefill_and_all_methods(sandbox):
    order = await sandbox.create_order(amount=12345600)
    resp, html = await open_window(
        sandbox,
        order["id"],
        name="Galla Crafts",
        description="Banarasi saree",
        prefill_contact="+919876543210",
        prefill_email="asha@example.in",
        origin="http://127.0.0.1:8080",
    )
    assert resp.status == 200 and resp.content_type == "text/html"
    elements = parse(html)
    assert elements.testids() >= METHOD_TESTIDS
    assert "error" not in elements.testids()
    assert "SANDBOX" in html and "no real money moves" in html and "Test mode, nothing is charged" in html
    assert "₹1,23,456.00" in html and "Galla Crafts" in html and "Banarasi saree" in html
    assert elements.by_testid("contact")["value"] == "+919876543210"
    assert elements.by_testid("email")["value"] == "asha@example.in"
    # UPI comes first and is the default; the window knows where to pay and whom to tell.
    tabs = [attrs["data-testid"] for _, attrs in elements.found if attrs.get("role") == "tab"]
    assert tabs == ["method-upi", "method-card", "method-netbanking"]
    main = next(attrs for _, attrs in elements.found if attrs.get("id") == "checkout")
    assert (main["data-method"], main["data-order-id"], main["data-origin"], main["data-pay-url"]) == (
        "upi",
        order["id"],
        "http://127.0.0.1:8080",
        "/checkout/pay",
    )
    bank_codes = [attrs["value"] for tag, attrs in elements.found if tag == "option"]
    assert "HDFC" in bank_codes and "SBIN" in bank_codes


async def test_window_loads_nothing_from_outside_and_sends_a_strict_csp(sandbox):
    order = await sandbox.create_order()
    resp, html = await open_window(
        sandbox, order["id"], origin="https://shop.example", image="https://cdn.elsewhere.example/logo.png"
    )
    csp = resp.headers["Content-Security-Policy"]
    assert (
        "default-src 'none'" in csp
        and "script-src 'self'" in csp
        and "img-src 'self' data: https://shop.example" in csp
    )
    srcs = [
        attrs.get("src") or attrs.get("href") for tag, attrs in parse(html).found if tag in ("script", "link", "img")
    ]
    assert srcs == ["/checkout/assets/banner.css", "/checkout/assets/window.css", "/checkout/assets/window.js"]
    assert "<style" not in html and "style=" not in html and re.search(r"<script>", html) is None
    for path in srcs:
        resp, body = await get(sandbox, path)
        assert resp.status == 200 and "http" not in re.sub(r"https?://www\.w3\.org\S*", "", body)


async def test_prefill_method_needs_contact_and_email_like_checkout(sandbox):
    order = await sandbox.create_order()
    _, html = await open_window(sandbox, order["id"], method="card")
    assert 'data-method="upi"' in html
    _, html = await open_window(
        sandbox, order["id"], method="card", prefill_contact="9876543210", prefill_email="a@b.in"
    )
    assert 'data-method="card"' in html


async def test_escaping_of_merchant_supplied_text(sandbox):
    order = await sandbox.create_order()
    _, html = await open_window(
        sandbox, order["id"], name="<script>alert(1)</script>", description='"><img src=x onerror=alert(1)>'
    )
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize("case", ["unknown", "wrong_key", "paid", "missing"])
async def test_window_shows_why_an_order_cannot_be_paid(sandbox, case):
    order = await sandbox.create_order()
    params = {"key_id": sandbox.key_id, "order_id": order["id"]}
    expected = "The id provided does not exist"
    if case == "unknown":
        params["order_id"] = "order_XXXXXXXXXXXXXX"
    elif case == "wrong_key":
        params["key_id"] = "rzp_test_notthisone"
    elif case == "paid":
        await sandbox.pay(order["id"])
        expected = "This order has already been paid"
    else:
        params = {}
        expected = "key_id and order_id are required"
    resp, html = await get(sandbox, "/checkout/window", **params)
    elements = parse(html)
    assert resp.status == 400 and expected in html
    assert {"error", "sandbox-banner", "close"} <= elements.testids()
    assert "method-upi" not in elements.testids()


async def test_checkout_js_is_served_without_auth_and_derives_its_base_from_its_own_url(sandbox):
    resp, script = await get(sandbox, "/v1/checkout.js")
    assert resp.status == 200 and resp.content_type == "application/javascript"
    assert "Authorization" not in resp.headers
    assert "document.currentScript" in script and "/checkout/window?" in script
    assert "event.origin !== SANDBOX_ORIGIN" in script and "payment.failed" in script
    resp, _ = await get(sandbox, "/checkout/assets/secrets.py")
    assert resp.status == 404


async def test_everything_works_under_a_prefix(mounted):
    async with mounted.session.get(str(mounted.server.make_url("/"))) as resp:
        assert await resp.text() == "the shop"  # the parent's own route is untouched
    resp, script = await get(mounted, "/v1/checkout.js")
    assert resp.status == 200 and "Razorpay" in script
    order = await mounted.create_order()
    resp, html = await open_window(mounted, order["id"])
    elements = parse(html)
    assert resp.status == 200 and "sandbox-banner" in elements.testids()
    main = next(attrs for _, attrs in elements.found if attrs.get("id") == "checkout")
    assert main["data-pay-url"] == "/sandbox/razorpay/checkout/pay"
    for tag, attrs in elements.found:
        if tag in ("script", "link"):
            path = attrs.get("src") or attrs.get("href")
            assert path.startswith("/sandbox/razorpay/checkout/assets/")
            async with mounted.session.get(str(mounted.server.make_url(path))) as asset:
                assert asset.status == 200
    status, _paid = await mounted.pay(
        order["id"], method="card", card_number="4100280000001007", card_expiry="12/99", card_cvv="123"
    )
    assert status == 200 and mounted.state.orders[order["id"]]["status"] == "paid"
    status, body = await mounted.call("GET", "/v1/unknown")
    assert (status, body["error"]["description"]) == (404, "The requested URL was not found on the server")
    status, body = await mounted.call("GET", "/v1/orders", auth=False)
    assert status == 401


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
async def test_command_line_runs_it_standalone():
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sandboxes.razorpay",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--key-id",
        "rzp_test_cli",
        "--key-secret",
        "cli-secret",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        banner = (await asyncio.wait_for(proc.stdout.readline(), 10)).decode()
        assert f"http://127.0.0.1:{port}" in banner
        assert "rzp_test_cli" in (await asyncio.wait_for(proc.stdout.readline(), 10)).decode()
        auth = basic_auth("rzp_test_cli", "cli-secret")
        async with aiohttp.ClientSession() as session:
            for _ in range(50):  # the banner is printed just before the socket is bound
                try:
                    async with session.get(
                        f"http://127.0.0.1:{port}/v1/orders", headers={"Authorization": auth}
                    ) as resp:
                        assert resp.status == 200 and (await resp.json())["entity"] == "collection"
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            else:
                pytest.fail("the sandbox never answered")
    finally:
        proc.terminate()
        await proc.wait()
