"""galla/payments/stripe/client.py against the Stripe sandbox: typed errors, timeouts, and retries that never pay twice."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import aiohttp
import pytest
import stripe as stripe_sdk
from aiohttp import web

from galla.payments.errors import GatewayInvalid, GatewayUnavailable
from galla.payments.money import Money, parse_major
from galla.payments.stripe.client import (
    STRIPE_API_VERSION,
    SessionLine,
    StripeGateway,
    StripeSession,
    WebhookSignatureInvalid,
    parse_webhook,
    verify_signature,
)
from galla.payments.stripe.confirm import session_mismatch
from galla.store.orders import Order
from sandboxes.stripe import STRIPE_SANDBOX_FAULTS

LINES = [SessionLine(name="Assam Masala Chai, 250 g", unit=Money(499, "USD"), quantity=2)]


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


def gateway(http, base, key, **options) -> StripeGateway:
    return StripeGateway(session=http, secret_key=key, api_base=base, **options)


async def open_session(stripe: StripeGateway, order_id="ord_test", attempt=1):
    return await stripe.create_session(
        order_id=order_id,
        attempt=attempt,
        lines=LINES,
        success_url="http://shop.test/orders/x?session_id={CHECKOUT_SESSION_ID}",
        cancel_url="http://shop.test/orders/x?cancelled=1",
        customer_email="jane@example.com",
    )


async def test_wrong_key_is_invalid_not_retried(http, stripe_sandbox):
    stripe = gateway(http, stripe_sandbox.url, "sk_test_wrong")
    with pytest.raises(GatewayInvalid) as raised:
        await open_session(stripe)
    error = raised.value
    assert error.http_status == 401 and error.gateway == "stripe"
    assert error.call.status == 401 and error.call.path == "/v1/checkout/sessions"
    assert "sk_test_wrong" not in repr(error.call.to_dict())


async def test_validation_error_names_stripes_param(http, stripe_sandbox):
    stripe = gateway(http, stripe_sandbox.url, stripe_sandbox.secret_key)
    with pytest.raises(GatewayInvalid) as raised:
        await stripe.create_session(
            order_id="ord_x", attempt=1, lines=[], success_url="http://x/", cancel_url="http://x/"
        )
    assert raised.value.http_status == 400 and raised.value.field


async def test_a_slow_stripe_times_out_as_unavailable(http, stripe_sandbox):
    stripe_sandbox.server.app[STRIPE_SANDBOX_FAULTS].latency = 1.0
    stripe = gateway(http, stripe_sandbox.url, stripe_sandbox.secret_key, timeout=0.2, max_network_retries=0)
    with pytest.raises(GatewayUnavailable) as raised:
        await open_session(stripe)
    assert raised.value.call.status is None and raised.value.call.duration_ms < 900


async def test_item9_customers_found_by_email_on_an_indian_account(http, stripe_sandbox):
    """The sandbox is an Indian account by default: no Search API there, so the lookup lists by email."""
    stripe = gateway(http, stripe_sandbox.url, stripe_sandbox.secret_key)
    assert (await stripe.find_customer("jane@example.com"))[0] is None
    created, call = await stripe.create_customer(email="jane@example.com", name="Jane", phone="+14155550132")
    again, _ = await stripe.create_customer(email="jane@example.com", name="Jane", phone="+14155550132")
    assert again.id == created.id and call.request_id  # one customer: the key is derived from the email
    found, lookup = await stripe.find_customer("jane@example.com")
    assert found is not None and found.id == created.id
    assert (lookup.method, lookup.path, lookup.request) == (
        "GET",
        "/v1/customers",
        {"email": "jane@example.com", "limit": 1},
    )


async def test_lost_answer_is_retried_with_the_same_key_and_makes_one_session(http, stripe_sandbox, aiohttp_server):
    """A proxy that drops the first answer: the SDK retries, Stripe replays, nobody gets two sessions."""
    dropped = []

    async def forward(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        async with http.request(
            request.method, stripe_sandbox.url + request.path_qs, data=body, headers=headers
        ) as upstream:
            payload, status = await upstream.read(), upstream.status
            keep = {
                k: v
                for k, v in upstream.headers.items()
                if k.lower() not in ("content-length", "transfer-encoding", "content-encoding")
            }
        if request.method == "POST" and not dropped:
            dropped.append(request.headers.get("Idempotency-Key"))
            # Stripe did the work; the answer is lost on the way back.
            request.transport.close()
            await asyncio.sleep(0.05)
            raise ConnectionResetError("answer lost")
        return web.Response(body=payload, status=status, headers=keep)

    proxy = web.Application()
    proxy.router.add_route("*", "/{tail:.*}", forward)
    server = await aiohttp_server(proxy)
    stripe = gateway(http, str(server.make_url("")).rstrip("/"), stripe_sandbox.secret_key)
    session, _ = await open_session(stripe, order_id="ord_lost")
    assert dropped == ["galla-ord_lost-session-1"]
    assert list(stripe_sandbox.state.sessions) == [session.id]


async def icelandic_session(stripe: StripeGateway, order_id: str, line: SessionLine):
    """A first Checkout Session for one line, bought by a buyer in Iceland."""
    session, _ = await stripe.create_session(
        order_id=order_id,
        attempt=1,
        lines=[line],
        success_url="http://shop.test/x?session_id={CHECKOUT_SESSION_ID}",
        cancel_url="http://shop.test/x",
        customer_email="jon@example.is",
    )
    return session


@pytest.mark.parametrize("currency", ["ISK", "UGX"])
async def test_item6_five_kronur_or_shillings_reach_stripe_as_500(http, stripe_sandbox, currency):
    """docs.stripe.com/currencies#special-cases: "to charge 5 ISK, provide an amount value of 500" (UGX alike)."""
    stripe = gateway(http, stripe_sandbox.url, stripe_sandbox.secret_key)
    unit = Money(parse_major("5", currency), currency)
    session = await icelandic_session(stripe, "ord_isk", SessionLine("Lopapeysa", unit, 1))
    assert stripe_sandbox.state.sessions[session.id]["amount_total"] == 500
    assert session.money == unit


