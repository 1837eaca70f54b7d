"""Notes in the Razorpay sandbox: numbers allowed as values, and a payment's notes are the checkout options' own.

Razorpay's published types say notes are `IMap<string | number>` on every entity (razorpay/razorpay-node
lib/types/orders.d.ts, payments.d.ts, refunds.d.ts), at most 15 pairs of 256 characters
(razorpay.com/docs/api/orders/create). Checkout's `notes` option is what a payment carries
(razorpay/markdown-docs payments/payment-gateway/web-integration/standard/integration-steps.md, the
options table): the payment does not copy the order's notes, so what a payment says comes from the
buyer's browser.
"""

from __future__ import annotations

from pathlib import Path

from support.razorpay_sandbox import run_sdk

import sandboxes.razorpay as sandbox_module

NUMERIC = {"order_id": "ord_1", "quantity": 3, "weight_kg": 1.5}


async def test_item13_sandbox_takes_numeric_notes_on_an_order_through_the_sdk(sandbox):
    order = await run_sdk(sandbox.sdk().order.create, {"amount": 49900, "currency": "INR", "notes": NUMERIC})
    assert order["notes"] == NUMERIC


async def test_item13_sandbox_takes_numeric_notes_on_a_refund_through_the_sdk(sandbox):
    order = await sandbox.create_order()
    _, paid = await sandbox.pay(order["id"])
    refund = await run_sdk(
        sandbox.sdk().payment.refund,
        paid["razorpay_payment_id"],
        {"amount": 10000, "notes": {"refund_key": "k1", "line": 2}},
    )
    assert refund["notes"] == {"refund_key": "k1", "line": 2}


async def test_item13_sandbox_takes_numeric_notes_when_an_order_is_edited(sandbox):
    order = await sandbox.create_order()
    edited = await run_sdk(sandbox.sdk().order.edit, order["id"], {"notes": {"attempt": 2}})
    assert edited["notes"] == {"attempt": 2}


async def test_sandbox_still_refuses_notes_that_are_objects_or_too_long(sandbox):
    for notes in ({"nested": {"a": 1}}, {"flag": True}, {"long": "x" * 257}):
        status, body = await sandbox.call(
            "POST", "/v1/orders", json={"amount": 49900, "currency": "INR", "notes": notes}
        )
        assert (status, body["error"]["field"]) == (400, "notes"), notes


async def test_item2_sandbox_payment_notes_are_the_checkout_options_notes_not_the_orders(sandbox):
    order = await sandbox.create_order(notes={"order_id": "ord_A"})
    status, paid = await sandbox.pay(order["id"], notes={"order_id": "ord_B", "gift": 1})
    assert status == 200, paid
    payment = await run_sdk(sandbox.sdk().payment.fetch, paid["razorpay_payment_id"])
    assert payment["notes"] == {"order_id": "ord_B", "gift": 1}
    assert (await run_sdk(sandbox.sdk().order.fetch, order["id"]))["notes"] == {"order_id": "ord_A"}


async def test_item2_sandbox_payment_without_checkout_notes_has_none_even_if_the_order_has_some(sandbox):
    order = await sandbox.create_order(notes={"order_id": "ord_A"})
    _, paid = await sandbox.pay(order["id"])
    payment = await run_sdk(sandbox.sdk().payment.fetch, paid["razorpay_payment_id"])
    assert payment["notes"] == []  # Razorpay's empty notes are a JSON array


async def test_sandbox_pay_request_refuses_notes_that_are_not_an_object(sandbox):
    order = await sandbox.create_order()
    status, body = await sandbox.pay(order["id"], notes="order_id=ord_B")
    assert (status, body["error"]["field"]) == (400, "notes")
    assert sandbox.state.payments == {}


async def open_window(sandbox, notes: str) -> tuple[int, str]:
    """Open the checkout window for a new order with checkout.js's `notes` option; returns the status and page."""
    order = await sandbox.create_order()
    async with sandbox.session.get(
        sandbox.url + "/checkout/window", params={"key_id": sandbox.key_id, "order_id": order["id"], "notes": notes}
    ) as resp:
        return resp.status, await resp.text()


async def test_item2_sandbox_window_carries_checkouts_notes_option_to_its_pay_request(sandbox):
    status, page = await open_window(sandbox, notes='{"gift": 1, "order_id": "ord_B"}')
    assert status == 200
    # The window hands the notes to window.js, which sends them as the pay request's `notes`.
    assert 'data-notes="{&#34;gift&#34;:1,&#34;order_id&#34;:&#34;ord_B&#34;}"' in page
    script = (Path(sandbox_module.__file__).parent / "assets" / "window.js").read_text()
    assert "body.notes = JSON.parse(data.notes)" in script


async def test_sandbox_window_refuses_notes_that_are_not_an_object(sandbox):
    status, page = await open_window(sandbox, notes='["order_id"]')
    assert status == 400
    assert "The notes must be an object of key-value pairs." in page
