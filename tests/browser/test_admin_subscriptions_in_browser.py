"""The admin's plans and subscriptions pages in real Chromium, at a phone's width (390 px) and a laptop's (1280 px):
each one axe-clean (no serious or critical violation) with its screenshot, the plan form's errors named beside their
fields, and the dashboard's subscription figures; then the owner's side of a subscription made through the API and
the Razorpay sandbox: its charges fail until it halts (retried daily, then halted: SUBSCRIPTIONS.md §8), the owner
sees it halted on the dashboard, the list and its page, and cancels it there. Screenshots: admin-sub-*.png."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web
from support.app import sandbox_settings
from support.axe import check_page
from support.browser import ADMIN_PASSWORD, NEEDS_BROWSER, sign_in
from support.razorpay_subscriptions import DAY, advance, plan_charges, sandbox_record
from support.stored_subscriptions import store_charge, store_subscription
from support.subscribing import authenticate, subscribe, verify

from galla.app import create_app
from sandboxes.razorpay import RAZORPAY_WEBHOOKS

pytestmark = [pytest.mark.browser, NEEDS_BROWSER]
WIDTHS = (390, 1280)


@pytest.fixture
async def owner_shop(database, razorpay_sandbox, stripe_sandbox, unused_tcp_port_factory):
    """The app on a real port against the sandboxes on theirs (as a shop with keys would run), the Razorpay sandbox
    sending its signed webhooks to it; its base URL."""
    port = unused_tcp_port_factory()
    base = f"http://127.0.0.1:{port}"
    settings = sandbox_settings(razorpay_sandbox, stripe_sandbox, public_url=base, admin_password=ADMIN_PASSWORD)
    runner = web.AppRunner(create_app(settings, db=database, self_url=base))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    sender = razorpay_sandbox.server.app[RAZORPAY_WEBHOOKS]
    sender.url = base + "/webhooks/razorpay"
    sender.secret = settings.razorpay_webhook_secret.get_secret_value()
    yield base
    await runner.cleanup()


async def visit_each_width(page, url: str, name: str) -> None:
    """Open the page at each width and check it: axe-clean, and never wider than the screen (its tables scroll)."""
    for width in WIDTHS:
        await page.set_viewport_size({"width": width, "height": 900})
        await page.goto(url)
        assert await page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} scrolls sideways"
        await check_page(page, f"admin-sub-{name}-{width}")


async def test_every_plans_and_subscriptions_page_is_axe_clean(page, shop_url, database):
    db = database.db
    sub = await store_subscription(
        db, status="pending", review_reason="charged ₹399.00 where the plan's price is ₹499.00"
    )
    await store_charge(db, sub, "inv_0000000000000A")
    await store_charge(db, sub, "inv_0000000000000B", "failed")
    await store_subscription(db, status="halted", customer={"name": "Kenji Sato", "email": "k@example.jp", "phone": ""})
    await sign_in(page, shop_url)

    await visit_each_width(page, shop_url + "/admin", "dashboard")
    assert await page.locator('[data-testid="halted"]').inner_text() == "1"
    assert await page.locator('[data-testid="mrr-INR"]').inner_text() == "₹499.00"

    await visit_each_width(page, shop_url + "/admin/plans", "plans")
    await visit_each_width(page, shop_url + "/admin/plans/new", "plan-new")
    await visit_each_width(page, shop_url + "/admin/plans/chai-club", "plan-edit")
    await visit_each_width(page, shop_url + "/admin/subscriptions", "list")
    await visit_each_width(page, shop_url + "/admin/subscriptions?status=late", "list-error")
    await visit_each_width(page, f"{shop_url}/admin/subscriptions/{sub.id}", "page")

    # A plan form sent with mistakes: each is named beside its field, and the page stays axe-clean.
    for width in WIDTHS:
        await page.set_viewport_size({"width": width, "height": 900})
        await page.goto(shop_url + "/admin/plans/new")
        await page.fill("#name", "Weekly leaves")
        await page.fill("#interval_count", "0")
        await page.fill("#price_USD", "0.75")
        await page.click('[data-testid="save"]')
        await page.locator('[data-testid="form-errors"]').wait_for()
        assert "not a whole number" in await page.locator('[data-testid="error-interval_count"]').inner_text()
        assert "below $1.00" in await page.locator('[data-testid="error-price_USD"]').inner_text()
        assert "required" in await page.locator('[data-testid="error-price_INR"]').inner_text()
        await check_page(page, f"admin-sub-plan-errors-{width}")

    # The confirmation pages of an action and of a refund (not confirmed: the gateway has no such subscription).
    for width in WIDTHS:
        await page.set_viewport_size({"width": width, "height": 900})
        await page.goto(f"{shop_url}/admin/subscriptions/{sub.id}")
        await page.click('[data-testid="action-cancel_now"]')
        await page.locator('[data-testid="confirm-cancel_now"]').wait_for()
        await check_page(page, f"admin-sub-confirm-cancel-{width}")
        await page.goto(f"{shop_url}/admin/subscriptions/{sub.id}")
        await page.click('[data-testid="refund-inv_0000000000000A"]')
        await page.locator('[data-testid="confirm-refund"]').wait_for()
        assert "Refund ₹499.00?" in await page.locator("h1").inner_text()
        await check_page(page, f"admin-sub-confirm-refund-{width}")


async def reload_until(page, testid: str, text: str) -> None:
    """Reload until the element reads text (a webhook moves the subscription; 10 s at most)."""
    for _ in range(50):
        if (await page.locator(f'[data-testid="{testid}"]').inner_text()).strip() == text:
            return
        await page.wait_for_timeout(200)
        await page.reload()
    assert (await page.locator(f'[data-testid="{testid}"]').inner_text()).strip() == text


async def test_the_owner_sees_a_subscription_halt_and_cancels_it(page, owner_shop, razorpay_sandbox):
    async with aiohttp.ClientSession(base_url=owner_shop) as api:
        status, _, body = await subscribe(api)
        assert status == 201, body
        proof = await authenticate(razorpay_sandbox, body["razorpay"]["subscription_id"])
        status, verified = await verify(api, body["subscription_id"], proof)
        assert (status, verified["status"]) == (200, "active"), verified
    sub_id, razorpay_id = body["subscription_id"], body["razorpay"]["subscription_id"]
    # Every charge from now on fails: the first is due a month on, then Razorpay retries daily and halts.
    await plan_charges(razorpay_sandbox, razorpay_id, ["failure"] * 4)
    await advance(razorpay_sandbox, 31 * DAY)
    for _ in range(3):
        await advance(razorpay_sandbox, DAY)

    await sign_in(page, owner_shop)
    await reload_until(page, "halted", "1")
    assert await page.locator('[data-testid="failed-charges"]').inner_text() == "1"
    await check_page(page, "admin-sub-owner-dashboard")
    await page.click('[data-testid="tile-halted"] a')
    await page.wait_for_url("**/admin/subscriptions?status=halted")
    assert await page.locator("tr[data-subscription-id]").count() == 1
    await page.click(f'a[href="/admin/subscriptions/{sub_id}"]')
    assert await page.locator('[data-testid="subscription-status"]').inner_text() == "Halted"
    assert await page.locator('[data-testid="charge-status"]').all_inner_texts() == ["Paid", "Failed"]
    titles = await page.locator('[data-testid="trace-title"]').all_inner_texts()
    assert "Webhook subscription.halted" in titles and "Status → Halted" in titles
    await check_page(page, "admin-sub-owner-halted")

    await page.click('[data-testid="action-cancel_now"]')
    await page.click('[data-testid="confirm"]')
    await page.locator('[data-testid="notice"]').wait_for()
    assert await page.locator('[data-testid="subscription-status"]').inner_text() == "Cancelled"
    assert sandbox_record(razorpay_sandbox, razorpay_id)[0][0] == "cancelled"
    await check_page(page, "admin-sub-owner-cancelled")
