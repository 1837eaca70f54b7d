"""Checkout Sessions through the official SDK: create, retrieve with expansions, list, line items, expire."""

from __future__ import annotations

import pytest
import stripe
from support.clock import NOW
from support.stripe_sandbox import MOUNT, line, running_sandbox


async def test_create_echoes_what_the_shop_sent_and_points_at_the_hosted_page(sandbox):
    session = await sandbox.create_session(customer_email="asha@example.in")

    assert session.object == "checkout.session"
    assert session.id.startswith("cs_test_") and len(session.id) == len("cs_test_") + 58
    assert (session.status, session.payment_status, session.mode) == ("open", "unpaid", "payment")
    assert (session.amount_subtotal, session.amount_total, session.currency) == (2500, 2500, "usd")
    assert session.metadata.to_dict() == {"order_id": "ord_1"}
    assert session.client_reference_id == "ord_1"
    assert session.customer_email == "asha@example.in" and session.customer is None
    assert session.customer_details is None
    assert session.payment_intent is None  # made when the buyer confirms, as since API 2022-08-01
    assert session.success_url == "https://shop.example/orders/ord_1/done?session_id={CHECKOUT_SESSION_ID}"
    assert session.cancel_url == "https://shop.example/cart"
    assert (session.created, session.expires_at) == (NOW, NOW + 24 * 60 * 60)
    assert session.url == f"{sandbox.url}/c/pay/{session.id}"
    assert session.livemode is False
    assert "payment_intent_data" not in session  # copied onto the PaymentIntent, never shown on the session
    assert sandbox.state.sessions[session.id]["status"] == "open"


async def test_create_for_an_existing_customer(sandbox):
    customer = await sandbox.sdk.v1.customers.create_async(params={"email": "ravi@example.in", "name": "Ravi"})
    session = await sandbox.create_session(customer=customer.id)
    assert session.customer == customer.id and session.customer_email is None

    with pytest.raises(stripe.InvalidRequestError) as missing:
        await sandbox.create_session(customer="cus_nobodyatall00")
    assert (missing.value.http_status, missing.value.code, missing.value.param) == (400, "resource_missing", "customer")
    with pytest.raises(stripe.InvalidRequestError) as both:
        await sandbox.create_session(customer=customer.id, customer_email="ravi@example.in")
    assert both.value.param == "customer_email"


async def test_quantity_and_decimal_unit_amounts_add_up(sandbox):
    session = await sandbox.create_session(
        line_items=[
            line("Cardamom", 333, quantity=3),
            {
                "price_data": {"currency": "usd", "unit_amount_decimal": "12.5", "product_data": {"name": "Clove"}},
                "quantity": 3,
            },
        ]
    )
    assert session.amount_total == 999 + 38  # 37.5 rounds half up


async def test_retrieve_expands_payment_intent_and_line_items(sandbox):
    created = await sandbox.create_session()
    page = await sandbox.pay(created.id)
    assert page.status == 303

    session = await sandbox.sdk.v1.checkout.sessions.retrieve_async(
        created.id, params={"expand": ["payment_intent", "line_items"]}
    )
    intent = session.payment_intent
    assert isinstance(intent, stripe.PaymentIntent)
    assert (intent.status, intent.amount, intent.amount_received) == ("succeeded", 2500, 2500)
    assert intent.metadata.to_dict() == {"order_id": "ord_1"}  # from payment_intent_data
    assert isinstance(session.line_items, stripe.ListObject)
    assert [item.description for item in session.line_items.data] == ["Masala chai", "Brass diya"]

    plain = await sandbox.sdk.v1.checkout.sessions.retrieve_async(created.id)
    assert plain.payment_intent == intent.id
    assert "line_items" not in plain

    deep = await sandbox.sdk.v1.checkout.sessions.retrieve_async(
        created.id, params={"expand": ["payment_intent.latest_charge"]}
    )
    assert deep.payment_intent.latest_charge.status == "succeeded"


