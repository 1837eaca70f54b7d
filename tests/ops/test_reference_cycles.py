"""No answer leaves a reference cycle behind: the server freezes whatever outlives a young collection
(galla/ops/collector.py), so a request caught in a cycle would stay in memory for good."""

from __future__ import annotations

import gc
from collections import Counter

import aiohttp
import pytest
import yarl._url
from support.app import ADMIN, checkout_body
from support.webhooks import deliver_all

pytestmark = pytest.mark.slow


def clear_url_caches() -> None:
    """Empty yarl's URL caches, so none of their URLs is evicted while cycles are counted."""
    # yarl/_url.py: encode_url, pre_encoded_url and from_parts are lru_caches of 128; an origin URL keeps itself as
    # its cached origin (URL._origin returns self), so one evicted mid-count is a URL-dict cycle of yarl's own,
    # counted or not depending on how many URLs the tests before this one made in the same process.
    for cached in (yarl._url.encode_url, yarl._url.pre_encoded_url, yarl._url.from_parts):
        cached.cache_clear()


async def cyclic_garbage(exchange) -> Counter:
    """The objects only a collection could free after running `exchange` twice (once first, to warm caches)."""
    clear_url_caches()
    await exchange()
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)  # keep what a collection finds, to name it
    try:
        await exchange()
        await exchange()
        gc.collect()
        return Counter(type(o).__name__ for o in gc.garbage)
    finally:
        gc.garbage.clear()
        gc.set_debug(0)


def answering(client, method: str, path: str, status: int, **options):
    """An exchange: one request, answered with `status`."""

    async def exchange():
        async with client.request(method, path, allow_redirects=False, **options) as resp:
            await resp.read()
            assert resp.status == status

    return exchange


EXCHANGES = {
    "unknown API path": ("GET", "/api/nothing-here", 404, {}),
    "unknown page": ("GET", "/nothing-here", 404, {}),
    "wrong method": ("GET", "/api/checkout", 405, {}),
    "admin page without signing in": ("GET", "/admin", 303, {}),
    "admin page signed in": ("GET", "/admin", 200, {"headers": ADMIN}),
    "invalid checkout": ("POST", "/api/checkout", 422, {"json": {"items": "none"}}),
    "unknown order": ("GET", "/api/orders/ord_unknown", 404, {}),
    "oversize body": (
        "POST",
        "/api/checkout",
        413,
        {"data": b"{" + b" " * (65 * 1024) + b"}", "headers": {"Content-Type": "application/json"}},
    ),
    "oversize webhook": (
        "POST",
        "/webhooks/razorpay",
        413,
        {"data": b"{" + b" " * (65 * 1024) + b"}", "headers": {"Content-Type": "application/json"}},
    ),
    "forged webhook": (
        "POST",
        "/webhooks/razorpay",
        400,
        {"data": b"{}", "headers": {"X-Razorpay-Signature": "0" * 64}},
    ),
}


@pytest.mark.parametrize("name", EXCHANGES)
async def test_answers_leave_no_reference_cycle(client, name):
    method, path, status, options = EXCHANGES[name]
    assert await cyclic_garbage(answering(client, method, path, status, **options)) == Counter()


async def test_a_whole_paid_checkout_leaves_no_reference_cycle(client, razorpay_sandbox):
    shopper = aiohttp.ClientSession()

    async def pay_by_upi():
        resp = await client.post("/api/checkout", json=checkout_body())
        placed = await resp.json()
        async with shopper.post(
            razorpay_sandbox.url + "/checkout/pay",
            json={
                "key_id": razorpay_sandbox.key_id,
                "order_id": placed["razorpay"]["order_id"],
                "method": "upi",
                "outcome": "success",
            },
        ) as resp:
            paid = await resp.json()
        resp = await client.post("/api/payments/razorpay/verify", json={"order_id": placed["order_id"], **paid})
        assert (await resp.json())["status"] == "paid"
        await deliver_all(client, razorpay_sandbox.state.events[-3:])
        assert (await client.get(f"/orders/{placed['order_id']}")).status == 200

    try:
        assert await cyclic_garbage(pay_by_upi) == Counter()
    finally:
        await shopper.close()
