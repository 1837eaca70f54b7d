"""The owner's payment trace in real Chromium: a buyer pays by UPI through the Razorpay sandbox, the admin refunds
half and then the rest (the sandbox's bank keeps each refund pending until it is settled), and reads the order page
after each step: money as money, durations as people say them, a notice that is the refund's state now, a status
that stops reading "paid"; then the dashboard's gross, refunds and net. Every page: axe-core and a screenshot."""

from __future__ import annotations

import re

import pytest
from aiohttp import web
from support.axe import check_page
from support.browser import ADMIN_PASSWORD, NEEDS_BROWSER, SHOTS, buy_a_shawl, sign_in

from galla.app import create_app
from galla.settings import SANDBOX_RAZORPAY_PATH, Settings
from sandboxes.razorpay.config import SANDBOX_FAULTS, SANDBOX_STATE

pytestmark = [pytest.mark.browser, NEEDS_BROWSER]
READABLE = re.compile(r"\+(\d+(\.\d)? ms|\d+(\.\d)? s|\d+ (min|h|d)( \d+ (s|min|h))?)")


@pytest.fixture
async def shop(database, unused_tcp_port_factory):
    """The keyless app on a real port, and its mounted Razorpay sandbox, whose refunds stay pending until settled."""
    port = unused_tcp_port_factory()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(_env_file=None, public_url=base, admin_password=ADMIN_PASSWORD)
    app = create_app(settings, db=database, self_url=base)
    sandbox = next(r.get_info()["app"] for r in app.router.resources() if r.canonical == SANDBOX_RAZORPAY_PATH)
    sandbox[SANDBOX_FAULTS].refund_outcome = "pending"
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield base, sandbox
    await runner.cleanup()


def settle_refunds(sandbox) -> None:
    """The bank finishes every pending refund: the sandbox sends refund.processed to the shop."""
    state = sandbox[SANDBOX_STATE]
    for refund_id in [r for r, made in state.refunds.items() if made["status"] == "pending"]:
        state.settle_refund(refund_id, "processed")


async def reload_until(page, testid: str, text: str) -> None:
    """Reload until the element reads text (10 s at most): the webhook arrives on its own."""
    for _ in range(50):
        if text in await page.locator(f'[data-testid="{testid}"]').inner_text():
            return
        await page.wait_for_timeout(200)
        await page.reload()
    assert text in await page.locator(f'[data-testid="{testid}"]').inner_text()


async def refund(page, amount: str, wanted: str) -> None:
    """Ask for a refund on the order page and confirm it; the confirmation names the money and the method."""
    await page.fill('[data-testid="refund-form"] input[name="amount"]', amount)
    await page.click('[data-testid="refund-button"]')
    confirm = page.locator('[data-testid="confirm-refund"]')
    assert f"Razorpay will send {wanted} back to the buyer's UPI." in " ".join((await confirm.inner_text()).split())
    await check_page(page, f"trace-confirm-{'half' if amount else 'rest'}")
    await page.click('[data-testid="confirm"]')
    await page.wait_for_url(re.compile(r"/admin/orders/ord_[\w-]+\?refund=rf_\w+$"))


async def test_the_trace_after_half_and_full_refunds_and_the_dashboard(page, shop):
    shop_url, sandbox = shop
    frame = await buy_a_shawl(page, shop_url)
    await frame.locator('[data-testid="upi-success"]').click()
    await page.wait_for_url("**/orders/ord_*")
    order_id = page.url.rsplit("/", 1)[1].split("?")[0]
    await page.locator('[data-testid="order-status"]').filter(has_text="Paid").wait_for()
    await check_page(page, "trace-shop-order-paid")

    await page.set_viewport_size({"width": 1280, "height": 900})
    await sign_in(page, shop_url)
    await page.goto(f"{shop_url}/admin/orders/{order_id}")
    await page.locator('[data-testid="trace-title"]').filter(has_text="Webhook order.paid").wait_for()
    assert await page.locator('[data-testid="payment-state"]').inner_text() == "Captured"
    await check_page(page, "trace-order-paid")

    await refund(page, "6,249.50", "₹6,249.50")
    notice = page.locator('[data-testid="notice"]')
    assert (await notice.inner_text()).startswith("Refund of ₹6,249.50 is pending at Razorpay")
    assert await page.locator('[data-testid="order-status"]').inner_text() == "Paid"
    await check_page(page, "trace-refund-pending")

    settle_refunds(sandbox)
    await reload_until(page, "notice", "processed")  # the same address: the notice is the refund's state now
    assert await notice.inner_text() == "Refund of ₹6,249.50 processed: Razorpay has sent it back to the buyer's UPI."
    assert await page.locator('[data-testid="order-status"]').inner_text() == "Partially refunded"
    assert await page.locator('[data-testid="refunded"]').inner_text() == "₹6,249.50"
    await check_page(page, "trace-refund-processed")

    await refund(page, "", "₹6,249.50")  # blank: all that is left
    settle_refunds(sandbox)
    await reload_until(page, "order-status", "Refunded")
    assert await page.locator('[data-testid="payment-state"]').inner_text() == "Refunded"
    assert (await notice.inner_text()).startswith("Refund of ₹6,249.50 processed")
    trace = await page.locator('[data-testid="trace"]').inner_text()
    assert "refunded ₹0.00 → ₹6,249.50" in trace and "refunded ₹6,249.50 → ₹12,499.00" in trace
    assert not re.search(r"\d{4,} ms|refunded \d+ →", trace)  # no raw minor units, no thousands of milliseconds
    offsets = await page.locator('[data-testid="trace-offset"]').all_inner_texts()
    assert offsets and all(READABLE.fullmatch(offset) for offset in offsets), offsets
    await check_page(page, "trace-refunded")

    await page.goto(shop_url + "/admin")
    assert await page.locator('[data-testid="today-gross-INR"]').inner_text() == "₹12,499.00"
    assert await page.locator('[data-testid="today-refunds-INR"]').inner_text() == "₹12,499.00"
    assert await page.locator('[data-testid="today-net-figure-INR"]').inner_text() == "₹0.00"
    await check_page(page, "trace-dashboard")
