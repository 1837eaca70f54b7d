"""The sandbox delivers its events as Stripe webhooks over real HTTP, verified by the official SDK."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
import stripe
from support.addresses import US_BILLING
from support.command_line import running_command
from support.receiver import start_receiver
from support.stripe_sandbox import PAID, WEBHOOK_SECRET, paid_intent, session_params, stripe_client

from sandboxes.common.webhooks import STRIPE_RETRY_DELAYS, stripe_signature_header
from sandboxes.stripe import STRIPE_WEBHOOKS, create_stripe_sandbox
from sandboxes.stripe.errors import StripeError


def construct(received, secret: str = WEBHOOK_SECRET, **options) -> stripe.Event:
    """Verify and parse a webhook as the shop does."""
    return stripe.Webhook.construct_event(received.body, received.headers["Stripe-Signature"], secret, **options)


def types(receiver) -> list[str]:
    """The event types the receiver got, in arrival order."""
    return [json.loads(received.body)["type"] for received in receiver.requests]


def timestamp(received) -> int:
    """The t= of a Stripe-Signature header."""
    return int(received.headers["Stripe-Signature"].split(",")[0].removeprefix("t="))


async def refund(sandbox, intent: str, **params) -> stripe.Refund:
    """Refund through the SDK."""
    return await sandbox.sdk.v1.refunds.create_async(params={"payment_intent": intent, **params})


async def test_a_paid_and_refunded_session_arrives_as_signed_webhooks_in_order(hooked, receiver):
    intent = await paid_intent(hooked)
    await refund(hooked, intent, amount=500, metadata={"refund_key": "rk_1", "order_id": "ord_1"})
    await hooked.webhooks.drain()

    assert types(receiver) == [*PAID, "refund.created", "charge.refunded"]
    for received, recorded in zip(receiver.requests, hooked.state.events, strict=True):
        assert received.headers["Content-Type"] == "application/json; charset=utf-8"
        event = construct(received)  # the SDK's own check: signature and a fresh timestamp
        assert (event.id, event.type) == (recorded.id, recorded.type)
        assert json.loads(received.body) == recorded.envelope
        assert timestamp(received) == hooked.state.now()
        with pytest.raises(stripe.SignatureVerificationError):
            construct(received, "whsec_another")
    by_type = {json.loads(r.body)["type"]: json.loads(r.body)["data"]["object"] for r in receiver.requests}
    # Stripe copies payment_intent_data.metadata onto the intent and its charges: how a charge.* event names the order.
    for name in ("charge.succeeded", "payment_intent.succeeded", "charge.refunded"):
        assert by_type[name]["metadata"] == {"order_id": "ord_1"}, name
    assert by_type["refund.created"]["metadata"] == {"refund_key": "rk_1", "order_id": "ord_1"}
    assert by_type["charge.refunded"]["amount_refunded"] == 500


async def test_defaults_follow_stripe_test_mode(sandbox):
    knobs = sandbox.webhooks.knobs
    assert (knobs.timeout, knobs.retry_delays, len(knobs.retry_delays)) == (10.0, STRIPE_RETRY_DELAYS, 3)
    assert sandbox.webhooks.url is None


async def test_each_attempt_is_signed_afresh(hooked, receiver, live_clock):
    receiver.fail_first = 2
    receiver.on_request = lambda received: live_clock.advance(60)  # time passes between attempts
    await hooked.sdk.v1.customers.create_async(params={"email": "asha@example.in"})
    await hooked.webhooks.drain()
    assert [(d.attempt, d.status) for d in hooked.webhooks.deliveries] == [(1, 500), (2, 500), (3, 200)]
    assert len({r.body for r in receiver.requests}) == 1
    assert [timestamp(r) - timestamp(receiver.requests[0]) for r in receiver.requests] == [0, 60, 120]
    assert len({r.headers["Stripe-Signature"] for r in receiver.requests}) == 3
    assert all(construct(r).type == "customer.created" for r in receiver.requests)


async def test_a_slow_clock_makes_a_stale_signature_the_sdk_refuses(hooked, receiver, live_clock):
    live_clock.advance(-3600)
    await hooked.sdk.v1.customers.create_async(params={"email": "asha@example.in"})
    await hooked.webhooks.drain()
    with pytest.raises(stripe.SignatureVerificationError, match="Timestamp outside the tolerance zone"):
        construct(receiver.requests[0])
    assert construct(receiver.requests[0], tolerance=None).type == "customer.created"


async def test_a_timeout_is_retried(hooked, receiver):
    hooked.webhooks.knobs.timeout = 0.15
    receiver.stall_first, receiver.stall = 1, 0.4
    await hooked.sdk.v1.customers.create_async(params={"email": "asha@example.in"})
    await hooked.webhooks.drain()
    assert [(d.attempt, d.status, d.error) for d in hooked.webhooks.deliveries] == [
        (1, None, "timeout"),
        (2, 200, None),
    ]


async def test_duplicates_and_redelivery_carry_the_same_event_id(hooked, receiver, live_clock):
    hooked.webhooks.knobs.duplicate = 1.0
    await hooked.sdk.v1.customers.create_async(params={"email": "asha@example.in"})
    await hooked.webhooks.drain()
    live_clock.advance(30)
    assert await hooked.webhooks.redeliver(hooked.state.events[0].id) == 200
    events = [construct(r) for r in receiver.requests]
    assert len(events) == 3 and len({event.id for event in events}) == 1
    assert timestamp(receiver.requests[2]) == timestamp(receiver.requests[0]) + 30


# -- refunds that stay pending or fail, and disputes ---------------------------------------------


async def test_a_pending_refund_succeeds_later(hooked, receiver):
    intent = await paid_intent(hooked)
    hooked.faults.refund_outcome = "pending"
    made = await refund(hooked, intent, metadata={"refund_key": "rk_2"})
    assert (made.status, made.pending_reason, made.metadata.to_dict()) == (
        "pending",
        "processing",
        {"refund_key": "rk_2"},
    )
    charge = hooked.state.charges[made.charge]
    assert (charge["amount_refunded"], charge["refunded"]) == (2500, True)  # pending money cannot be refunded twice
    assert hooked.event_types()[-1] == "refund.created"

    hooked.state.settle_refund(made.id, "succeeded")
    await hooked.webhooks.drain()
    assert types(receiver)[-3:] == ["refund.created", "refund.updated", "charge.refunded"]
    updated = construct(receiver.requests[-2])
    assert updated.data.object.status == "succeeded"
    assert updated.data.previous_attributes.to_dict() == {"status": "pending"}
    with pytest.raises(StripeError, match="not pending"):
        hooked.state.settle_refund(made.id, "failed")


async def test_a_pending_refund_that_fails_puts_the_money_back_on_the_charge(sandbox):
    intent = await paid_intent(sandbox)
    sandbox.faults.refund_outcome = "pending"
    made = await refund(sandbox, intent, amount=1000)
    sandbox.state.settle_refund(made.id, "failed")
    assert sandbox.event_types()[-2:] == ["refund.created", "refund.failed"]
    failed = sandbox.state.events[-1].envelope["data"]["object"]
    assert (failed["status"], failed["failure_reason"]) == ("failed", "declined")
    assert failed["failure_balance_transaction"].startswith("txn_") and "pending_reason" not in failed
    charge = sandbox.state.charges[made.charge]
    assert (charge["amount_refunded"], charge["refunded"]) == (0, False)


async def test_a_failing_refund_fails_at_once(sandbox):
    intent = await paid_intent(sandbox)
    sandbox.faults.refund_outcome = "failed"
    made = await refund(sandbox, intent, metadata={"order_id": "ord_1"})
    assert (made.status, made.failure_reason, made.metadata.to_dict()) == ("failed", "declined", {"order_id": "ord_1"})
    assert sandbox.event_types()[-2:] == ["refund.created", "refund.failed"]
    assert sandbox.state.events[-2].envelope["data"]["object"]["status"] == "pending"  # a snapshot of the moment
    assert sandbox.state.charges[made.charge]["amount_refunded"] == 0


async def test_a_dispute_raises_charge_dispute_created(sandbox, clock):
    intent = await paid_intent(sandbox)
    charge_id = sandbox.state.payment_intents[intent]["latest_charge"]
    dispute = sandbox.state.open_dispute(charge_id)
    event = sandbox.state.events[-1].envelope
    assert event["type"] == "charge.dispute.created" and event["data"]["object"] == dispute
    assert {
        key: dispute[key]
        for key in (
            "object",
            "amount",
            "currency",
            "charge",
            "payment_intent",
            "reason",
            "status",
            "created",
            "livemode",
            "metadata",
        )
    } == {
        "object": "dispute",
        "amount": 2500,
        "currency": "usd",
        "charge": charge_id,
        "payment_intent": intent,
        "reason": "fraudulent",
        "status": "needs_response",
        "created": int(clock.now),
        "livemode": False,
        "metadata": {},
    }
    assert dispute["id"].startswith("dp_") and sandbox.state.charges[charge_id]["disputed"] is True
    fetched = await sandbox.sdk.v1.disputes.retrieve_async(dispute["id"])
    assert (fetched.id, fetched.reason) == (dispute["id"], "fraudulent")

    session = await sandbox.create_session()
    await sandbox.pay(session.id, "4000 0000 0000 0002")
    declined = sandbox.state.sessions[session.id]["payment_intent"]
    with pytest.raises(StripeError, match="cannot be disputed"):
        sandbox.state.open_dispute(sandbox.state.payment_intents[declined]["latest_charge"])


# -- the command line ----------------------------------------------------------------------------


@pytest.mark.slow
async def test_the_command_line_sends_webhooks_with_a_generated_secret(aiohttp_server, unused_tcp_port):
    receiver = await start_receiver(aiohttp_server)
    key = "sk_test_cliwebhooks01"
    options = ("--secret-key", key, "--webhook-url", receiver.url)
    async with running_command("sandboxes.stripe", unused_tcp_port, *options, banner_lines=7) as banner:
        assert receiver.url in banner[5] and "generated" in banner[6]
        secret = banner[6].split(":", 1)[1].split()[0]
        assert secret.startswith("whsec_")
        url = f"http://127.0.0.1:{unused_tcp_port}"
        for _ in range(100):  # the banner is printed just before the socket opens
            try:
                async with aiohttp.ClientSession() as http, http.get(url + "/"):
                    break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
        async with stripe_client(url, key) as sdk:
            session = await sdk.v1.checkout.sessions.create_async(params=session_params())
        form = {
            "email": "asha@example.in",
            "card_number": "4242 4242 4242 4242",
            "card_expiry": "12 / 34",
            "card_cvc": "123",
            "card_name": "Asha Rao",
            **US_BILLING,
        }
        async with aiohttp.ClientSession() as http:
            await http.post(session.url, data=form, allow_redirects=False)
        await receiver.wait_for(len(PAID))
        assert [construct(r, secret).type for r in receiver.requests] == PAID


def test_the_signature_header_is_what_the_sdk_generates():
    body = '{"id": "evt_1", "object": "event"}'
    header = stripe.WebhookSignature.generate_signature_header(body, WEBHOOK_SECRET, timestamp=1767225600)
    assert stripe_signature_header(WEBHOOK_SECRET, body.encode(), 1767225600) == header
    app = create_stripe_sandbox(secret_key="sk_test_x", webhook_url="http://h/w", webhook_secret="whsec_s")
    assert (app[STRIPE_WEBHOOKS].url, app[STRIPE_WEBHOOKS].secret) == ("http://h/w", "whsec_s")
