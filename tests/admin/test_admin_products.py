"""The admin's products page: adding and editing products and their prices, checked field by field, safe
against two admins saving at once, and reaching the catalog and checkout (orders keep the prices they had)."""

from __future__ import annotations

import asyncio
import re

import pytest
from support.admin import field_error, form_fields, sign_in
from support.app import ADMIN, checkout_body

from galla.admin.product_form import parse_price, slugify
from galla.store.products import find_inactive_ids, find_product, update_product

CHAI = "masala-chai"
NEW_PRODUCT = {
    "name": "Darjeeling First Flush, 100 g",
    "description": "Spring leaf from Makaibari.",
    "image": "/static/img/products/masala-chai.svg",
    "price_INR": "1,299.50",
    "price_USD": "16",
    "currency_0": "eur",
    "price_0": "14.90",
    "currency_1": "JPY",
    "price_1": "2,400",
    "active": "on",
}


def form_of(page: str) -> dict[str, str]:
    """The fields a browser would post from the page's product form, as they are filled in."""
    return form_fields(page, "product-form")


async def load_form(client, product_id: str, headers=ADMIN) -> dict[str, str]:
    resp = await client.get(f"/admin/products/{product_id}", headers=headers)
    assert resp.status == 200, await resp.text()
    return form_of(await resp.text())


async def api_products(client) -> dict[str, dict]:
    resp = await client.get("/api/products")
    return {p["id"]: p for p in (await resp.json())["products"]}


async def place(client, product_id: str, quantity: int = 1, **overrides) -> dict:
    resp = await client.post(
        "/api/checkout", json=checkout_body(items=[{"product_id": product_id, "quantity": quantity}], **overrides)
    )
    assert resp.status == 201, await resp.text()
    return await resp.json()


# -- prices typed as people type them ---------------------------------------------------------------------


# Prices as people type them, in each currency, and the minor units they are read as.
READ_AS = {
    "INR": {
        "499": 49900,
        "499.50": 49950,
        "1,299": 129900,
        " 1,299.5 ": 129950,
        "1,23,456.78": 12345678,
        "499.": 49900,
        "999999.99": 99999999,
    },
    "USD": {"12,345.60": 1234560, "0.50": 50},
    "JPY": {"1,234,567": 1234567, "1,200": 1200, "750.0": 750},
    "KWD": {"1.230": 1230},
}


@pytest.mark.parametrize(
    "typed, currency, minor",
    [(typed, currency, minor) for currency, prices in READ_AS.items() for typed, minor in prices.items()],
)
def test_prices_are_read_exactly_in_minor_units(typed, currency, minor):
    assert parse_price(typed, currency) == minor


# Why a price is refused, and the prices (as typed, in their currency) refused for that reason.
REFUSED_BECAUSE = {
    "cannot be negative": [("-5", "INR")],
    "more than zero": [("0", "INR"), ("0.00", "USD")],
    "INR has 2 decimal places": [("499.505", "INR")],
    "JPY has no decimal places": [("750.5", "JPY")],
    "as a number": [("499,50", "INR"), ("1,2,3", "INR"), ("4e2", "INR"), ("NaN", "INR"), ("₹499", "INR"), ("", "INR")],
    "below the smallest payment Razorpay accepts, ₹1.00": [("0.50", "INR")],
    "below the smallest payment Stripe accepts, $0.50": [("0.49", "USD")],
    "more than a checkout can charge": [("1,000,000", "INR")],
    "steps of 0.010": [("1.234", "KWD")],
}