async def test_create_can_expand_line_items_at_once(sandbox):
    session = await sandbox.create_session(expand=["line_items"])
    assert len(session.line_items.data) == 2 and session.line_items.has_more is False


async def test_list_line_items_in_the_order_given_and_paginate(sandbox):
    session = await sandbox.create_session()
    items = await sandbox.sdk.v1.checkout.sessions.line_items.list_async(session.id)
    assert [(item.object, item.description, item.quantity, item.amount_total) for item in items.data] == [
        ("item", "Masala chai", 2, 2000),
        ("item", "Brass diya", 1, 500),
    ]
    first = items.data[0]
    assert (first.price.unit_amount, first.price.currency, first.price.type) == (1000, "usd", "one_time")
    assert first.price.product.startswith("prod_")
    assert items.url == f"/v1/checkout/sessions/{session.id}/line_items"

    one = await sandbox.sdk.v1.checkout.sessions.line_items.list_async(session.id, params={"limit": 1})
    assert [item.description for item in one.data] == ["Masala chai"] and one.has_more is True
    rest = await sandbox.sdk.v1.checkout.sessions.line_items.list_async(
        session.id, params={"limit": 1, "starting_after": one.data[0].id}
    )
    assert [item.description for item in rest.data] == ["Brass diya"] and rest.has_more is False


async def test_list_sessions_newest_first_with_filters(sandbox, clock):
    older = await sandbox.create_session()
    clock.advance(60)
    newer = await sandbox.create_session(client_reference_id="ord_2")
    await sandbox.pay(older.id)

    listed = await sandbox.sdk.v1.checkout.sessions.list_async()
    assert [session.id for session in listed.data] == [newer.id, older.id]
    assert listed.url == "/v1/checkout/sessions"

    complete = await sandbox.sdk.v1.checkout.sessions.list_async(params={"status": "complete"})
    assert [session.id for session in complete.data] == [older.id]
    paid = sandbox.state.sessions[older.id]
    by_intent = await sandbox.sdk.v1.checkout.sessions.list_async(params={"payment_intent": paid["payment_intent"]})
    assert [session.id for session in by_intent.data] == [older.id]
    by_email = await sandbox.sdk.v1.checkout.sessions.list_async(
        params={"customer_details": {"email": "asha@example.in"}}
    )
    assert [session.id for session in by_email.data] == [older.id]
    recent = await sandbox.sdk.v1.checkout.sessions.list_async(params={"created": {"gt": NOW}})
    assert [session.id for session in recent.data] == [newer.id]

    first = await sandbox.sdk.v1.checkout.sessions.list_async(params={"limit": 1})
    assert [session.id for session in first.data] == [newer.id] and first.has_more
    everything = [session.id async for session in first.auto_paging_iter()]
    assert everything == [newer.id, older.id]


async def test_expire_an_open_session(sandbox):
    session = await sandbox.create_session()
    expired = await sandbox.sdk.v1.checkout.sessions.expire_async(session.id)
    assert (expired.status, expired.payment_status, expired.url) == ("expired", "unpaid", None)
    assert sandbox.event_types() == ["checkout.session.expired"]

    with pytest.raises(stripe.InvalidRequestError) as again:
        await sandbox.sdk.v1.checkout.sessions.expire_async(session.id)
    assert again.value.http_status == 400 and '"expired"' in again.value.user_message
    page = await sandbox.pay(session.id)
    assert page.status == 400 and "session-expired" in page.elements.testids()


async def test_a_paid_session_cannot_be_expired(sandbox):
    session = await sandbox.create_session()
    await sandbox.pay(session.id)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await sandbox.sdk.v1.checkout.sessions.expire_async(session.id)
    assert '"complete"' in refused.value.user_message
    assert sandbox.state.sessions[session.id]["status"] == "complete"


async def test_expire_cancels_a_payment_intent_the_buyer_started(sandbox):
    session = await sandbox.create_session()
    assert (await sandbox.pay(session.id, "4000 0000 0000 0002")).status == 402
    await sandbox.sdk.v1.checkout.sessions.expire_async(session.id)
    intent = sandbox.state.payment_intents[sandbox.state.sessions[session.id]["payment_intent"]]
    assert (intent["status"], intent["cancellation_reason"]) == ("canceled", "abandoned")


