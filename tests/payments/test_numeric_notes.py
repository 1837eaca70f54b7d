"""Issue 24 item 13: Razorpay notes are {string: string | number}, and a number in any entity's notes must parse.

Razorpay's published types: `notes?: IMap<string | number>` on orders, payments and refunds
(razorpay/razorpay-node lib/types/orders.d.ts, payments.d.ts, refunds.d.ts). Before this issue one numeric
note made the event fail validation, so that payment's webhooks answered 500 on every retry, and Razorpay
disables an endpoint that keeps failing.
"""

from __future__ import annotations

import asyncio

import razorpay
from support.app import checkout_body
from support.webhooks import deliver, place, stored_order

from galla.payments.razorpay.client import RazorpayOrder, RazorpayPayment, RazorpayRefund


def processed_refund(notes: dict) -> RazorpayRefund:
    """A processed ₹1.00 refund entity as Razorpay sends it, with these notes."""
    return RazorpayRefund.model_validate(
        {"id": "rfnd_1", "amount": 100, "currency": "INR", "payment_id": "pay_1", "status": "processed", "notes": notes}
    )


def test_item13_every_razorpay_entity_reads_numeric_notes():
    payment = RazorpayPayment.model_validate(
        {
            "id": "pay_1",
            "amount": 100,
            "currency": "INR",
            "status": "captured",
            "notes": {"qty": 2, "weight": 1.5, "name": "chai"},
        }
    )
    order = RazorpayOrder.model_validate(
        {"id": "order_1", "amount": 100, "currency": "INR", "status": "paid", "notes": {"attempt": 3}}
    )
    refund = processed_refund(notes={"line": 7})
    assert payment.notes == {"qty": 2, "weight": 1.5, "name": "chai"}
    assert order.notes == {"attempt": 3} and refund.notes == {"line": 7}


def test_item13_a_refunds_numeric_key_and_order_id_are_read_as_text():
    refund = processed_refund(notes={"refund_key": 12345, "order_id": 678})
    report = refund.report()
    assert (report.key, report.order_id) == ("12345", "678")


def events(sandbox, name):
    return [event for event in sandbox.state.events if event.name == name]


async def test_item13_payment_and_order_webhooks_with_numeric_notes_answer_200(client, razorpay_sandbox):
    placed = await place(client, checkout_body())
    rzp_order = placed["razorpay"]["order_id"]
    sdk = razorpay_sandbox_sdk(razorpay_sandbox)
    await asyncio.to_thread(sdk.order.edit, rzp_order, {"notes": {"order_id": placed["order_id"], "attempt": 1}})
    status, _ = await razorpay_sandbox.pay(rzp_order, notes={"quantity": 2, "weight_kg": 1.5})
    assert status == 200
    for name in ("payment.authorized", "payment.captured", "order.paid"):
        [event] = events(razorpay_sandbox, name)
        status, body = await deliver(client, event)
        assert status == 200, (name, body)
    assert (await stored_order(client, placed["order_id"]))["status"] == "paid"


async def test_item13_refund_webhooks_with_numeric_notes_answer_200(client, razorpay_sandbox):
    placed = await place(client, checkout_body())
    status, paid = await razorpay_sandbox.pay(placed["razorpay"]["order_id"])
    assert status == 200
    for event in razorpay_sandbox.state.events:
        await deliver(client, event)
    sdk = razorpay_sandbox_sdk(razorpay_sandbox)
    await asyncio.to_thread(sdk.payment.refund, paid["razorpay_payment_id"], {"amount": 100, "notes": {"line": 2}})
    for name in ("refund.created", "refund.processed"):
        [event] = events(razorpay_sandbox, name)
        status, body = await deliver(client, event)
        assert status == 200, (name, body)


def razorpay_sandbox_sdk(sandbox):
    """The official SDK pointed at the app's Razorpay sandbox."""
    return razorpay.Client(auth=(sandbox.key_id, sandbox.key_secret), base_url=sandbox.url)


def test_item13_a_note_outside_string_or_number_is_kept_as_text_not_a_failure():
    payment = RazorpayPayment.model_validate(
        {
            "id": "pay_1",
            "amount": 100,
            "currency": "INR",
            "status": "captured",
            "notes": {"gift": None, "wrap": True, "card": {"to": "Asha"}},
        }
    )
    assert payment.notes == {"gift": "null", "wrap": "true", "card": '{"to": "Asha"}'}


def test_item13_notes_that_are_not_an_object_read_as_none():
    for odd in ([], "", None, "order_id=ord_1", ["order_id"]):
        assert (
            RazorpayPayment.model_validate(
                {"id": "pay_1", "amount": 100, "currency": "INR", "status": "captured", "notes": odd}
            ).notes
            == {}
        )
