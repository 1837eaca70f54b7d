"""Bad input gets a 4xx naming the field, never a 500, and leaves nothing half-written."""

from __future__ import annotations

import json

import pytest
from support.app import checkout_body


def with_item(**item):
    return checkout_body([{"product_id": "masala-chai", "quantity": 1, **item}])


def with_customer(**fields):
    body = checkout_body()
    body["customer"].update(fields)
    return body


BAD_BODIES = [
    ("unknown product", with_item(product_id="no-such-thing"), 422, "items[0].product_id"),
    ("quantity zero", with_item(quantity=0), 422, "items[0].quantity"),
    ("quantity 101", with_item(quantity=101), 422, "items[0].quantity"),
    ("quantity negative", with_item(quantity=-3), 422, "items[0].quantity"),
    ("quantity as text", with_item(quantity="2"), 422, "items[0].quantity"),
    ("quantity as bool", with_item(quantity=True), 422, "items[0].quantity"),
    ("quantity fraction", with_item(quantity=1.5), 422, "items[0].quantity"),
    (
        "same product over 100",
        checkout_body([{"product_id": "masala-chai", "quantity": 60}, {"product_id": "masala-chai", "quantity": 41}]),
        422,
        "items[1].quantity",
    ),
    ("no items", checkout_body(items=None) | {"items": []}, 422, "items"),
    ("items not a list", checkout_body() | {"items": "masala-chai"}, 422, "items"),
    ("bad email", with_customer(email="asha@"), 422, "customer.email"),
    ("email without domain dot", with_customer(email="asha at example"), 422, "customer.email"),
    ("bad phone", with_customer(phone="12345"), 422, "customer.phone"),
    ("phone of letters", with_customer(phone="call me maybe"), 422, "customer.phone"),
    ("empty name", with_customer(name="   "), 422, "customer.name"),
    ("missing customer", {k: v for k, v in checkout_body().items() if k != "customer"}, 422, "customer"),
    ("unknown country", checkout_body(country="XX"), 422, "country"),
    ("amount from the browser", checkout_body(amount=1), 422, "amount"),
    ("extra item field", with_item(price=1), 422, "items[0].price"),
]


@pytest.mark.parametrize("body,status,field", [b[1:] for b in BAD_BODIES], ids=[b[0] for b in BAD_BODIES])
async def test_bad_checkout_body_names_the_field(client, database, body, status, field):
    resp = await client.post("/api/checkout", json=body)
    error = (await resp.json())["error"]
    assert resp.status == status, error
    assert error["field"] == field
    assert error["code"] and error["message"]
    await assert_nothing_written(database)


@pytest.mark.parametrize(
    "data,content_type,status,code",
    [
        ("{not json", "application/json", 400, "malformed_json"),
        ("", "application/json", 400, "malformed_json"),
        ("[1, 2]", "application/json", 422, "invalid_input"),
        (json.dumps(checkout_body()), "text/plain", 415, "unsupported_media_type"),
        ("items=1", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        ('"\udcff"', "application/json", 400, "malformed_json"),
    ],
    ids=["broken", "empty", "array", "text-plain", "form", "bad-utf8"],
)
async def test_malformed_requests_are_4xx(client, database, data, content_type, status, code):
    payload = data.encode("utf-8", "surrogateescape")
    resp = await client.post("/api/checkout", data=payload, headers={"Content-Type": content_type})
    body = await resp.json()
    assert (resp.status, body["error"]["code"]) == (status, code)
    await assert_nothing_written(database)


async def test_body_over_64_kb_is_refused(client, database):
    body = checkout_body()
    body["customer"]["name"] = "x" * (65 * 1024)
    resp = await client.post("/api/checkout", json=body)
    assert resp.status == 413
    assert (await resp.json())["error"] == {
        "code": "body_too_large",
        "field": "body",
        "message": "the body may be at most 65536 bytes",
    }

    # Without a Content-Length (chunked), the limit still holds while reading.
    async def chunks():
        for _ in range(70):
            yield b"x" * 1024

    resp = await client.post("/api/checkout", data=chunks(), headers={"Content-Type": "application/json"})
    assert resp.status == 413
    await assert_nothing_written(database)


async def test_bad_idempotency_key_and_unknown_routes(client, database):
    resp = await client.post("/api/checkout", json=checkout_body(), headers={"Idempotency-Key": "k" * 256})
    assert resp.status == 422 and (await resp.json())["error"]["field"] == "Idempotency-Key"
    resp = await client.get("/api/nowhere")
    assert resp.status == 404 and (await resp.json())["error"]["code"] == "not_found"
    resp = await client.get("/api/checkout")
    assert resp.status == 405 and (await resp.json())["error"]["code"] == "method_not_allowed"
    await assert_nothing_written(database)


@pytest.mark.parametrize(
    "path,body,field",
    [
        ("/api/payments/razorpay/verify", {"order_id": "x"}, "razorpay_order_id"),
        (
            "/api/payments/razorpay/verify",
            {
                "order_id": "ord_x",
                "razorpay_order_id": "order_Nz1ZbWkY3mQ8pT",
                "razorpay_payment_id": "pay_Nz1ZfK2qXo9sRa",
                "razorpay_signature": "00",
            },
            "order_id",
        ),
        ("/api/payments/razorpay/failed", {"order_id": "ord_x"}, "error"),
        ("/api/payments/razorpay/failed", {"order_id": "ord_x", "error": {"code": "X"}}, "order_id"),
    ],
)
async def test_bad_payment_callbacks_name_the_field(client, path, body, field):
    resp = await client.post(path, json=body)
    assert 400 <= resp.status < 500
    assert (await resp.json())["error"]["field"] == field


async def assert_nothing_written(database):
    assert await database.db.orders.count_documents({}) == 0
    assert await database.db.customers.count_documents({}) == 0
    assert await database.db.idempotency_keys.count_documents({}) == 0
