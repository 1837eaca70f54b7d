"""Payments made through /checkout/pay: each method's success and failure, capture rules, events."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest


def expected_signature(secret: str, order_id: str, payment_id: str) -> str:
    """Razorpay's checkout signature, computed here independently of the sandbox."""
    return hmac.new(secret.encode(), f"{order_id}|{payment_id}".encode(), hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    ("fields", "method_fields"),
    [
        (
            {"method": "upi", "outcome": "success"},
            {"vpa": None, "upi": {"payer_account_type": "bank_account", "vpa": None, "flow": "intent"}},
        ),
        (
            {"method": "card", "card_number": "5500 6700 0000 1002", "card_expiry": "01/99", "card_cvv": "123"},
            {"international": False, "vpa": None, "bank": None},
        ),
        ({"method": "netbanking", "bank": "SBIN", "outcome": "success"}, {"bank": "SBIN"}),
    ],
)
async def test_successful_payment_is_captured_signed_and_pays_the_order(sandbox, fields, method_fields):
    order = await sandbox.create_order(amount=129900, notes={"order_id": "ord_9"})
    status, paid = await sandbox.pay(
        order["id"], email="asha@example.in", contact="98765 43210", notes={"gift": "yes"}, **fields
    )
    assert status == 200, paid
    assert set(paid) == {"razorpay_payment_id", "razorpay_order_id", "razorpay_signature"}
    assert re.fullmatch(r"pay_[A-Za-z0-9]{14}", paid["razorpay_payment_id"])
    assert paid["razorpay_order_id"] == order["id"]
    assert paid["razorpay_signature"] == expected_signature(
        sandbox.key_secret, order["id"], paid["razorpay_payment_id"]
    )

    payment = sandbox.state.payments[paid["razorpay_payment_id"]]
    assert (payment["status"], payment["captured"], payment["amount"], payment["method"]) == (
        "captured",
        True,
        129900,
        fields["method"],
    )
    assert (payment["email"], payment["contact"], payment["notes"]) == (
        "asha@example.in",
        "+919876543210",
        {"gift": "yes"},
    )  # checkout's notes, not the order's
    assert {name: payment[name] for name in method_fields} == method_fields
    assert ("card" in payment) == (payment["card_id"] is not None) == (fields["method"] == "card")
    order = sandbox.state.orders[order["id"]]
    assert (order["status"], order["attempts"], order["amount_paid"], order["amount_due"]) == ("paid", 1, 129900, 0)
    assert [event.name for event in sandbox.state.events] == ["payment.authorized", "payment.captured", "order.paid"]


@pytest.mark.parametrize(
    ("fields", "description", "source", "step", "reason"),
    [
        (
            {"method": "upi", "outcome": "failure"},
            "Your payment could not be completed as the bank could not debit your account",
            "issuer_bank",
            "payment_debit_response",
            "payment_declined",
        ),
        (
            {"method": "card", "card_number": "4000000000000002", "card_expiry": "12/99", "card_cvv": "999"},
            "Payment failed because the bank declined it",
            "issuer_bank",
            "payment_authorization",
            "card_declined",
        ),
        (
            {"method": "netbanking", "bank": "HDFC", "outcome": "failure"},
            "Your payment could not be completed as the bank declined it",
            "issuer_bank",
            "payment_authorization",
            "payment_failed",
        ),
    ],
)
async def test_failed_payment_answers_checkouts_error_and_allows_a_retry(
    sandbox, fields, description, source, step, reason
):
    order = await sandbox.create_order()
    status, body = await sandbox.pay(order["id"], **fields)
    payment_id = body["error"]["metadata"]["payment_id"]
    assert (status, body) == (
        400,
        {
            "error": {
                "code": "BAD_REQUEST_ERROR",
                "description": description,
                "field": None,
                "source": source,
                "step": step,
                "reason": reason,
                "metadata": {"order_id": order["id"], "payment_id": payment_id},
            }
        },
    )
    payment = sandbox.state.payments[payment_id]
    assert (
        payment["status"],
        payment["error_code"],
        payment["error_description"],
        payment["error_source"],
        payment["error_step"],
        payment["error_reason"],
    ) == ("failed", "BAD_REQUEST_ERROR", description, source, step, reason)
    assert (sandbox.state.orders[order["id"]]["status"], sandbox.state.orders[order["id"]]["attempts"]) == (
        "attempted",
        1,
    )

    status, paid = await sandbox.pay(order["id"], outcome="success")
    assert status == 200
    order = sandbox.state.orders[order["id"]]
    assert (order["status"], order["attempts"]) == ("paid", 2)
    names = [event.name for event in sandbox.state.events]
    assert names == ["payment.failed", "payment.authorized", "payment.captured", "order.paid"]
    status, listed = await sandbox.call("GET", f"/v1/orders/{order['id']}/payments")
    assert [p["id"] for p in listed["items"]] == [paid["razorpay_payment_id"], payment_id]


