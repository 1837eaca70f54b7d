"""A product's image uploaded through the admin's form in real Chromium, then shown by the catalog (decoded, not a
broken image) and by the cart. Screenshots: artifacts/screenshots/admin-product-upload.png, admin-products.png,
catalog-uploaded-image.png and cart-uploaded-image.png."""

from __future__ import annotations

import hashlib

import pytest
from support.axe import check_page
from support.browser import NEEDS_BROWSER, sign_in
from support.images import make_png

pytestmark = [pytest.mark.browser, NEEDS_BROWSER]

PHOTO = make_png(400, 300, rgb=(214, 140, 42))
PRODUCT = "kesar-chai-100-g"


async def test_an_uploaded_image_shows_on_the_catalog(page, shop_url):
    await sign_in(page, shop_url)
    await page.goto(shop_url + "/admin/products/new")
    await page.fill("#name", "Kesar Chai, 100 g")
    await page.fill("#description", "Saffron and cardamom.")
    await page.fill("#price_INR", "349")
    await page.set_input_files("#image_file", files=[{"name": "kesar.png", "mimeType": "image/png", "buffer": PHOTO}])
    await check_page(page, "admin-product-upload")
    await page.click('[data-testid="save"]')
    await page.wait_for_url("**/admin/products?added=*")

    path = "/images/" + hashlib.sha256(PHOTO).hexdigest()
    thumbnail = page.locator(f'[data-product-id="{PRODUCT}"] img')
    assert await thumbnail.get_attribute("src") == path
    await check_page(page, "admin-products")

    await page.goto(shop_url + "/")
    card = page.locator(f'[data-testid="product"][data-product-id="{PRODUCT}"]')
    image = card.locator("img")
    await image.scroll_into_view_if_needed()
    await page.wait_for_function(
        "src => [...document.images].some(i => i.getAttribute('src') === src && i.complete && i.naturalWidth === 400)",
        arg=path,
    )
    await check_page(page, "catalog-uploaded-image")

    await card.locator("[data-add-to-cart]").click()
    await page.wait_for_selector('[data-cart-count]:has-text("1")')
    await page.goto(shop_url + "/cart")
    line = page.locator('[data-testid="cart-line"]')
    await line.wait_for()
    assert await line.locator(f'img[src="{path}"]').count() == 1
    await check_page(page, "cart-uploaded-image")
