"""The hosted page in real headless Chromium (Playwright), mounted under a prefix as the shop mounts it:
a declined card shows its error, then 4242 pays and the browser lands on the shop's success_url.

Skipped where no Chromium is installed.
"""

from __future__ import annotations

import pytest
from support.browser import HAVE_BROWSER, phone_page

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not HAVE_BROWSER, reason="no Chromium to run the hosted page in")]


@pytest.fixture
async def page():
    """A phone-sized Chromium page."""
    async with phone_page(timeout_ms=10_000) as page:
        yield page


async def test_a_buyer_is_declined_then_pays_with_4242_and_lands_on_the_shop(mounted, page):
    shop = str(mounted.server.make_url("/")).rstrip("/")
    session = await mounted.create_session(success_url=shop + "/?paid={CHECKOUT_SESSION_ID}", cancel_url=shop + "/cart")
    await page.goto(session.url)
    assert await page.get_by_test_id("total").text_content() == "$25.00"
    assert await page.get_by_test_id("stripe-sandbox-banner").is_visible()
    assert await page.get_by_test_id("line-item").count() == 2

    await page.get_by_test_id("email").fill("asha@example.in")
    await page.get_by_test_id("card-number").press_sequentially("4000000000000002")
    assert await page.get_by_test_id("card-number").input_value() == "4000 0000 0000 0002"  # pay.js spaces it
    await page.get_by_test_id("card-expiry").press_sequentially("1234")
    assert await page.get_by_test_id("card-expiry").input_value() == "12 / 34"
    await page.get_by_test_id("card-cvc").fill("123")
    await page.get_by_test_id("card-name").fill("Asha Rao")
    for testid, value in (
        ("billing-line1", "510 Townsend St"),
        ("billing-city", "San Francisco"),
        ("billing-postal-code", "94103"),
        ("billing-country", "US"),
    ):
        await page.get_by_test_id(testid).fill(value)  # billing_address_collection=required (Stripe India)
    await page.get_by_test_id("pay-button").click()

    error = page.get_by_test_id("card-error")
    await error.wait_for()
    assert await error.text_content() == "Your card was declined."
    assert page.url == session.url
    assert mounted.state.sessions[session.id]["status"] == "open"
    # What the buyer typed is kept, except the card number and CVC.
    assert await page.get_by_test_id("card-name").input_value() == "Asha Rao"
    assert await page.get_by_test_id("card-number").input_value() == ""

    await page.get_by_test_id("card-number").fill("4242 4242 4242 4242")
    await page.get_by_test_id("card-cvc").fill("123")
    async with page.expect_navigation(url=f"{shop}/?paid={session.id}"):
        await page.get_by_test_id("pay-button").click()
    assert await page.text_content("body") == "the shop"
    stored = mounted.state.sessions[session.id]
    assert (stored["status"], stored["payment_status"]) == ("complete", "paid")