async def test_explicit_outcome_wins_over_the_test_instrument(sandbox):
    order = await sandbox.create_order()
    status, _ = await sandbox.pay(order["id"], method="card", card_number="4100280000001007", outcome="failure")
    assert status == 400
    status, _ = await sandbox.pay(order["id"], method="card", card_number="4000000000000002", outcome="success")
    assert status == 200


async def test_paid_order_refuses_another_payment(sandbox):
    order = await sandbox.create_order()
    assert (await sandbox.pay(order["id"]))[0] == 200
    status, body = await sandbox.pay(order["id"])
    assert (status, body["error"]["description"]) == (400, "This order has already been paid")
    assert sandbox.state.orders[order["id"]]["attempts"] == 1


async def test_manual_capture_waits_and_blocks_a_second_payment(sandbox):
    order = await sandbox.create_order(payment={"capture": "manual"})
    status, paid = await sandbox.pay(order["id"], method="card", card_number="4100280000001007")
    assert status == 200
    payment_id = paid["razorpay_payment_id"]
    assert sandbox.state.payments[payment_id]["status"] == "authorized"
    assert sandbox.state.payments[payment_id]["fee"] is None
    assert sandbox.state.orders[order["id"]]["status"] == "attempted"

    status, body = await sandbox.pay(order["id"])
    assert status == 400 and "already authorized" in body["error"]["description"]

    status, body = await sandbox.call(
        "POST", f"/v1/payments/{payment_id}/capture", json={"amount": 100, "currency": "INR"}
    )
    assert (status, body["error"]["field"]) == (400, "amount")
    status, body = await sandbox.call(
        "POST", f"/v1/payments/{payment_id}/capture", json={"amount": 49900.0, "currency": "INR"}
    )
    assert (status, body["error"]["description"]) == (400, "The amount must be an integer.")
    status, captured = await sandbox.call(
        "POST", f"/v1/payments/{payment_id}/capture", json={"amount": 49900, "currency": "INR"}
    )
    assert (status, captured["status"], captured["captured"]) == (200, "captured", True)
    assert sandbox.state.orders[order["id"]]["status"] == "paid"
    status, body = await sandbox.call(
        "POST", f"/v1/payments/{payment_id}/capture", json={"amount": 49900, "currency": "INR"}
    )
    assert (status, body["error"]["description"]) == (400, "This payment has already been captured")


async def test_legacy_payment_capture_zero_means_manual(sandbox):
    order = await sandbox.create_order(payment_capture=0)
    _, paid = await sandbox.pay(order["id"])
    assert sandbox.state.payments[paid["razorpay_payment_id"]]["status"] == "authorized"


async def test_failed_payment_cannot_be_captured(sandbox):
    order = await sandbox.create_order(payment={"capture": "manual"})
    _, body = await sandbox.pay(order["id"], outcome="failure")
    status, body = await sandbox.call(
        "POST",
        f"/v1/payments/{body['error']['metadata']['payment_id']}/capture",
        json={"amount": 49900, "currency": "INR"},
    )
    assert (status, body["error"]["description"]) == (
        400,
        "Only payments which have been authorized and not yet captured can be captured",
    )


