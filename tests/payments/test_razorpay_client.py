"""The async Razorpay client: every shape the API sends, errors kept whole, timeouts."""

from __future__ import annotations

import asyncio
import hashlib
import hmac

import aiohttp
import pytest
from aiohttp import web

from galla.payments.errors import GatewayInvalid, GatewayUnavailable
from galla.payments.money import Money
from galla.payments.razorpay.client import RazorpayClient, RazorpayOrder, RazorpayPayment


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as s:
        yield s


def client_for(session, base, key_id="rzp_test_k", secret="s3cret", timeout=5.0):
    return RazorpayClient(session=session, key_id=key_id, key_secret=secret, api_base=base, timeout=timeout)


async def test_create_and_fetch_against_sandbox(session, razorpay_sandbox):
    rzp = client_for(session, razorpay_sandbox.url, razorpay_sandbox.key_id, razorpay_sandbox.key_secret)
    order, call = await rzp.create_order(Money(49900, "INR"), receipt="ord_1", notes={"order_id": "ord_1"})
    assert (order.amount, order.currency, order.receipt, order.status) == (49900, "INR", "ord_1", "created")
    assert call.status == 200 and call.request["amount"] == 49900 and call.method == "POST"
    fetched, _ = await rzp.fetch_order(order.id)
    assert fetched.id == order.id and fetched.notes == {"order_id": "ord_1"}
    found, _ = await rzp.find_orders_by_receipt("ord_1")
    assert [o.id for o in found] == [order.id]
    payments, _ = await rzp.fetch_order_payments(order.id)
    assert payments == []


async def test_empty_notes_array_from_real_api_is_accepted(session, razorpay_sandbox):
    rzp = client_for(session, razorpay_sandbox.url, razorpay_sandbox.key_id, razorpay_sandbox.key_secret)
    order, call = await rzp.create_order(Money(10000, "INR"), receipt="r", notes={})
    assert call.response["notes"] == []  # the real API's quirk, reproduced by the sandbox
    assert order.notes == {}


async def test_sandbox_validation_becomes_typed_error_keeping_details(session, razorpay_sandbox):
    rzp = client_for(session, razorpay_sandbox.url, razorpay_sandbox.key_id, razorpay_sandbox.key_secret)
    with pytest.raises(GatewayInvalid) as info:
        await rzp.create_order(Money(99, "INR"), receipt="r", notes={})
    err = info.value
    assert (err.http_status, err.code, err.field) == (400, "BAD_REQUEST_ERROR", "amount")
    assert "at least INR 1.00" in err.description
    assert err.call.status == 400 and err.call.error["field"] == "amount"

    with pytest.raises(GatewayInvalid) as info:
        await rzp.create_order(Money(10000, "INR"), receipt="r" * 41, notes={})
    assert info.value.field == "receipt"

    bad_key = client_for(session, razorpay_sandbox.url, razorpay_sandbox.key_id, "wrong")
    with pytest.raises(GatewayInvalid) as info:
        await bad_key.fetch_order("order_x")
    assert info.value.http_status == 401


def test_entities_keep_unknown_fields_and_both_notes_shapes():
    order = RazorpayOrder.model_validate(
        {
            "id": "order_1",
            "entity": "order",
            "amount": 100,
            "currency": "INR",
            "status": "created",
            "notes": [],
            "offer_id": None,
            "brand_new": {"x": 1},
        }
    )
    assert order.notes == {} and order.model_extra["brand_new"] == {"x": 1}
    payment = RazorpayPayment.model_validate(
        {
            "id": "pay_1",
            "amount": 100,
            "currency": "INR",
            "status": "captured",
            "notes": {"order_id": "ord_1"},
            "upi": {"vpa": "a@b"},
            "acquirer_data": {"rrn": "1"},
        }
    )
    assert payment.notes == {"order_id": "ord_1"}
    assert "upi" not in payment.summary() and payment.summary()["id"] == "pay_1"


@pytest.fixture
async def misbehaving_razorpay(aiohttp_server):
    """A server that fails the ways real networks and gateways do."""

    async def server_error(request):
        return web.json_response(
            {
                "error": {
                    "code": "SERVER_ERROR",
                    "description": "We are facing some trouble",
                    "field": None,
                    "source": "NA",
                    "reason": "NA",
                }
            },
            status=500,
        )

    async def rate_limited(request):
        return web.json_response(
            {"error": {"code": "BAD_REQUEST_ERROR", "description": "Too many requests"}}, status=429
        )

    async def hang(request):
        await asyncio.sleep(30)
        return web.json_response({})

    async def html(request):
        return web.Response(text="<html>502 Bad Gateway</html>", status=502, content_type="text/html")

    app = web.Application()
    app.router.add_get("/500/v1/orders/{id}", server_error)
    app.router.add_get("/429/v1/orders/{id}", rate_limited)
    app.router.add_get("/hang/v1/orders/{id}", hang)
    app.router.add_get("/html/v1/orders/{id}", html)
    return await aiohttp_server(app)


@pytest.mark.slow
@pytest.mark.parametrize("mode,status", [("500", 500), ("429", 429), ("html", 502)])
async def test_server_faults_are_unavailable_errors(session, misbehaving_razorpay, mode, status):
    rzp = client_for(session, str(misbehaving_razorpay.make_url(f"/{mode}")))
    with pytest.raises(GatewayUnavailable) as info:
        await rzp.fetch_order("order_x")
    assert info.value.http_status == status


@pytest.mark.slow
async def test_timeout_and_refused_connection_are_unavailable(session, misbehaving_razorpay, unused_tcp_port_factory):
    rzp = client_for(session, str(misbehaving_razorpay.make_url("/hang")), timeout=0.2)
    with pytest.raises(GatewayUnavailable) as info:
        await rzp.fetch_order("order_x")
    assert info.value.code == "NETWORK_ERROR" and info.value.http_status is None
    closed = client_for(session, f"http://127.0.0.1:{unused_tcp_port_factory()}")
    with pytest.raises(GatewayUnavailable):
        await closed.fetch_order("order_x")


async def test_payment_signature_is_hmac_of_stored_order_and_payment(session):
    rzp = RazorpayClient(session=session, key_id="rzp_test_k", key_secret="s3cret")
    good = hmac.new(b"s3cret", b"order_A|pay_B", hashlib.sha256).hexdigest()
    assert rzp.verify_payment_signature("order_A", "pay_B", good)
    assert not rzp.verify_payment_signature("order_OTHER", "pay_B", good)
    assert not rzp.verify_payment_signature("order_A", "pay_B", good.upper()[:-1] + "0")
    assert not rzp.verify_payment_signature("order_A", "pay_B", "")
