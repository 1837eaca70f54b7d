"""The shop's Content-Security-Policy in real Chromium: a whole Razorpay checkout breaks none of it.

Runs against the app as `make run` builds it (keyless, sandbox mounted, real port); checkout.js, its window
and the order page must load, run and style themselves without one CSP violation.
"""

from __future__ import annotations

import pytest
from support.browser import NEEDS_BROWSER, REPORT_VIOLATIONS, buy_a_shawl

pytestmark = [pytest.mark.browser, NEEDS_BROWSER]


async def test_checkout_runs_without_csp_violations(page, shop_url):
    violations: list[str] = []
    await page.expose_function("reportCspViolation", lambda text: violations.append(text))
    await page.add_init_script(REPORT_VIOLATIONS)
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )

    response = await page.goto(shop_url + "/checkout")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    frame = await buy_a_shawl(page, shop_url)
    await frame.locator('[data-testid="upi-success"]').click()
    await page.wait_for_url("**/orders/ord_*")
    await page.locator('[data-testid="order-status"]').filter(has_text="Paid").wait_for()
    assert violations == []

    # The listener does hear the policy: an injected inline script is refused and reported.
    await page.evaluate(
        "document.head.append(Object.assign(document.createElement('script'), {textContent: 'window.injected = true'}))"
    )
    for _ in range(50):
        if violations:
            break
        await page.wait_for_timeout(20)
    assert any("script-src" in text for text in violations), violations
    assert await page.evaluate("window.injected") is None
