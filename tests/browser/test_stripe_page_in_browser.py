"""Issue 26 items 4 and 14 in real Chromium: the Stripe sandbox's page names the shop as Stripe Checkout names a
business (its public name and icon at the top, its public details at the foot) and writes money for its currency,
₹1,23,456.00 in rupees as on our own pages, for an international buyer in dollars and an Indian buyer paying in
rupees by an international card. axe-core on each page; screenshots artifacts/screenshots/stripe-page-*.png."""

from __future__ import annotations

import pytest
from support.axe import check_page
from support.browser import (
    ADMIN_PASSWORD,
    NEEDS_BROWSER,
    REPORT_VIOLATIONS,
    STRIPE_PAGE,
    SUCCEEDS,
    fill_checkout,
    go_to_stripe_as_a_us_buyer,
    pay_button_says,
    pay_by_card,
    wait_for_paid,
)
from support.shop_details import LOOMS_FOOTER, LOOMS_SETTINGS

from galla.app import create_app
from galla.settings import Settings

pytestmark = [pytest.mark.browser, NEEDS_BROWSER]


@pytest.fixture
async def looms_url(aiohttp_server, database, unused_tcp_port_factory):
    """The keyless app (both sandboxes mounted) on a real port, with the shop's own details set."""
    port = unused_tcp_port_factory()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(_env_file=None, public_url=base, admin_password=ADMIN_PASSWORD, **LOOMS_SETTINGS)
    await aiohttp_server(create_app(settings, db=database, self_url=base), port=port)
    return base


async def watch_csp(page) -> list[str]:
    """Collect every Content-Security-Policy violation the pages report from now on."""
    violations: list[str] = []
    await page.expose_function("reportCspViolation", lambda text: violations.append(text))
    await page.add_init_script(REPORT_VIOLATIONS)
    return violations


async def shows_the_shop(page, shop_url: str) -> None:
    """The hosted page's header names the shop beside its icon (loaded), and its footer the shop's details."""
    await page.locator('[data-testid="stripe-sandbox-banner"]').wait_for()
    assert await page.locator('[data-testid="business-name"]').inner_text() == "Kashmir Looms"
    icon = page.locator('[data-testid="business-icon"]')
    assert await icon.get_attribute("src") == shop_url + "/static/favicon.svg"
    await page.wait_for_function("() => document.querySelector('[data-testid=business-icon]').complete")
    assert await icon.evaluate("img => img.naturalWidth") > 0  # it loaded, under the page's CSP
    details = " ".join((await page.locator('[data-testid="business-details"]').inner_text()).split())
    assert details == LOOMS_FOOTER
    assert await page.locator('[data-testid="support-email"]').get_attribute("href") == "mailto:help@looms.example"


async def test_item4_an_international_buyer_sees_the_shop_and_dollars(page, looms_url):
    violations = await watch_csp(page)
    await go_to_stripe_as_a_us_buyer(page, looms_url, product="banarasi-saree", label=r"Stripe.*\$1,499\.00")
    await page.wait_for_url(STRIPE_PAGE)
    await shows_the_shop(page, looms_url)
    assert await page.locator('[data-testid="total"]').inner_text() == "$1,499.00"
    assert await page.locator('[data-testid="pay-button"]').inner_text() == "Pay $1,499.00"
    assert await page.title() == "Pay Kashmir Looms $1,499.00 — Stripe sandbox"
    await check_page(page, "stripe-page-usd")
    assert violations == []


async def test_item4_an_indian_buyer_paying_in_rupees_sees_lakhs(page, looms_url):
    violations = await watch_csp(page)
    await fill_checkout(
        page, looms_url, product="banarasi-saree", name="Meera Iyer", email="meera@example.in", phone="98450 12345"
    )
    await pay_button_says(page, "UPI")
    await page.check('[data-testid="pay-with-international-card"]')
    assert await pay_button_says(page, "Stripe") == "Continue to Stripe to pay ₹1,23,456.00"
    await page.click('[data-testid="pay"]')
    await page.wait_for_url(STRIPE_PAGE)
    await shows_the_shop(page, looms_url)
    # The same figure as our checkout page: Indian grouping, not ₹123,456.00.
    assert await page.locator('[data-testid="total"]').inner_text() == "₹1,23,456.00"
    line = " ".join((await page.locator('[data-testid="line-item"]').inner_text()).split())
    assert "₹1,23,456.00" in line
    await check_page(page, "stripe-page-inr")

    await pay_by_card(page, SUCCEEDS, name="Meera Iyer", email="meera@example.in")
    await wait_for_paid(page)
    assert await page.locator('[data-testid="order-total"]').inner_text() == "₹1,23,456.00"
    assert violations == []
