"""Webhooks into the app over real HTTP: signatures, the ledger, and each event moving orders forward only."""

from __future__ import annotations

import json
import time

from support.app import checkout_body
from support.webhooks import (
    US_BUYER,
    deliver,
    deliver_all,
    events_named,
    ledger,
    paid_razorpay_order,
    paid_stripe_order,
    place,
    post_razorpay,
    post_stripe,
    razorpay_secret,
    sign_razorpay,
    sign_stripe,
    stored_order,
    stripe_secret,
)

from galla.web.state import DATABASE


async def test_money_reaching_an_expired_order_is_sent_for_review_and_a_repeat_changes_nothing(
    client, razorpay_sandbox
):
    placed, _ = await paid_razorpay_order(client, razorpay_sandbox)
    db = client.app[DATABASE].db
    await db.orders.update_one({"_id": placed["order_id"]}, {"$set": {"status": "expired"}})
    captured = events_named(razorpay_sandbox, "payment.captured")[0]
    status, body = await deliver(client, captured)
    assert (status, body["outcome"]) == (200, "expired → needs_review")
    order = await stored_order(client, placed["order_id"])
    assert (order["status"], order["review_reason"]) == ("needs_review", "payment arrived after the order expired")
    [order_paid] = events_named(razorpay_sandbox, "order.paid")
    status, body = await deliver(client, order_paid)
    assert (status, body["outcome"]) == (200, "no change (needs_review)")


# -- signatures: nothing is stored unless the gateway signed it --------------------------------------------


async def test_razorpay_signature_is_checked_over_the_raw_bytes(client, razorpay_sandbox):
    placed, _ = await paid_razorpay_order(client, razorpay_sandbox)
    event = events_named(razorpay_sandbox, "payment.captured")[0]
    good = json.dumps(event.envelope).encode()
    signature = sign_razorpay(good, razorpay_secret(client))

    status, body = await post_razorpay(client, {}, event.id, body=good, signature=sign_razorpay(good, "guess"))
    assert status == 400
    assert body["error"] == {
        "code": "signature_invalid",
        "message": "the webhook signature does not match",
        "field": "X-Razorpay-Signature",
    }
    # The same JSON with other spacing is other bytes; one changed byte too.
    for forged in (json.dumps(event.envelope, indent=1).encode(), good.replace(b"captured", b"Captured", 1)):
        status, _ = await post_razorpay(client, {}, event.id, body=forged, signature=signature)
        assert status == 400
    status, _ = await post_razorpay(client, {}, event.id, body=good, signature="")
    assert status == 400
    assert await ledger(client) == []
    assert (await stored_order(client, placed["order_id"]))["status"] == "pending"

    status, body = await post_razorpay(client, {}, event.id, body=good, signature=signature)
    assert (status, body) == (200, {"received": True, "duplicate": False, "outcome": "pending → paid"})
    assert (await stored_order(client, placed["order_id"]))["status"] == "paid"


async def test_razorpay_event_without_its_id_header_is_refused(client, razorpay_sandbox):
    await paid_razorpay_order(client, razorpay_sandbox)
    event = events_named(razorpay_sandbox, "payment.captured")[0]
    status, body = await post_razorpay(client, event.envelope, "")
    assert status == 400 and body["error"]["field"] == "X-Razorpay-Event-Id"
    assert await ledger(client) == []


async def test_forged_and_stale_stripe_signatures_are_refused(client, stripe_sandbox):
    placed = await paid_stripe_order(client, stripe_sandbox)
    event = events_named(stripe_sandbox, "checkout.session.completed")[0]
    status, body = await post_stripe(client, event.envelope, secret="whsec_forged")
    assert status == 400 and body["error"]["code"] == "signature_invalid"
    assert body["error"]["field"] == "Stripe-Signature"
    status, body = await post_stripe(client, event.envelope, timestamp=int(time.time()) - 301)
    assert status == 400 and "tolerance" in body["error"]["message"]
    for header in ("t=1,v0=abc", "", "garbage"):
        status, _ = await post_stripe(client, event.envelope, signature=header or " ")
        assert status == 400
    assert await ledger(client) == []
    assert (await stored_order(client, placed["order_id"]))["status"] == "pending"
    # Within the 300 s tolerance it is accepted.
    status, body = await post_stripe(client, event.envelope, timestamp=int(time.time()) - 200)
    assert status == 200 and body["outcome"] == "pending → paid"


