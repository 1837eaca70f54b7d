"""The official razorpay SDK as a client of the sandbox: proof that it speaks Razorpay's wire format."""

from __future__ import annotations

import pytest
import razorpay
from razorpay.errors import BadRequestError, SignatureVerificationError
from support.razorpay_sandbox import run_sdk


async def test_sdk_order_payment_capture_round_trip(sandbox):
    client = sandbox.sdk()
    order = await run_sdk(
        client.order.create,
        {
            "amount": 49900,
            "currency": "INR",
            "receipt": "ord_123",
            "notes": {"order_id": "ord_123"},
            "payment": {"capture": "manual"},
        },
    )
    assert order["id"].startswith("order_") and len(order["id"]) == len("order_") + 14
    assert (order["status"], order["amount_due"], order["notes"]) == ("created", 49900, {"order_id": "ord_123"})
    assert await run_sdk(client.order.fetch, order["id"]) == order

    status, paid = await sandbox.pay(
        order["id"],
        method="card",
        card_number="4100 2800 0000 1007",
        card_expiry="12/40",
        card_cvv="123",
        notes={"gift_wrap": 1},
    )
    assert status == 200, paid
    assert await run_sdk(client.utility.verify_payment_signature, paid) is True

    payments = await run_sdk(client.order.payments, order["id"])
    assert payments["entity"] == "collection" and payments["count"] == 1
    payment = await run_sdk(client.payment.fetch, paid["razorpay_payment_id"])
    assert payments["items"][0] == payment
    assert (payment["status"], payment["captured"], payment["method"]) == ("authorized", False, "card")
    assert payment["card"]["last4"] == "1007" and payment["card"]["network"] == "Visa"
    assert payment["notes"] == {"gift_wrap": 1}  # checkout's notes option, not the order's (issue 24)

    captured = await run_sdk(client.payment.capture, payment["id"], 49900, {"currency": "INR"})
    assert (captured["status"], captured["captured"]) == ("captured", True)
    assert captured["fee"] > captured["tax"] > 0
    order = await run_sdk(client.order.fetch, order["id"])
    assert (order["status"], order["amount_paid"], order["amount_due"], order["attempts"]) == ("paid", 49900, 0, 1)

    with pytest.raises(BadRequestError, match="This payment has already been captured"):
        await run_sdk(client.payment.capture, payment["id"], 49900, {"currency": "INR"})


async def test_sdk_lists_orders_by_receipt_and_refunds_with_idempotency_key(sandbox):
    client = sandbox.sdk()
    order = await run_sdk(client.order.create, {"amount": 100000, "currency": "INR", "receipt": "r-1"})
    await run_sdk(client.order.create, {"amount": 100000, "currency": "INR", "receipt": "r-2"})
    found = await run_sdk(client.order.all, {"receipt": "r-1"})
    assert [item["id"] for item in found["items"]] == [order["id"]]

    _, paid = await sandbox.pay(order["id"], outcome="success")
    headers = {"X-Refund-Idempotency": "refund-r-1-0001"}
    refund = await run_sdk(client.payment.refund, paid["razorpay_payment_id"], {"amount": 40000}, headers=headers)
    again = await run_sdk(client.payment.refund, paid["razorpay_payment_id"], {"amount": 40000}, headers=headers)
    assert refund == again and refund["status"] == "processed" and refund["id"].startswith("rfnd_")
    assert await run_sdk(client.refund.fetch, refund["id"]) == refund
    listed = await run_sdk(client.payment.fetch_multiple_refund, paid["razorpay_payment_id"])
    assert [item["id"] for item in listed["items"]] == [refund["id"]]
    payment = await run_sdk(client.payment.fetch, paid["razorpay_payment_id"])
    assert (payment["amount_refunded"], payment["refund_status"], payment["status"]) == (40000, "partial", "captured")


async def test_sdk_sees_errors_and_a_forged_signature(sandbox):
    client = sandbox.sdk()
    with pytest.raises(BadRequestError, match=r"The amount must be at least INR 1\.00"):
        await run_sdk(client.order.create, {"amount": 99, "currency": "INR"})
    with pytest.raises(BadRequestError, match="The id provided does not exist"):
        await run_sdk(client.order.fetch, "order_DoesNotExist01")
    wrong = razorpay.Client(auth=(sandbox.key_id, "not-the-secret"), base_url=sandbox.url)
    with pytest.raises(BadRequestError, match="The api key provided is invalid"):
        await run_sdk(wrong.order.all)

    order = await run_sdk(client.order.create, {"amount": 49900, "currency": "INR"})
    _, paid = await sandbox.pay(order["id"])
    with pytest.raises(SignatureVerificationError):
        await run_sdk(wrong.utility.verify_payment_signature, paid)


async def test_sdk_works_against_the_mounted_sandbox(mounted):
    client = mounted.sdk()
    assert mounted.url.endswith("/sandbox/razorpay")
    order = await run_sdk(client.order.create, {"amount": 12345600, "currency": "INR"})
    _, paid = await mounted.pay(order["id"], method="netbanking", bank="HDFC", outcome="success")
    assert await run_sdk(client.utility.verify_payment_signature, paid) is True
    assert (await run_sdk(client.order.fetch, order["id"]))["status"] == "paid"
