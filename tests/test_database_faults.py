"""MongoDB going away: webhooks answer 503 so the gateway delivers again, and nothing unstored is acknowledged."""

from __future__ import annotations

import pytest

from conftest import checkout_body, sandbox_settings
from faults import FlakyDatabase, Outage
from models.db import Database
from test_webhooks import events_named
from views.app import create_app
from webhook_helpers import deliver, ledger, place, stored_order


@pytest.fixture
async def flaky(aiohttp_client, database, razorpay_sandbox, stripe_sandbox):
    """The app on a database that a test can switch off, and the switch."""
    outage = Outage()
    db = Database(client=database.client, db=FlakyDatabase(database.db, outage), embedded=database.embedded)
    client = await aiohttp_client(create_app(sandbox_settings(razorpay_sandbox, stripe_sandbox), db=db))
    return client, outage


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
