"""The browser tests' Chromium and helpers. Without Chromium the tests are skipped, except in CI, where
.ci/run installs Debian's chromium and a missing browser is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from support.addresses import fill_address

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HAVE_BROWSER = Path(CHROMIUM).exists()
NEEDS_BROWSER = pytest.mark.skipif(
    not HAVE_BROWSER and not os.environ.get("CI"), reason="Debian's chromium is not installed"
)
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
# The admin password the browser tests sign in with (a run without one would print a generated one).
ADMIN_PASSWORD = "browser-admin-password-1"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@asynccontextmanager
async def phone_page(timeout_ms: int) -> AsyncIterator[Any]:
    """A phone-sized page in headless Chromium, waiting at most `timeout_ms` for anything."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = await browser.new_context(viewport={"width": 390, "height": 844})
        context.set_default_timeout(timeout_ms)
        yield await context.new_page()
        await browser.close()


async def sign_in(page, shop_url: str) -> None:
    """Sign in to the admin area through its form, as a person does (an admin page first sends you there)."""
    await page.goto(shop_url + "/admin")
    await page.wait_for_url("**/admin/login")
    await page.fill('[data-testid="password"]', ADMIN_PASSWORD)
    await page.click('[data-testid="sign-in"]')
    await page.wait_for_url(shop_url + "/admin")


async def reload_until_status(page, status: str) -> None:
    """Reload the admin's order page until the gateway's webhook has moved the order to status (10 s at most)."""
    for _ in range(50):
        if await page.locator('[data-testid="order-status"]').inner_text() == status:
            return
        await page.wait_for_timeout(200)
        await page.reload()
    assert await page.locator('[data-testid="order-status"]').inner_text() == status


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


STRIPE_PAGE = "**/sandbox/stripe/c/pay/cs_test_*"


DECLINED, SUCCEEDS = "4000 0000 0000 0002", "4242 4242 4242 4242"


async def fill_checkout(
    page, shop_url, *, product: str, name: str, email: str, phone: str, country: str = "IN"
) -> None:
    """Put one product in the cart and fill the checkout form's details, the delivery address in `country`."""
    await page.goto(shop_url + "/")
    await page.click(f'[data-add-to-cart][data-product-id="{product}"]')
    await page.wait_for_selector('[data-cart-count]:has-text("1")')
    await page.goto(shop_url + "/checkout")
    await page.fill('[data-testid="name"]', name)
    await page.fill('[data-testid="email"]', email)
    await page.fill('[data-testid="phone"]', phone)
    if country != "IN":
        await page.select_option('[data-testid="country"]', country)
    await fill_address(page, country)


async def pay_button_says(page, pattern: str) -> str:
    """Wait until the checkout's Pay button, enabled, carries the quote's label; return that label."""
    button = page.locator('[data-testid="pay"]')
    await button.filter(has_text=re.compile(pattern)).wait_for()
    # A function, never a bare expression: Playwright re-checks an expression with eval() in the page, which the
    # shop's CSP (script-src 'self') refuses once the first check comes back false.
    await page.wait_for_function("() => !document.querySelector('[data-testid=pay]').disabled")
    return (await button.inner_text()).strip()


async def go_to_stripe_as_a_us_buyer(page, shop_url, *, product: str, label: str) -> None:
    """Jane Doe, in the US, checks out one `product`: the Pay button reads `label` (a pattern), and she presses it."""
    await fill_checkout(
        page,
        shop_url,
        product=product,
        name="Jane Doe",
        email="jane@example.com",
        phone="+1 202 555 0143",
        country="US",
    )
    await page.select_option('[data-testid="country"]', "US")
    await pay_button_says(page, label)
    await page.click('[data-testid="pay"]')


async def pay_by_card(page, number: str, *, name: str = "Test Buyer", email: str | None = None) -> None:
    """Type a card on the Stripe sandbox's hosted page and press its Pay button."""
    await page.fill('[data-testid="card-number"]', number)
    await page.fill('[data-testid="card-expiry"]', "12/34")
    await page.fill('[data-testid="card-cvc"]', "123")
    await page.fill('[data-testid="card-name"]', name)
    # Stripe India: Checkout collects the billing address, and the shipping address when the order has none.
    for prefix in ("billing", "shipping"):
        if await page.locator(f'[data-testid="{prefix}-address"]').count():
            for field, value in (
                ("name", name),
                ("line1", "510 Townsend St"),
                ("city", "San Francisco"),
                ("state", "CA"),
                ("postal-code", "94103"),
                ("country", "US"),
            ):
                box = page.locator(f'[data-testid="{prefix}-{field}"]')
                if await box.count():
                    await box.fill(value)
    email_box = page.locator('[data-testid="email"]')
    if email and await email_box.is_editable():  # Checkout locks the email it was given
        await email_box.fill(email)
    await page.click('[data-testid="pay-button"]')


async def wait_for_paid(page) -> None:
    """Back on our order page from Stripe's success redirect, showing the order paid."""
    # Stripe sends the buyer back with ?session_id=cs_test_…, which the page then takes out of the address bar.
    await page.wait_for_url(re.compile(r"/orders/ord_[\w-]+"))
    await page.locator('[data-testid="order-status"]').filter(has_text="Paid").wait_for()
    assert not await page.locator('[data-testid="pay-button"]').is_visible()


async def pay_by_card_as_a_us_buyer(page, shop_url, *, product: str, label: str) -> None:
    """Jane Doe, in the US, buys one `product` by card on Stripe's page (its Pay button reading `label`, a pattern)
    and lands on the paid order page."""
    await go_to_stripe_as_a_us_buyer(page, shop_url, product=product, label=label)
    await pay_by_card(page, SUCCEEDS, name="Jane Doe", email="jane@example.com")
    await wait_for_paid(page)


REPORT_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', (event) => {
  window.reportCspViolation(`${event.violatedDirective} blocked ${event.blockedURI} on ${location.pathname}`);
});
"""
