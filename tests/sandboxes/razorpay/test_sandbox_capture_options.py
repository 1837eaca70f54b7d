"""Issue 24 item 12 in the sandbox: an order's `payment` capture settings checked as Razorpay documents them.

Source: razorpay/markdown-docs payments/payments/capture-settings/api.md (razorpay.com/docs/payments/payments/
capture-settings/api): `payment.capture` is mandatory (automatic | manual); `capture_options` is optional, and
within it `automatic_expiry_period` (minutes, at least 12) is mandatory if capture = automatic, `refund_speed`
(normal | optimum) is mandatory, `manual_expiry_period` is optional (default and most 7200 minutes, at least the
automatic period). The legacy `payment_capture` flag stays accepted. razorpay-node lib/types/orders.d.ts
(RazorpayCapturePayment) agrees on the names and types.
"""

from __future__ import annotations

import pytest
from razorpay.errors import BadRequestError
from support.razorpay_sandbox import run_sdk

DOCUMENTED = {
    "capture": "automatic",
    "capture_options": {"automatic_expiry_period": 12, "manual_expiry_period": 7200, "refund_speed": "optimum"},
}


async def create(sandbox, payment=None, **fields):
    body = {"amount": 50000, "currency": "INR", "receipt": "rcptid_11", **fields}
    if payment is not None:
        body["payment"] = payment
    return await run_sdk(sandbox.sdk().order.create, body)


@pytest.mark.parametrize(
    "payment",
    [
        DOCUMENTED,
        {"capture": "automatic", "capture_options": {"automatic_expiry_period": 1440, "refund_speed": "normal"}},
        {"capture": "manual"},
        {"capture": "manual", "capture_options": {"manual_expiry_period": 7200, "refund_speed": "normal"}},
    ],
)
async def test_item12_sandbox_takes_the_documented_capture_settings(sandbox, payment):
    order = await create(sandbox, payment)
    assert order["status"] == "created"
    assert sandbox.state.capture_modes[order["id"]] == payment["capture"]


@pytest.mark.parametrize("flag", [1, 0, True, False])
async def test_item12_sandbox_takes_the_legacy_payment_capture_flag(sandbox, flag):
    order = await create(sandbox, payment_capture=flag)
    assert sandbox.state.capture_modes[order["id"]] == ("automatic" if flag else "manual")


@pytest.mark.parametrize(
    ("payment", "field"),
    [
        ({"capture": "automatic"}, "payment.capture_options.automatic_expiry_period"),
        (
            {"capture": "automatic", "capture_options": {"refund_speed": "normal"}},
            "payment.capture_options.automatic_expiry_period",
        ),
        (
            {"capture": "automatic", "capture_options": {"automatic_expiry_period": 12}},
            "payment.capture_options.refund_speed",
        ),
        (
            {"capture": "manual", "capture_options": {"manual_expiry_period": 60}},
            "payment.capture_options.refund_speed",
        ),
        (
            {"capture": "automatic", "capture_options": {"automatic_expiry_period": 11, "refund_speed": "normal"}},
            "payment.capture_options.automatic_expiry_period",
        ),
        (
            {
                "capture": "automatic",
                "capture_options": {
                    "automatic_expiry_period": 60,
                    "manual_expiry_period": 30,
                    "refund_speed": "normal",
                },
            },
            "payment.capture_options.manual_expiry_period",
        ),
        (
            {"capture": "manual", "capture_options": {"manual_expiry_period": 7201, "refund_speed": "normal"}},
            "payment.capture_options.manual_expiry_period",
        ),
        (
            {"capture": "automatic", "capture_options": {"automatic_expiry_period": 12, "refund_speed": "instant"}},
            "payment.capture_options.refund_speed",
        ),
        ({}, "payment.capture"),
    ],
)
async def test_item12_sandbox_refuses_capture_settings_without_what_is_mandatory(sandbox, payment, field):
    status, body = await sandbox.call(
        "POST", "/v1/orders", json={"amount": 50000, "currency": "INR", "payment": payment}
    )
    assert (status, body["error"]["field"]) == (400, field), body
    assert sandbox.state.orders == {}


async def test_item12_the_sdk_sees_a_refusal_as_a_bad_request(sandbox):
    with pytest.raises(BadRequestError):
        await create(sandbox, {"capture": "automatic"})
