"""Issue 26, item 15: every shop and admin page passes axe-core in real Chromium, at a phone's width and a desktop's,
and the checkout, the admin sign-in and a refund can be done with the keyboard alone, the focus always visible.

axe-core (axe-playwright-python's bundle) is the engine accessibility auditors use; `check_page` fails on any
serious or critical violation of all its rules, and `check_wcag_aa` runs the WCAG 2.0/2.1/2.2 A and AA rules
(https://github.com/dequelabs/axe-core/blob/develop/doc/API.md#options-parameter, `runOnly` by tag).
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from support.addresses import ADDRESSES, fill_address
from support.axe import check_page, describe_violations
from support.browser import ADMIN_PASSWORD, NEEDS_BROWSER, buy_a_shawl, reload_until_status, sign_in

pytestmark = [pytest.mark.browser, NEEDS_BROWSER]

WIDTHS = pytest.mark.parametrize("width", [390, 1280], ids=["phone", "desktop"])
# WCAG 2.0, 2.1 and 2.2 at levels A and AA, and Deque's best practices (landmarks, headings, one main...).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]
SLOW_STEP_MS = 20_000  # a full-page screenshot of a long page, with seven other test runs on two cores
WIDER_THAN_THE_SCREEN = "document.documentElement.scrollWidth - innerWidth"


async def run_axe(page: Any, **how: Any) -> Any:
    """axe-core's results on the page as it is now; `how` is Axe.run's context and options."""
    from axe_playwright_python.async_playwright import Axe

    return await Axe().run(page, **how)


async def check_wcag_aa(page: Any) -> None:
    """Fail on any violation, of any impact (moderate and minor too), of axe-core's WCAG A/AA and best-practice rules."""
    results = await run_axe(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    violations = results.response["violations"]
    assert not violations, f"axe-core WCAG AA on {page.url}:\n{describe_violations(violations)}"


async def audit(page: Any, name: str, width: int) -> None:
    """Screenshot a11y-<name>-<width>; no serious/critical axe violation, no WCAG AA one, no sideways scrolling."""
    await check_page(page, f"a11y-{name}-{width}")
    await check_wcag_aa(page)
    assert await page.evaluate(WIDER_THAN_THE_SCREEN) <= 0, f"{page.url} is wider than a {width} px screen"


@WIDTHS
async def test_item15_every_shop_page_passes_axe(page, shop_url, width):
    """Catalog, the cart empty and filled, the checkout with and without its errors, an order page pending, with a
    failed attempt and paid, the two 404 pages and the API docs."""
    await page.set_viewport_size({"width": width, "height": 900})
    page.set_default_timeout(SLOW_STEP_MS)
    await page.goto(shop_url + "/")
    await audit(page, "catalog", width)
    await page.goto(shop_url + "/cart")
    await page.locator('[data-testid="cart-empty"]').wait_for()
    await audit(page, "cart-empty", width)

    await page.goto(shop_url + "/")
    await page.click('[data-add-to-cart][data-product-id="pashmina-shawl"]')
    await page.wait_for_selector('[data-cart-count]:has-text("1")')
    await page.goto(shop_url + "/cart")
    await page.locator('[data-testid="cart-line"]').wait_for()
    await audit(page, "cart", width)
    await page.goto(shop_url + "/checkout")
    await page.wait_for_function("() => !document.querySelector('[data-testid=pay]').disabled")
    await audit(page, "checkout", width)
    await page.click('[data-testid="pay"]')
    await page.locator('[data-field="customer.name"] [data-error]').wait_for()
    await audit(page, "checkout-errors", width)

    await page.fill('[data-testid="name"]', "Meera Iyer")
    await page.fill('[data-testid="email"]', "meera@example.in")
    await page.fill('[data-testid="phone"]', "98450 12345")
    await fill_address(page, "IN")
    await page.click('[data-testid="pay"]')
    frame = page.frame_locator('[data-testid="razorpay-sandbox-frame"]')
    await frame.locator('[data-testid="close"]').click()  # the buyer closes the window unpaid
    await page.wait_for_url("**/orders/ord_*")
    await page.locator('[data-testid="pay-button"]').wait_for()
    await audit(page, "order-pending", width)

    await page.click('[data-testid="pay-button"]')
    await frame.locator('[data-testid="upi-failure"]').click()
    await frame.locator('[data-testid="payment-error"]').wait_for()
    await frame.locator('[data-testid="close"]').click()
    await page.locator('[data-testid="attempts"] li').first.wait_for()
    await audit(page, "order-failed", width)

    await page.click('[data-testid="pay-button"]')
    await frame.locator('[data-testid="upi-success"]').click()
    await page.locator('[data-testid="order-status"]').filter(has_text="Paid").wait_for()
    await audit(page, "order-paid", width)

    await page.goto(shop_url + "/no-such-page")
    await page.locator('[data-testid="error"]').wait_for()
    await audit(page, "404", width)
    await page.goto(shop_url + "/orders/ord_no_such_order_here")
    await page.locator('[data-testid="error"]').wait_for()
    await audit(page, "404-order", width)
    await page.goto(shop_url + "/api/docs")
    await audit(page, "api-docs", width)


@WIDTHS
async def test_item15_every_admin_page_passes_axe(page, shop_url, width):
    """Sign-in (and its wrong-password answer), dashboard, orders, an order's trace, the refund confirmation and its
    notice, the refunded order's page in the shop, products and the product form, the outbox and one email."""
    await page.set_viewport_size({"width": width, "height": 900})
    page.set_default_timeout(SLOW_STEP_MS)
    frame = await buy_a_shawl(page, shop_url)
    await frame.locator('[data-testid="upi-success"]').click()
    await page.wait_for_url("**/orders/ord_*")
    order_id = page.url.rsplit("/", 1)[1].split("?")[0]
    await page.locator('[data-testid="order-status"]').filter(has_text="Paid").wait_for()

    await page.goto(shop_url + "/admin")
    await page.wait_for_url("**/admin/login")
    await audit(page, "admin-login", width)
    await page.fill('[data-testid="password"]', "not-the-password")
    await page.click('[data-testid="sign-in"]')
    await page.locator('[data-testid="login-error"]').wait_for()
    await audit(page, "admin-login-error", width)
    await page.fill('[data-testid="password"]', ADMIN_PASSWORD)
    await page.click('[data-testid="sign-in"]')
    await page.wait_for_url(shop_url + "/admin")
    await audit(page, "admin-dashboard", width)

    await page.goto(shop_url + "/admin/orders")
    await audit(page, "admin-orders", width)
    await page.goto(f"{shop_url}/admin/orders/{order_id}")
    trace = page.locator('[data-testid="trace"] [data-testid="trace-title"]')
    await trace.filter(has_text="Webhook order.paid").wait_for()
    await audit(page, "admin-order-trace", width)
    await page.click('[data-testid="refund-button"]')  # blank amount: all of it
    await page.locator('[data-testid="confirm-refund"]').wait_for()
    await audit(page, "admin-refund-confirm", width)
    await page.click('[data-testid="confirm"]')
    await page.wait_for_url(f"**/admin/orders/{order_id}?refund=*")
    await audit(page, "admin-order-refund-notice", width)
    await reload_until_status(page, "Refunded")
    await page.goto(f"{shop_url}/orders/{order_id}")
    await page.locator('[data-testid="order-status"]').filter(has_text="Refunded").wait_for()
    await audit(page, "order-refunded", width)

    await page.goto(shop_url + "/admin/products")
    await audit(page, "admin-products", width)
    await page.goto(shop_url + "/admin/products/new")
    await audit(page, "admin-product-new", width)
    await page.goto(shop_url + "/admin/products/pashmina-shawl")
    await audit(page, "admin-product-edit", width)

    await page.goto(shop_url + "/admin/outbox")
    await audit(page, "admin-outbox", width)
    await page.locator('[data-testid="outbox-table"] tbody a').first.click()
    await page.wait_for_url("**/admin/outbox/*")
    await audit(page, "admin-outbox-message", width)
    await page.click('[data-testid="resend"]')  # held: no SMTP in the demo
    await page.locator('[data-testid="message-notice"]').wait_for()
    await audit(page, "admin-outbox-message-notice", width)


@pytest.mark.parametrize("banner", ["sandbox-banner", "store-banner"])
async def test_item6_each_banner_takes_one_line_on_a_390_px_phone(page, shop_url, banner):
    """Its height, less its padding and borders, is at most one line-height; what it means opens below it. axe-core
    can check the contrast of its words, the header's and the catalog's hero (no gradient or pseudo-element behind)."""
    await page.goto(shop_url + "/")
    box = await page.locator(f'[data-testid="{banner}"]').bounding_box()
    frame_and_line = await page.locator(f'[data-testid="{banner}"]').evaluate(MEASURE_A_LINE)
    assert box and box["height"] - frame_and_line["frame"] <= frame_and_line["line"] + 0.5, (box, frame_and_line)
    checked = await run_axe(page, context=".banners, .site-header, .hero", options=CONTRAST_ONLY)
    assert checked.response["incomplete"] == [], describe_violations(checked.response["incomplete"])
    await page.locator(f'[data-testid="{banner}"] summary').click()
    assert await page.locator(f'[data-testid="{banner}"] .banner__more').is_visible()
    await check_page(page, f"a11y-{banner}-open-390")


CONTRAST_ONLY = {"runOnly": ["color-contrast"], "resultTypes": ["incomplete"]}
# A banner's padding and borders (and its summary's, if it has one), and the line-height of its text.
MEASURE_A_LINE = """(banner) => {
  const line = banner.querySelector('summary') || banner;
  const sides = ['paddingTop', 'paddingBottom', 'borderTopWidth', 'borderBottomWidth'];
  const frame = (e) => sides.reduce((sum, side) => sum + parseFloat(getComputedStyle(e)[side]), 0);
  return {frame: frame(banner) + (line === banner ? 0 : frame(line)), line: parseFloat(getComputedStyle(line).lineHeight)};
}"""


async def test_item14_admin_tables_fill_a_wide_screen_and_text_keeps_a_reading_width(page, shop_url):
    await page.set_viewport_size({"width": 1920, "height": 1000})
    await sign_in(page, shop_url)
    await page.goto(shop_url + "/admin/products")
    table = await page.locator('[data-testid="products"]').bounding_box()
    assert table and table["width"] >= 1920 - 2 * 48, table  # the shop's pages stop at 72rem (1152 px)
    widest_text = await page.evaluate(
        "Math.max(...[...document.querySelectorAll('.admin-page p')].map(p => p.getBoundingClientRect().width))"
    )
    assert widest_text <= 75 * 16, widest_text  # 75ch of a 16 px font is under 75 × 16 px
    footer = page.locator('[data-testid="admin-footer"]')
    assert "Galla 0." in await footer.inner_text() and await footer.locator('a[href="/api/docs"]').is_visible()
    await check_page(page, "a11y-admin-products-1920")


# The focused element's ring: its outline (2 px or more) and its box-shadow; a radio card draws it round its label.
RING = """(el) => {
  const box = el.closest('.choice') || el;
  const style = getComputedStyle(box);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  return (outline ? `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}` : '') + '|' +
    (style.boxShadow === 'none' ? '' : style.boxShadow);
}"""
# Each focusable element's ring while nothing has focus, to compare with its ring once focused.
REMEMBER_RINGS = f"""() => {{
  const ring = {RING};
  const focusable = document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]');
  window.unfocusedRings = new Map([...focusable].filter(e => e !== document.activeElement).map(e => [e, ring(e)]));
}}"""
FOCUSED = f"""(wanted) => {{
  const ring = {RING};
  const el = document.activeElement;
  const now = ring(el), before = window.unfocusedRings && window.unfocusedRings.get(el);
  const place = el.getBoundingClientRect();
  return {{
    name: el.dataset.testid || el.name || el.id || `${{el.tagName.toLowerCase()}} ${{el.textContent.trim().slice(0, 40)}}`,
    wanted: el.matches(wanted),
    shown: el.matches(':focus-visible') && now !== '|' && now !== before,
    ring: now, top: place.top + scrollY, left: place.left,
  }};
}}"""


async def focused(page: Any, wanted: str = "*") -> dict[str, Any]:
    """What has the keyboard's focus (its test id, name or id; whether it matches `wanted`; where it is), once a
    visible ring is seen on it."""
    here = await page.evaluate(FOCUSED, wanted)
    assert here["shown"], f"no visible focus indicator on {here} at {page.url}"
    return here


async def tab_to(page: Any, wanted: str, *, most: int = 40) -> list[dict[str, Any]]:
    """Press Tab until the element matching the selector `wanted` has the focus, a focus ring showing at each stop;
    return the stops on the way."""
    await page.evaluate(REMEMBER_RINGS)
    stops = []
    for _ in range(most):
        await page.keyboard.press("Tab")
        stops.append(await focused(page, wanted))
        if stops[-1]["wanted"]:
            return stops
    raise AssertionError(f"{wanted} never had the focus on {page.url}: {[stop['name'] for stop in stops]}")


def assert_reading_order(stops: list[dict[str, Any]]) -> None:
    """Each stop is below the one before, or beside it on the same line to its right."""
    for before, after in itertools.pairwise(stops):
        below = after["top"] > before["top"] + 1
        beside = abs(after["top"] - before["top"]) <= 1 and after["left"] > before["left"]
        assert below or beside, f"focus went back up from {before} to {after}"


# What a buyer types as Tab reaches each field of the checkout, in the order Tab should reach them (India's states
# are a list, chosen by typing the state's name; the country is India already).
TYPED = {
    "name": "Meera Iyer",
    "email": "meera@example.in",
    "phone": "98450 12345",
    "country": "",
    "address-line1": ADDRESSES["IN"]["line1"],
    "address-line2": ADDRESSES["IN"]["line2"],
    "address-city": ADDRESSES["IN"]["city"],
    "address-postal-code": ADDRESSES["IN"]["postal_code"],
    "address-state": ADDRESSES["IN"]["state"],
    "pay-with-razorpay": "",
    "pay": "",
}


async def test_item15_checkout_and_a_refund_by_keyboard_alone(page, shop_url):
    """A buyer adds a shawl, fills the checkout and pays by UPI; the owner signs in and refunds it: only Tab, typing,
    Enter and Space, the focus visible at every stop and moving through each form top to bottom."""
    await page.set_viewport_size({"width": 1280, "height": 900})
    await page.goto(shop_url + "/")
    await tab_to(page, '[data-add-to-cart][data-product-id="pashmina-shawl"]')
    await page.keyboard.press("Enter")
    await page.wait_for_selector('[data-cart-count]:has-text("1")')
    await tab_to(page, '[data-added-note] a[href="/cart"]')
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/cart")
    await page.locator('[data-testid="cart-line"]').wait_for()
    await tab_to(page, '[data-testid="go-checkout"]')
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/checkout")
    await page.wait_for_function("() => !document.querySelector('[data-testid=pay]').disabled")

    stops = await tab_to(page, '[data-testid="name"]')
    for _ in range(len(TYPED) - 1):
        await page.keyboard.type(TYPED[stops[-1]["name"]])
        await page.keyboard.press("Tab")
        stops.append(await focused(page))
    fields = [stop for stop in stops if stop["name"] in TYPED]
    assert [stop["name"] for stop in fields] == list(TYPED), [stop["name"] for stop in stops]
    assert_reading_order(fields)
    await check_page(page, "a11y-keyboard-checkout")
    await page.keyboard.press("Enter")  # on Pay

    frame = page.frame_locator('[data-testid="razorpay-sandbox-frame"]')
    await frame.locator('[data-testid="upi-success"]').wait_for()
    await tab_to_in_frame(page, '[data-testid="upi-success"]')
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/orders/ord_*")
    await page.locator('[data-testid="order-status"]').filter(has_text="Paid").wait_for()
    order_id = page.url.rsplit("/", 1)[1].split("?")[0]

    await page.goto(shop_url + "/admin/login")
    # autofocus: the one field. Chromium applies it at a rendering step after load, later on a busy machine.
    await page.wait_for_function("() => document.activeElement && document.activeElement.name === 'password'")
    assert (await focused(page))["name"] == "password"
    await page.keyboard.type(ADMIN_PASSWORD)
    await page.keyboard.press("Enter")
    await page.wait_for_url(shop_url + "/admin")

    await page.goto(f"{shop_url}/admin/orders/{order_id}")
    await tab_to(page, '[data-testid="refund-form"] input[name="amount"]', most=80)
    await page.keyboard.type("5,000")
    assert (await tab_to(page, '[data-testid="refund-button"]'))[-1]["name"] == "refund-button"
    await page.keyboard.press("Enter")
    await page.locator('[data-testid="confirm-refund"]').wait_for()
    await tab_to(page, '[data-testid="confirm"]')
    await check_page(page, "a11y-keyboard-refund-confirm")
    await page.keyboard.press("Space")
    await page.wait_for_url(f"**/admin/orders/{order_id}?refund=*")
    assert "Refund of ₹5,000.00" in await page.locator('[data-testid="notice"]').inner_text()


async def tab_to_in_frame(page: Any, wanted: str, *, most: int = 30) -> None:
    """Press Tab until the element matching `wanted` in the Razorpay window's frame has the focus."""
    frame = page.frame(url=lambda url: "/sandbox/razorpay/" in url)
    for _ in range(most):
        if frame and await frame.evaluate("(wanted) => document.activeElement.matches(wanted)", wanted):
            return
        await page.keyboard.press("Tab")
        frame = frame or page.frame(url=lambda url: "/sandbox/razorpay/" in url)
    raise AssertionError(f"{wanted} never had the focus in the Razorpay window")
