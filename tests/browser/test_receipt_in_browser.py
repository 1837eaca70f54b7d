"""The paid order page as a receipt in real Chromium: it becomes one while open, prints without the shop's
chrome, and says the same after a reload. Screenshots: artifacts/screenshots/receipt.png (screen) and
receipt-print.png plus receipt.pdf (print media)."""

from __future__ import annotations

import pytest
from support.browser import NEEDS_BROWSER, SHOTS, buy_a_shawl

pytestmark = [pytest.mark.browser, NEEDS_BROWSER]

CHROME = [
    ".site-header",
    ".site-footer",
    '[data-testid="sandbox-banner"]',
    '[data-testid="store-banner"]',
    '[data-testid="print-receipt"]',
]


async def test_a_paid_upi_order_becomes_a_printable_receipt(page, shop_url):
    # A failed UPI payment first, so the order page is open (and no receipt) when the retry pays it.
    frame = await buy_a_shawl(page, shop_url)
    await frame.locator('[data-testid="upi-failure"]').click()
    await frame.locator('[data-testid="payment-error"]').wait_for()
    await frame.locator('[data-testid="close"]').click()
    await page.wait_for_url("**/orders/ord_*")
    order_id = page.url.rsplit("/", 1)[1]
    receipt = page.locator('[data-testid="receipt"]')
    assert not await receipt.is_visible()
    assert not await page.locator('[data-testid="print-receipt"]').is_visible()
    await page.locator('[data-testid="pay-button"]').click()
    frame = page.frame_locator('[data-testid="razorpay-sandbox-frame"]')
    await frame.locator('[data-testid="upi-success"]').click()
    await page.locator('[data-testid="order-status"]').filter(has_text="Paid").wait_for()

    # Paid while the page was open: the receipt header arrives without a reload.
    await receipt.wait_for()
    assert (await receipt.inner_text()).lower().count("receipt") == 1
    assert await page.locator('[data-testid="receipt-order-id"]').inner_text() == order_id
    assert (await page.locator('[data-testid="receipt-paid-at"]').inner_text()).endswith(" IST")
    assert await page.locator('[data-testid="order-total"]').inner_text() == "₹12,499.00"
    assert (await page.locator('[data-testid="payment-id"]').inner_text()).startswith("pay_")
    assert await page.locator('[data-testid="order-gateway"]').inner_text() == "Razorpay"
    assert not await page.locator('[data-testid="attempts"]').is_visible()

    # "Print receipt" opens the browser's print dialog (replaced here, which has none to show).
    await page.evaluate("() => { window.print = () => { window.printed = (window.printed || 0) + 1; }; }")
    await page.locator('[data-testid="print-receipt"]').click()
    assert await page.evaluate("window.printed") == 1
    await page.screenshot(path=str(SHOTS / "receipt.png"), full_page=True)

    await page.emulate_media(media="print")
    for selector in CHROME:
        for element in await page.locator(selector).all():
            assert not await element.is_visible(), f"{selector} shows when printed"
    assert await receipt.is_visible() and await page.locator('[data-testid="order-items"]').is_visible()
    await page.screenshot(path=str(SHOTS / "receipt-print.png"), full_page=True)
    await page.pdf(path=str(SHOTS / "receipt.pdf"), format="A4")

    # Reloaded, the server renders the same receipt.
    await page.emulate_media(media="screen")
    await page.reload()
    await receipt.wait_for()
    assert await page.locator('[data-testid="receipt-order-id"]').inner_text() == order_id
    assert await page.locator('[data-testid="print-receipt"]').is_visible()
