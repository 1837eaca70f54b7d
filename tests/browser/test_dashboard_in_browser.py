"""The admin's dashboard in real Chromium: two buyers pay through the sandboxes (UPI after a failed try, and a
card in dollars through Stripe), then the admin signs in with the form and reads today's figures and charts.
Screenshot: admin-dashboard.png."""

from __future__ import annotations

import pytest
from support.browser import NEEDS_BROWSER, REPORT_VIOLATIONS, SHOTS, buy_a_shawl, pay_by_card_as_a_us_buyer, sign_in

pytestmark = [pytest.mark.browser, NEEDS_BROWSER]


async def pay_by_upi_after_a_failure(page, shop_url) -> None:
    """A buyer's UPI payment fails, they close the window, try again from the order page and pay."""
    frame = await buy_a_shawl(page, shop_url)
    await frame.locator('[data-testid="upi-failure"]').click()
    await frame.locator('[data-testid="payment-error"]').wait_for()
    await frame.locator('[data-testid="close"]').click()
    await page.wait_for_url("**/orders/ord_*")
    await page.locator('[data-testid="attempts"] li').first.wait_for()
    await page.locator('[data-testid="pay-button"]').click()
    frame = page.frame_locator('[data-testid="razorpay-sandbox-frame"]')
    await frame.locator('[data-testid="upi-success"]').click()
    await page.locator('[data-testid="order-status"]').filter(has_text="Paid").wait_for()


async def test_the_dashboard_shows_todays_payments_as_charts(page, shop_url):
    await pay_by_upi_after_a_failure(page, shop_url)
    await pay_by_card_as_a_us_buyer(page, shop_url, product="pashmina-shawl", label=r"Stripe.*\$159\.99")

    violations: list[str] = []
    await page.expose_function("reportCspViolation", lambda text: violations.append(text))
    await page.add_init_script(REPORT_VIOLATIONS)
    await sign_in(page, shop_url)

    assert await page.locator('[data-testid="today-total-INR"]').inner_text() == "₹12,499.00"
    assert await page.locator('[data-testid="today-total-USD"]').inner_text() == "$159.99"
    tile = await page.locator('[data-testid="tile-today"]').inner_text()
    assert "₹12,499.00" in tile and "$159.99" in tile and "2 paid orders" in tile
    # Two paid, one failed UPI attempt.
    assert "67%" in await page.locator('[data-testid="tile-success"]').inner_text()
    row = await page.locator('[data-testid="today-success-all"]').inner_text()
    assert row.split() == ["All", "gateways", "2", "1", "67%"]
    # The charts are drawn, sized by the figures: the one gateway bar in each currency spans the chart.
    for chart in ("today-gateway-inr", "today-method-inr", "today-gateway-usd", "week-days-inr", "today-success-gauge"):
        svg = page.locator(f'[data-testid="{chart}"]')
        assert await svg.get_attribute("role") == "img"
        box = await svg.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 20, chart
    bar = page.locator('[data-testid="today-gateway-inr"] .chart__bar--razorpay')
    assert await bar.get_attribute("width") == "170.0"
    assert await page.locator('[data-testid="today-method-inr"] .chart__bar--upi').count() == 1
    # Styles came from the shop's own stylesheet (the CSP allows nothing else): the bars are coloured.
    fill = await bar.evaluate("el => getComputedStyle(el).fill")
    assert fill not in ("", "none", "rgb(0, 0, 0)"), fill

    assert violations == []  # the charts need no inline style, script or outside host

    await page.set_viewport_size({"width": 1280, "height": 900})
    await page.screenshot(path=str(SHOTS / "admin-dashboard.png"), full_page=True)