async def test_item6_an_isk_refund_reaches_stripe_in_whole_kronur(http, stripe_sandbox):
    stripe = gateway(http, stripe_sandbox.url, stripe_sandbox.secret_key)
    unit = Money(parse_major("50", "ISK"), "ISK")
    session = await icelandic_session(stripe, "ord_isk2", SessionLine("Skyr", unit, 1))
    assert (await stripe_sandbox.pay(session.id))[0] == 303
    intent = stripe_sandbox.state.sessions[session.id]["payment_intent"]
    refund, _ = await stripe.create_refund(
        intent, Money(parse_major("2", "ISK"), "ISK"), key="galla-isk-r1", metadata={"order_id": "ord_isk2"}
    )
    assert stripe_sandbox.state.refunds[refund.id]["amount"] == 200
    assert refund.report().amount == Money(2, "ISK")


WEBHOOK_BODY = b'{"id": "evt_1", "object": "event", "type": "checkout.session.completed", "data": {"object": {}}}'


def signed_at(t: int, secret: str = "whsec_test") -> str:
    """A Stripe-Signature made by stripe-python's own generator (stripe/_webhook.py) for time t."""
    return stripe_sdk.WebhookSignature.generate_signature_header(WEBHOOK_BODY.decode(), secret, timestamp=t)


@pytest.mark.parametrize("offset", [301, 3600, 10**6])
def test_item8_a_signature_from_the_future_is_refused(offset):
    """stripe-python's verify_header refuses only t older than the tolerance; we refuse t ahead of it too."""
    now = 1_800_000_000
    with pytest.raises(WebhookSignatureInvalid, match="tolerance"):
        verify_signature(WEBHOOK_BODY, signed_at(now + offset), "whsec_test", now=now)


@pytest.mark.parametrize("offset", [-301, -3600])
def test_item8_a_stale_signature_is_refused(offset):
    now = time.time()
    with pytest.raises(WebhookSignatureInvalid, match="tolerance"):
        verify_signature(WEBHOOK_BODY, signed_at(int(now) + offset), "whsec_test", now=now)


@pytest.mark.parametrize("offset", [-299, 0, 299])
def test_item8_a_signature_within_300_seconds_either_side_passes(offset):
    now = time.time()
    verify_signature(WEBHOOK_BODY, signed_at(int(now) + offset), "whsec_test", now=now)


