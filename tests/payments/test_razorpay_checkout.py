"""The Razorpay checkout end to end, over real HTTP between the app and the sandbox."""

from __future__ import annotations

import asyncio
import hashlib
import hmac

from support.app import checkout_body
from support.webhooks import verify


async def place(client, body=None, headers=None):
    resp = await client.post("/api/checkout", json=body or checkout_body(), headers=headers or {})
    return resp.status, await resp.json()


async def test_checkout_prices_from_database_and_opens_razorpay_order(client, razorpay_sandbox):
    status, body = await place(client)
    assert status == 201, body
    # 2 × ₹349 + 1 × ₹1,299, in paise, from the seeded catalog, never from the browser.
    assert body["amount"] == 2 * 34900 + 129900
    assert body["currency"] == "INR" and body["status"] == "pending" and body["gateway"] == "razorpay"
    options = body["razorpay"]
    assert options["key"] == razorpay_sandbox.key_id
    assert options["amount"] == body["amount"] and options["currency"] == "INR"
    assert options["prefill"] == {"name": "Asha Rao", "email": "asha.rao@example.in", "contact": "+919876543210"}
    rzp_order = razorpay_sandbox.state.orders[options["order_id"]]
    assert rzp_order["amount"] == body["amount"]
    assert rzp_order["receipt"] == body["order_id"]
    assert rzp_order["notes"] == {"order_id": body["order_id"]}


async def test_upi_payment_verified_on_server_makes_order_paid(client, razorpay_sandbox):
    _, placed = await place(client)
    pay_status, paid = await razorpay_sandbox.pay(placed["razorpay"]["order_id"], method="upi", outcome="success")
    assert pay_status == 200, paid
    status, body = await verify(client, placed["order_id"], paid)
    assert (status, body) == (200, {"order_id": placed["order_id"], "status": "paid"})

    resp = await client.get(f"/api/orders/{placed['order_id']}")
    order = await resp.json()
    assert order["status"] == "paid" and order["status_label"] == "Paid"
    assert order["payment"] == {"id": paid["razorpay_payment_id"], "method": "upi", "status": "captured"}
    page = await (await client.get(f"/orders/{placed['order_id']}")).text()
    assert "Paid" in page

    # The same success reported again (a double click, a reload) changes nothing.
    assert await verify(client, placed["order_id"], paid) == (200, body)


async def test_manual_capture_leaves_order_authorized(make_client, razorpay_sandbox):
    client = await make_client(razorpay_capture="manual")
    _, placed = await place(client)
    assert razorpay_sandbox.state.orders[placed["razorpay"]["order_id"]]
    _, paid = await razorpay_sandbox.pay(placed["razorpay"]["order_id"], method="card", card_number="4100280000001007")
    status, body = await verify(client, placed["order_id"], paid)
    assert (status, body["status"]) == (200, "authorized")


async def test_failed_upi_is_recorded_and_buyer_retries_to_success(client, razorpay_sandbox):
    _, placed = await place(client)
    rzp_order_id = placed["razorpay"]["order_id"]
    fail_status, failure = await razorpay_sandbox.pay(rzp_order_id, method="upi", outcome="failure")
    assert fail_status == 400
    resp = await client.post(
        "/api/payments/razorpay/failed", json={"order_id": placed["order_id"], "error": failure["error"]}
    )
    assert resp.status == 200 and (await resp.json())["status"] == "pending"
    order = await (await client.get(f"/api/orders/{placed['order_id']}")).json()
    assert order["can_pay"] is True
    assert [a["code"] for a in order["attempts"]] == [failure["error"]["code"]]
    assert order["attempts"][0]["method"] == "upi"  # from Razorpay's record, not the browser

    resp = await client.post(f"/api/orders/{placed['order_id']}/pay")
    again = await resp.json()
    assert resp.status == 200 and again["razorpay"]["order_id"] == rzp_order_id
    _, paid = await razorpay_sandbox.pay(rzp_order_id, method="netbanking", bank="HDFC")
    assert (await verify(client, placed["order_id"], paid))[1]["status"] == "paid"
    resp = await client.post(f"/api/orders/{placed['order_id']}/pay")
    assert resp.status == 409 and (await resp.json())["error"]["code"] == "order_not_payable"


async def test_forged_signature_is_refused_and_changes_nothing(client, database, razorpay_sandbox):
    _, placed = await place(client)
    _, paid = await razorpay_sandbox.pay(placed["razorpay"]["order_id"])
    before = await database.db.orders.find_one({"_id": placed["order_id"]})
    forged = dict(
        paid,
        razorpay_signature=hmac.new(
            b"not-the-secret", (f"{paid['razorpay_order_id']}|{paid['razorpay_payment_id']}").encode(), hashlib.sha256
        ).hexdigest(),
    )
    status, body = await verify(client, placed["order_id"], forged)
    assert status == 400 and body["error"]["code"] == "signature_invalid"
    assert body["error"]["field"] == "razorpay_signature"
    assert await database.db.orders.find_one({"_id": placed["order_id"]}) == before