async def test_amount_knob_makes_a_signed_payment_that_does_not_match_the_order(sandbox):
    order = await sandbox.create_order(amount=129900)
    status, paid = await sandbox.pay(order["id"], amount=100)
    assert status == 200
    assert paid["razorpay_signature"] == expected_signature(
        sandbox.key_secret, order["id"], paid["razorpay_payment_id"]
    )
    assert sandbox.state.payments[paid["razorpay_payment_id"]]["amount"] == 100


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"key_id": "rzp_test_someoneelse"}, "key_id"),
        ({"method": "wallet"}, "method"),
        ({"outcome": "maybe"}, "outcome"),
        ({"vpa": "not a vpa"}, "vpa"),
        ({"method": "card", "card_number": "4100280000001008"}, "card_number"),
        ({"method": "card", "card_number": "4100280000001007", "card_expiry": "01/20"}, "card_expiry"),
        ({"method": "card", "card_number": "4100280000001007", "card_expiry": "13/40"}, "card_expiry"),
        ({"method": "card", "card_number": "4100280000001007", "card_cvv": "12"}, "card_cvv"),
        ({"method": "card", "card_number": "340256000401007", "card_cvv": "123"}, "card_cvv"),
        ({"method": "card"}, "card_number"),
        ({"method": "netbanking", "outcome": "success"}, "bank"),
        ({"method": "netbanking", "bank": "NOPE", "outcome": "success"}, "bank"),
        ({"method": "netbanking", "bank": "HDFC"}, "outcome"),
        ({"email": "asha"}, "email"),
        ({"contact": "12"}, "contact"),
        ({"amount": 99}, "amount"),
        ({"amount": "100"}, "amount"),
        ({"tip": 10}, "tip"),
    ],
)
async def test_bad_pay_requests_make_no_payment(sandbox, fields, field):
    order = await sandbox.create_order()
    status, body = await sandbox.pay(order["id"], **fields)
    assert (status, body["error"]["field"]) == (400, field), body
    assert "payment_id" not in body["error"]["metadata"]
    assert sandbox.state.payments == {}
    assert sandbox.state.orders[order["id"]]["attempts"] == 0


async def test_unknown_order_and_wrong_key_say_the_id_does_not_exist(sandbox):
    status, body = await sandbox.pay("order_XXXXXXXXXXXXXX")
    assert (status, body["error"]["description"]) == (400, "The id provided does not exist")
    order = await sandbox.create_order()
    status, body = await sandbox.pay(order["id"], key_id="rzp_test_other")
    assert (status, body["error"]["description"]) == (400, "The id provided does not exist")


async def test_card_details_are_kept_like_razorpay_does(sandbox):
    order = await sandbox.create_order()
    _, paid = await sandbox.pay(
        order["id"], method="card", card_number="5555 5555 5555 4444", card_expiry="12/2099", card_cvv="321"
    )
    status, payment = await sandbox.call("GET", f"/v1/payments/{paid['razorpay_payment_id']}")
    card = payment["card"]
    assert status == 200 and payment["card_id"] == card["id"] and card["id"].startswith("card_")
    assert (card["last4"], card["network"], card["international"], payment["international"]) == (
        "4444",
        "MasterCard",
        True,
        True,
    )
    assert "5555555555554444" not in str(payment) and "321" not in str(card)


async def test_events_are_webhook_envelopes_with_snapshots(sandbox):
    order = await sandbox.create_order(notes={"order_id": "ord_7"})
    _, paid = await sandbox.pay(order["id"])
    authorized, captured, order_paid = sandbox.state.events
    assert authorized.id.startswith("evt_") and authorized.id != captured.id
    assert authorized.envelope["entity"] == "event" and authorized.envelope["account_id"].startswith("acc_")
    assert authorized.envelope["contains"] == ["payment"]
    # A snapshot: the authorized event still shows the payment as it was then.
    assert authorized.envelope["payload"]["payment"]["entity"]["status"] == "authorized"
    assert captured.envelope["payload"]["payment"]["entity"]["status"] == "captured"
    assert order_paid.envelope["event"] == "order.paid"
    assert order_paid.envelope["contains"] == ["payment", "order"]
    assert order_paid.envelope["payload"]["order"]["entity"]["status"] == "paid"
    assert order_paid.envelope["payload"]["payment"]["entity"]["id"] == paid["razorpay_payment_id"]
