"""Issue 27 in Chromium: an Indian buyer subscribes with UPI Autopay in the Razorpay sandbox's window; the sandbox's
clock moves a month and the charge arrives by its signed webhook, its receipt queued; charges that fail take the
subscription to pending, then halted (retried T+1, T+2, T+3, then halted: SUBSCRIPTIONS.md §8), shown on the buyer's
page and the owner's; a buyer cancels at the end of the period. Every page is checked with axe (check_page)."""

from __future__ import annotations

import re

import aiohttp
import pytest
from support.axe import check_page
from support.browser import NEEDS_BROWSER, sign_in

from galla.orders.subscription_emails import charge_receipt_id
from galla.settings import SANDBOX_RAZORPAY_PATH
from galla.web.state import SHOP

pytestmark = [pytest.mark.browser, NEEDS_BROWSER]
DAY = 86400
MONTH = 31 * DAY


async def sandbox(base: str, app, method: str, path: str, body: dict) -> dict:
    """One Basic-authed call to the mounted Razorpay sandbox's control routes (its clock, its charge outcomes)."""
    client = app[SHOP].razorpay_client
    headers = {"Authorization": aiohttp.encode_basic_auth(client.key_id, client.key_secret)}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, base + SANDBOX_RAZORPAY_PATH + path, json=body, headers=headers) as resp,
    ):
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def subscribe_with_upi_autopay(page, base: str, name: str, email: str, phone: str) -> str:
    """Choose the chai club on /plans, subscribe, approve the UPI Autopay mandate; our subscription id."""
    await page.goto(base + "/plans")
    await page.locator('[data-testid="plan-chai-club"]').click()
    await page.fill('[data-testid="name"]', name)
    await page.fill('[data-testid="email"]', email)
    await page.fill('[data-testid="phone"]', phone)
    await page.click('[data-testid="subscribe"]')
    frame = page.frame_locator('[data-testid="razorpay-sandbox-frame"]')
    await frame.locator('[data-testid="sandbox-banner"]').wait_for()
    return frame


async def wait_for_status(page, words: str) -> None:
    """Reload the subscription's page until its status reads `words` (a webhook moves it; 10 s at most)."""
    status = page.locator('[data-testid="subscription-status"] h1')
    for _ in range(50):
        if (await status.inner_text()).strip() == words:
            return
        await page.wait_for_timeout(200)
        await page.reload()
    assert (await status.inner_text()).strip() == words


async def charges_shown(page) -> list[str]:
    """The charges the page lists, newest first, as their status cells read."""
    return [
        (await row.locator("td").nth(1).inner_text()).strip()
        for row in await page.locator('[data-testid="charge"]').all()
    ]


