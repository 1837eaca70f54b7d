"""Buyers paying through Stripe Checkout in real Chromium (Playwright): checkout page → the Stripe sandbox's
hosted page → back on a paid order page that the server confirmed with Stripe.

Runs against the app as `make run` builds it (keyless: both sandboxes mounted, real port), with PUBLIC_URL
set to that port so the hosted page and the success/cancel URLs point at it. Screenshots go to
artifacts/screenshots/stripe-*.png. Without Chromium it is skipped, except in CI, where .ci/run installs
Debian's chromium and a missing browser is a failure.
"""

from __future__ import annotations

import re

import aiohttp
import pytest
from support.addresses import fill_address, shipping_address
from support.browser import (
    DECLINED,
    NEEDS_BROWSER,
    SHOTS,
    STRIPE_PAGE,
    SUCCEEDS,
    fill_checkout,
    go_to_stripe_as_a_us_buyer,
    pay_button_says,
    pay_by_card,
    wait_for_paid,
)

pytestmark = [pytest.mark.browser, NEEDS_BROWSER]


async def test_us_buyer_declined_then_paid_in_usd(page, shop_url):
    await fill_checkout(
        page, shop_url, product="pashmina-shawl", name="Jane Doe", email="jane@example.com", phone="+1 202 555 0143"
    )
    await pay_button_says(page, "with UPI")  # India is preselected: Razorpay, in rupees
    assert await page.locator('[data-testid="pay-with-razorpay"]').is_checked()

    await page.select_option('[data-testid="country"]', "US")
    label = await pay_button_says(page, r"Stripe.*\$159\.99")
    assert label == "Continue to Stripe to pay $159.99"
    await fill_address(page, "US")  # a state is typed in the US, not chosen from India's list
    assert await page.locator('[data-testid="summary-total"]').inner_text() == "$159.99"
    assert not await page.locator('[data-testid="pay-with"]').is_visible()  # the choice is for India only
    await page.screenshot(path=str(SHOTS / "stripe-checkout-us.png"), full_page=True)

    await page.click('[data-testid="pay"]')
    await page.wait_for_url(STRIPE_PAGE)
    await page.locator('[data-testid="stripe-sandbox-banner"]').wait_for()
    assert await page.locator('[data-testid="total"]').inner_text() == "$159.99"
    assert await page.locator('[data-testid="email"]').input_value() == "jane@example.com"

    await pay_by_card(page, DECLINED, name="Jane Doe", email="jane@example.com")
    error = page.locator('[data-testid="card-error"]')
    await error.wait_for()
    assert (await error.inner_text()).strip() == "Your card was declined."
    await page.screenshot(path=str(SHOTS / "stripe-declined.png"), full_page=True)

    await pay_by_card(page, SUCCEEDS, name="Jane Doe", email="jane@example.com")
    await wait_for_paid(page)
    assert await page.locator('[data-testid="order-total"]').inner_text() == "$159.99"
    notice = page.locator('[data-testid="return-notice"]')
    assert "Stripe has confirmed your payment" in await notice.inner_text()
    assert await notice.get_attribute("data-notice-kind") == "success"
    assert await page.locator('[data-testid="order-gateway"]').inner_text() == "Stripe"
    assert await page.evaluate("window.GallaCart.count()") == 0
    await page.screenshot(path=str(SHOTS / "stripe-order-paid-usd.png"), full_page=True)


async def test_indian_buyer_pays_by_international_card_in_rupees(page, shop_url):
    await fill_checkout(
        page, shop_url, product="brass-diya", name="Meera Iyer", email="meera@example.in", phone="98450 12345"
    )
    assert await pay_button_says(page, "UPI") == "Pay ₹1,299.00 with UPI, cards or netbanking"

    await page.check('[data-testid="pay-with-international-card"]')
    assert await pay_button_says(page, "Stripe") == "Continue to Stripe to pay ₹1,299.00"
    assert "Stripe" in await page.locator('[data-testid="pay-note"]').inner_text()
    await page.screenshot(path=str(SHOTS / "stripe-checkout-international-card.png"), full_page=True)

    await page.click('[data-testid="pay"]')
    await page.wait_for_url(STRIPE_PAGE)
    await page.locator('[data-testid="stripe-sandbox-banner"]').wait_for()
    assert await page.locator('[data-testid="total"]').inner_text() == "₹1,299.00"
    await page.screenshot(path=str(SHOTS / "stripe-hosted-page-inr.png"), full_page=True)

    await pay_by_card(page, SUCCEEDS, name="Meera Iyer", email="meera@example.in")
    await wait_for_paid(page)
    assert await page.locator('[data-testid="order-total"]').inner_text() == "₹1,299.00"
    await page.screenshot(path=str(SHOTS / "stripe-order-paid-inr.png"), full_page=True)


