"""Orders over raw HTTP: validation, the error envelope, auth, listing and Razorpay's quirks."""

from __future__ import annotations

import asyncio
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.razorpay_sandbox import basic_auth

from sandboxes.razorpay import SANDBOX_FAULTS


def envelope(description: str, field: str | None = None) -> dict:
    """The full error body Razorpay sends for a validation error."""
    return {
        "error": {
            "code": "BAD_REQUEST_ERROR",
            "description": description,
            "field": field,
            "source": "NA",
            "step": "NA",
            "reason": "NA",
            "metadata": {},
        }
    }


async def test_created_order_is_the_wire_entity_with_empty_notes_as_a_list(sandbox):
    order = await sandbox.create_order(amount=50000, receipt="receipt#1")
    assert re.fullmatch(r"order_[A-Za-z0-9]{14}", order["id"])
    assert order == {
        "id": order["id"],
        "entity": "order",
        "amount": 50000,
        "amount_paid": 0,
        "amount_due": 50000,
        "currency": "INR",
        "receipt": "receipt#1",
        "offer_id": None,
        "status": "created",
        "attempts": 0,
        "notes": [],
        "created_at": int(sandbox.clock.now),
    }
    assert sandbox.state.orders[order["id"]] == order
    with_notes = await sandbox.create_order(notes={"order_id": "ord_1", "n": 2})
    assert with_notes["notes"] == {"order_id": "ord_1", "n": 2}


@pytest.mark.parametrize(
    ("body", "description", "field"),
    [
        ({"amount": 99, "currency": "INR"}, "The amount must be at least INR 1.00", "amount"),
        ({"amount": 0, "currency": "INR"}, "The amount must be at least INR 1.00", "amount"),
        ({"amount": 499.5, "currency": "INR"}, "The amount must be an integer.", "amount"),
        ({"amount": "49900", "currency": "INR"}, "The amount must be an integer.", "amount"),
        ({"amount": True, "currency": "INR"}, "The amount must be an integer.", "amount"),
        ({"currency": "INR"}, "The amount field is required.", "amount"),
        ({"amount": 49900}, "The currency field is required.", "currency"),
        ({"amount": 49900, "currency": "XYZ"}, "The selected currency is invalid.", "currency"),
        (
            {"amount": 49900, "currency": "INR", "receipt": "r" * 41},
            "The receipt may not be greater than 40 characters.",
            "receipt",
        ),
        (
            {"amount": 49900, "currency": "INR", "notes": {f"k{i}": "v" for i in range(16)}},
            "The notes may not have more than 15 items.",
            "notes",
        ),
        (
            {"amount": 49900, "currency": "INR", "notes": {"k": "v" * 257}},
            "The notes value for k may not be greater than 256 characters.",
            "notes",
        ),
        (
            {"amount": 49900, "currency": "INR", "notes": "plain"},
            "The notes must be an object of key-value pairs.",
            "notes",
        ),
        (
            {"amount": 49900, "currency": "INR", "customer_name": "Asha"},
            "customer_name is/are not required and should not be sent",
            "customer_name",
        ),
        (
            {"amount": 49900, "currency": "INR", "payment": {"capture": "later"}},
            "The selected payment.capture is invalid.",
            "payment.capture",
        ),
        (
            {"amount": 49900, "currency": "INR", "payment_capture": "maybe"},
            "The payment capture field must be true or false.",
            "payment_capture",
        ),
    ],
)
async def test_invalid_order_bodies_get_razorpays_400(sandbox, body, description, field):
    assert await sandbox.call("POST", "/v1/orders", json=body) == (400, envelope(description, field))
    assert sandbox.state.orders == {}


async def test_limits_are_inclusive(sandbox):
    order = await sandbox.create_order(amount=100, receipt="r" * 40, notes={f"k{i}": "v" * 256 for i in range(15)})
    assert (order["amount"], len(order["receipt"]), len(order["notes"])) == (100, 40, 15)
    assert (await sandbox.create_order(currency="USD", amount=100))["currency"] == "USD"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic " + "bm90IGJhc2U2NCE="},  # "not base64!" decoded: no colon
        {"Authorization": "Bearer rzp_test_x"},
    ],
)
async def test_missing_or_malformed_auth_is_401(sandbox, headers):
    status, body = await sandbox.call("GET", "/v1/orders", headers=headers, auth=False)
    assert (status, body) == (401, envelope("The api key provided is invalid"))


async def test_wrong_secret_or_case_of_basic_is_401(sandbox):
    wrong = basic_auth(sandbox.key_id, "nope")
    shouted = sandbox.auth["Authorization"].replace("Basic", "BASIC")
    for value in (wrong, shouted):
        status, body = await sandbox.call(
            "POST", "/v1/orders", json={"amount": 100, "currency": "INR"}, headers={"Authorization": value}, auth=False
        )
        assert (status, body["error"]["description"]) == (401, "The api key provided is invalid")
    assert sandbox.state.orders == {}


