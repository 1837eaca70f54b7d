"""Issue 24, item 7: ids a browser sends are checked against their gateway's format before they reach a URL,
the Razorpay client keeps any id inside one path segment, and an order keeps a bounded number of attempts.

Razorpay's id format (a prefix and 14 letters or digits): pay_MT48CvBhIC98MQ and order_MT47xgV5ApouIB in
razorpay.com/docs/api/payments/fetch-with-id; pay_IDRP0tbirMSsbn and order_J2bVDDGFwgGJbW in razorpay/razorpay-java
src/test/java/com/razorpay/PaymentClientTest.java. The sandbox makes its ids the same way (sandboxes/razorpay/ids.py).
"""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web
from support.abuse import failure, gateway_paths, place_order

from galla.payments.errors import GatewayError
from galla.payments.razorpay.client import RazorpayClient
from galla.store.orders import MAX_ATTEMPTS

BAD_IDS = [
    "../payments",
    "..",
    "pay_",
    "pay_Nz1ZfK2qXo9sR",
    "pay_Nz1ZfK2qXo9sRaX",
    "pay_Nz1ZfK2q/o9sRa",
    "pay_Nz1ZfK2qXo9sR?",
    "order_Nz1ZbWkY3mQ8pT",
    "PAY_Nz1ZfK2qXo9sRa",
    "pay_Nz1ZfK2qXo9sR\u0430",
]


@pytest.mark.parametrize("bad", BAD_IDS)
async def test_item7_failed_report_with_a_malformed_payment_id_is_refused_before_any_gateway_call(
    client, database, bad
):
    """`../payments` once made the server list the shop's payments with its key; now no call goes out."""
    placed = await place_order(client)
    resp = await client.post(
        "/api/payments/razorpay/failed", json={"order_id": placed["order_id"], "error": failure(bad)}
    )
    assert resp.status == 422
    error = (await resp.json())["error"]
    assert error["field"] == "error.metadata.payment_id" and "Razorpay payment id" in error["message"]
    stored = await database.db.orders.find_one({"_id": placed["order_id"]})
    assert gateway_paths(stored) == ["/v1/orders"] and stored["attempts"] == []


async def test_item7_failed_report_with_a_malformed_razorpay_order_id_is_refused(client):
    placed = await place_order(client)
    resp = await client.post(
        "/api/payments/razorpay/failed",
        json={"order_id": placed["order_id"], "error": failure("pay_Nz1ZfK2qXo9sRa", "order_../x")},
    )
    assert resp.status == 422 and (await resp.json())["error"]["field"] == "error.metadata.order_id"


@pytest.mark.parametrize(
    "field,bad",
    [
        ("razorpay_payment_id", "../payments"),
        ("razorpay_payment_id", "pay_x"),
        ("razorpay_order_id", "order_x"),
        ("razorpay_order_id", "../orders"),
    ],
)
async def test_item7_verify_refuses_malformed_razorpay_ids_naming_the_field(client, field, bad):
    placed = await place_order(client)
    body = {
        "order_id": placed["order_id"],
        "razorpay_order_id": placed["razorpay"]["order_id"],
        "razorpay_payment_id": "pay_Nz1ZfK2qXo9sRa",
        "razorpay_signature": "00",
        field: bad,
    }
    resp = await client.post("/api/payments/razorpay/verify", json=body)
    assert resp.status == 422
    assert (await resp.json())["error"]["field"] == field


async def test_item7_a_well_formed_failure_report_is_still_checked_with_razorpay(client, database, razorpay_sandbox):
    placed = await place_order(client)
    _, failed = await razorpay_sandbox.pay(placed["razorpay"]["order_id"], outcome="failure")
    resp = await client.post(
        "/api/payments/razorpay/failed", json={"order_id": placed["order_id"], "error": failed["error"]}
    )
    assert resp.status == 200
    stored = await database.db.orders.find_one({"_id": placed["order_id"]})
    payment_id = failed["error"]["metadata"]["payment_id"]
    assert f"/v1/payments/{payment_id}" in gateway_paths(stored)
    assert [a["payment_id"] for a in stored["attempts"]] == [payment_id]


