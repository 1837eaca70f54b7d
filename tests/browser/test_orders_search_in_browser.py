"""The owner finds an order in real Chromium by the buyer's email, phone and the Razorpay payment id, and downloads
what the list found as CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support.axe import check_page
from support.browser import NEEDS_BROWSER, buy_a_shawl, sign_in
from support.stored_orders import stored_order

from galla.store.orders import insert_order

pytestmark = [pytest.mark.browser, NEEDS_BROWSER]


async def listed(page) -> list[str]:
    """The order ids the list shows."""
    await page.locator('[data-testid="orders-table"]').wait_for()
    return await page.locator('[data-testid="orders-table"] tbody tr[data-order-id]').evaluate_all(
        "rows => rows.map(row => row.dataset.orderId)"
    )


async def search(page, text: str) -> list[str]:
    """Type into the search box and press Enter, as a person at a keyboard does; the orders found."""
    box = page.get_by_label("Search")
    await box.fill(text)
    await box.press("Enter")
    await page.wait_for_url("**/admin/orders?q=*")
    return await listed(page)


async def test_the_owner_finds_an_order_by_email_phone_and_payment_id_and_exports_it(page, shop_url, database):
    frame = await buy_a_shawl(page, shop_url)  # Meera Iyer, meera@example.in, 98450 12345
    await frame.locator('[data-testid="upi-success"]').click()
    await page.wait_for_url("**/orders/ord_*")
    order_id = page.url.rsplit("/", 1)[1].split("?")[0]
    await page.locator('[data-testid="order-status"]').filter(has_text="Paid").wait_for()
    payment_id = (await database.db.orders.find_one({"_id": order_id}))["payment"]["id"]
    # Another buyer's order, so each search must leave one out.
    ravi = {"name": "Ravi Kumar", "email": "ravi@example.in", "phone": "+919812345678"}
    other = await insert_order(
        database.db,
        stored_order("ord_someoneelse000000", datetime.now(UTC), customer=ravi, payment={"id": "pay_RaviPayment001"}),
    )

    await page.set_viewport_size({"width": 1280, "height": 900})
    await sign_in(page, shop_url)
    await page.goto(shop_url + "/admin/orders")
    assert await listed(page) == [other.id, order_id]
    await check_page(page, "admin-orders")

    assert await search(page, "Meera@Example.in") == [order_id]
    await check_page(page, "admin-orders-search-email")
    assert await search(page, "+91 98450-12345") == [order_id]
    await check_page(page, "admin-orders-search-phone")
    assert await search(page, payment_id) == [order_id]
    await check_page(page, "admin-orders-search-payment-id")

    async with page.expect_download() as caught:
        await page.get_by_role("link", name="Download CSV").click()
    download = await caught.value
    assert download.suggested_filename.startswith("orders-") and download.suggested_filename.endswith(".csv")
    text = Path(await download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [(row["Order"], row["Email"], row["Payment id"]) for row in rows] == [
        (order_id, "meera@example.in", payment_id)
    ]
    assert (rows[0]["Buyer"], rows[0]["Phone"], rows[0]["Currency"]) == ("Meera Iyer", "'+919845012345", "INR")
    assert rows[0]["Placed"].endswith(" IST") and rows[0]["Placed (ISO 8601, IST)"].endswith("+05:30")

    # On a phone the filters stack and the table scrolls sideways; still no serious axe-core violation.
    await page.set_viewport_size({"width": 390, "height": 844})
    await check_page(page, "admin-orders-phone")
