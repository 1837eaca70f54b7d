"""Payment methods and gateways read one way on every admin page (UPI, Card, Netbanking; Razorpay), from
galla/payments/labels.py: orders paid by each method through the Razorpay sandbox, and every admin page about
them read as text, never shows the stored value ("upi") as a word."""

from __future__ import annotations

import re
from html import unescape

import pytest
from support.app import ADMIN
from support.webhooks import paid_razorpay_order, verify

# "upi" and "netbanking" are never lowercase words in the admin's prose ("UPI", "Netbanking"), so any such word
# is a stored value shown raw ("card" is: "card data are redacted").
RAW = re.compile(r".{0,40}\b(?:upi|netbanking)\b.{0,40}")
METHODS = {"upi": ("UPI", {}), "card": ("Card", {}), "netbanking": ("Netbanking", {"bank": "HDFC"})}


def page_text(html: str) -> str:
    """What a person reads: no markup, no raw payloads in the trace's Details, no site footer."""
    html = re.sub(r"<(pre|script|footer)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


async def read(client, path: str, data: dict | None = None) -> str:
    if data is None:
        resp = await client.get(path, headers=ADMIN)
    else:
        resp = await client.post(path, data=data, headers=ADMIN)
    assert resp.status == 200, (path, resp.status)
    return page_text(await resp.text())


@pytest.fixture
async def orders(client, razorpay_sandbox) -> dict[str, str]:
    """One paid order per method: {method: order id}."""
    made = {}
    for method, (_, extra) in METHODS.items():
        placed, paid = await paid_razorpay_order(client, razorpay_sandbox, method=method, **extra)
        assert (await verify(client, placed["order_id"], paid))[0] == 200
        made[method] = placed["order_id"]
    return made


async def test_each_order_page_and_refund_confirmation_names_the_method_as_written(client, orders):
    for method, order_id in orders.items():
        label = METHODS[method][0]
        page = await read(client, f"/admin/orders/{order_id}")
        assert re.search(rf"pay_\w+ · {label} · Captured", page), (method, page[:200])
        confirm = await read(client, f"/admin/orders/{order_id}/refund/confirm", {"amount": "10"})
        assert f"Razorpay will send ₹10.00 back to the buyer's {label}." in confirm
        for text in (page, confirm):
            assert not RAW.search(text), (method, RAW.findall(text))


async def test_no_admin_page_shows_a_stored_method(client, orders):
    paths = ["/admin", "/admin/orders", "/admin/outbox", *(f"/admin/orders/{order_id}" for order_id in orders.values())]
    for path in paths:
        text = await read(client, path)
        assert not RAW.search(text), (path, RAW.findall(text))
    listed = await read(client, "/admin/orders")
    assert all(label in listed for label, _ in METHODS.values())
