"""Issue 24 item 6, the sandbox side: Stripe's special-case currencies as docs.stripe.com/currencies#special-cases
publishes them. ISK and UGX go on the wire as two-decimal values whose decimals are always 00 (5 ISK is 500) and a
fractional amount is refused with invalid_charge_amount_no_decimal_compatible (support.stripe.com/questions/
deprecation-of-fractional-isk-charges-and-refunds, charges and refunds alike); HUF and TWD charge two decimals."""

from __future__ import annotations

import pytest
import stripe
from support.stripe_sandbox import line


@pytest.mark.parametrize("currency", ["isk", "ugx"])
async def test_item6_a_fractional_isk_or_ugx_line_is_refused_as_stripe_refuses_it(sandbox, currency):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await sandbox.create_session(line_items=[line("Lopapeysa", 550, currency=currency)])
    error = refused.value
    assert (error.http_status, error.code, error.param) == (
        400,
        "invalid_charge_amount_no_decimal_compatible",
        "line_items[0][price_data][unit_amount]",
    )
    assert error.user_message.startswith(
        f"Invalid amount. Currency {currency.upper()} has become effectively "
        "zero-decimal and charged amounts must be evenly divisible by 100."
    )


@pytest.mark.parametrize("currency", ["isk", "ugx"])
async def test_item6_whole_isk_and_ugx_go_as_two_decimals_so_500_is_five(sandbox, currency):
    session = await sandbox.create_session(line_items=[line("Lopapeysa", 500, currency=currency, quantity=3)])
    assert session.amount_total == 1500
    page = await sandbox.open_page(session.id)
    assert page.elements.text("total") == f"{currency.upper()} 15"


@pytest.mark.parametrize("currency", ["huf", "twd"])
async def test_item6_huf_and_twd_charges_take_two_decimals(sandbox, currency):
    """Zero-decimal for payouts only: "you can charge two-decimal amounts"."""
    session = await sandbox.create_session(line_items=[line("Paprika", 80045, currency=currency)])
    assert session.amount_total == 80045


async def test_item6_a_fractional_isk_refund_is_refused(sandbox):
    session = await sandbox.create_session(line_items=[line("Lopapeysa", 50000, currency="isk")])
    assert (await sandbox.pay(session.id)).status == 303
    intent = sandbox.state.sessions[session.id]["payment_intent"]
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await sandbox.sdk.v1.refunds.create_async(params={"payment_intent": intent, "amount": 150})
    assert (refused.value.code, refused.value.param) == ("invalid_charge_amount_no_decimal_compatible", "amount")
    refund = await sandbox.sdk.v1.refunds.create_async(params={"payment_intent": intent, "amount": 200})
    assert refund.amount == 200
