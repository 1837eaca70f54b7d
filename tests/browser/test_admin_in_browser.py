"""The shop owner in real Chromium: sign in, find a UPI order, read its trace, refund part of it, see it settle."""

from __future__ import annotations

import pytest
from support.browser import (
    NEEDS_BROWSER,
    SHOTS,
    buy_a_shawl,
    pay_by_card_as_a_us_buyer,
    reload_until_status,
    sign_in,
)

pytestmark = [pytest.mark.browser, NEEDS_BROWSER]


async def test_admin_refunds_part_of_a_upi_order_and_it_ends_partially_refunded(page, shop_url):
    await page.set_viewport_size({"width": 1280, "height": 900})
    frame = await buy_a_shawl(page, shop_url)
    await frame.locator('[data-testid="upi-success"]').click()
    await page.wait_for_url("**/orders/ord_*")
    order_id = page.url.rsplit("/", 1)[1].split("?")[0]
    await page.locator('[data-testid="order-status"]').filter(has_text="Paid").wait_for()

    await sign_in(page, shop_url)
    await page.goto(shop_url + "/admin/orders?method=upi")
    await page.screenshot(path=str(SHOTS / "admin-orders.png"), full_page=True)
    await page.click(f'tr[data-order-id="{order_id}"] a')
    await page.wait_for_url(f"**/admin/orders/{order_id}")
    trace = page.locator('[data-testid="trace"] [data-testid="trace-title"]')
    await trace.filter(has_text="Webhook order.paid").wait_for()  # the sandbox's webhooks have arrived
    titles = await trace.all_inner_texts()
    assert titles[:2] == ["Status → Waiting for payment", "POST /v1/orders"], titles
    assert any(t.startswith("checkout.js handler") for t in titles) and "Status → Paid" in titles
    await page.screenshot(path=str(SHOTS / "admin-order-trace-upi.png"), full_page=True)

    await page.fill('[data-testid="refund-form"] input[name="amount"]', "5,000")
    await page.click('[data-testid="refund-button"]')
    confirm = page.locator('[data-testid="confirm-refund"]')
    assert "Refund ₹5,000.00?" in await confirm.inner_text()
    await page.screenshot(path=str(SHOTS / "admin-refund-confirm.png"))
    await page.click('[data-testid="confirm"]')
    await page.wait_for_url(f"**/admin/orders/{order_id}?refund=rf_*")
    assert "Refund of ₹5,000.00" in await page.locator('[data-testid="notice"]').inner_text()

    # The sandbox processes the refund and sends refund.processed; the order follows.
    await reload_until_status(page, "Partially refunded")
    assert await page.locator('[data-testid="refunded"]').inner_text() == "₹5,000.00"
    titles = await trace.all_inner_texts()
    assert "Refund of ₹5,000.00 asked for" in titles and "Status → Partially refunded" in titles
    await page.screenshot(path=str(SHOTS / "admin-refunded.png"), full_page=True)


async def test_a_stripe_order_refunded_in_full_shows_its_whole_trace(page, shop_url):
    await page.set_viewport_size({"width": 1280, "height": 900})
    await pay_by_card_as_a_us_buyer(page, shop_url, product="masala-chai", label=r"Stripe")
    order_id = page.url.rsplit("/", 1)[1].split("?")[0]

    await sign_in(page, shop_url)
    await page.goto(f"{shop_url}/admin/orders/{order_id}")
    await page.click('[data-testid="refund-button"]')  # blank amount: all of it
    await page.click('[data-testid="confirm"]')
    await page.wait_for_url(f"**/admin/orders/{order_id}?refund=rf_*")
    await reload_until_status(page, "Refunded")
    titles = await page.locator('[data-testid="trace"] [data-testid="trace-title"]').all_inner_texts()
    for wanted in (
        "POST /v1/checkout/sessions",
        "the buyer came back from Stripe's page",
        "Status → Paid",
        "Webhook checkout.session.completed",
        "POST /v1/refunds",
        "Status → Refunded",
    ):
        assert any(wanted in title for title in titles), (wanted, titles)
    await page.screenshot(path=str(SHOTS / "admin-order-trace-stripe-refunded.png"), full_page=True)
