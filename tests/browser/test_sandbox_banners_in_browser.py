"""Issue 26, item 6 in Chromium: the two sandboxes' own banners, the Razorpay window's and the Stripe page's, each take
one short line on a 390 px phone (as the shop's banners do, tests/browser/test_accessibility_in_browser.py), their
words whole and readable (axe-core can check their contrast), what they mean opening below them, each in a landmark.
Screenshots artifacts/screenshots/sandbox-banner-*.png."""

from __future__ import annotations

from typing import Any

import pytest
from support.axe import check_page, describe_violations, find_violations
from support.browser import NEEDS_BROWSER, buy_a_shawl, go_to_stripe_as_a_us_buyer

pytestmark = [pytest.mark.browser, NEEDS_BROWSER]

PHONE = {"width": 390, "height": 844}
# A banner's padding and borders (and its summary's), the line-height of its words, whether they are cut short, and
# whether it sits in a landmark (axe-core's `region` rule, only "moderate", so check_page alone would not tell).
MEASURE_A_LINE = """(banner) => {
  const line = banner.querySelector('summary') || banner;
  const sides = ['paddingTop', 'paddingBottom', 'borderTopWidth', 'borderBottomWidth'];
  const frame = (e) => sides.reduce((sum, side) => sum + parseFloat(getComputedStyle(e)[side]), 0);
  return {
    frame: frame(banner) + (line === banner ? 0 : frame(line)),
    line: parseFloat(getComputedStyle(line).lineHeight),
    cut: line.scrollWidth > line.clientWidth,
    landmark: !!banner.closest('main, header, footer, aside, nav, [role=region], [role=complementary]'),
  };
}"""
CONTRAST_ONLY = {"runOnly": ["color-contrast"], "resultTypes": ["incomplete", "violations"]}


async def takes_one_whole_line(where: Any, testid: str) -> float:
    """The banner's height; it is one line of words not cut short, in a landmark, its contrast checked and good."""
    from axe_playwright_python.async_playwright import Axe

    banner = where.locator(f'[data-testid="{testid}"]')
    box = await banner.bounding_box()
    measured = await banner.evaluate(MEASURE_A_LINE)
    assert box and box["height"] - measured["frame"] <= measured["line"] + 0.5, (box, measured)
    assert not measured["cut"] and measured["landmark"], measured
    contrast = (await Axe().run(where, context=f'[data-testid="{testid}"]', options=CONTRAST_ONLY)).response
    assert contrast["incomplete"] == [] == contrast["violations"], describe_violations(
        contrast["incomplete"] + contrast["violations"]
    )
    await banner.locator("summary").click()
    assert await banner.locator(".banner-more").is_visible()
    return box["height"]


async def test_item6_the_razorpay_windows_banner_takes_one_line_on_a_390_px_phone(page, shop_url):
    await page.set_viewport_size(PHONE)
    await buy_a_shawl(page, shop_url)
    handle = await page.locator('[data-testid="razorpay-sandbox-frame"]').element_handle()
    window = handle and await handle.content_frame()
    assert window is not None
    await takes_one_whole_line(window, "sandbox-banner")
    violations = await find_violations(window)  # axe-core on the page does not look inside the frame
    assert not violations, describe_violations(violations)
    await check_page(page, "sandbox-banner-razorpay")


async def test_item6_the_stripe_pages_banner_takes_one_line_on_a_390_px_phone(page, shop_url):
    await page.set_viewport_size(PHONE)
    await go_to_stripe_as_a_us_buyer(page, shop_url, product="masala-chai", label=r"Stripe.*\$4\.99")
    await page.locator('[data-testid="stripe-sandbox-banner"]').wait_for()
    await takes_one_whole_line(page, "stripe-sandbox-banner")
    await check_page(page, "sandbox-banner-stripe")
