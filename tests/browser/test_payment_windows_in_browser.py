"""Issue 26, items 5 and 6 in Chromium: Razorpay's window names the shop and what is bought (not our order id),
and back from Stripe the address bar keeps no ?session_id= while the order page still works on a reload.

checkout.js's `name` is the business name and `description` the purchase, shown in the window under the name
(razorpay.com/docs/payment-gateway/web-integration/custom/checkout-options); the sandbox's window shows both so.
"""

from __future__ import annotations

import aiohttp
import pytest
from support.addresses import fill_address, shipping_address
from support.axe import check_page
from support.browser import (
    NEEDS_BROWSER,
    SUCCEEDS,
    go_to_stripe_as_a_us_buyer,
    pay_button_says,
    pay_by_card,
    wait_for_paid,
)

pytestmark = [pytest.mark.browser, NEEDS_BROWSER]


async def test_item5_the_razorpay_window_names_the_shop_and_what_is_bought(page, shop_url):
    await page.goto(shop_url + "/")
    await page.click('[data-add-to-cart][data-product-id="pashmina-shawl"]')
    for count in ("2", "3"):
        await page.click('[data-add-to-cart][data-product-id="masala-chai"]')
        await page.wait_for_selector(f'[data-cart-count]:has-text("{count}")')
    await check_page(page, "catalog-three-in-cart")
    await page.goto(shop_url + "/checkout")
    await page.fill('[data-testid="name"]', "Meera Iyer")
    await page.fill('[data-testid="email"]', "meera@example.in")
    await page.fill('[data-testid="phone"]', "98450 12345")
    await fill_address(page, "IN")
    await pay_button_says(page, "UPI")
    await page.click('[data-testid="pay"]')
    frame = page.frame_locator('[data-testid="razorpay-sandbox-frame"]')
    await frame.locator('[data-testid="sandbox-banner"]').wait_for()
    assert await frame.locator('[data-testid="merchant-name"]').inner_text() == "Galla"
    description = await frame.locator('[data-testid="description"]').inner_text()
    assert description == "Galla — Kashmiri Pashmina Shawl ×1, Assam Masala Chai, 250 g ×2"
    await check_page(page, "razorpay-window-description")

    await frame.locator('[data-testid="upi-success"]').click()  # the sandbox takes a payment so described
    await page.locator('[data-testid="order-status"]').filter(has_text="Paid").wait_for()


async def test_item6_back_from_stripe_the_address_bar_has_no_session_id(page, shop_url):
    await go_to_stripe_as_a_us_buyer(page, shop_url, product="masala-chai", label=r"Stripe.*\$4\.99")
    await pay_by_card(page, SUCCEEDS, name="Jane Doe", email="jane@example.com")
    await wait_for_paid(page)
    assert "session_id" not in page.url
    # The server checked the session the buyer came back with before the page dropped it.
    assert "Stripe has confirmed your payment" in await page.locator('[data-testid="return-notice"]').inner_text()
    await check_page(page, "stripe-return-without-session-id")

    await page.reload()
    await page.locator('[data-testid="order-status"]').filter(has_text="Paid").wait_for()
    assert "session_id" not in page.url


async def test_item6_a_reload_before_stripe_confirms_still_asks_stripe(page, shop_url):
    """The session id left the address bar, yet a reload while the order waits keeps confirming with it."""
    body = {
        "items": [{"product_id": "filter-coffee", "quantity": 1}],
        "country": "GB",
        "customer": {"name": "Ada Byron", "email": "ada@example.co.uk", "phone": "+44 20 7946 0958"},
        "shipping_address": shipping_address("GB"),
    }
    async with aiohttp.ClientSession() as http, http.post(shop_url + "/api/checkout", json=body) as resp:
        assert resp.status == 201, await resp.text()
        order = await resp.json()
    await page.goto(f"{shop_url}/orders/{order['order_id']}?session_id={order['stripe']['session_id']}")
    status = page.locator('[data-testid="order-status"]')
    await status.filter(has_text="Waiting for Stripe to confirm").wait_for()
    assert page.url == f"{shop_url}/orders/{order['order_id']}"

    await page.reload()
    await status.filter(has_text="Waiting for Stripe to confirm").wait_for()
    await check_page(page, "stripe-return-reloaded")
