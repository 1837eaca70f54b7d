"""Issue 24 item 13 (review round): a Razorpay payment's notes come from checkout.js options the buyer's browser
controls, so any JSON object key may reach the ledger. BSON refuses a NUL character in a field name (pymongo's
encoder: "Key names must not contain the NULL byte"; mongomock the same), so storing such a payload as received made
the ledger insert fail and that payment's webhooks answer 500 on every retry, until Razorpay disables the endpoint.
Keys with '.' or a leading '$' are stored as they are: MongoDB 5.0+ accepts them in inserted documents
(mongodb.com/docs/v6.1/core/dot-dollar-considerations, "Insert operations"), as pymongo 4 and mongomock do.
"""

from __future__ import annotations

import json

import bson
import pytest
from support.app import checkout_body
from support.webhooks import deliver, ledger, place, post_razorpay, stored_order

import galla.store.events

ODD_NOTES = {"\u0000": "", "gift\u0000wrap": "yes", "a.b": "dot", "$where": "dollar", "plain": 1, "big": 10**20}


@pytest.mark.parametrize("notes", [ODD_NOTES, {"\u0000": {"\u0000": [{"\u0000": None}]}}])
def test_item13_a_payload_with_any_keys_becomes_a_document_bson_can_encode(notes):
    payload = {"event": "payment.captured", "payload": {"payment": {"entity": {"id": "pay_1", "notes": notes}}}}
    stored = galla.store.events.storable_payload(payload)
    bson.encode(stored)
    assert json.loads(stored["payload_text"]) == payload  # the body as sent is kept whole, as text


def test_item13_a_payload_nested_deeper_than_mongodb_keeps_is_kept_as_text():
    deep: object = "leaf"
    for _ in range(150):
        deep = {"k": deep}
    stored = galla.store.events.storable_payload(
        {"event": "payment.captured", "payload": {"payment": {"entity": {"notes": deep}}}}
    )
    bson.encode(stored)
    assert json.loads(stored["payload_text"])["payload"]["payment"]["entity"]["notes"] == deep


async def test_item13_payment_webhooks_with_nul_dot_and_dollar_note_keys_answer_200(client, razorpay_sandbox):
    placed = await place(client, checkout_body())
    status, _ = await razorpay_sandbox.pay(placed["razorpay"]["order_id"], notes=ODD_NOTES)
    assert status == 200
    for event in razorpay_sandbox.state.events:
        status, body = await deliver(client, event)
        assert status == 200, (event.name, body)
    assert (await stored_order(client, placed["order_id"]))["status"] == "paid"
    assert all(entry["status"] == "applied" for entry in await ledger(client))


async def test_item13_an_event_stored_with_odd_keys_is_applied_again_from_the_ledger(client, razorpay_sandbox):
    """The ledger job re-reads a stored payload as the gateway's event: the fallback copy must read back."""
    from galla.web.state import DATABASE, WEBHOOK_SHOP
    from galla.webhooks.receive import apply_stored_events

    placed = await place(client, checkout_body())
    status, _ = await razorpay_sandbox.pay(placed["razorpay"]["order_id"], notes=ODD_NOTES)
    [captured] = [e for e in razorpay_sandbox.state.events if e.name == "payment.captured"]
    status, _ = await post_razorpay(client, captured.envelope, captured.id)
    assert status == 200
    db = client.app[DATABASE].db
    await db.orders.update_one({"_id": placed["order_id"]}, {"$set": {"status": "pending"}})
    await db.events.update_many(
        {}, {"$set": {"status": "received", "claimed_until": bson.datetime.datetime(2000, 1, 1)}}
    )
    receipts = await apply_stored_events(client.app[WEBHOOK_SHOP])
    assert receipts and (await stored_order(client, placed["order_id"]))["status"] == "paid"


async def test_item13_an_order_verified_with_odd_note_keys_stays_a_document_mongodb_stores(client, razorpay_sandbox):
    """The gateway's answers go into the order's timeline (the trace), notes and all: mongomock takes a NUL in a key
    inside an update, but pymongo's encoder refuses it on a real MongoDB, so every later write to the order would
    fail (verify, webhooks, reconcile). Checked by encoding the stored order as pymongo would."""
    placed = await place(client, checkout_body())
    status, paid = await razorpay_sandbox.pay(placed["razorpay"]["order_id"], notes=ODD_NOTES)
    assert status == 200
    resp = await client.post("/api/payments/razorpay/verify", json={"order_id": placed["order_id"], **paid})
    assert resp.status == 200, await resp.text()
    stored = await stored_order(client, placed["order_id"])
    assert stored["status"] == "paid"
    bson.encode(stored)


async def test_item13_a_signed_event_whose_entity_galla_cannot_read_is_acknowledged_not_failed(
    client, razorpay_sandbox
):
    """Retrying cannot make an unreadable entity readable: answering 500 would only get the endpoint disabled. The
    event stays in the ledger, marked not applied with the reason; reconcile follows the order up."""
    placed = await place(client, checkout_body())
    status, _ = await razorpay_sandbox.pay(placed["razorpay"]["order_id"])
    [captured] = [e for e in razorpay_sandbox.state.events if e.name == "payment.captured"]
    envelope = json.loads(json.dumps(captured.envelope))
    envelope["payload"]["payment"]["entity"]["amount"] = {"value": 100}
    status, body = await post_razorpay(client, envelope, "evt_unreadable")
    assert status == 200, body
    assert body["outcome"].startswith("not applied")
    [stored] = [e for e in await ledger(client) if e["event_id"] == "evt_unreadable"]
    assert stored["status"] == "applied" and stored["outcome"].startswith("not applied")