async def test_cancel_on_stripe_then_try_again_from_the_order_page(page, shop_url):
    await go_to_stripe_as_a_us_buyer(page, shop_url, product="masala-chai", label=r"Stripe.*\$4\.99")
    await page.wait_for_url(STRIPE_PAGE)
    first_session = page.url.rsplit("/", 1)[1]

    await page.click('[data-testid="cancel-link"]')
    await page.wait_for_url(re.compile(r"/orders/ord_[\w-]+\?cancelled=1"))
    notice = page.locator('[data-testid="return-notice"]')
    assert "nothing was charged" in await notice.inner_text()
    assert await page.locator('[data-testid="order-status"]').get_attribute("data-status") == "pending"
    button = page.locator('[data-testid="pay-button"]')
    await button.filter(has_text="Try again").wait_for()
    assert await page.evaluate("window.GallaCart.count()") == 1  # nothing paid: the cart stays
    await page.screenshot(path=str(SHOTS / "stripe-cancelled.png"), full_page=True)

    await button.click()
    await page.wait_for_url(STRIPE_PAGE)
    assert page.url.rsplit("/", 1)[1] == first_session  # the open session again, not a second one
    await pay_by_card(page, SUCCEEDS, name="Jane Doe")
    await wait_for_paid(page)
    assert await page.locator('[data-testid="order-total"]').inner_text() == "$4.99"
    await page.screenshot(path=str(SHOTS / "stripe-order-paid-after-retry.png"), full_page=True)


async def test_order_page_waits_for_stripe_then_shows_paid(page, shop_url):
    """Back with a session Stripe has not confirmed yet: the page says so and asks again until it is paid."""
    body = {
        "items": [{"product_id": "filter-coffee", "quantity": 2}],
        "country": "GB",
        "customer": {"name": "Ada Byron", "email": "ada@example.co.uk", "phone": "+44 20 7946 0958"},
        "shipping_address": shipping_address("GB"),
    }
    async with aiohttp.ClientSession() as http:
        async with http.post(shop_url + "/api/checkout", json=body) as resp:
            assert resp.status == 201, await resp.text()
            order = await resp.json()
        assert order["gateway"] == "stripe" and order["currency"] == "GBP"
        await page.goto(f"{shop_url}/orders/{order['order_id']}?session_id={order['stripe']['session_id']}")
        status = page.locator('[data-testid="order-status"]')
        await status.filter(has_text="Waiting for Stripe to confirm").wait_for()
        assert not await page.locator('[data-testid="pay-button"]').is_visible()
        await page.screenshot(path=str(SHOTS / "stripe-waiting-for-confirmation.png"), full_page=True)

        # The buyer's payment goes through on Stripe's side (posted as the hosted page's form does).
        form = {
            "card_number": SUCCEEDS,
            "card_expiry": "12 / 34",
            "card_cvc": "123",
            "card_name": "Ada Byron",
            **{
                f"{prefix}_{field}": value
                for prefix in ("billing", "shipping")  # Stripe India's export rules
                for field, value in (
                    ("name", "Ada Byron"),
                    ("line1", "1 Ada Lane"),
                    ("city", "London"),
                    ("postal_code", "N1 9GU"),
                    ("country", "GB"),
                )
            },
        }
        async with http.post(order["stripe"]["url"], data=form, allow_redirects=False) as resp:
            assert resp.status == 303, await resp.text()

    await status.filter(has_text="Paid").wait_for()  # polled, no reload
    assert "Stripe has confirmed your payment" in await page.locator('[data-testid="return-notice"]').inner_text()
    assert await page.locator('[data-testid="order-total"]').inner_text() == "£12.98"
