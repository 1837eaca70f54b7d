"""Issue 26, item 5: checkout.js's `description` names the shop and what is bought, not our order id, within what
Razorpay takes.

checkout.js's options: `name` the business name, `description` "of the purchase item shown in the Checkout form",
which "must start with an alphanumeric character" (razorpay.com/docs/payment-gateway/web-integration/custom/
checkout-options); a payment whose description is longer than 255 is refused ("description: the length must be
no more than 255", razorpay/razorpay-flutter#419), and the sandbox refuses it so too.
"""

from __future__ import annotations

from support.app import checkout_body

from galla.payments.razorpay.provider import MAX_DESCRIPTION, describe_purchase


async def test_item5_the_window_is_told_the_shop_and_what_is_bought(client, razorpay_sandbox):
    items = [{"product_id": "pashmina-shawl", "quantity": 1}, {"product_id": "masala-chai", "quantity": 2}]
    resp = await client.post("/api/checkout", json=checkout_body(items))
    options = (await resp.json())["razorpay"]
    assert (options["name"], options["description"]) == (
        "Galla",
        "Galla — Kashmiri Pashmina Shawl ×1, Assam Masala Chai, 250 g ×2",
    )


def test_item5_lines_that_do_not_fit_are_counted_not_cut():
    description = describe_purchase("Galla", [(f"Hand-loomed cotton sari, colour {n}", 1) for n in range(12)])
    assert len(description) <= MAX_DESCRIPTION
    assert description.endswith(" and 6 more")


def test_item5_the_description_starts_with_a_letter_or_digit():
    assert describe_purchase("— Galla —", [("Diya", 1)]) == "Galla — — Diya ×1"


async def test_item5_the_sandbox_refuses_a_payment_described_past_255(client, razorpay_sandbox):
    resp = await client.post("/api/checkout", json=checkout_body())
    order_id = (await resp.json())["razorpay"]["order_id"]
    status, refused = await razorpay_sandbox.pay(order_id, description="x" * 256)
    assert (status, refused["error"]["field"]) == (400, "description")
    status, paid = await razorpay_sandbox.pay(order_id, description="x" * 255)
    assert status == 200, paid
