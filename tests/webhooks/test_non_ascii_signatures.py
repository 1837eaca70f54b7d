"""Issue 24 items 8 and 15 (review round): a signature header or field with a non-ASCII character is a bad
signature (400, signature_invalid), never a 500. hmac.compare_digest refuses str arguments with non-ASCII characters
with a TypeError (docs.python.org/3/library/hmac.html#hmac.compare_digest: "a and b must both be of the same type:
either str (ASCII only, as e.g. returned by HMAC.hexdigest()), or a bytes-like object"), and the Razorpay SDK's
verify_payment_signature and stripe-python's WebhookSignature.verify_header both reach it with what was sent.
"""

from __future__ import annotations

import pytest
from support.abuse import place_order
from support.webhooks import verify

ODD = ["\u00e9\u00e9", "abc\u0430", "t=1,v1=\u00e9"]


@pytest.mark.parametrize("odd", ODD)
async def test_item15_a_non_ascii_razorpay_webhook_signature_is_refused_with_400(client, odd):
    resp = await client.post(
        "/webhooks/razorpay", data=b"{}", headers={"X-Razorpay-Signature": odd, "X-Razorpay-Event-Id": "evt_1"}
    )
    assert resp.status == 400 and (await resp.json())["error"]["code"] == "signature_invalid"


@pytest.mark.parametrize("odd", ODD)
async def test_item8_a_non_ascii_stripe_signature_header_is_refused_with_400(client, odd):
    resp = await client.post("/webhooks/stripe", data=b"{}", headers={"Stripe-Signature": odd})
    assert resp.status == 400 and (await resp.json())["error"]["code"] == "signature_invalid"


@pytest.mark.parametrize("odd", ODD)
async def test_item7_a_non_ascii_checkout_signature_is_refused_with_400(client, odd):
    placed = await place_order(client)
    paid = {
        "razorpay_order_id": placed["razorpay"]["order_id"],
        "razorpay_payment_id": "pay_Nz1ZfK2qXo9sRa",
        "razorpay_signature": odd,
    }
    status, answer = await verify(client, placed["order_id"], paid)
    assert status == 400 and answer["error"]["field"] == "razorpay_signature"
