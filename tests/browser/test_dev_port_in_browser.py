"""Issue 26 items 1 and 2 in Chromium: a developer runs `galla serve --port N` (a real process, in an empty folder,
PUBLIC_URL unset) and opens the URL it prints; a buyer from the US goes through the catalog, the cart and the
checkout, pays on the Stripe sandbox's page and comes back to the order page on that same port. The server's log
of the whole browse holds no line for a static file or a probe; its size is printed (`-s` shows it).

Screenshots: artifacts/screenshots/dev-port-*.png.
"""

from __future__ import annotations

import re

import pytest
from support.addresses import fill_address
from support.axe import check_page
from support.browser import NEEDS_BROWSER, SUCCEEDS, pay_button_says, pay_by_card, wait_for_paid
from support.galla_serve import galla_serve

from galla.ops.logs import ACCESS_LOGGER, is_quiet

pytestmark = [pytest.mark.browser, NEEDS_BROWSER]


async def browse_and_pay_on_stripe(page, url: str) -> None:
    """Catalog, cart, checkout as Jane Doe in the US, the Stripe sandbox's page, and the paid order page."""
    await page.goto(url + "/")
    await check_page(page, "dev-port-catalog")
    await page.click('[data-add-to-cart][data-product-id="pashmina-shawl"]')
    await page.wait_for_selector('[data-cart-count]:has-text("1")')
    await page.goto(url + "/cart")
    await page.wait_for_selector('[data-testid="cart-line"]')
    await check_page(page, "dev-port-cart")

    await page.click('[data-testid="go-checkout"]')
    await page.wait_for_url(url + "/checkout")
    await page.fill('[data-testid="name"]', "Jane Doe")
    await page.fill('[data-testid="email"]', "jane@example.com")
    await page.fill('[data-testid="phone"]', "+1 202 555 0143")
    await page.select_option('[data-testid="country"]', "US")
    await fill_address(page, "US")
    await pay_button_says(page, r"Stripe.*\$159\.99")
    await check_page(page, "dev-port-checkout")

    await page.click('[data-testid="pay"]')
    await page.wait_for_url(re.compile(re.escape(url) + r"/sandbox/stripe/c/pay/cs_test_\w+"))
    await page.locator('[data-testid="stripe-sandbox-banner"]').wait_for()
    await check_page(page, "dev-port-stripe")

    await pay_by_card(page, SUCCEEDS, name="Jane Doe", email="jane@example.com")
    await wait_for_paid(page)
    assert page.url.startswith(url + "/orders/ord_"), page.url
    await check_page(page, "dev-port-order-paid")


async def test_a_stripe_buyer_stays_on_the_port_galla_serve_prints(page, tmp_path, unused_tcp_port):
    async with galla_serve(tmp_path, unused_tcp_port) as served:
        assert served.url == f"http://127.0.0.1:{unused_tcp_port}"
        await browse_and_pay_on_stripe(page, served.url)
    records = served.log_records()  # once stopped: aiohttp writes an access line after its answer has gone out
    assert not [record for record in records if record["logger"] == "stripe"]  # the SDK's request lines
    access = [record for record in records if record["logger"] == ACCESS_LOGGER]
    assert access, "the browse left no access line"
    quiet = [record["message"] for record in access if is_quiet(record["method"], record["path"], record["status"])]
    assert quiet == [], f"static files or probes in the log: {quiet}"
    paths = {record["path"] for record in access}
    assert {"/", "/cart", "/checkout"} <= paths and any(path.startswith("/orders/") for path in paths), paths
    print(f"\none browse (catalog, cart, checkout, Stripe sandbox, order page): {len(records)} log lines")