async def test_item7_an_order_keeps_only_the_latest_failed_attempts(client, database):
    """Anyone who knows an order id may report failures: the order keeps the newest MAX_ATTEMPTS of them."""
    placed = await place_order(client)
    reported = [f"pay_{n:014d}" for n in range(MAX_ATTEMPTS + 5)]
    for payment_id in reported:
        resp = await client.post(
            "/api/payments/razorpay/failed", json={"order_id": placed["order_id"], "error": failure(payment_id)}
        )
        assert resp.status == 200
    stored = await database.db.orders.find_one({"_id": placed["order_id"]})
    assert [a["payment_id"] for a in stored["attempts"]] == reported[-MAX_ATTEMPTS:]
    # Past MAX_ATTEMPTS, reports neither call Razorpay nor grow the order's timeline.
    browser = [e for e in stored["timeline"] if e.get("event") == "payment.failed"]
    calls = [p for p in gateway_paths(stored) if p.startswith("/v1/payments/")]
    assert len(browser) == len(calls) == MAX_ATTEMPTS
    # A repeated report of a payment already kept is still kept once.
    await client.post(
        "/api/payments/razorpay/failed", json={"order_id": placed["order_id"], "error": failure(reported[-1])}
    )
    stored = await database.db.orders.find_one({"_id": placed["order_id"]})
    assert [a["payment_id"] for a in stored["attempts"]] == reported[-MAX_ATTEMPTS:]


@pytest.fixture
async def recorder(aiohttp_server):
    """A stand-in API that records the raw path of every request and answers 404, as Razorpay does for an
    unknown id."""
    paths: list[str] = []

    async def record(request: web.Request) -> web.Response:
        paths.append(request.raw_path)
        return web.json_response({"error": {"code": "BAD_REQUEST_ERROR", "description": "not found"}}, status=404)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", record)
    server = await aiohttp_server(app)
    return str(server.make_url("")).rstrip("/"), paths


@pytest.mark.parametrize(
    "call,expected",
    [
        (lambda rzp: rzp.fetch_payment("../payments"), "/v1/payments/..%2Fpayments"),
        (lambda rzp: rzp.fetch_payment("pay_a?count=100"), "/v1/payments/pay_a%3Fcount=100"),
        (lambda rzp: rzp.fetch_order("order_a/payments"), "/v1/orders/order_a%2Fpayments"),
        (lambda rzp: rzp.fetch_order_payments("../../v1/payments"), "/v1/orders/..%2F..%2Fv1%2Fpayments/payments"),
        (lambda rzp: rzp.fetch_refund("rfnd_a#x"), "/v1/refunds/rfnd_a%23x"),
    ],
)
async def test_item7_the_razorpay_client_keeps_an_id_inside_one_path_segment(recorder, call, expected):
    """Defence in depth behind the format checks: an id is quoted whole (urllib.parse.quote, safe='')."""
    base, paths = recorder
    async with aiohttp.ClientSession() as session:
        rzp = RazorpayClient(session=session, key_id="rzp_test_k", key_secret="s3cret", api_base=base, timeout=5)
        with pytest.raises(GatewayError):
            await call(rzp)
    assert paths and set(paths) == {expected}


@pytest.mark.parametrize("dots", ["..", ".", ""])
async def test_item7_the_razorpay_client_refuses_dot_segments_without_sending(recorder, dots):
    """yarl resolves "..", even quoted as %2E%2E, into the parent path: such an id is never sent."""
    base, paths = recorder
    async with aiohttp.ClientSession() as session:
        rzp = RazorpayClient(session=session, key_id="rzp_test_k", key_secret="s3cret", api_base=base, timeout=5)
        with pytest.raises(ValueError):
            await rzp.fetch_payment(dots)
    assert paths == []
