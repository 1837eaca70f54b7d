"""The admin's plans and subscriptions pages in real Chromium, at a phone's width (390 px) and a laptop's (1280 px):
each one axe-clean (no serious or critical violation) with its screenshot, the plan form's errors named beside their
fields, and the dashboard's subscription figures. Subscriptions and charges are stored through the store (the
gateway flows have their own browser tests). Screenshots: admin-sub-*.png."""

from __future__ import annotations

import pytest
from support.axe import check_page
from support.browser import NEEDS_BROWSER, sign_in
from support.stored_subscriptions import store_charge, store_subscription

pytestmark = [pytest.mark.browser, NEEDS_BROWSER]
WIDTHS = (390, 1280)


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
