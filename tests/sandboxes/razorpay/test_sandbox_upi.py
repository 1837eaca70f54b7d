"""UPI in the Razorpay sandbox: intent and QR only, since UPI Collect is gone.

NPCI deprecated UPI Collect (paying by typing a VPA/UPI id) from 28 February 2026; Razorpay's Standard Checkout
offers UPI Intent or the QR code instead (razorpay.com/docs/announcements/upi-collect-migration/
standard-integration; razorpay/markdown-docs errors/payments/payment-methods-error-parameters.md, the warning
under UPI). The exemptions (IPO/secondary market MCCs, iOS, mandates, eRupi, cross-border businesses) are not a
shop's checkout, so the sandbox has none of them.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from support.razorpay_sandbox import run_sdk


class PageTestids(HTMLParser):
    """Every data-testid on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: set[str] = set()

    def handle_starttag(self, tag, attrs):
        testid = dict(attrs).get("data-testid")
        if testid:
            self.found.add(testid)


async def window_testids(sandbox, order_id: str) -> set[str]:
    async with sandbox.session.get(
        sandbox.url + "/checkout/window", params={"key_id": sandbox.key_id, "order_id": order_id}
    ) as resp:
        assert resp.status == 200
        parser = PageTestids()
        parser.feed(await resp.text())
        return parser.found


async def test_upi_collect_window_offers_no_field_to_type_a_upi_id(sandbox):
    order = await sandbox.create_order()
    testids = await window_testids(sandbox, order["id"])
    assert not testids & {"upi-vpa", "upi-form", "upi-pay"}


async def test_upi_collect_window_offers_the_qr_and_the_upi_apps_answers(sandbox):
    order = await sandbox.create_order()
    testids = await window_testids(sandbox, order["id"])
    assert {"panel-upi", "upi-qr", "upi-success", "upi-failure"} <= testids


@pytest.mark.parametrize("vpa", ["success@razorpay", "failure@razorpay"])
async def test_upi_collect_pay_request_with_a_vpa_is_refused_and_makes_no_payment(sandbox, vpa):
    order = await sandbox.create_order()
    status, body = await sandbox.pay(order["id"], method="upi", vpa=vpa)
    assert (status, body["error"]["field"]) == (400, "vpa"), body
    assert "UPI Collect" in body["error"]["description"]
    assert sandbox.state.payments == {} and sandbox.state.orders[order["id"]]["attempts"] == 0


@pytest.mark.parametrize("outcome", ["success", "failure"])
async def test_upi_payments_are_intent_payments(sandbox, outcome):
    order = await sandbox.create_order()
    _status, body = await sandbox.pay(order["id"], method="upi", outcome=outcome)
    payment_id = body.get("razorpay_payment_id") or body["error"]["metadata"]["payment_id"]
    payment = await run_sdk(sandbox.sdk().payment.fetch, payment_id)
    assert (payment["method"], payment["upi"]["flow"]) == ("upi", "intent")