async def test_a_replayed_delivery_is_acknowledged_but_applied_once(client, razorpay_sandbox):
    placed, _ = await paid_razorpay_order(client, razorpay_sandbox)
    event = events_named(razorpay_sandbox, "payment.captured")[0]
    first = await deliver(client, event)
    again = await deliver(client, event)
    assert first[0] == again[0] == 200
    assert first[1]["duplicate"] is False and again[1]["duplicate"] is True
    assert first[1]["outcome"] == "pending → paid" == again[1]["outcome"]
    [entry] = await ledger(client)
    assert entry["_id"] == f"razorpay:{event.id}" and entry["deliveries"] == 2 and entry["status"] == "applied"
    assert entry["order_id"] == placed["order_id"] and entry["type"] == "payment.captured"
    order = await stored_order(client, placed["order_id"])
    assert [e["event_id"] for e in order["timeline"] if e["kind"] == "webhook"] == [event.id]


async def test_the_ledger_keeps_a_razorpay_body_as_it_was_sent(client, razorpay_sandbox):
    await paid_razorpay_order(client, razorpay_sandbox)
    event = events_named(razorpay_sandbox, "payment.captured")[0]
    # Without the fields the event model defaults (account_id, contains), and with empty notes as Razorpay sends them.
    sent = {key: value for key, value in event.envelope.items() if key not in ("account_id", "contains")}
    sent["payload"]["payment"]["entity"]["notes"] = []
    status, _ = await post_razorpay(client, sent, event.id)
    [entry] = await ledger(client)
    assert status == 200 and entry["payload"] == sent


async def test_a_sniffed_stripe_delivery_replayed_later_is_refused(client, stripe_sandbox):
    await paid_stripe_order(client, stripe_sandbox)
    event = events_named(stripe_sandbox, "checkout.session.completed")[0]
    body = json.dumps(event.envelope).encode()
    sniffed = sign_stripe(body, stripe_secret(client), int(time.time()) - 600)
    status, _ = await post_stripe(client, {}, body=body, signature=sniffed)
    assert status == 400 and await ledger(client) == []


async def test_unknown_event_types_and_strangers_orders_are_stored_and_acknowledged(client, razorpay_sandbox):
    envelope = {
        "entity": "event",
        "event": "payment.downtime.started",
        "contains": ["payment.downtime"],
        "payload": {},
        "created_at": int(time.time()),
    }
    status, body = await post_razorpay(client, envelope, "evt_downtime1")
    assert status == 200 and body["outcome"].startswith("ignored")
    stranger = {
        "entity": "event",
        "event": "payment.captured",
        "contains": ["payment"],
        "created_at": 1,
        "payload": {
            "payment": {
                "entity": {
                    "id": "pay_x",
                    "amount": 100,
                    "currency": "INR",
                    "status": "captured",
                    "order_id": "order_nobody",
                    "notes": [],
                }
            }
        },
    }
    status, body = await post_razorpay(client, stranger, "evt_stranger")
    assert status == 200 and body["outcome"].startswith("ignored")
    assert sorted(e["_id"] for e in await ledger(client)) == ["razorpay:evt_downtime1", "razorpay:evt_stranger"]


async def test_malformed_json_with_a_good_signature_is_a_400(client):
    body = b"{not json"
    status, answer = await post_razorpay(client, {}, "evt_bad", body=body)
    assert status == 400 and answer["error"]["field"] == "body"
    status, answer = await post_stripe(client, {}, body=body)
    assert status == 400 and answer["error"]["field"] == "body"
    assert await ledger(client) == []


