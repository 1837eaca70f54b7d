"""The admin's sandbox clock in Chromium, on the app as `make run` builds it: an Indian buyer's UPI Autopay
subscription (through the mounted Razorpay sandbox), then the owner presses "Move on by one billing period" once on
its admin page; the sandbox's clock moves (POST /sandbox/clock), the charge falls due and comes in by its signed
webhook, and the page shows two paid charges. Every page is checked with axe (check_page)."""

from __future__ import annotations

from types import SimpleNamespace

import aiohttp
import pytest
from support.axe import check_page
from support.browser import NEEDS_BROWSER, sign_in
from support.subscribing import authenticate, subscribe, verify

from galla.settings import SANDBOX_RAZORPAY_PATH
from galla.web.state import SHOP

pytestmark = [pytest.mark.browser, NEEDS_BROWSER]


async def test_the_owner_moves_a_subscription_on_a_period_and_its_charge_arrives(page, served):
    base, app = served
    keys = app[SHOP].razorpay_client
    razorpay = SimpleNamespace(url=base + SANDBOX_RAZORPAY_PATH, key_id=keys.key_id, key_secret=keys.key_secret)
    async with aiohttp.ClientSession(base_url=base) as buyer:
        status, _, body = await subscribe(buyer)
        assert status == 201, body
        proof = await authenticate(razorpay, body["razorpay"]["subscription_id"])
        assert (await verify(buyer, body["subscription_id"], proof))[0] == 200

    await sign_in(page, base)
    await page.goto(f"{base}/admin/subscriptions/{body['subscription_id']}")
    paid = page.locator('[data-testid="paid-count"]')
    assert await paid.inner_text() == "1"
    await page.locator('[data-testid="sandbox-clock"]').wait_for()
    await check_page(page, "admin-sandbox-clock")

    await page.click('[data-testid="clock-period"]')
    notice = page.locator('[data-testid="notice"]')
    assert "moved on by one billing period" in await notice.inner_text()
    for _ in range(50):
        if await paid.inner_text() == "2":
            break
        await page.wait_for_timeout(200)
        await page.reload()
    assert await paid.inner_text() == "2"
    assert await page.locator('[data-testid="charge-status"]').all_inner_texts() == ["Paid", "Paid"]
    await check_page(page, "admin-sandbox-clock-moved")