async def test_unknown_id_unknown_url_and_bad_json(sandbox):
    for path in (
        "/v1/orders/order_XXXXXXXXXXXXXX",
        "/v1/payments/pay_XXXXXXXXXXXXXX",
        "/v1/refunds/rfnd_XXXXXXXXXXXXX",
    ):
        assert await sandbox.call("GET", path) == (400, envelope("The id provided does not exist")), path
    assert await sandbox.call("GET", "/v1/nothing/here") == (
        404,
        envelope("The requested URL was not found on the server"),
    )
    status, body = await sandbox.call("DELETE", "/v1/orders")
    assert status == 405 and body["error"]["code"] == "BAD_REQUEST_ERROR"
    status, body = await sandbox.call(
        "POST", "/v1/orders", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert status == 400 and body["error"]["code"] == "BAD_REQUEST_ERROR"
    status, body = await sandbox.call("POST", "/v1/orders", json=[1, 2])
    assert status == 400 and set(body["error"]) == {
        "code",
        "description",
        "field",
        "source",
        "step",
        "reason",
        "metadata",
    }


async def test_list_is_newest_first_with_count_skip_from_to(sandbox):
    ids = []
    for second in range(5):
        sandbox.clock.now = 1_767_225_600 + second
        ids.append((await sandbox.create_order(receipt=f"r{second}"))["id"])
    status, page = await sandbox.call("GET", "/v1/orders?count=2&skip=1")
    assert status == 200 and page == {
        "entity": "collection",
        "count": 2,
        "items": [sandbox.state.orders[ids[3]], sandbox.state.orders[ids[2]]],
    }
    _, window = await sandbox.call("GET", "/v1/orders?from=1767225601&to=1767225602")
    assert [item["id"] for item in window["items"]] == [ids[2], ids[1]]
    _, everything = await sandbox.call("GET", "/v1/orders")
    assert [item["id"] for item in everything["items"]] == ids[::-1]
    assert (await sandbox.call("GET", "/v1/orders?count=101"))[0] == 400
    assert (await sandbox.call("GET", "/v1/orders?skip=x"))[1]["error"]["field"] == "skip"


async def test_orders_in_the_same_second_still_list_newest_first(sandbox):
    first, second = await sandbox.create_order(), await sandbox.create_order()
    _, listed = await sandbox.call("GET", "/v1/orders")
    assert [item["id"] for item in listed["items"]] == [second["id"], first["id"]]


async def test_only_notes_can_be_edited(sandbox):
    order = await sandbox.create_order()
    status, edited = await sandbox.call("PATCH", f"/v1/orders/{order['id']}", json={"notes": {"a": "b"}})
    assert (status, edited["notes"]) == (200, {"a": "b"})
    status, body = await sandbox.call("PATCH", f"/v1/orders/{order['id']}", json={"amount": 1})
    assert (status, body["error"]["field"]) == (400, "amount")


async def test_latency_knob_delays_rest_calls_only(sandbox):
    sandbox.app[SANDBOX_FAULTS].latency = 0.2
    loop_time = asyncio.get_running_loop().time
    started = loop_time()
    await sandbox.create_order()
    assert loop_time() - started >= 0.2
    started = loop_time()
    async with sandbox.session.get(sandbox.url + "/v1/checkout.js") as resp:
        assert resp.status == 200
    assert loop_time() - started < 0.2


async def test_latency_is_changed_over_http_with_the_keys_and_a_number_of_seconds(sandbox):
    url = sandbox.url + "/sandbox/latency"
    async with sandbox.session.put(url, json={"seconds": 0.25}) as resp:
        assert resp.status == 401
    for bad in ({"seconds": -1}, {"seconds": "0.1"}, {"seconds": True}, {"seconds": 61}, {}):
        async with sandbox.session.put(url, json=bad, headers=sandbox.auth) as resp:
            assert (resp.status, (await resp.json())["error"]["field"]) == (400, "seconds")
    assert sandbox.app[SANDBOX_FAULTS].latency == 0.0
    async with sandbox.session.put(url, json={"seconds": 0.25}, headers=sandbox.auth) as resp:
        assert (resp.status, await resp.json()) == (200, {"seconds": 0.25})
    assert sandbox.app[SANDBOX_FAULTS].latency == 0.25


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    amount=st.one_of(
        st.integers(min_value=-(10**12), max_value=10**12),
        st.floats(allow_nan=False),
        st.booleans(),
        st.none(),
        st.text(max_size=5),
    )
)
async def test_any_amount_is_either_a_valid_order_or_a_400_on_amount(sandbox, amount):
    status, body = await sandbox.call("POST", "/v1/orders", json={"amount": amount, "currency": "INR"})
    valid = isinstance(amount, int) and not isinstance(amount, bool) and amount >= 100
    if valid:
        assert status == 200 and body["amount"] == body["amount_due"] == amount
    else:
        assert status == 400 and body["error"]["field"] == "amount"