async def test_signature_of_another_order_is_refused(client, database, razorpay_sandbox):
    """A cheap order's genuine payment, swapped onto an expensive order, must not pay it."""
    _, cheap = await place(client, checkout_body([{"product_id": "masala-chai", "quantity": 1}]))
    _, dear = await place(client, checkout_body([{"product_id": "banarasi-saree", "quantity": 1}]))
    _, paid_cheap = await razorpay_sandbox.pay(cheap["razorpay"]["order_id"])
    before = await database.db.orders.find_one({"_id": dear["order_id"]})

    # Echoing the cheap order's Razorpay id: not this order's.
    status, body = await verify(client, dear["order_id"], paid_cheap)
    assert (status, body["error"]["code"], body["error"]["field"]) == (400, "signature_invalid", "razorpay_order_id")
    # Claiming the dear order's Razorpay id with the cheap payment's signature: the HMAC fails.
    swapped = dict(paid_cheap, razorpay_order_id=dear["razorpay"]["order_id"])
    status, body = await verify(client, dear["order_id"], swapped)
    assert (status, body["error"]["code"]) == (400, "signature_invalid")
    assert await database.db.orders.find_one({"_id": dear["order_id"]}) == before


async def test_payment_for_a_different_amount_goes_to_review(client, razorpay_sandbox):
    _, placed = await place(client)
    # The sandbox's amount knob makes a correctly signed payment for less than the order.
    _, paid = await razorpay_sandbox.pay(placed["razorpay"]["order_id"], amount=placed["amount"] - 100)
    status, body = await verify(client, placed["order_id"], paid)
    assert (status, body["status"]) == (200, "needs_review")
    order = await (await client.get(f"/api/orders/{placed['order_id']}")).json()
    assert order["status"] == "needs_review" and order["can_pay"] is False


async def test_idempotency_key_returns_same_order_and_refuses_other_body(client, database):
    headers = {"Idempotency-Key": "cart-7f3a-attempt-1"}
    first = await place(client, headers=headers)
    again = await place(client, headers=headers)
    assert first[0] == again[0] == 201
    assert first[1] == again[1]
    other = checkout_body([{"product_id": "masala-chai", "quantity": 3}])
    status, body = await place(client, other, headers=headers)
    assert status == 422 and body["error"]["code"] == "idempotency_key_reused"
    assert body["error"]["field"] == "Idempotency-Key"
    assert await database.db.orders.count_documents({}) == 1


async def test_concurrent_requests_with_one_key_make_one_order(client, database):
    headers = {"Idempotency-Key": "double-click-0001"}
    results = await asyncio.gather(*(place(client, headers=headers) for _ in range(5)))
    order_ids = {body["order_id"] for status, body in results if status == 201}
    assert len(order_ids) == 1
    assert all(status in (201, 409) for status, _ in results)
    assert await database.db.orders.count_documents({}) == 1


async def test_same_customer_is_found_by_email(client, database):
    await place(client)
    body = checkout_body()
    body["customer"]["email"] = "  ASHA.rao@Example.IN "
    body["customer"]["name"] = "Asha R."
    assert (await place(client, body))[0] == 201
    customers = await database.db.customers.find({}).to_list(None)
    assert [(c["_id"], c["name"]) for c in customers] == [("asha.rao@example.in", "Asha R.")]


async def test_unknown_order_is_404(client):
    resp = await client.get("/api/orders/ord_doesnotexist")
    assert resp.status == 404 and (await resp.json())["error"]["field"] == "order_id"
    resp = await client.get("/orders/ord_doesnotexist")
    assert resp.status == 404 and "text/html" in resp.headers["Content-Type"]


async def test_failure_report_naming_another_orders_payment_is_not_believed(client, razorpay_sandbox):
    _, mine = await place(client)
    _, other = await place(client)
    _, failure = await razorpay_sandbox.pay(other["razorpay"]["order_id"], outcome="failure")
    resp = await client.post(
        "/api/payments/razorpay/failed",
        json={
            "order_id": mine["order_id"],
            "error": {**failure["error"], "code": "BROWSER_SAID", "description": "from the browser"},
        },
    )
    assert resp.status == 200
    order = await (await client.get(f"/api/orders/{mine['order_id']}")).json()
    assert [(a["code"], a["method"]) for a in order["attempts"]] == [("BROWSER_SAID", None)]
    assert order["status"] == "pending"
