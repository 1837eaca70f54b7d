"""MongoDB going away: webhooks answer 503 so the gateway delivers again, and nothing unstored is acknowledged."""

from __future__ import annotations

import asyncio

import pytest
from support.app import checkout_body
from support.webhooks import deliver, events_named, ledger, place, razorpay_secret, stored_order, stripe_secret

from sandboxes.razorpay import RAZORPAY_WEBHOOKS
from sandboxes.stripe import STRIPE_WEBHOOKS


async def test_webhook_while_mongodb_is_down_is_a_503_and_is_applied_on_redelivery(flaky, razorpay_sandbox):
    client, outage = flaky
    placed = await place(client, checkout_body())
    await razorpay_sandbox.pay(placed["razorpay"]["order_id"])
    event = events_named(razorpay_sandbox, "order.paid")[0]
    outage.down.add("*")
    status, body = await deliver(client, event)
    assert status == 503 and body["error"]["code"] == "database_unavailable"
    outage.down.clear()
    assert await ledger(client) == []  # nothing was acknowledged, and nothing was stored
    status, body = await deliver(client, event)
    assert (status, body["duplicate"], body["outcome"]) == (200, False, "pending → paid")


async def test_an_event_stored_but_not_applied_is_applied_by_the_next_delivery(flaky, razorpay_sandbox):
    client, outage = flaky
    placed = await place(client, checkout_body())
    await razorpay_sandbox.pay(placed["razorpay"]["order_id"])
    event = events_named(razorpay_sandbox, "order.paid")[0]
    outage.down.add("orders")  # the ledger takes the event; applying it fails
    resp = await client.post("/webhooks/razorpay", data=b"{}", headers={"X-Razorpay-Signature": "x"})
    assert resp.status == 400  # a forgery is refused before the database is asked anything
    status, body = await deliver(client, event)
    assert status == 503 and body["error"]["code"] == "database_unavailable"
    [entry] = await ledger(client)
    assert entry["status"] == "received" and "AutoReconnect" in entry["error"]
    outage.down.clear()
    status, body = await deliver(client, event)
    assert (status, body["duplicate"], body["outcome"]) == (200, False, "pending → paid")
    [entry] = await ledger(client)
    assert entry["status"] == "applied" and entry["deliveries"] == 2
    order = await stored_order(client, placed["order_id"])
    assert [e["event_id"] for e in order["timeline"] if e["kind"] == "webhook"] == [event.id]


async def test_the_api_says_plainly_when_the_database_is_away(flaky):
    client, outage = flaky
    outage.down.add("*")
    resp = await client.post("/api/checkout", json=checkout_body())
    assert resp.status == 503 and resp.headers["Retry-After"] == "5"
    assert "database is not answering" in (await resp.json())["error"]["message"]
    assert (await client.get("/readyz")).status == 503


@pytest.mark.slow
async def test_mongodb_gone_mid_run_loses_no_webhook_and_work_resumes_without_restart(
    flaky, razorpay_sandbox, stripe_sandbox
):
    """Shoppers keep paying while MongoDB is away: every webhook sent meanwhile is refused with 503,
    delivered again by the gateway, and applied once when the database is back; no restart needed."""
    client, outage = flaky
    senders = [
        (razorpay_sandbox.server.app[RAZORPAY_WEBHOOKS], "/webhooks/razorpay", razorpay_secret(client)),
        (stripe_sandbox.server.app[STRIPE_WEBHOOKS], "/webhooks/stripe", stripe_secret(client)),
    ]
    for sender, path, secret in senders:
        sender.url, sender.secret = str(client.make_url(path)), secret
        sender.knobs.retry_delays = (0.1, 0.2, 0.4, 0.8, 1.6, 3.2)
    domestic = [await place(client, checkout_body()) for _ in range(3)]
    foreign = [await place(client, checkout_body(country="US")) for _ in range(3)]

    outage.down.add("*")
    for placed in domestic:
        status, _ = await razorpay_sandbox.pay(placed["razorpay"]["order_id"], method="upi", outcome="success")
        assert status == 200
    for placed in foreign:
        assert (await stripe_sandbox.pay(placed["stripe"]["session_id"]))[0] == 303
    refused = await client.post("/api/checkout", json=checkout_body())
    assert refused.status == 503  # a buyer arriving now is told plainly; nothing half-made is left
    await asyncio.sleep(0.5)  # the gateways' first attempts, and some retries, meet the outage
    outage.down.clear()

    for sender, _, _ in senders:
        await sender.drain(timeout=20)
        assert sender.given_up == [] and sender.pending() == 0
        assert any(d.status == 503 for d in sender.deliveries), "no delivery met the outage"
    for placed in domestic + foreign:
        assert (await stored_order(client, placed["order_id"]))["status"] == "paid"
    entries = await ledger(client)
    sent = {d.event_id for sender, _, _ in senders for d in sender.deliveries}
    assert {e["_id"].split(":", 1)[1] for e in entries} == sent
    assert {e["status"] for e in entries} == {"applied"}
    # Work resumes: a new checkout after the outage is placed as usual.
    assert (await client.post("/api/checkout", json=checkout_body())).status == 201