# -- Razorpay events, in any order ---------------------------------------------------------------------------


async def test_razorpay_events_in_reverse_order_leave_the_order_paid(client, razorpay_sandbox):
    placed, paid = await paid_razorpay_order(client, razorpay_sandbox)
    answers = await deliver_all(client, list(reversed(razorpay_sandbox.state.events)))
    assert [a["outcome"] for _, a in answers] == ["pending → paid", "no change (paid)", "no change (paid)"]
    order = await stored_order(client, placed["order_id"])
    assert order["status"] == "paid" and order["amount_paid"] == placed["amount"]
    assert order["payment"]["id"] == paid["razorpay_payment_id"]


async def test_a_failed_payment_then_success_and_a_late_failure_only_notes_the_timeline(client, razorpay_sandbox):
    placed = await place(client, checkout_body())
    rzp_order = placed["razorpay"]["order_id"]
    await razorpay_sandbox.pay(rzp_order, method="upi", outcome="failure")
    failed = events_named(razorpay_sandbox, "payment.failed")[0]
    await deliver_all(client, [failed])
    order = await stored_order(client, placed["order_id"])
    assert order["status"] == "pending" and [a["payment_id"] for a in order["attempts"]] == [
        failed.envelope["payload"]["payment"]["entity"]["id"]
    ]
    await razorpay_sandbox.pay(rzp_order, method="upi", outcome="success")
    await deliver_all(client, events_named(razorpay_sandbox, "order.paid"))
    # The failure arrives again, late (a retry of the gateway's): the paid order only notes it.
    _status, answer = await deliver(client, failed)
    assert answer["duplicate"] is True
    order = await stored_order(client, placed["order_id"])
    assert order["status"] == "paid" and len(order["attempts"]) == 1


async def test_manual_capture_captures_on_the_authorized_webhook(make_client, razorpay_sandbox):
    client = await make_client(razorpay_capture="manual")
    placed, paid = await paid_razorpay_order(client, razorpay_sandbox, method="card", card_number="4100280000001007")
    payment_id = paid["razorpay_payment_id"]
    assert razorpay_sandbox.state.payments[payment_id]["status"] == "authorized"
    _status, answer = await deliver(client, events_named(razorpay_sandbox, "payment.authorized")[0])
    assert answer["outcome"] == "pending → paid"
    assert razorpay_sandbox.state.payments[payment_id]["status"] == "captured"
    order = await stored_order(client, placed["order_id"])
    calls = [(e["method"], e["path"]) for e in order["timeline"] if e["kind"] == "gateway_call"]
    assert ("POST", f"/v1/payments/{payment_id}/capture") in calls
    # The capture raised its own events; applying them changes nothing more.
    answers = await deliver_all(client, events_named(razorpay_sandbox, "payment.captured", "order.paid"))
    assert {a["outcome"] for _, a in answers} == {"no change (paid)"}
    # A duplicate authorized event (after the capture) does not capture twice.
    await deliver(client, events_named(razorpay_sandbox, "payment.authorized")[0])
    captures = [
        e
        for e in (await stored_order(client, placed["order_id"]))["timeline"]
        if e["kind"] == "gateway_call" and e["path"].endswith("/capture")
    ]
    assert len(captures) == 1


async def test_money_that_does_not_match_goes_to_review(client, razorpay_sandbox):
    placed, _ = await paid_razorpay_order(client, razorpay_sandbox, amount=100)
    _status, answer = await deliver(client, events_named(razorpay_sandbox, "payment.captured")[0])
    assert answer["outcome"] == "pending → needs_review"
    order = await stored_order(client, placed["order_id"])
    assert order["review_reason"] == f"payment amount 100 differs from the order's {placed['amount']}"


