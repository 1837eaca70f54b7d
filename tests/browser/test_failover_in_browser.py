"""Razorpay down, in real Chromium: the checkout page says so plainly, the buyer chooses to go on, and pays
by card on the Stripe sandbox in rupees, ending on a paid order page. Screenshot: failover-checkout.png."""

from __future__ import annotations

import re

import pytest
from aiohttp import web
from support.browser import (
    NEEDS_BROWSER,
    SHOTS,
    STRIPE_PAGE,
    SUCCEEDS,
    fill_checkout,
    pay_button_says,
    pay_by_card,
    wait_for_paid,
)

from galla.app import create_app
from galla.settings import SANDBOX_RAZORPAY_PATH, Settings
from sandboxes.razorpay.config import SANDBOX_FAULTS

pytestmark = [pytest.mark.browser, NEEDS_BROWSER]


@pytest.fixture
async def failing_shop(database, unused_tcp_port_factory):
    """The keyless app on a real port, with its mounted Razorpay sandbox answering 500 to every call."""
    port = unused_tcp_port_factory()
    base = f"http://127.0.0.1:{port}"
    app = create_app(Settings(_env_file=None, public_url=base), db=database, self_url=base)
    sandbox = next(r.get_info()["app"] for r in app.router.resources() if r.canonical == SANDBOX_RAZORPAY_PATH)
    sandbox[SANDBOX_FAULTS].failures.set(1, "500")
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield base
    await runner.cleanup()


async def test_razorpay_down_the_buyer_is_told_and_pays_by_card_in_rupees(page, failing_shop):
    await fill_checkout(
        page, failing_shop, product="brass-diya", name="Meera Iyer", email="meera@example.in", phone="98450 12345"
    )
    await pay_button_says(page, "with UPI")
    await page.click('[data-testid="pay"]')

    notice = page.locator('[data-testid="form-error"]')
    await notice.filter(has_text="Razorpay answered with an error").wait_for()
    text = await notice.inner_text()
    assert "by card on Stripe's secure page instead, in rupees" in text and "₹" in text
    label = await pay_button_says(page, "Continue to Stripe")
    assert re.fullmatch(r"Continue to Stripe to pay ₹[\d,.]+ by card", label)
    assert page.url.endswith("/checkout")  # nothing happens until the buyer says so
    await page.screenshot(path=str(SHOTS / "failover-checkout.png"), full_page=True)

    await page.click('[data-testid="pay"]')
    await page.wait_for_url(STRIPE_PAGE)
    assert (await page.locator('[data-testid="total"]').inner_text()).startswith("₹")
    await pay_by_card(page, SUCCEEDS, name="Meera Iyer")
    await wait_for_paid(page)