async def test_expires_at_must_be_30_minutes_to_24_hours_away(sandbox):
    session = await sandbox.create_session(expires_at=NOW + 30 * 60)
    assert session.expires_at == NOW + 30 * 60
    for too_soon_or_late in (NOW + 29 * 60, NOW + 24 * 60 * 60 + 1):
        with pytest.raises(stripe.InvalidRequestError) as refused:
            await sandbox.create_session(expires_at=too_soon_or_late)
        assert refused.value.param == "expires_at"


async def test_sessions_expire_by_the_clock_when_next_touched(sandbox, clock):
    session = await sandbox.create_session(expires_at=NOW + 3600)
    clock.advance(3599)
    assert (await sandbox.sdk.v1.checkout.sessions.retrieve_async(session.id)).status == "open"
    assert sandbox.event_types() == []
    clock.advance(1)
    late = await sandbox.sdk.v1.checkout.sessions.retrieve_async(session.id)
    assert (late.status, late.url) == ("expired", None)
    assert sandbox.event_types() == ["checkout.session.expired"]
    listed = await sandbox.sdk.v1.checkout.sessions.list_async(params={"status": "expired"})
    assert [item.id for item in listed.data] == [session.id]
    assert sandbox.event_types() == ["checkout.session.expired"]  # once only


async def test_listing_expires_due_sessions_too(sandbox, clock):
    session = await sandbox.create_session(expires_at=NOW + 1800)
    clock.advance(1800)
    listed = await sandbox.sdk.v1.checkout.sessions.list_async(params={"status": "open"})
    assert listed.data == []
    assert sandbox.state.sessions[session.id]["status"] == "expired"


async def test_mounted_the_url_carries_the_mount_prefix(mounted):
    session = await mounted.create_session()
    assert mounted.url.endswith(MOUNT)
    assert session.url == f"{mounted.url}/c/pay/{session.id}"
    page = await mounted.open_page(session.id)
    assert page.status == 200 and "pay-form" in page.elements.testids()
    async with mounted.http.get(str(mounted.server.make_url("/"))) as resp:
        assert await resp.text() == "the shop"  # the parent's own routes are untouched


async def test_public_url_is_used_for_the_hosted_page(aiohttp_server, clock):
    public = "https://pay.galla.example/sandbox/stripe/"
    async with running_sandbox(aiohttp_server, clock, mount=True, public_url=public) as mounted:
        session = await mounted.create_session()
        assert session.url == f"https://pay.galla.example/sandbox/stripe/c/pay/{session.id}"


async def test_zero_decimal_and_other_currencies(sandbox):
    session = await sandbox.create_session(line_items=[line("Matcha", 1500, currency="JPY")])
    assert (session.currency, session.amount_total) == ("jpy", 1500)
    page = await sandbox.open_page(session.id)
    assert page.elements.text("total") == "¥1,500"


@pytest.mark.parametrize(
    "overrides, param",
    [
        (
            {"line_items": [line("Chai", 1000), line("Diya", 500, currency="eur")]},
            "line_items[1][price_data][currency]",
        ),
        ({"line_items": []}, "line_items"),
        ({"success_url": "not a url"}, "success_url"),
        ({"mode": "setup"}, "mode"),  # subscription mode is modelled (test_stripe_subscriptions.py)
        ({"line_items": [{"price": "price_123", "quantity": 1}]}, "line_items[0][price]"),
        ({"line_items": [{"price_data": line("x", 1)["price_data"]}]}, "line_items[0][quantity]"),
        ({"metadata": {"k" * 41: "v"}}, f"metadata[{'k' * 41}]"),
    ],
)
async def test_bad_create_params_name_the_param(sandbox, overrides, param):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await sandbox.create_session(**overrides)
    assert refused.value.http_status in (400, 404) and refused.value.param == param
    assert sandbox.state.sessions == {}
