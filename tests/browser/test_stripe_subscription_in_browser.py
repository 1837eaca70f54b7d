"""Issue 27 in Chromium: a US buyer subscribes to the chai club through the Stripe sandbox's hosted page (Checkout in
subscription mode), is charged twice more as the test clock his Stripe customer lives on moves a month at a time
(SUBSCRIPTIONS.md §18: Checkout reaches a clock through a clock-attached customer, which a sandboxed Galla makes on
a test clock of the subscription's own),
and cancels in Stripe's customer portal: the subscription stops when the period he paid for ends. Each charge comes
by a signed webhook the mounted sandbox sends; every page is checked with axe (check_page)."""

from __future__ import annotations

import re

import pytest
from support.axe import check_page
from support.browser import NEEDS_BROWSER, pay_by_card
from support.stripe_billing import MountedStripe, advance_clock, call_sandbox

from galla.settings import SANDBOX_STRIPE_PATH
from galla.store.subscriptions import get_subscription
from galla.web.state import DATABASE, SHOP

pytestmark = [pytest.mark.browser, NEEDS_BROWSER]
DAY = 86400
EMAIL = "sam.carter@example.com"


async def charges_shown(page) -> list[str]:
    """The charges the subscription's page lists, as their status cells read."""
    return [
        (await row.locator("td").nth(1).inner_text()).strip()
        for row in await page.locator('[data-testid="charge"]').all()
    ]


async def reload_until(page, check, what: str) -> None:
    """Reload the page until check(page) holds (a webhook moves it; 10 s at most)."""
    for _ in range(50):
        if await check(page):
            return
        await page.wait_for_timeout(200)
        await page.reload()
    raise AssertionError(f"the page never showed {what}")


def status_is(words: str):
    async def check(page) -> bool:
        return (await page.locator('[data-testid="subscription-status"] h1').inner_text()).strip() == words

    return check


def paid_charges(count: int):
    async def check(page) -> bool:
        return await charges_shown(page) == ["Paid"] * count

    return check


async def test_a_us_buyer_subscribes_on_stripe_is_charged_twice_more_and_cancels_in_the_portal(page, served):
    base, app = served
    stripe = MountedStripe(base + SANDBOX_STRIPE_PATH, app[SHOP].stripe_client.secret_key)

    await page.goto(base + "/plans?country=US")
    assert "$9.00" in await page.locator('[data-testid="plan-chai-club"]').inner_text()
    await check_page(page, "stripe-subscription-plans")
    await page.locator('[data-testid="plan-chai-club"]').click()
    await page.fill('[data-testid="name"]', "Sam Carter")
    await page.fill('[data-testid="email"]', EMAIL)
    await page.fill('[data-testid="phone"]', "+1 415 555 0132")
    await page.click('[data-testid="subscribe"]')

    await page.locator('[data-testid="stripe-sandbox-banner"]').wait_for()
    await check_page(page, "stripe-subscription-hosted-page")
    await pay_by_card(page, "4242 4242 4242 4242", name="Sam Carter", email=EMAIL)
    await page.wait_for_url(re.compile(r"/subscriptions/sbn_[\w-]+"))
    sub = await get_subscription(app[DATABASE].db, re.findall(r"sbn_[\w-]+", page.url)[0])
    clock_id = sub.stripe_test_clock_id  # the sandboxed shop put the buyer's customer on a clock of its own
    frozen = (await call_sandbox(stripe, "GET", f"/v1/test_helpers/test_clocks/{clock_id}"))["frozen_time"]
    await reload_until(page, status_is("Active"), "Active")
    assert await charges_shown(page) == ["Paid"]
    assert "$9.00 on" in await page.locator('[data-testid="next-charge"]').inner_text()
    await check_page(page, "stripe-subscription-active")

    for month in (1, 2):
        frozen += 31 * DAY
        await advance_clock(stripe, clock_id, frozen)
        await reload_until(page, paid_charges(1 + month), f"{1 + month} paid charges")
    await check_page(page, "stripe-subscription-charged-three-times")

    await page.click('[data-testid="portal"]')
    await page.locator('[data-testid="portal-cancel"]').wait_for()
    await check_page(page, "stripe-subscription-portal")
    await page.click('[data-testid="portal-cancel"]')
    await page.locator('[data-testid="portal-renew"]').wait_for()
    assert (await page.locator('[data-testid="portal-status"]').inner_text()).startswith("Cancels on")
    await check_page(page, "stripe-subscription-portal-cancelled")
    await page.click('[data-testid="portal-return"]')
    await page.wait_for_url(re.compile(r"/subscriptions/sbn_[\w-]+"))
    await reload_until(page, lambda p: p.locator('[data-testid="cancelling"]').is_visible(), "the cancel at period end")
    assert await page.locator('[data-testid="next-charge"]').inner_text() == "None"
    await check_page(page, "stripe-subscription-cancelling")

    frozen += 31 * DAY
    await advance_clock(stripe, clock_id, frozen)
    await reload_until(page, status_is("Cancelled"), "Cancelled")
    assert await charges_shown(page) == ["Paid"] * 3  # nothing charged after the cancel
    await check_page(page, "stripe-subscription-cancelled")