async def test_a_dispute_marks_a_paid_order_disputed(client, razorpay_sandbox):
    placed, paid = await paid_razorpay_order(client, razorpay_sandbox)
    payment = razorpay_sandbox.state.payments[paid["razorpay_payment_id"]]
    envelope = {
        "entity": "event",
        "event": "payment.dispute.created",
        "contains": ["payment", "dispute"],
        "created_at": int(time.time()),
        "payload": {
            "payment": {"entity": payment},
            "dispute": {
                "entity": {
                    "id": "disp_1",
                    "entity": "dispute",
                    "payment_id": payment["id"],
                    "amount": payment["amount"],
                    "currency": "INR",
                    "reason_code": "chargeback",
                    "status": "open",
                }
            },
        },
    }
    await deliver_all(client, events_named(razorpay_sandbox, "order.paid"))
    _status, answer = await post_razorpay(client, envelope, "evt_dispute1")
    assert answer["outcome"] == "paid → disputed"
    order = await stored_order(client, placed["order_id"])
    assert order["dispute"]["id"] == "disp_1" and order["dispute"]["reason"] == "chargeback"


# -- Stripe events ---------------------------------------------------------------------------------------------


async def test_stripe_session_completed_pays_and_every_other_event_is_harmless(client, stripe_sandbox):
    placed = await paid_stripe_order(client, stripe_sandbox)
    answers = await deliver_all(client, list(reversed(stripe_sandbox.state.events)))
    outcomes = {
        event.type: answer["outcome"]
        for event, (_, answer) in zip(reversed(stripe_sandbox.state.events), answers, strict=True)
    }
    assert outcomes["checkout.session.completed"] == "pending → paid"
    order = await stored_order(client, placed["order_id"])
    assert order["status"] == "paid" and order["amount_paid"] == placed["amount"]
    assert order["payment"]["session_id"] == placed["stripe"]["session_id"]


async def test_a_declined_card_is_recorded_from_its_webhook(client, stripe_sandbox):
    placed = await place(client, checkout_body(customer=US_BUYER, country="US"))
    status, _, _ = await stripe_sandbox.pay(placed["stripe"]["session_id"], card="4000 0000 0000 0002")
    assert status == 402
    await deliver_all(client, events_named(stripe_sandbox, "payment_intent.payment_failed"))
    order = await stored_order(client, placed["order_id"])
    assert order["status"] == "pending"
    [attempt] = order["attempts"]
    assert attempt["code"] == "generic_decline" and "declined" in attempt["description"]


async def test_an_expired_current_session_expires_the_order(client, stripe_sandbox):
    placed = await place(client, checkout_body(customer=US_BUYER, country="US"))
    session_id = placed["stripe"]["session_id"]
    stripe_sandbox.state.expire_session(session_id)
    _status, answer = await deliver(client, events_named(stripe_sandbox, "checkout.session.expired")[0])
    assert answer["outcome"] == "pending → expired"
    # Money arriving for an expired order is a person's job.
    assert (await stored_order(client, placed["order_id"]))["status"] == "expired"


async def test_async_payment_succeeded_pays_and_completed_unpaid_does_not(client, stripe_sandbox):
    placed = await place(client, checkout_body(customer=US_BUYER, country="US"))
    session = dict(stripe_sandbox.state.sessions[placed["stripe"]["session_id"]])
    unpaid = {**session, "status": "complete", "payment_status": "unpaid"}

    def event(event_id, event_type, obj):
        return {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "created": int(time.time()),
            "api_version": "2026-10-28.endive",
            "livemode": False,
            "data": {"object": obj},
        }

    _status, answer = await post_stripe(client, event("evt_a1", "checkout.session.completed", unpaid))
    assert answer["outcome"] == "no change (pending)"
    paid = {**unpaid, "payment_status": "paid"}
    _status, answer = await post_stripe(client, event("evt_a2", "checkout.session.async_payment_succeeded", paid))
    assert answer["outcome"] == "pending → paid"
