"""Issue 24 item 7 (review round): an order keeps a bounded record of failure reports, whatever its status.

Anyone who knows an order id may POST /api/payments/razorpay/failed. The attempts were bounded (the newest
MAX_ATTEMPTS), but each report of a payment already kept, and each report about an order no longer pending (paid,
refunded), still pushed an entry onto the order's timeline and asked Razorpay about the payment: a stranger could
grow a paid order's document towards MongoDB's 16 MB limit (after which no webhook, refund or reconcile can write
to it) and spend the shop's Razorpay quota, one rate-limited request at a time from as many addresses as they have.
"""

from __future__ import annotations

from support.abuse import failure, gateway_paths, place_order
from support.app import checkout_body
from support.webhooks import deliver_all

from galla.store.orders import MAX_ATTEMPTS

REPORTS = 3 * MAX_ATTEMPTS


async def report(client, order_id: str, payment_id: str) -> None:
    resp = await client.post("/api/payments/razorpay/failed", json={"order_id": order_id, "error": failure(payment_id)})
    assert resp.status == 200, await resp.text()


def browser_reports(stored: dict) -> list[dict]:
    return [e for e in stored["timeline"] if e.get("event") == "payment.failed"]


async def test_item7_repeated_reports_of_one_payment_neither_grow_the_timeline_nor_call_razorpay(client, database):
    placed = await place_order(client)
    for _ in range(REPORTS):
        await report(client, placed["order_id"], "pay_Nz1ZfK2qXo9sRa")
    stored = await database.db.orders.find_one({"_id": placed["order_id"]})
    assert len(browser_reports(stored)) == 1
    assert len([p for p in gateway_paths(stored) if p.startswith("/v1/payments/")]) == 1


async def test_item7_reports_about_a_paid_order_are_bounded(client, database, razorpay_sandbox):
    placed = await place_order(client)
    status, _ = await razorpay_sandbox.pay(placed["razorpay"]["order_id"])
    assert status == 200
    await deliver_all(client, razorpay_sandbox.state.events)
    for n in range(REPORTS):
        await report(client, placed["order_id"], f"pay_{n:014d}")
    stored = await database.db.orders.find_one({"_id": placed["order_id"]})
    assert stored["status"] == "paid"
    assert len(browser_reports(stored)) <= MAX_ATTEMPTS
    assert len([p for p in gateway_paths(stored) if p.startswith("/v1/payments/")]) <= MAX_ATTEMPTS


async def test_item7_repeated_verifies_of_a_paid_orders_own_payment_neither_grow_the_timeline_nor_call_razorpay(
    client, database, razorpay_sandbox
):
    """A buyer holds a valid checkout.js signature for their own payment and may send it again without end."""
    placed = await place_order(client)
    status, paid = await razorpay_sandbox.pay(placed["razorpay"]["order_id"])
    assert status == 200
    for _ in range(REPORTS):
        resp = await client.post("/api/payments/razorpay/verify", json={"order_id": placed["order_id"], **paid})
        assert resp.status == 200 and (await resp.json())["status"] == "paid"
    stored = await database.db.orders.find_one({"_id": placed["order_id"]})
    assert len([p for p in gateway_paths(stored) if p.startswith("/v1/payments/")]) == 1
    assert len([e for e in stored["timeline"] if e.get("event") == "checkout.handler"]) == 1


async def stripe_order(client) -> dict:
    resp = await client.post("/api/checkout", json=checkout_body(country="US"))
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def test_item18_asking_again_to_pay_a_pending_stripe_order_does_not_grow_its_timeline(
    client, database, stripe_sandbox
):
    """POST /api/orders/{id}/pay needs only the order id; with the session still open it answers with that one."""
    placed = await stripe_order(client)
    before = len((await database.db.orders.find_one({"_id": placed["order_id"]}))["timeline"])
    for _ in range(REPORTS):
        resp = await client.post(f"/api/orders/{placed['order_id']}/pay")
        assert resp.status == 200 and (await resp.json())["stripe"]["session_id"] == placed["stripe"]["session_id"]
    assert len((await database.db.orders.find_one({"_id": placed["order_id"]}))["timeline"]) == before


async def test_item18_returning_again_with_an_unpaid_session_notes_it_once(client, database, stripe_sandbox):
    placed = await stripe_order(client)
    session_id = placed["stripe"]["session_id"]
    for _ in range(REPORTS):
        resp = await client.get(f"/api/orders/{placed['order_id']}?session_id={session_id}")
        assert resp.status == 200 and (await resp.json())["status"] == "pending"
    stored = await database.db.orders.find_one({"_id": placed["order_id"]})
    assert len([e for e in stored["timeline"] if e.get("event") == "stripe.return"]) == 1
