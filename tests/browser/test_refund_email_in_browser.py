"""Refund emails in real Chromium: a UPI order paid, refunded in part from the admin, and the buyer's two refund
emails ("made", then "processed" once Razorpay's refund.processed arrives) queued in the admin's outbox beside the
receipt; the receipt page names the seller with the shop's details. axe-core and a screenshot on every page visited
(artifacts/screenshots/refund-email-*.png)."""

from __future__ import annotations

import pytest
from support.axe import check_page
from support.browser import NEEDS_BROWSER, buy_a_shawl, sign_in

pytestmark = [pytest.mark.browser, NEEDS_BROWSER, pytest.mark.usefixtures("shop_details")]

DETAILS = {
    "SHOP_LEGAL_NAME": "Galla Handlooms Private Limited",
    "SHOP_ADDRESS": "12 MG Road, Bengaluru 560001, Karnataka",
    "SHOP_EMAIL": "help@galla.example",
    "SHOP_PHONE": "+91 80 4000 1234",
}


@pytest.fixture
def shop_details(monkeypatch):
    """The shop's details in the environment, as an owner sets them, before the app is built."""
    for name, value in DETAILS.items():
        monkeypatch.setenv(name, value)


async def reload_until(page, selector: str, text: str) -> None:
    """Reload until the element shows text: the sandbox's webhooks arrive on their own (10 s at most)."""
    for _ in range(50):
        if text in " ".join(await page.locator(selector).all_inner_texts()):
            return
        await page.wait_for_timeout(200)
        await page.reload()
    assert text in " ".join(await page.locator(selector).all_inner_texts())


async def test_a_refund_from_the_admin_queues_the_buyers_refund_emails(page, shop_url):
    frame = await buy_a_shawl(page, shop_url)
    await frame.locator('[data-testid="upi-success"]').click()
    await page.wait_for_url("**/orders/ord_*")
    order_id = page.url.rsplit("/", 1)[1].split("?")[0]
    await page.locator('[data-testid="order-status"]').filter(has_text="Paid").wait_for()

    # The receipt names who sold it: the legal name, the address and how to reach the shop.
    await page.reload()
    seller = page.locator('[data-testid="receipt-seller"]')
    assert (await seller.inner_text()).split("\n") == [
        "Galla Handlooms Private Limited",
        "12 MG Road",
        "Bengaluru 560001",
        "Karnataka",
        "help@galla.example",
        "+91 80 4000 1234",
    ]
    assert await seller.locator("a[href='mailto:help@galla.example']").is_visible()
    await check_page(page, "refund-email-receipt")

    await page.set_viewport_size({"width": 1280, "height": 900})
    await sign_in(page, shop_url)
    await page.goto(f"{shop_url}/admin/orders/{order_id}")
    await check_page(page, "refund-email-admin-order")
    await page.fill('[data-testid="refund-form"] input[name="amount"]', "5,000")
    await page.click('[data-testid="refund-button"]')
    await page.locator('[data-testid="confirm-refund"]').wait_for()
    await check_page(page, "refund-email-admin-confirm")
    await page.click('[data-testid="confirm"]')
    await page.wait_for_url(f"**/admin/orders/{order_id}?refund=*")

    # The outbox: the receipt, then the refund made and, once refund.processed is in, the refund processed.
    await page.goto(f"{shop_url}/admin/outbox")
    rows = '[data-testid="outbox-table"] tbody tr'
    await reload_until(page, rows, "Your refund of ₹5,000.00 from Galla has been processed")
    subjects = await page.locator(f"{rows} td:nth-child(3)").all_inner_texts()
    assert sorted(subjects) == sorted(
        [
            f"Your Galla receipt for order {order_id}",
            f"Galla has refunded ₹5,000.00 on order {order_id}",
            "Your refund of ₹5,000.00 from Galla has been processed",
        ]
    )
    for row in await page.locator(rows).all():
        assert await row.get_attribute("data-status") == "held"  # no SMTP server here: kept for the admin
    await check_page(page, "refund-email-outbox")

    await page.click(f"{rows} a:has-text('Galla has refunded ₹5,000.00')")
    await page.wait_for_url("**/admin/outbox/refund-made*")
    body = await page.locator('[data-testid="message-text"]').inner_text()
    assert "we've refunded ₹5,000.00 of your order to the account you paid from (UPI)" in body
    assert "5–7 working days" in body and "Galla Handlooms Private Limited" in body
    await check_page(page, "refund-email-outbox-message")

    # The buyer's receipt now shows the refund, still under the seller's name.
    await page.goto(f"{shop_url}/orders/{order_id}")
    assert "Partially refunded" in await page.locator('[data-testid="order-status"]').inner_text()
    assert await page.locator('[data-testid="order-refunded"]').inner_text() == "−₹5,000.00"
    assert "Galla Handlooms Private Limited" in await page.locator('[data-testid="receipt-seller"]').inner_text()
    await check_page(page, "refund-email-receipt-refunded")
