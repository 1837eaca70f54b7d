"""A shopper in real Chromium (Playwright): catalog → cart → checkout → sandbox window → order page.

Runs against the app exactly as `make run` builds it (keyless, sandbox mounted, real port).
Screenshots go to artifacts/screenshots/. Without Chromium it is skipped, except in CI, where
.ci/run installs Debian's chromium and a missing browser is a failure.
"""

from __future__ import annotations

from address_helpers import fill_address
from browser_fixtures import NEEDS_BROWSER, SHOTS, page, shop_url  # noqa: F401

pytestmark = NEEDS_BROWSER


async def buy_a_shawl(page, shop_url):
    """Add to cart and submit the checkout form; the sandbox window opens."""
    await page.goto(shop_url + "/")
    await page.click('[data-add-to-cart][data-product-id="pashmina-shawl"]')
    await page.wait_for_selector('[data-cart-count]:has-text("1")')
    await page.goto(shop_url + "/cart")
    await page.wait_for_selector('[data-testid="cart-line"]')
    await page.screenshot(path=str(SHOTS / "cart.png"))
    await page.click('[data-testid="go-checkout"]')
    await page.fill('[data-testid="name"]', "Meera Iyer")
    await page.fill('[data-testid="email"]', "meera@example.in")
    await page.fill('[data-testid="phone"]', "98450 12345")
    await fill_address(page, "IN")
    await page.screenshot(path=str(SHOTS / "checkout.png"))
    await page.click('[data-testid="pay"]')
    frame = page.frame_locator('[data-testid="razorpay-sandbox-frame"]')
    await frame.locator('[data-testid="sandbox-banner"]').wait_for()
    return frame


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
