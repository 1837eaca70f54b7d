"""The outbox's email preview in real Chromium: a paid order's receipt shows in the message page's frame as the
buyer's mail client would render it, and a script in an email's body does not run there. Screenshots:
artifacts/screenshots/admin-outbox.png and admin-outbox-message.png."""

from __future__ import annotations

import pytest
from support.axe import check_page
from support.browser import NEEDS_BROWSER, buy_a_shawl, sign_in

from galla.store.outbox import new_message, queue_message

pytestmark = [pytest.mark.browser, NEEDS_BROWSER]

PROBE = (
    '<p id="probe">static</p>'
    "<script>document.getElementById('probe').textContent = 'ran'</script>"
    '<img alt="" src="data:," onerror="document.getElementById(\'probe\').textContent = \'ran\'">'
)


async def test_the_receipt_of_a_paid_order_shows_rendered_in_the_outbox(page, shop_url):
    frame = await buy_a_shawl(page, shop_url)
    await frame.locator('[data-testid="upi-success"]').click()
    await page.wait_for_url("**/orders/ord_*")
    order_id = page.url.rsplit("/", 1)[1]
    await page.locator('[data-testid="order-status"]').filter(has_text="Paid").wait_for()

    await sign_in(page, shop_url)
    await page.goto(shop_url + "/admin/outbox")
    row = page.locator(f'[data-testid="outbox-table"] tr:has(a[href="/admin/orders/{order_id}"])')
    await check_page(page, "admin-outbox")
    await row.locator("a").first.click()
    await page.wait_for_url("**/admin/outbox/*")

    preview = page.frame_locator('[data-testid="email-preview"]')
    # The receipt rendered, not its source: the order id as text, and no markup showing.
    await preview.locator(f"text={order_id}").first.wait_for()
    body = await preview.locator("body").inner_text()
    assert "<table" not in body and "₹12,499.00" in body
    await page.locator('[data-testid="email-preview"]').scroll_into_view_if_needed()
    await check_page(page, "admin-outbox-message")


async def test_a_script_in_an_email_does_not_run_in_the_preview(page, shop_url, database):
    doc = new_message("msg_probe", kind="receipt", to="x@example.in", subject="Probe", text="probe", html=PROBE)
    assert await queue_message(database.db, doc)
    await sign_in(page, shop_url)
    await page.goto(shop_url + "/admin/outbox/msg_probe")
    probe = page.frame_locator('[data-testid="email-preview"]').locator("#probe")
    await probe.wait_for()
    await page.wait_for_timeout(300)  # time enough for an inline script or an onerror handler, were they allowed
    assert await probe.inner_text() == "static"