@pytest.mark.parametrize(
    "typed, currency, says",
    [(typed, currency, says) for says, prices in REFUSED_BECAUSE.items() for typed, currency in prices],
)
def test_bad_prices_are_refused_with_the_reason(typed, currency, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        parse_price(typed, currency)


def test_ids_are_made_from_names():
    assert slugify("Assam Masala Chai, 250 g") == "assam-masala-chai-250-g"
    assert slugify("  Crème Brûlée — Jar!  ") == "creme-brulee-jar"
    assert slugify("चाय") == ""
    assert len(slugify("word " * 40)) <= 64 and not slugify("word " * 40).endswith("-")


# -- the list and adding ----------------------------------------------------------------------------------


async def test_the_list_shows_every_product_with_its_prices_and_state(client):
    resp = await client.get("/admin/products", headers=ADMIN)
    page = await resp.text()
    assert resp.status == 200
    assert 'aria-current="page"' in page and "/static/css/admin-products.css" in page
    rows = re.findall(r'<tr data-product-id="([^"]+)"', page)
    assert rows[:2] == [CHAI, "filter-coffee"] and len(rows) == 8
    chai = page[page.index(f'data-product-id="{CHAI}"') :]
    chai = chai[: chai.index("</tr>")]
    assert 'src="/static/img/products/masala-chai.svg"' in chai and "Assam Masala Chai, 250 g" in chai
    assert "₹349.00" in chai and "$4.99" in chai and "€4.59" in chai and "¥750" in chai
    assert 'data-testid="active"' in chai


async def test_a_new_product_reaches_the_catalog_and_a_checkout(client):
    form = await client.get("/admin/products/new", headers=ADMIN)
    assert form.status == 200 and form_of(await form.text())["active"] == "on"
    resp = await client.post("/admin/products", data=NEW_PRODUCT, headers=ADMIN, allow_redirects=False)
    assert resp.status == 303, await resp.text()
    new_id = "darjeeling-first-flush-100-g"
    assert resp.headers["Location"] == f"/admin/products?added={new_id}"

    listing = await (await client.get(resp.headers["Location"], headers=ADMIN)).text()
    assert "Added Darjeeling First Flush, 100 g. It is on sale now." in listing
    assert re.findall(r'<tr data-product-id="([^"]+)"', listing)[-1] == new_id  # added at the end
    product = (await api_products(client))[new_id]
    assert product == {
        "id": new_id,
        "name": "Darjeeling First Flush, 100 g",
        "description": "Spring leaf from Makaibari.",
        "image": "/static/img/products/masala-chai.svg",
        "prices": {"INR": 129950, "USD": 1600, "EUR": 1490, "JPY": 2400},
    }
    placed = await place(client, new_id, 2)
    assert (placed["amount"], placed["currency"], placed["gateway"]) == (259900, "INR", "razorpay")
    assert placed["razorpay"]["amount"] == 259900
    abroad = await place(
        client,
        new_id,
        customer={"name": "Kenji Sato", "email": "kenji@example.jp", "phone": "+81 90 1234 5678"},
        country="JP",
    )
    assert (abroad["amount"], abroad["currency"], abroad["gateway"]) == (2400, "JPY", "stripe")


async def test_an_id_can_be_typed_and_a_clash_names_the_field(client, database):
    resp = await client.post(
        "/admin/products", data={**NEW_PRODUCT, "id": "first-flush"}, headers=ADMIN, allow_redirects=False
    )
    assert (resp.status, resp.headers["Location"]) == (303, "/admin/products?added=first-flush")
    for data, says in (
        ({**NEW_PRODUCT, "id": "first-flush"}, "the id first-flush already exists"),
        ({**NEW_PRODUCT, "id": CHAI}, f"the id {CHAI} already exists"),
        ({**NEW_PRODUCT, "name": "Masala chai"}, f"the id {CHAI} (made from the name) already"),
    ):
        resp = await client.post("/admin/products", data=data, headers=ADMIN, allow_redirects=False)
        page = await resp.text()
        assert resp.status == 422 and says in field_error(page, "id"), field_error(page, "id")
        assert form_of(page)["name"] == data["name"]
    assert (await find_product(database.db, CHAI)).name == "Assam Masala Chai, 250 g"
    assert await database.db.products.count_documents({}) == 9


async def test_a_product_added_off_sale_stays_out_of_the_shop(client):
    data = {k: v for k, v in NEW_PRODUCT.items() if k != "active"}
    resp = await client.post("/admin/products", data=data, headers=ADMIN, allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"].endswith("?added_off=darjeeling-first-flush-100-g")
    assert "darjeeling-first-flush-100-g" not in await api_products(client)


# -- each field checked, the typed values kept ------------------------------------------------------------

BAD_FIELDS = [
    ("name", {"name": "  "}, "give the product a name"),
    ("name", {"name": "x" * 101}, "at most 100 characters"),
    ("description", {"description": "x" * 1001}, "at most 1000 characters"),
    ("image", {"image": ""}, "give the path of its image"),
    ("image", {"image": "https://cdn.example.com/chai.png"}, "a path on this shop"),
    ("image", {"image": "/static/../views/app.py"}, "a path on this shop"),
    ("image", {"image": "/static/img/products/nothing-here.svg"}, "there is no file at"),
    ("id", {"id": "Not An Id!"}, "lowercase letters, digits and single hyphens"),
    ("id", {"id": "new"}, "reserved"),
    ("id", {"name": "चाय"}, "no letters or digits to make an id from"),
    ("price_INR", {"price_INR": ""}, "a price in INR is required"),
    ("price_INR", {"price_INR": "-499"}, "cannot be negative"),
    ("price_INR", {"price_INR": "0"}, "more than zero"),
    ("price_INR", {"price_INR": "499.999"}, "INR has 2 decimal places"),
    ("price_INR", {"price_INR": "499,50"}, "as a number"),
    ("price_INR", {"price_INR": "0.99"}, "smallest payment Razorpay accepts"),
    ("price_INR", {"price_INR": "10,00,000"}, "more than a checkout can charge"),
    ("price_USD", {"price_USD": "0.30"}, "smallest payment Stripe accepts, $0.50"),
    ("currency_0", {"currency_0": "XYZ"}, "XYZ is not a currency code in use"),
    ("currency_0", {"currency_0": "DEM"}, "DEM is not a currency code in use"),
    ("currency_0", {"currency_0": "usd"}, "USD has a price already"),
    ("currency_0", {"currency_0": ""}, "say which currency"),
    ("price_0", {"price_0": ""}, "type the price in EUR"),
    ("price_1", {"price_1": "2400.5"}, "JPY has no decimal places"),
]


@pytest.mark.parametrize("field, change, says", BAD_FIELDS, ids=[f"{f}-{s[:20]}" for f, _, s in BAD_FIELDS])
async def test_a_bad_field_shows_the_form_again_with_its_message(client, database, field, change, says):
    data = {**NEW_PRODUCT, **change}
    resp = await client.post("/admin/products", data=data, headers=ADMIN, allow_redirects=False)
    page = await resp.text()
    assert resp.status == 422, page
    assert says.lower() in (field_error(page, field) or "").lower(), field_error(page, field)
    assert f'id="{field}" name="{field}"' in page and 'aria-invalid="true"' in page
    assert "Nothing was saved: 1 field needs fixing" in page
    kept = form_of(page)
    for name, value in data.items():
        assert kept.get(name, "").strip().upper() == value.strip().upper(), name  # what was typed, to fix
    assert await database.db.products.count_documents({}) == 8


async def test_every_bad_field_is_named_at_once(client):
    data = {"name": "", "image": "", "price_INR": "abc", "price_USD": "-1", "currency_3": "ZZZ", "price_3": "1"}
    resp = await client.post("/admin/products", data=data, headers=ADMIN)
    page = await resp.text()
    assert resp.status == 422
    shown = re.findall(r'data-testid="error-([^"]+)"', page)
    assert shown == ["name", "image", "price_INR", "price_USD", "currency_3"]
    assert "id" not in shown  # an empty name says it already
    assert form_of(page)["currency_3"] == "ZZZ"  # the row keeps its place, next to its message


# -- editing ----------------------------------------------------------------------------------------------


async def test_a_price_change_reaches_new_checkouts_and_leaves_placed_orders_alone(client, database):
    before = await place(client, CHAI, 2)
    assert before["amount"] == 2 * 34900

    form = await load_form(client, CHAI)
    assert (form["price_INR"], form["price_USD"], form["currency_0"], form["price_0"]) == (
        "349.00",
        "4.99",
        "EUR",
        "4.59",
    )
    assert form["version"] == "0"  # seeded before versions existed
    form.update(price_INR="399", price_USD="5.49", currency_2="", price_2="", description="Now with tulsi.")
    resp = await client.post(f"/admin/products/{CHAI}", data=form, headers=ADMIN, allow_redirects=False)
    assert (resp.status, resp.headers["Location"]) == (303, f"/admin/products?saved={CHAI}")
    listing = await (await client.get(resp.headers["Location"], headers=ADMIN)).text()
    assert "Saved Assam Masala Chai, 250 g. New checkouts use its new prices" in listing

    assert (await api_products(client))[CHAI]["prices"] == {"INR": 39900, "USD": 549, "EUR": 459, "GBP": 399}
    assert (await api_products(client))[CHAI]["description"] == "Now with tulsi."
    old = await (await client.get(f"/api/orders/{before['order_id']}")).json()
    assert old["amount"] == 69800 and old["items"][0]["unit_amount"] == 34900
    stored = await database.db.orders.find_one({"_id": before["order_id"]})
    assert stored["amount"] == 69800 and stored["items"][0]["unit_amount"] == 34900
    after = await place(client, CHAI, 2)
    assert after["amount"] == 79800 and after["razorpay"]["amount"] == 79800
    new = await (await client.get(f"/api/orders/{after['order_id']}")).json()
    assert new["items"][0]["unit_amount"] == 39900
    assert (await load_form(client, CHAI))["version"] == "1"


async def test_an_edit_with_a_bad_field_saves_nothing(client, database):
    form = await load_form(client, CHAI)
    resp = await client.post(
        f"/admin/products/{CHAI}", data={**form, "price_INR": "3.499", "name": "Chai"}, headers=ADMIN
    )
    page = await resp.text()
    assert resp.status == 422 and "INR has 2 decimal places" in field_error(page, "price_INR")
    assert form_of(page)["name"] == "Chai" and form_of(page)["version"] == form["version"]
    assert 'value="masala-chai" readonly' in page  # the id is shown but never posted
    product = await find_product(database.db, CHAI)
    assert (product.name, product.prices["INR"], product.version) == ("Assam Masala Chai, 250 g", 34900, 0)


async def test_the_id_cannot_be_changed_by_an_edit(client, database):
    form = await load_form(client, CHAI)
    resp = await client.post(
        f"/admin/products/{CHAI}", data={**form, "id": "renamed"}, headers=ADMIN, allow_redirects=False
    )
    assert resp.status == 303
    assert await find_product(database.db, "renamed") is None and await find_product(database.db, CHAI)


async def test_unknown_products_are_404(client):
    assert (await client.get("/admin/products/no-such-thing", headers=ADMIN)).status == 404
    resp = await client.post("/admin/products/no-such-thing", data=NEW_PRODUCT, headers=ADMIN)
    assert resp.status == 404


# -- two admins at once -----------------------------------------------------------------------------------


async def test_a_save_over_someone_elses_is_a_conflict(client, database):
    first, second = await load_form(client, CHAI), await load_form(client, CHAI)
    resp = await client.post(
        f"/admin/products/{CHAI}", data={**first, "price_INR": "375"}, headers=ADMIN, allow_redirects=False
    )
    assert resp.status == 303
    resp = await client.post(
        f"/admin/products/{CHAI}",
        data={**second, "price_INR": "360", "name": "Chai"},
        headers=ADMIN,
        allow_redirects=False,
    )
    page = await resp.text()
    assert resp.status == 409, page
    assert 'data-testid="conflict"' in page and "was changed by someone else after you opened it" in page
    assert re.search(r"<th scope=\"row\">Name</th><td>Chai</td><td>Assam Masala Chai, 250 g</td>", page)
    assert re.search(r"<th scope=\"row\">Price in INR</th><td>360</td><td>375.00</td>", page)
    again = form_of(page)
    assert (again["price_INR"], again["version"]) == ("375.00", "1")  # what is saved now, at its version
    product = await find_product(database.db, CHAI)
    assert (product.name, product.prices["INR"], product.version) == ("Assam Masala Chai, 250 g", 37500, 1)

    resp = await client.post(
        f"/admin/products/{CHAI}", data={**again, "price_INR": "360"}, headers=ADMIN, allow_redirects=False
    )
    assert resp.status == 303
    assert (await find_product(database.db, CHAI)).prices["INR"] == 36000


async def test_only_one_of_two_simultaneous_saves_wins(client, database):
    db = database.db

    def fields(inr: int) -> dict:
        return {
            "name": "Chai",
            "description": "",
            "image": "/static/img/products/masala-chai.svg",
            "prices": {"INR": inr},
            "active": True,
        }

    results = await asyncio.gather(*(update_product(db, CHAI, 0, fields(40000 + i)) for i in range(5)))
    winners = [r for r in results if r is not None]
    assert len(winners) == 1 and winners[0].version == 1
    assert (await find_product(db, CHAI)).prices == winners[0].prices
    assert await update_product(db, CHAI, 0, fields(1)) is None  # a stale version never writes


# -- taking a product off sale ----------------------------------------------------------------------------


async def test_a_product_off_sale_leaves_the_shop_and_checkout_but_not_the_admin(client, database):
    placed = await place(client, CHAI)
    form = await load_form(client, CHAI)
    del form["active"]  # the box unticked
    resp = await client.post(f"/admin/products/{CHAI}", data=form, headers=ADMIN, allow_redirects=False)
    assert resp.status == 303
    assert CHAI not in await api_products(client)
    assert "Assam Masala Chai" not in await (await client.get("/")).text()
    resp = await client.post("/api/checkout", json=checkout_body(items=[{"product_id": CHAI, "quantity": 1}]))
    error = (await resp.json())["error"]
    assert resp.status == 422 and error["field"] == "items[0].product_id" and CHAI in error["message"]
    listing = await (await client.get("/admin/products", headers=ADMIN)).text()
    row = listing[listing.index(f'data-product-id="{CHAI}"') :]
    assert 'data-testid="inactive"' in row[: row.index("</tr>")]
    assert await database.db.products.find_one({"_id": CHAI})  # kept: orders refer to it
    assert await find_inactive_ids(database.db, [CHAI, "filter-coffee", "nope"]) == {CHAI}
    assert (await (await client.get(f"/api/orders/{placed['order_id']}")).json())["items"][0]["product_id"] == CHAI

    form = await load_form(client, CHAI)
    assert "active" not in form
    resp = await client.post(
        f"/admin/products/{CHAI}", data={**form, "active": "on"}, headers=ADMIN, allow_redirects=False
    )
    assert resp.status == 303 and CHAI in await api_products(client)


# -- signed in with the form: CSRF ------------------------------------------------------------------------


async def test_a_signed_in_admin_needs_the_forms_csrf_token(client, database):
    csrf = await sign_in(client)
    page = await (await client.get(f"/admin/products/{CHAI}")).text()
    form = form_of(page)
    assert form["csrf_token"] == csrf
    forged = {k: v for k, v in form.items() if k != "csrf_token"}
    for data in ({**forged, "price_INR": "1"}, {**forged, "price_INR": "1", "csrf_token": "not-the-token"}):
        resp = await client.post(f"/admin/products/{CHAI}", data=data, allow_redirects=False)
        assert resp.status == 403, await resp.text()
    resp = await client.post("/admin/products", data=NEW_PRODUCT, allow_redirects=False)
    assert resp.status == 403
    assert (await find_product(database.db, CHAI)).prices["INR"] == 34900
    assert await database.db.products.count_documents({}) == 8

    new_form = form_of(await (await client.get("/admin/products/new")).text())
    assert new_form["csrf_token"] == csrf
    resp = await client.post("/admin/products", data={**NEW_PRODUCT, "csrf_token": csrf}, allow_redirects=False)
    assert resp.status == 303
    resp = await client.post(f"/admin/products/{CHAI}", data={**form, "price_INR": "355"}, allow_redirects=False)
    assert resp.status == 303
    assert (await find_product(database.db, CHAI)).prices["INR"] == 35500


async def test_the_pages_need_the_admin(client):
    for path in ("/admin/products", "/admin/products/new", f"/admin/products/{CHAI}"):
        resp = await client.get(path, allow_redirects=False)
        assert (resp.status, resp.headers["Location"]) == (303, "/admin/login")
    resp = await client.post("/admin/products", data=NEW_PRODUCT, allow_redirects=False)
    assert resp.status == 401
    assert "darjeeling-first-flush-100-g" not in await api_products(client)
