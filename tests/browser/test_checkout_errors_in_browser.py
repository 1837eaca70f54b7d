"""Issue 26, item 3: the checkout's errors speak to people, and the browser and the server agree on every rule.

One table of inputs, good and bad, is tried twice: against the server (POST /api/checkout over real HTTP) and in
Chromium (fill the form, press Pay, read the message shown next to the field). A bad input gets the same words
from both, next to its field, which is marked aria-invalid, described by the message and focused; a good one
gets past the page's checks and the server takes the order. Both sides read galla/orders/checkout_rules.py.
"""

from __future__ import annotations

import aiohttp
import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from support.addresses import fill_address
from support.axe import check_page
from support.browser import NEEDS_BROWSER, STRIPE_PAGE, pay_button_says
from support.checkout_inputs import BAD, BUYERS, GOOD, checkout_with

from galla.orders.addresses import address_format
from galla.orders.checkout_rules import COUNTRIES, checkout_rules
from galla.orders.field_rules import RuleBroken

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
        # The page posts only once its own checks pass: a 201 here is the browser letting the value through.
        async with page.expect_response("**/api/checkout") as placed:
            await page.click('[data-testid="pay"]')
        assert (await placed.value).status == 201, (country, field, value)
        if "stripe" in answer:  # the same buyer goes to Stripe: let the page leave before the next goto, not race it
            await page.wait_for_url(STRIPE_PAGE)


def samples(country: str) -> list[tuple[str, str]]:
    """(field, value) pairs to judge for a country: its example phone and postal code, written well and badly."""
    pairs = [("customer.phone", number) for number in example_numbers(country)]
    fmt = address_format(country)
    for code in (fmt.postal_example, fmt.postal_example.lower(), fmt.postal_example + "9", "0" + fmt.postal_example):
        pairs.append(("shipping_address.postal_code", code))
    pairs += [("customer.email", email) for email in ("a@b.co", "a@b", "a b@c.de", "ü@example.in", " x@y.in ")]
    return pairs


def example_numbers(country: str) -> list[str]:
    """The country's example mobile number in national and international form, one digit short, and one from abroad."""
    example = phonenumbers.example_number_for_type(country, PhoneNumberType.MOBILE)
    if example is None:
        return ["+44 7400 123456", "12345"]
    national = phonenumbers.format_number(example, PhoneNumberFormat.NATIONAL)
    international = phonenumbers.format_number(example, PhoneNumberFormat.INTERNATIONAL)
    return [national, international, national[:-1], international + "0", "+44 7400 123456", "+1 202 555 0143"]


def server_says(rule, value: str) -> str | None:
    try:
        rule.check(value)
    except RuleBroken as exc:
        return str(exc)
    return None


async def test_item3_every_countrys_rules_read_the_same_in_the_browser(page, shop_url):
    """Every country's phone, postal-code and email rules, on values written well and badly: the page's reading
    (shop-checkout.js's brokenRule, JavaScript's RegExp) says what the server's (FieldRule.check, Python's re) says."""
    await page.goto(shop_url + "/checkout")
    cases, expected = [], []
    for country in COUNTRIES:
        rules = checkout_rules(country)
        for field, value in samples(country):
            cases.append([rules[field].to_dict(), value])
            expected.append([country, field, value, server_says(rules[field], value)])
    answers = await page.evaluate(
        "cases => cases.map(([rule, value]) => window.GallaCheckoutRules.brokenRule(rule, value))", cases
    )
    browser = [
        [country, field, value, answer] for (country, field, value, _), answer in zip(expected, answers, strict=True)
    ]
    assert browser == expected
    assert sum(answer is None for answer in answers) > len(COUNTRIES)  # good values among them, not only bad

    # The phone box's example is the chosen country's, the one its message gives.
    phone = page.locator('[data-testid="phone"]')
    assert await phone.get_attribute("placeholder") == "98765 43210"
    await page.select_option('[data-testid="country"]', "US")
    await page.wait_for_function(
        "() => document.querySelector('[data-testid=phone]').placeholder === '+1 201-555-0123'"
    )
