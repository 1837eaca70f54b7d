"""Razorpay failing or hanging, on every call or half of them: each Indian checkout completes through Stripe
in rupees or gets a clean 503 with its order kept, and every order made is accounted for."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest
from support.app import checkout_body

from galla.web.state import DATABASE, SHOP
from sandboxes.razorpay.config import SANDBOX_FAULTS
from sandboxes.stripe.config import STRIPE_SANDBOX_FAULTS

BUYERS = 12
# Short enough that a hanging Razorpay costs the test little, long enough for a healthy local answer.
QUICK = dict(razorpay_timeout=0.4, circuit_cooldown=60)


async def place(client, **overrides):
    resp = await client.post("/api/checkout", json=checkout_body(**overrides))
    return resp.status, dict(resp.headers), await resp.json()


async def pay_placed(client, placed: dict, razorpay_sandbox, stripe_sandbox) -> str:
    """Pay a placed order at whichever gateway it was sent to, as the buyer would; return its status."""
    order_id = placed["order_id"]
    if placed["gateway"] == "stripe":
        status, location, _ = await stripe_sandbox.pay(placed["stripe"]["session_id"])
        assert status == 303, location
        split = urlsplit(location)
        await client.get(f"{split.path}?{split.query}")
    else:
        status, paid = await razorpay_sandbox.pay(placed["razorpay"]["order_id"], method="upi", outcome="success")
        assert status == 200, paid
        placed["paid"] = paid  # kept for the buyer's retry
        await verify(client, placed)
    return (await (await client.get(f"/api/orders/{order_id}")).json())["status"]


async def verify(client, placed: dict) -> str:
    """Send checkout.js's success report for a placed Razorpay order; return the order's status."""
    resp = await client.post("/api/payments/razorpay/verify", json={"order_id": placed["order_id"], **placed["paid"]})
    return (await resp.json()).get("status", "pending")


async def all_orders(client) -> dict[str, dict]:
    return {d["_id"]: d for d in await client.app[DATABASE].db.orders.find().to_list(None)}


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["500", "hang"])
async def test_razorpay_down_on_every_call_sends_every_indian_buyer_to_stripe(
    make_client, razorpay_sandbox, stripe_sandbox, mode
):
    client = await make_client(**QUICK)
    faults(razorpay_sandbox).set(1, mode, hang_seconds=2)

    answers = [await place(client) for _ in range(BUYERS)]

    assert [status for status, _, _ in answers] == [201] * BUYERS
    placed = [body for _, _, body in answers]
    assert {(p["gateway"], p["currency"], p["route"]) for p in placed} == {("stripe", "INR", "failover")}
    # The breaker opened after five failures: later buyers were not kept waiting on Razorpay at all.
    first = "Razorpay did not answer in time" if mode == "hang" else "Razorpay answered with an error (HTTP 500)"
    assert [p["failover"]["reason"] for p in placed] == [first] * 5 + ["Razorpay is failing repeatedly right now"] * 7
    assert client.app[SHOP].razorpay.breaker.state == "open"

    statuses = [await pay_placed(client, p, razorpay_sandbox, stripe_sandbox) for p in placed]
    assert statuses == ["paid"] * BUYERS
    orders = await all_orders(client)
    assert set(orders) == {p["order_id"] for p in placed}
    for doc in orders.values():
        assert (doc["status"], doc["gateway"], doc["amount_paid"]) == ("paid", "stripe", doc["amount"])
        assert doc["failover"]["from_gateway"] == "razorpay"


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["503", "hang"])
async def test_razorpay_failing_half_the_time_every_order_is_paid_or_kept(
    make_client, razorpay_sandbox, stripe_sandbox, mode
):
    client = await make_client(**QUICK, circuit_failures=3)
    faults(razorpay_sandbox).set(0.5, mode, hang_seconds=2)
    faults(razorpay_sandbox).reseed(7)

    answers = [await place(client) for _ in range(BUYERS)]

    assert [status for status, _, _ in answers] == [201] * BUYERS
    placed = [body for _, _, body in answers]
    gateways = [p["gateway"] for p in placed]
    assert "razorpay" in gateways and "stripe" in gateways, gateways
    statuses = [await pay_placed(client, p, razorpay_sandbox, stripe_sandbox) for p in placed]
    # A Razorpay verify the outage swallowed leaves its order pending; the buyer's retry after it settles it.
    faults(razorpay_sandbox).set(0)
    client.app[SHOP].razorpay.breaker.record_success()
    for p, status in zip(placed, statuses, strict=True):
        if status == "pending":
            assert await verify(client, p) == "paid"
    orders = await all_orders(client)
    assert set(orders) == {p["order_id"] for p in placed}
    assert {d["status"] for d in orders.values()} == {"paid"}
    assert sorted(d["gateway"] for d in orders.values()) == sorted(gateways)


@pytest.mark.slow
async def test_no_gateway_answers_503_keeps_the_order_and_the_retry_pays_it(
    make_client, razorpay_sandbox, stripe_sandbox
):
    client = await make_client(razorpay_timeout=0.4, circuit_cooldown=0.3)
    faults(razorpay_sandbox).set(1, "500")
    faults(stripe_sandbox).set(1, "503")

    status, headers, body = await place(client)

    assert status == 503 and body["error"]["code"] == "no_gateway_available"
    assert int(headers["Retry-After"]) >= 1
    assert "Stripe is not answering either" in body["error"]["message"]
    order_id = body["order_id"]
    doc = (await all_orders(client))[order_id]
    assert (doc["status"], doc["gateway"], doc.get("failover")) == ("pending", "razorpay", None)

    # The outage ends; once the cool-down passes, the buyer's retry goes to Razorpay again and is paid.
    faults(razorpay_sandbox).set(0)
    faults(stripe_sandbox).set(0)
    await asyncio.sleep(0.35)
    resp = await client.post(f"/api/orders/{order_id}/pay")
    retried = await resp.json()
    assert resp.status == 200 and retried["gateway"] == "razorpay", retried
    assert await pay_placed(client, retried, razorpay_sandbox, stripe_sandbox) == "paid"
    assert list(await all_orders(client)) == [order_id]


async def test_failover_off_answers_503_and_keeps_the_order_pending(make_client, razorpay_sandbox):
    client = await make_client(failover=False)
    faults(razorpay_sandbox).set(1, "502")

    status, headers, body = await place(client)

    assert (status, body["error"]["code"]) == (503, "gateway_unavailable")
    assert headers["Retry-After"] == "30"
    doc = (await all_orders(client))[body["order_id"]]
    assert (doc["status"], doc["gateway"]) == ("pending", "razorpay")


async def test_a_razorpay_refusal_is_not_an_outage_and_does_not_fail_over(make_client, razorpay_sandbox):
    client = await make_client()
    faults(razorpay_sandbox).set(1, "400")

    status, _, body = await place(client)

    assert (status, body["error"]["code"]) == (502, "gateway_error")
    assert client.app[SHOP].razorpay.breaker.state == "closed"


@pytest.mark.slow
async def test_foreign_buyers_never_fail_over_to_razorpay(make_client, stripe_sandbox):
    client = await make_client(circuit_cooldown=60)
    faults(stripe_sandbox).set(1, "500")

    status, _, body = await place(client, country="US")

    assert (status, body["error"]["code"]) == (503, "gateway_unavailable")
    assert (await all_orders(client))[body["order_id"]]["gateway"] == "stripe"


async def test_the_order_page_tells_the_buyer_why_they_pay_by_card(make_client, razorpay_sandbox):
    client = await make_client()
    faults(razorpay_sandbox).set(1, "500")
    _, _, placed = await place(client)

    html = await (await client.get(f"/orders/{placed['order_id']}")).text()

    assert "Razorpay answered with an error (HTTP 500)" in html
    assert "by card through Stripe, in rupees" in html


def faults(sandbox):
    """A sandbox's outage plan (Razorpay's or Stripe's)."""
    app = sandbox.server.app
    return (app[SANDBOX_FAULTS] if SANDBOX_FAULTS in app else app[STRIPE_SANDBOX_FAULTS]).failures
