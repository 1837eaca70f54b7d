"""Issue 26, item 3: the checkout's errors speak to people, and the browser and the server agree on every rule.

One table of inputs, good and bad, is tried twice: against the server (POST /api/checkout over real HTTP) and in
Chromium (fill the form, press Pay, read the message shown next to the field). A bad input gets the same words
from both, next to its field, which is marked aria-invalid, described by the message and focused; a good one
gets past the page's checks and the server takes the order. Both sides read galla/orders/checkout_rules.py.
"""

from __future__ import annotations

import aiohttp
import pytest
from support.addresses import fill_address
from support.axe import check_page
from support.browser import NEEDS_BROWSER, pay_button_says
from support.checkout_inputs import BAD, BUYERS, GOOD, checkout_with

pytestmark = [pytest.mark.browser, NEEDS_BROWSER]

# The form's boxes by the field the API names.
BOXES = {
    "customer.name": "name",
    "customer.email": "email",
    "customer.phone": "phone",
    "shipping_address.line1": "address-line1",
    "shipping_address.city": "address-city",
    "shipping_address.postal_code": "address-postal-code",
    "shipping_address.state": "address-state",
}


async def server_answer(shop_url: str, body: dict) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session, session.post(shop_url + "/api/checkout", json=body) as resp:
        return resp.status, await resp.json()


async def fill_form(page, shop_url: str, country: str, field: str, value: str) -> None:
    """The checkout form for a buyer in `country`, all filled in well but `field`, which reads `value`."""
    await page.goto(shop_url + "/checkout")
    if country != "IN":
        await page.select_option('[data-testid="country"]', country)
    await pay_button_says(page, "Pay|Continue")
    for name, box in (("name", "name"), ("email", "email"), ("phone", "phone")):
        await page.fill(f'[data-testid="{box}"]', BUYERS[country][name])
    await fill_address(page, country)
    box = page.locator(f'[data-testid="{BOXES[field]}"]')
    if field == "shipping_address.state" and country != "IN":
        box = page.locator('[data-testid="address-state-text"]')
    if await box.evaluate("node => node.tagName") == "SELECT":
        await box.select_option(value)
    else:
        await box.fill(value)


async def put_masala_chai_in_the_cart(page, shop_url: str) -> None:
    await page.goto(shop_url + "/")
    await page.click('[data-add-to-cart][data-product-id="masala-chai"]')
    await page.wait_for_selector('[data-cart-count]:has-text("1")')


async def test_item3_the_browser_and_the_server_say_the_same_of_every_bad_input(page, shop_url):
    await put_masala_chai_in_the_cart(page, shop_url)
    checked: set[str] = set()
    for country, field, value, words in BAD:
        status, answer = await server_answer(shop_url, checkout_with(country, field, value))
        assert (status, answer["error"]["field"], answer["error"]["message"]) == (422, field, words), (field, value)

        await fill_form(page, shop_url, country, field, value)
        await page.click('[data-testid="pay"]')
        message = page.locator(f'[data-field="{field}"] [data-error]')
        await message.wait_for()
        assert (await message.inner_text()).rstrip(".") == words, (country, field, value)
        box = page.locator(f'[data-field="{field}"] :is(input, select):enabled').first
        assert await box.get_attribute("aria-invalid") == "true"
        assert await message.get_attribute("id") in (await box.get_attribute("aria-describedby")).split()
        assert await box.evaluate("node => node === document.activeElement"), f"{field} is not focused"
        assert await page.locator('[data-testid="razorpay-sandbox-frame"]').count() == 0  # nothing was placed
        if country not in checked:
            checked.add(country)
            await check_page(page, f"checkout-errors-{country.lower()}")


async def test_item3_every_bad_field_is_shown_and_the_first_is_focused(page, shop_url):
    await put_masala_chai_in_the_cart(page, shop_url)
    await page.goto(shop_url + "/checkout")
    await pay_button_says(page, "Pay")
    await page.fill('[data-testid="email"]', "meera@")
    await page.click('[data-testid="pay"]')
    shown = page.locator("[data-field].has-error")
    await page.locator('[data-field="customer.name"] [data-error]').wait_for()
    fields = [await box.get_attribute("data-field") for box in await shown.all()]
    assert fields == [
        "customer.name",
        "customer.email",
        "customer.phone",
        "shipping_address.line1",
        "shipping_address.city",
        "shipping_address.postal_code",
        "shipping_address.state",
    ]
    assert await page.evaluate("document.activeElement.dataset.testid") == "name"
    await check_page(page, "checkout-errors-all")


async def test_item3_what_the_server_takes_the_browser_lets_through(page, shop_url):
    await put_masala_chai_in_the_cart(page, shop_url)
    for country, field, value in GOOD:
        status, answer = await server_answer(shop_url, checkout_with(country, field, value))
        assert status == 201, (field, value, answer)

        await fill_form(page, shop_url, country, field, value)
        async with page.expect_response("**/api/checkout") as placed:
            await page.click('[data-testid="pay"]')
        assert (await placed.value).status == 201, (country, field, value)
        assert await page.locator("[data-field].has-error").count() == 0
