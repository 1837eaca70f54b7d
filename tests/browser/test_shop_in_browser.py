"""A shopper in real Chromium (Playwright): catalog → cart → checkout → sandbox window → order page.

Runs against the app exactly as `make run` builds it (keyless, sandbox mounted, real port).
Screenshots go to artifacts/screenshots/. Without Chromium it is skipped, except in CI, where
.ci/run installs Debian's chromium and a missing browser is a failure.
"""

from __future__ import annotations

import pytest
from support.addresses import fill_address
from support.browser import NEEDS_BROWSER, SHOTS, buy_a_shawl

pytestmark = [pytest.mark.browser, NEEDS_BROWSER]


async def test_upi_payment_ends_on_a_paid_order_page(page, shop_url):
    await page.goto(shop_url + "/")
    assert "₹1,23,456.00" in await page.content()
    await page.screenshot(path=str(SHOTS / "catalog.png"), full_page=True)
    frame = await buy_a_shawl(page, shop_url)
    await page.screenshot(path=str(SHOTS / "razorpay-window.png"))
    await frame.locator('[data-testid="upi-success"]').click()
    await page.wait_for_url("**/orders/ord_*")
    status = page.locator('[data-testid="order-status"]')
    await status.filter(has_text="Paid").wait_for()
    assert await page.locator('[data-testid="order-total"]').inner_text() == "₹12,499.00"
    assert await page.evaluate("window.GallaCart.count()") == 0
    assert not await page.locator('[data-testid="pay-button"]').is_visible()
    address = await page.locator('[data-testid="shipping-address"]').inner_text()
    assert "Bengaluru 560001" in address and "Karnataka" in address  # issue 24, item 11
    await page.screenshot(path=str(SHOTS / "order-paid.png"), full_page=True)


async def test_failed_upi_then_retry_from_the_order_page(page, shop_url):
    frame = await buy_a_shawl(page, shop_url)
    await frame.locator('[data-testid="upi-failure"]').click()
    await frame.locator('[data-testid="payment-error"]').wait_for()
    await frame.locator('[data-testid="close"]').click()  # the buyer gives up for now
    await page.wait_for_url("**/orders/ord_*")
    await page.locator('[data-testid="attempts"] li').first.wait_for()
    button = page.locator('[data-testid="pay-button"]')
    assert await button.inner_text() == "Try again"
    await page.screenshot(path=str(SHOTS / "order-failed-attempt.png"), full_page=True)
    await button.click()
    frame = page.frame_locator('[data-testid="razorpay-sandbox-frame"]')
    await frame.locator('[data-testid="upi-success"]').click()
    await page.locator('[data-testid="order-status"]').filter(has_text="Paid").wait_for()


async def test_item11_the_checkout_page_asks_for_the_address_in_the_countrys_format(page, shop_url):
    """Issue 24, item 11: India's PIN code is checked on the page; the US asks for a ZIP code and a typed state."""
    await page.goto(shop_url + "/")
    await page.click('[data-add-to-cart][data-product-id="pashmina-shawl"]')
    await page.wait_for_selector('[data-cart-count]:has-text("1")')
    await page.goto(shop_url + "/checkout")
    await page.fill('[data-testid="name"]', "Meera Iyer")
    await page.fill('[data-testid="email"]', "meera@example.in")
    await page.fill('[data-testid="phone"]', "98450 12345")
    await fill_address(page, "IN")
    await page.fill('[data-testid="address-postal-code"]', "012345")
    await page.wait_for_function("() => !document.querySelector('[data-testid=pay]').disabled")
    await page.click('[data-testid="pay"]')
    error = page.locator('[data-field="shipping_address.postal_code"] [data-error]')
    await error.wait_for()
    assert "6-digit PIN code that does not start with 0" in await error.inner_text()
    assert await page.locator('[data-testid="address-postal-code"]').get_attribute("aria-invalid") == "true"
    assert await page.locator('[data-testid="razorpay-sandbox-frame"]').count() == 0  # no order was placed

    await page.select_option('[data-testid="country"]', "US")
    postal = page.locator('[data-field="shipping_address.postal_code"] label')
    await postal.filter(has_text="ZIP code").wait_for()
    assert await page.locator('[data-testid="address-state-text"]').is_visible()
    assert not await page.locator('[data-testid="address-state"]').is_visible()
    assert await page.locator('label[for="address-state-text"]').inner_text() == "State"
    await page.screenshot(path=str(SHOTS / "checkout-address-us.png"), full_page=True)
