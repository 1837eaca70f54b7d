"""Issue 24 item 12: Galla creates its Razorpay orders with the capture settings Razorpay documents as mandatory.

Source: razorpay/markdown-docs payments/payments/capture-settings/api.md: with `payment.capture` = automatic,
`capture_options.automatic_expiry_period` is mandatory, and so is `capture_options.refund_speed`;
`manual_expiry_period` defaults to 7200 minutes. razorpay-node lib/types/orders.d.ts (RazorpayCapturePayment)
names the same three keys. The sandbox refuses an automatic capture without them, as the documentation reads.
"""

from __future__ import annotations

from support.app import checkout_body
from support.webhooks import place, stored_order


async def order_request(client, placed) -> dict:
    """The body Galla sent to POST /v1/orders, from the order's timeline."""
    order = await stored_order(client, placed["order_id"])
    [call] = [e for e in order["timeline"] if e["kind"] == "gateway_call" and e["path"] == "/v1/orders"]
    assert call["status"] == 200, call
    return call["request"]


async def test_item12_an_automatic_capture_order_sends_the_mandatory_capture_options(client):
    placed = await place(client, checkout_body())
    sent = await order_request(client, placed)
    assert sent["payment"]["capture"] == "automatic"
    options = sent["payment"]["capture_options"]
    assert set(options) == {"automatic_expiry_period", "manual_expiry_period", "refund_speed"}
    assert 12 <= options["automatic_expiry_period"] <= options["manual_expiry_period"] <= 7200
    assert options["refund_speed"] in ("normal", "optimum")


async def test_item12_a_manual_capture_order_sends_what_razorpay_documents(make_client):
    client = await make_client(razorpay_capture="manual")
    placed = await place(client, checkout_body())
    sent = await order_request(client, placed)
    assert sent["payment"]["capture"] == "manual"
    assert "automatic_expiry_period" not in sent["payment"].get("capture_options", {})


async def test_item12_the_capture_window_is_the_shops_order_expiry(make_client):
    """A payment authorised while the order is still payable is captured; one authorised after Galla gave the order
    up stays uncaptured and Razorpay gives it back (razorpay.com/docs/payments/payments/capture-settings: the window
    is automatic_expiry_period, 12 minutes at least, at most manual_expiry_period, itself at most 7200)."""
    for expiry, window in ((3600, 60), (86400, 1440), (60, 12), (30 * 86400, 7200)):
        client = await make_client(order_expiry=expiry)
        sent = await order_request(client, await place(client, checkout_body()))
        assert sent["payment"]["capture_options"]["automatic_expiry_period"] == window, expiry