async def test_an_indian_buyer_subscribes_with_upi_autopay_is_charged_then_halted(page, served, database):
    base, app = served
    await page.goto(base + "/plans")
    plans = await page.locator('[data-testid="plan-chai-club"]').inner_text()
    assert "₹499.00 monthly" in plans and "UPI Autopay can carry it" in plans
    assert "not this shop" in plans  # who sends the pre-debit notice
    await check_page(page, "subscription-plans")

    frame = await subscribe_with_upi_autopay(page, base, "Meera Iyer", "meera@example.in", "98450 12345")
    assert "Mandate for Chai club" in await frame.locator('[data-testid="mandate"]').inner_text()
    await check_page(page, "subscription-razorpay-mandate-window")
    await frame.locator('[data-testid="upi-success"]').click()

    await page.wait_for_url(re.compile(r"/subscriptions/sbn_[\w-]+$"))
    sub_id = page.url.rsplit("/", 1)[1]
    await wait_for_status(page, "Active")
    assert "Next charge" in await page.locator('[data-testid="next-charge"]').evaluate("n => n.parentElement.innerText")
    assert "₹499.00 on" in await page.locator('[data-testid="next-charge"]').inner_text()
    assert "not this shop" in await page.locator('[data-testid="mandate"]').inner_text()
    assert await charges_shown(page) == ["Paid"]
    await check_page(page, "subscription-active")

    # A month on: the sandbox charges the mandate and tells us by a signed webhook; the receipt is queued.
    moved = await sandbox(base, app, "POST", "/sandbox/clock", {"seconds": MONTH})
    assert moved["subscription_events"], moved
    for _ in range(50):
        await page.reload()
        if await charges_shown(page) == ["Paid", "Paid"]:
            break
        await page.wait_for_timeout(200)
    assert await charges_shown(page) == ["Paid", "Paid"]
    charges = await database.db.subscription_charges.find({"subscription_id": sub_id}).to_list(None)
    receipts = await database.db.outbox.find({"_id": {"$in": [charge_receipt_id(c["_id"]) for c in charges]}}).to_list(
        None
    )
    assert len(receipts) == 2 and {r["to"] for r in receipts} == {"meera@example.in"}

    await page.locator('[data-testid="receipt-link"]').first.click()
    await page.wait_for_url(re.compile(r"/charges/"))
    assert "₹499.00" in await page.locator('[data-testid="receipt-total"]').inner_text()
    await check_page(page, "subscription-charge-receipt")
    await page.click('[data-testid="back-to-subscription"]')

    # The next charges fail: retried daily, pending meanwhile, halted after the fourth failure.
    razorpay_id = (await database.db.subscriptions.find_one({"_id": sub_id}))["razorpay_subscription_id"]
    await sandbox(base, app, "PUT", f"/sandbox/subscriptions/{razorpay_id}/charges", {"outcomes": ["failure"] * 4})
    await sandbox(base, app, "POST", "/sandbox/clock", {"seconds": MONTH})
    await wait_for_status(page, "A charge failed, being retried")
    assert "retried automatically" in await page.locator('[data-testid="status-detail"]').inner_text()
    await check_page(page, "subscription-pending")
    for _ in range(3):
        await sandbox(base, app, "POST", "/sandbox/clock", {"seconds": DAY})
    await wait_for_status(page, "Stopped after failed charges")
    assert (await charges_shown(page))[0].startswith("Failed")
    assert not await page.locator('[data-testid="cancel-subscription"]').count()
    await check_page(page, "subscription-halted")

    # The owner sees it halted too, with the mandate's rules and every charge.
    await sign_in(page, base)
    await page.goto(f"{base}/admin/subscriptions/{sub_id}")
    assert await page.locator('[data-testid="subscription-status"]').get_attribute("data-status") == "halted"
    assert "not by this shop" in await page.locator('[data-testid="mandate"]').inner_text()
    statuses = [s.strip() for s in await page.locator('[data-testid="charge-status"]').all_inner_texts()]
    assert sorted(statuses) == ["Failed", "Paid", "Paid"]
    await check_page(page, "subscription-halted-owner")


async def test_a_buyer_cancels_at_the_end_of_the_period(page, served):
    base, _ = served
    frame = await subscribe_with_upi_autopay(page, base, "Arjun Nair", "arjun@example.in", "98450 54321")
    # He closes the window first: his subscription waits, unauthorised, and its page starts it again.
    await frame.locator('[data-testid="close"]').click()
    await page.wait_for_url(re.compile(r"/subscriptions/sbn_[\w-]+$"))
    await wait_for_status(page, "Waiting for you to authorise the payments")
    await check_page(page, "subscription-not-authorised")
    await page.click('[data-testid="start-subscription"]')
    frame = page.frame_locator('[data-testid="razorpay-sandbox-frame"]')
    await frame.locator('[data-testid="upi-success"]').click()
    await page.wait_for_url(re.compile(r"/subscriptions/sbn_[\w-]+$"))
    await wait_for_status(page, "Active")
    assert not await page.locator('[data-testid="start-subscription"]').count()

    await page.click('[data-testid="cancel-subscription"]')
    await page.locator('[data-testid="cancelling"]').wait_for()
    assert "it stops when the period you paid for ends" in await page.locator('[data-testid="cancelling"]').inner_text()
    assert await page.locator('[data-testid="next-charge"]').inner_text() == "None"
    assert (await page.locator('[data-testid="subscription-status"] h1').inner_text()).strip() == "Active"
    await check_page(page, "subscription-cancelling")
