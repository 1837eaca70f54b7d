"""Every change appends a StripeEvent (the webhook Stripe would send) and calls the listeners."""

from __future__ import annotations

import logging

import pytest
import stripe
from support.clock import NOW
from support.stripe_sandbox import PAID

from sandboxes.stripe import StripeEvent


async def test_creating_a_session_raises_no_event_and_paying_raises_the_four_stripe_sends(sandbox):
    session = await sandbox.create_session()
    assert sandbox.state.events == []
    await sandbox.pay(session.id)
    assert sandbox.event_types() == PAID

    completed = sandbox.state.events[-1]
    assert isinstance(completed, StripeEvent) and completed.id.startswith("evt_")
    envelope = completed.envelope
    assert (envelope["id"], envelope["object"], envelope["type"]) == (
        completed.id,
        "event",
        "checkout.session.completed",
    )
    assert envelope["api_version"] == stripe.api_version and envelope["livemode"] is False
    assert envelope["created"] == NOW
    assert envelope["request"] == {"id": None, "idempotency_key": None}  # the buyer's click, not an API call
    snapshot = envelope["data"]["object"]
    assert (snapshot["id"], snapshot["status"], snapshot["payment_status"]) == (session.id, "complete", "paid")
    assert snapshot["client_reference_id"] == "ord_1" and snapshot["metadata"] == {"order_id": "ord_1"}
    succeeded = sandbox.state.events[2].envelope["data"]["object"]
    assert succeeded["status"] == "succeeded" and succeeded["metadata"] == {"order_id": "ord_1"}


async def test_a_decline_then_a_payment(sandbox):
    session = await sandbox.create_session()
    await sandbox.pay(session.id, "4000 0000 0000 9995")
    assert sandbox.event_types() == ["payment_intent.created", "charge.failed", "payment_intent.payment_failed"]
    failed = sandbox.state.events[-1].envelope["data"]["object"]
    assert failed["last_payment_error"]["decline_code"] == "insufficient_funds"
    await sandbox.pay(session.id)
    assert sandbox.event_types()[3:] == PAID[1:]  # the intent is made once


async def test_refunds_raise_refund_created_and_charge_refunded_with_snapshots(sandbox):
    session = await sandbox.create_session()
    await sandbox.pay(session.id)
    intent = sandbox.state.sessions[session.id]["payment_intent"]
    sandbox.state.events.clear()
    await sandbox.sdk.v1.refunds.create_async(
        params={"payment_intent": intent, "amount": 500}, options={"idempotency_key": "refund-1"}
    )
    await sandbox.sdk.v1.refunds.create_async(params={"payment_intent": intent})
    assert sandbox.event_types() == ["refund.created", "charge.refunded"] * 2
    partial, full = sandbox.state.events[1].envelope, sandbox.state.events[3].envelope
    assert (partial["data"]["object"]["amount_refunded"], partial["data"]["object"]["refunded"]) == (500, False)
    assert (full["data"]["object"]["amount_refunded"], full["data"]["object"]["refunded"]) == (2500, True)
    assert partial["request"]["idempotency_key"] == "refund-1" and partial["request"]["id"].startswith("req_")


async def test_expiry_by_api_and_by_clock(sandbox, clock):
    by_api = await sandbox.create_session()
    by_clock = await sandbox.create_session(expires_at=NOW + 1800)
    expired = await sandbox.sdk.v1.checkout.sessions.expire_async(by_api.id)
    event = sandbox.state.events[-1].envelope
    assert event["type"] == "checkout.session.expired" and event["data"]["object"]["id"] == by_api.id
    assert event["request"]["id"] == expired.last_response.request_id

    clock.advance(1800)
    await sandbox.open_page(by_clock.id)
    assert sandbox.event_types() == ["checkout.session.expired"] * 2
    assert sandbox.state.events[-1].envelope["data"]["object"]["id"] == by_clock.id


async def test_customers_raise_customer_created(sandbox):
    customer = await sandbox.sdk.v1.customers.create_async(params={"email": "asha@example.in"})
    assert sandbox.event_types() == ["customer.created"]
    assert sandbox.state.events[0].envelope["data"]["object"]["id"] == customer.id


async def test_listeners_hear_each_event_once_in_order_and_a_failing_one_is_only_logged(sandbox, caplog):
    heard: list[str] = []

    def broken(event: StripeEvent) -> None:
        raise RuntimeError("webhook sender bug")

    sandbox.state.listeners.extend([broken, lambda event: heard.append(event.type)])
    session = await sandbox.create_session()
    with caplog.at_level(logging.ERROR, logger="sandboxes.stripe"):
        page = await sandbox.pay(session.id)
    assert page.status == 303  # the payment stands
    assert heard == PAID
    assert sum("webhook sender bug" in record.exc_text for record in caplog.records if record.exc_text) == 4


async def test_events_through_the_api_newest_first_and_by_type(sandbox):
    session = await sandbox.create_session()
    await sandbox.pay(session.id, "4000 0000 0000 0002")
    await sandbox.pay(session.id)

    listed = await sandbox.sdk.v1.events.list_async()
    assert [event.type for event in listed.data] == list(reversed(sandbox.event_types()))
    sessions_only = await sandbox.sdk.v1.events.list_async(params={"type": "checkout.session.*"})
    assert [event.type for event in sessions_only.data] == ["checkout.session.completed"]
    charges = await sandbox.sdk.v1.events.list_async(params={"types": ["charge.failed", "charge.succeeded"]})
    assert [event.type for event in charges.data] == ["charge.succeeded", "charge.failed"]

    event = await sandbox.sdk.v1.events.retrieve_async(sessions_only.data[0].id)
    assert isinstance(event, stripe.Event)
    assert event.data.object.id == session.id and event.data.object.object == "checkout.session"


async def test_an_event_snapshot_does_not_change_when_the_object_does(sandbox):
    session = await sandbox.create_session()
    await sandbox.pay(session.id)
    intent_id = sandbox.state.sessions[session.id]["payment_intent"]
    charge_id = sandbox.state.payment_intents[intent_id]["latest_charge"]
    succeeded = next(event for event in sandbox.state.events if event.type == "charge.succeeded")
    await sandbox.sdk.v1.refunds.create_async(params={"charge": charge_id})
    assert sandbox.state.charges[charge_id]["refunded"] is True
    assert succeeded.envelope["data"]["object"]["refunded"] is False


@pytest.mark.parametrize("types", [["charge.succeeded"] * 21])
async def test_too_many_types_are_refused(sandbox, types):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await sandbox.sdk.v1.events.list_async(params={"types": types})
    assert refused.value.param == "types"
