"""Issue 26, item 3: the checkout's errors speak to people, and the browser and the server agree on every rule.

One table of inputs, good and bad, is tried twice: against the server (POST /api/checkout over real HTTP) and in
Chromium (fill the form, press Pay, read the message shown next to the field). A bad input gets the same words
from both, next to its field, which is marked aria-invalid, described by the message and focused; a good one
gets past the page's checks and the server takes the order. Both sides read galla/orders/checkout_rules.py.
"""

from __future__ import annotations

import aiohttp
import pytest
from support.addresses import fill_address, shipping_address
from support.axe import check_page
from support.browser import NEEDS_BROWSER, pay_button_says

pytestmark = [pytest.mark.browser, NEEDS_BROWSER]

BUYERS = {
    "IN": {"name": "Meera Iyer", "email": "meera@example.in", "phone": "98450 12345"},
    "US": {"name": "Jane Doe", "email": "jane@example.com", "phone": "+1 202 555 0143"},
    "GB": {"name": "Tom Ward", "email": "tom@example.co.uk", "phone": "+44 7400 123456"},
    "DE": {"name": "Lena Vogel", "email": "lena@example.de", "phone": "+49 1512 3456789"},
}
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
# (country, field, value, the words a person reads)
BAD = [
    ("IN", "customer.name", "   ", "Enter your full name"),
    ("IN", "customer.email", "", "Enter your email address"),
    ("IN", "customer.email", "meera@", "Enter your email address, like name@example.com"),
    ("IN", "customer.email", "meera at example.in", "Enter your email address, like name@example.com"),
    ("IN", "customer.email", "meera@example", "Enter your email address, like name@example.com"),
    ("IN", "customer.phone", "", "Enter your mobile number"),
    ("IN", "customer.phone", "98450 1234", "Enter a 10-digit mobile number, like 98765 43210"),
    ("IN", "customer.phone", "+91 12345 67890", "Enter a 10-digit mobile number, like 98765 43210"),
    ("IN", "customer.phone", "call me", "Enter a 10-digit mobile number, like 98765 43210"),
    ("IN", "shipping_address.line1", "", "Enter your flat or house number, building and street"),
    ("IN", "shipping_address.city", " ", "Enter your town or city"),
    ("IN", "shipping_address.postal_code", "", "Enter your 6-digit PIN code, like 560001"),
    ("IN", "shipping_address.postal_code", "56001", "Enter a 6-digit PIN code that does not start with 0, like 560001"),
    (
        "IN",
        "shipping_address.postal_code",
        "012345",
        "Enter a 6-digit PIN code that does not start with 0, like 560001",
    ),
    ("IN", "shipping_address.state", "", "Choose your state or union territory"),
    ("US", "customer.phone", "+1 123 555 0143", "Enter your phone number, like +1 201-555-0123"),
    ("US", "shipping_address.postal_code", "9404", "Enter a ZIP code as it is written in the country, like 94043"),
    ("US", "shipping_address.state", "", "Enter your state"),
    ("GB", "shipping_address.postal_code", "12345", "Enter a postcode as it is written in the country, like EC1Y 8SY"),
    ("DE", "shipping_address.postal_code", "", "Enter your Postleitzahl, like 26133"),
]
GOOD = [
    ("IN", "customer.phone", "+91 98765 43210"),
    ("IN", "customer.phone", "098765-43210"),
    ("IN", "customer.phone", "+44 7400 123456"),  # a buyer's number from abroad
    ("IN", "shipping_address.postal_code", "560 001"),
    ("US", "shipping_address.postal_code", "94043-1351"),
    ("GB", "shipping_address.postal_code", "sw1a 2aa"),
]


def checkout_with(country: str, field: str, value: str) -> dict:
    """A checkout body from `country` with one field set to `value`."""
    customer, address = dict(BUYERS[country]), shipping_address(country)
    part, _, name = field.partition(".")
    (customer if part == "customer" else address)[name] = value
    return {
        "items": [{"product_id": "masala-chai", "quantity": 1}],
        "country": country,
        "customer": customer,
        "shipping_address": address,
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