def test_item8_a_future_signature_never_reaches_the_event():
    future = signed_at(int(time.time()) + 600)
    with pytest.raises(WebhookSignatureInvalid):
        parse_webhook(WEBHOOK_BODY, future, "whsec_test")
    assert parse_webhook(WEBHOOK_BODY, signed_at(int(time.time())), "whsec_test").id == "evt_1"


def test_item8_one_secret_per_call_so_a_rotation_loop_can_try_each():
    """verify_signature takes one secret: the list of secrets (item 15) loops over it."""
    header = signed_at(int(time.time()), "whsec_new")
    with pytest.raises(WebhookSignatureInvalid):
        verify_signature(WEBHOOK_BODY, header, "whsec_old")
    verify_signature(WEBHOOK_BODY, header, "whsec_new")


async def test_item16_the_api_version_we_speak_is_ours_not_the_sdks_default(stripe_sandbox, monkeypatch):
    """A newer stripe-python changes _ApiVersion.CURRENT (stripe/_api_version.py); Stripe-Version stays ours."""
    monkeypatch.setattr(stripe_sdk._api_version._ApiVersion, "CURRENT", "2099-01-01.future")
    sent: list[str] = []

    async def on_request_end(session, context, params):
        sent.append(params.headers.get("Stripe-Version"))

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_request_end)
    async with aiohttp.ClientSession(trace_configs=[trace]) as traced:
        await open_session(gateway(traced, stripe_sandbox.url, stripe_sandbox.secret_key))
    assert sent == [STRIPE_API_VERSION] and STRIPE_API_VERSION == "2026-10-28.endive"


async def test_item6_a_paid_isk_sessions_summary_keeps_our_minor_units_not_stripes_wire(http, stripe_sandbox):
    """docs.stripe.com/currencies#special-cases: "to charge 5 ISK, provide an `amount` value of `500`", and Stripe
    answers in the same two-decimal form. What the order keeps of the payment (order.payment, shown by the admin
    API beside amount_paid) is in our units: 1,000 ISK is 1000 there, never the wire's 100000."""
    stripe = gateway(http, stripe_sandbox.url, stripe_sandbox.secret_key)
    lines = [SessionLine(name="Brass Diya", unit=Money(500, "ISK"), quantity=2)]
    session, _ = await stripe.create_session(
        order_id="ord_isk",
        attempt=1,
        lines=lines,
        success_url="http://shop.test/orders/x?session_id={CHECKOUT_SESSION_ID}",
        cancel_url="http://shop.test/orders/x?cancelled=1",
        customer_email="jane@example.com",
    )
    status, _, _ = await stripe_sandbox.pay(session.id)
    assert status == 303
    paid, _ = await stripe.retrieve_session(session.id)
    summary = paid.summary()
    assert (paid.amount_total, summary["amount"], summary["amount_received"], summary["currency"]) == (
        100000,
        1000,
        1000,
        "ISK",
    )


def test_item6_a_mismatched_isk_intent_is_described_in_krona_not_in_stripes_wire_units():
    """A needs_review reason is read by a person: an intent that received 900 ISK (Stripe's 90000, per
    docs.stripe.com/currencies#special-cases) on a 1,000 ISK order says 900 ISK, not "90000 ISK"."""
    order = Order.model_validate(
        {
            "_id": "ord_isk",
            "status": "pending",
            "amount": 1000,
            "currency": "ISK",
            "gateway": "stripe",
            "country": "IS",
            "items": [],
            "customer": {"email": "jane@example.com"},
            "created_at": datetime.now(UTC),
        }
    )
    session = StripeSession.model_validate(
        {
            "id": "cs_test_isk",
            "payment_status": "paid",
            "status": "complete",
            "amount_total": 100000,
            "currency": "isk",
            "client_reference_id": "ord_isk",
            "metadata": {"order_id": "ord_isk"},
            "payment_intent": {
                "id": "pi_isk",
                "amount": 100000,
                "amount_received": 90000,
                "currency": "isk",
                "status": "succeeded",
            },
        }
    )
    reason = session_mismatch(order, session)
    assert "900" in reason and "90000" not in reason
