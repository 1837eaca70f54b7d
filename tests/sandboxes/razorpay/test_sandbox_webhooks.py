"""The sandbox delivers its events as Razorpay webhooks over real HTTP: signed, retried, and as unruly as asked."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time

import aiohttp
import pytest
import razorpay
import requests
from razorpay.errors import SignatureVerificationError
from support.command_line import running_command
from support.razorpay_sandbox import PAID, WEBHOOK_SECRET, pay_order, running_sandbox
from support.receiver import start_receiver

from sandboxes.common.webhooks import RAZORPAY_RETRY_DELAYS, razorpay_signature
from sandboxes.razorpay import RAZORPAY_WEBHOOKS, SANDBOX_FAULTS, create_razorpay_sandbox
from sandboxes.razorpay.entities import EVIDENCE_DOCUMENTS
from sandboxes.razorpay.errors import RazorpayError


def verify(body: bytes, signature: str, secret: str = WEBHOOK_SECRET) -> bool:
    """Check a webhook as the shop would, with the official SDK."""
    return razorpay.Client(auth=("rzp_test_x", "x")).utility.verify_webhook_signature(body.decode(), signature, secret)


def names(receiver) -> list[str]:
    """The event names the receiver got, in arrival order."""
    return [json.loads(received.body)["event"] for received in receiver.requests]


def ids(receiver) -> list[str]:
    """The event ids the receiver got, in arrival order."""
    return [received.headers["X-Razorpay-Event-Id"] for received in receiver.requests]


async def fail_payment(sandbox) -> str:
    """Make one failed payment (one event, payment.failed); return its event id."""
    order = await sandbox.create_order()
    status, _ = await sandbox.pay(order["id"], outcome="failure")
    assert status == 400
    return sandbox.state.events[-1].id


async def refund(sandbox, payment_id: str, **body) -> dict:
    """Refund through the REST API; return the refund."""
    status, made = await sandbox.call("POST", f"/v1/payments/{payment_id}/refund", json=body)
    assert status == 200, made
    return made


# -- signing and delivery ------------------------------------------------------------------------


async def test_a_paid_and_refunded_order_arrives_as_signed_webhooks_in_order(hooked, receiver):
    payment_id = await pay_order(hooked, notes={"order_id": "ord_1"})
    made = await refund(hooked, payment_id, amount=10000, notes={"refund_key": "rk_1", "order_id": "ord_1"})
    await hooked.webhooks.drain()

    assert names(receiver) == [*PAID, "refund.created", "refund.processed"]
    assert ids(receiver) == [event.id for event in hooked.state.events]
    for received, event in zip(receiver.requests, hooked.state.events, strict=True):
        assert received.headers["Content-Type"] == "application/json"
        assert received.body == json.dumps(event.envelope, separators=(",", ":")).encode()  # the raw bytes signed
        assert verify(received.body, received.headers["X-Razorpay-Signature"]) is True
        with pytest.raises(SignatureVerificationError):
            verify(received.body, received.headers["X-Razorpay-Signature"], "another-secret")
    processed = json.loads(receiver.requests[-1].body)
    assert processed["contains"] == ["refund", "payment"]
    assert processed["payload"]["refund"]["entity"]["notes"] == {"refund_key": "rk_1", "order_id": "ord_1"}
    assert processed["payload"]["refund"]["entity"]["id"] == made["id"]
    assert processed["payload"]["payment"]["entity"]["notes"] == []  # the order's notes are not copied (issue 24)
    assert [(d.attempt, d.status, d.error) for d in hooked.webhooks.deliveries] == [(1, 200, None)] * 5
    assert hooked.webhooks.pending() == 0 and hooked.webhooks.delivered() == ids(receiver)


async def test_defaults_follow_razorpay(sandbox):
    knobs = sandbox.webhooks.knobs
    assert (knobs.timeout, knobs.retry_delays) == (5.0, RAZORPAY_RETRY_DELAYS)
    assert 20 * 3600 < sum(knobs.retry_delays) <= 24 * 3600  # retried for about a day
    assert (knobs.duplicate, knobs.drop, knobs.shuffle, knobs.delay) == (0.0, 0.0, False, 0.0)
    assert sandbox.webhooks.url is None  # nothing is sent unless asked


async def test_no_url_sends_nothing_until_one_is_set(sandbox, receiver):
    old = await fail_payment(sandbox)
    assert (sandbox.webhooks.pending(), sandbox.webhooks.deliveries) == (0, [])
    assert await sandbox.webhooks.redeliver(old) is None

    sandbox.webhooks.url, sandbox.webhooks.secret = receiver.url, WEBHOOK_SECRET
    new = await fail_payment(sandbox)
    await sandbox.webhooks.drain()
    assert ids(receiver) == [new]  # what happened before the url was set is not sent by itself…
    assert await sandbox.webhooks.redeliver(old) == 200  # …but can be sent by hand
    assert ids(receiver) == [new, old] and verify(
        receiver.requests[1].body, receiver.requests[1].headers["X-Razorpay-Signature"]
    )


async def test_without_a_secret_nothing_is_signed(aiohttp_server, clock, receiver):
    async with running_sandbox(aiohttp_server, clock, webhook_url=receiver.url) as unsigned:
        await fail_payment(unsigned)
        await unsigned.webhooks.drain()
    assert "X-Razorpay-Signature" not in receiver.requests[0].headers


# -- retries -------------------------------------------------------------------------------------


async def test_500s_are_retried_with_the_same_body_and_signature_until_a_2xx(hooked, receiver):
    receiver.fail_first = 2
    event_id = await fail_payment(hooked)
    await hooked.webhooks.drain()
    assert [(d.event_id, d.attempt, d.status, d.error) for d in hooked.webhooks.deliveries] == [
        (event_id, 1, 500, "HTTP 500"),
        (event_id, 2, 500, "HTTP 500"),
        (event_id, 3, 200, None),
    ]
    assert len({(r.body, r.headers["X-Razorpay-Signature"]) for r in receiver.requests}) == 1
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(receiver.requests)]
    assert all(gap >= 0.045 for gap in gaps)  # the retry delays were waited


async def test_a_timeout_is_a_failure_and_is_retried(hooked, receiver):
    hooked.webhooks.knobs.timeout = 0.15
    receiver.stall_first, receiver.stall = 1, 0.4
    await fail_payment(hooked)
    await hooked.webhooks.drain()
    assert [(d.attempt, d.status, d.error) for d in hooked.webhooks.deliveries] == [
        (1, None, "timeout"),
        (2, 200, None),
    ]


async def test_retries_stop_when_the_schedule_runs_out(hooked, receiver):
    receiver.fail_first = 100
    hooked.webhooks.knobs.retry_delays = (0.01, 0.01)
    event_id = await fail_payment(hooked)
    await hooked.webhooks.drain()
    assert [d.attempt for d in hooked.webhooks.deliveries] == [1, 2, 3]
    assert hooked.webhooks.given_up == [event_id] and hooked.webhooks.delivered() == []


async def test_an_unreachable_url_is_retried_as_a_connection_error(hooked, unused_tcp_port):
    hooked.webhooks.url = f"http://127.0.0.1:{unused_tcp_port}/hook"
    hooked.webhooks.knobs.retry_delays = (0.01,)
    await fail_payment(hooked)
    await hooked.webhooks.drain()
    assert [(d.status, d.error.split(":")[0]) for d in hooked.webhooks.deliveries] == [
        (None, "ClientConnectorError")
    ] * 2


async def test_one_failing_event_does_not_hold_up_the_others(hooked, receiver):
    stuck = await fail_payment(hooked)
    receiver.refuse = lambda received: received.headers["X-Razorpay-Event-Id"] == stuck
    hooked.webhooks.knobs.retry_delays = (0.3,)
    await pay_order(hooked)
    await hooked.webhooks.drain()
    assert [(d.event_id == stuck, d.attempt, d.status) for d in hooked.webhooks.deliveries] == [
        (True, 1, 500),
        (False, 1, 200),
        (False, 1, 200),
        (False, 1, 200),
        (True, 2, 500),
    ]


async def test_retries_of_an_old_event_keep_the_old_secret(hooked, receiver):
    # Razorpay documents this: after rotating the secret, retries of older events are signed with the old one.
    receiver.fail_first = 1
    hooked.webhooks.knobs.retry_delays = (0.2,)
    await fail_payment(hooked)
    while not receiver.requests:
        await asyncio.sleep(0.005)
    hooked.webhooks.secret = "rotated-secret"
    await fail_payment(hooked)
    await hooked.webhooks.drain()
    first, new, retried = receiver.requests
    assert verify(first.body, first.headers["X-Razorpay-Signature"])
    assert retried.headers["X-Razorpay-Signature"] == first.headers["X-Razorpay-Signature"]
    assert verify(new.body, new.headers["X-Razorpay-Signature"], "rotated-secret")


# -- knobs ---------------------------------------------------------------------------------------


async def test_duplicates_repeat_the_same_body_and_event_id(hooked, receiver):
    hooked.webhooks.knobs.duplicate = 1.0
    await pay_order(hooked)
    await hooked.webhooks.drain()
    assert names(receiver) == [name for name in PAID for _ in range(2)]
    pairs = zip(receiver.requests[::2], receiver.requests[1::2], strict=True)
    assert all(
        a.body == b.body and a.headers["X-Razorpay-Event-Id"] == b.headers["X-Razorpay-Event-Id"] for a, b in pairs
    )
    assert [d.duplicate for d in hooked.webhooks.deliveries] == [False, True] * 3


async def test_dropped_events_are_never_sent_but_can_be_redelivered(hooked, receiver):
    hooked.webhooks.knobs.drop = 1.0
    await pay_order(hooked)
    await hooked.webhooks.drain()
    assert receiver.requests == [] and hooked.webhooks.dropped == [event.id for event in hooked.state.events]
    assert await hooked.webhooks.redeliver(hooked.state.events[-1].id) == 200
    assert names(receiver) == ["order.paid"]


async def test_seeded_drops_and_duplicates_are_reproducible(hooked, receiver):
    hooked.webhooks.knobs.seed, hooked.webhooks.knobs.drop, hooked.webhooks.knobs.duplicate = 5, 0.3, 0.3
    for _ in range(3):
        await pay_order(hooked)
    await hooked.webhooks.drain()
    rng, expected, dropped = random.Random(5), [], []
    for event in hooked.state.events:  # the sender draws drop then duplicate for every event
        drop, twin = rng.random() < 0.3, rng.random() < 0.3
        dropped += [event.id] if drop else []
        expected += [] if drop else [event.id] * (1 + twin)
    assert ids(receiver) == expected and hooked.webhooks.dropped == dropped
    assert dropped and len(expected) > len(set(expected))  # this seed exercises both

    def pattern(events) -> list[int]:
        """How many times each event arrived."""
        return [ids(receiver).count(event.id) for event in events]

    first_round = pattern(hooked.state.events)
    hooked.webhooks.knobs.seed = 5  # the same seed again: the same choices again
    for _ in range(3):
        await pay_order(hooked)
    await hooked.webhooks.drain()
    assert pattern(hooked.state.events[9:]) == first_round


async def test_hold_queues_and_release_sends_in_a_seeded_shuffle(hooked, receiver):
    hooked.webhooks.knobs.seed, hooked.webhooks.knobs.shuffle = 3, True
    hooked.webhooks.hold()
    await pay_order(hooked)
    await pay_order(hooked)
    await asyncio.sleep(0.05)
    assert receiver.requests == [] and hooked.webhooks.pending() == 6
    hooked.webhooks.release()
    await hooked.webhooks.drain()
    rng = random.Random(3)
    queue = [event.id for event in hooked.state.events]
    for _ in queue:
        rng.random(), rng.random()  # the drop and duplicate draws made as each event was queued
    expected = [queue.pop(rng.randrange(len(queue))) for _ in range(len(queue))]
    assert ids(receiver) == expected != [event.id for event in hooked.state.events]


async def test_delay_holds_back_each_first_delivery(hooked, receiver):
    hooked.webhooks.knobs.delay = 0.25
    started = time.monotonic()
    await fail_payment(hooked)
    await asyncio.sleep(0.1)
    assert receiver.requests == []
    await hooked.webhooks.drain()
    assert receiver.requests[0].at - started >= 0.25


async def test_drain_gives_up_with_timeout_error_while_a_retry_is_due_later(hooked, receiver):
    receiver.fail_first = 100
    hooked.webhooks.knobs.retry_delays = (30.0,)
    await fail_payment(hooked)
    with pytest.raises(TimeoutError):
        await hooked.webhooks.drain(timeout=0.2)
    assert hooked.webhooks.pending() == 1  # the sandbox's shutdown cancels the waiting retry


async def test_redeliver_sends_a_recorded_event_now_and_returns_the_status(hooked, receiver):
    event_id = await fail_payment(hooked)
    await hooked.webhooks.drain()
    receiver.fail_first = 2
    assert await hooked.webhooks.redeliver(event_id) == 500
    assert await hooked.webhooks.redeliver(event_id) == 200
    assert [(d.attempt, d.manual, d.status) for d in hooked.webhooks.deliveries] == [
        (1, False, 200),
        (2, True, 500),
        (3, True, 200),
    ]
    assert len({r.body for r in receiver.requests}) == 1


# -- refunds that stay pending or fail, and disputes ---------------------------------------------


async def test_a_pending_refund_settles_later(hooked, receiver):
    payment_id = await pay_order(hooked)
    hooked.app[SANDBOX_FAULTS].refund_outcome = "pending"
    made = await refund(hooked, payment_id, notes={"refund_key": "rk_2"})
    assert made["status"] == "pending" and made["notes"] == {"refund_key": "rk_2"}
    payment = hooked.state.payments[payment_id]
    assert (payment["amount_refunded"], payment["status"], payment["refund_status"]) == (49900, "refunded", "full")
    await hooked.webhooks.drain()
    assert names(receiver)[-1] == "refund.created"

    hooked.state.settle_refund(made["id"], "processed")
    await hooked.webhooks.drain()
    assert names(receiver)[-1] == "refund.processed"
    processed = json.loads(receiver.requests[-1].body)["payload"]
    assert processed["refund"]["entity"]["status"] == "processed"
    with pytest.raises(RazorpayError, match="already processed"):
        hooked.state.settle_refund(made["id"], "failed")


async def test_a_pending_refund_that_fails_gives_the_money_back_to_the_payment(sandbox):
    payment_id = await pay_order(sandbox)
    await refund(sandbox, payment_id, amount=10000)
    sandbox.app[SANDBOX_FAULTS].refund_outcome = "pending"
    made = await refund(sandbox, payment_id)
    sandbox.state.settle_refund(made["id"], "failed")
    assert [event.name for event in sandbox.state.events][-3:] == [
        "refund.processed",
        "refund.created",
        "refund.failed",
    ]
    failed = sandbox.state.events[-1].envelope
    assert failed["contains"] == ["refund", "payment"]
    assert failed["payload"]["refund"]["entity"]["status"] == "failed"
    payment = failed["payload"]["payment"]["entity"]
    assert (payment["amount_refunded"], payment["status"], payment["refund_status"]) == (10000, "captured", "partial")


async def test_a_failing_refund_fails_at_once(sandbox):
    payment_id = await pay_order(sandbox)
    sandbox.app[SANDBOX_FAULTS].refund_outcome = "failed"
    made = await refund(sandbox, payment_id, notes={"order_id": "ord_9"})
    assert (made["status"], made["notes"]) == ("failed", {"order_id": "ord_9"})
    created, failed = (event.envelope for event in sandbox.state.events[-2:])
    assert (created["event"], failed["event"]) == ("refund.created", "refund.failed")
    assert created["payload"]["refund"]["entity"]["status"] == "pending"  # a snapshot of the moment
    payment = sandbox.state.payments[payment_id]
    assert (payment["amount_refunded"], payment["status"], payment["refund_status"]) == (0, "captured", None)


async def test_a_dispute_raises_payment_dispute_created(sandbox):
    payment_id = await pay_order(sandbox)
    dispute = sandbox.state.open_dispute(payment_id)
    envelope = sandbox.state.events[-1].envelope
    assert (envelope["event"], envelope["contains"]) == ("payment.dispute.created", ["payment", "dispute"])
    assert (
        envelope["payload"]["dispute"]["entity"]
        == dispute
        == {
            "id": dispute["id"],
            "entity": "dispute",
            "payment_id": payment_id,
            "amount": 49900,
            "currency": "INR",
            "amount_deducted": 0,
            "reason_code": "chargeback",
            "respond_by": int(sandbox.clock.now) + 7 * 86400,
            "status": "open",
            "phase": "chargeback",
            "created_at": int(sandbox.clock.now),
            "evidence": {"amount": 49900, **dict.fromkeys(EVIDENCE_DOCUMENTS)},
        }
    )  # null until contested
    assert dispute["id"].startswith("disp_") and envelope["payload"]["payment"]["entity"]["id"] == payment_id
    assert await sandbox.call("GET", f"/v1/disputes/{dispute['id']}") == (200, dispute)
    partial = sandbox.state.open_dispute(payment_id, amount=100, reason_code="fraud")
    assert (partial["amount"], partial["reason_code"]) == (100, "fraud")
    order = await sandbox.create_order(payment={"capture": "manual"})
    _, paid = await sandbox.pay(order["id"])
    with pytest.raises(RazorpayError, match="Only captured payments"):
        sandbox.state.open_dispute(paid["razorpay_payment_id"])


# -- the command line ----------------------------------------------------------------------------


@pytest.mark.slow
async def test_the_command_line_sends_webhooks_with_a_generated_secret(aiohttp_server, unused_tcp_port):
    receiver = await start_receiver(aiohttp_server)
    options = ("--key-id", "rzp_test_cli01", "--key-secret", "cli-secret", "--webhook-url", receiver.url)
    async with running_command("sandboxes.razorpay", unused_tcp_port, *options, banner_lines=5) as banner:
        assert receiver.url in banner[3] and "generated" in banner[4]
        secret = banner[4].split(":", 1)[1].split()[0]
        url = f"http://127.0.0.1:{unused_tcp_port}"
        sdk = razorpay.Client(auth=("rzp_test_cli01", "cli-secret"), base_url=url)
        for _ in range(100):  # the banner is printed just before the socket opens
            try:
                order = await asyncio.to_thread(sdk.order.create, {"amount": 49900, "currency": "INR"})
                break
            except requests.ConnectionError:
                await asyncio.sleep(0.05)
        async with aiohttp.ClientSession() as http:
            await http.post(
                url + "/checkout/pay",
                json={"key_id": "rzp_test_cli01", "order_id": order["id"], "method": "upi", "outcome": "success"},
            )
        await receiver.wait_for(3)
        assert names(receiver) == PAID
        assert all(verify(r.body, r.headers["X-Razorpay-Signature"], secret) for r in receiver.requests)


def test_the_signature_is_hmac_sha256_of_the_raw_body():
    body = b'{"entity":"event","event":"order.paid"}'
    assert verify(body, razorpay_signature(WEBHOOK_SECRET, body))
    app = create_razorpay_sandbox(key_id="rzp_test_x", key_secret="y", webhook_url="http://h/w", webhook_secret="s")
    assert (app[RAZORPAY_WEBHOOKS].url, app[RAZORPAY_WEBHOOKS].secret) == ("http://h/w", "s")


async def test_parallel_deliveries_overlap_and_the_log_says_how_long_each_waited(aiohttp_server, clock, receiver):
    receiver.stall_first, receiver.stall = 6, 0.2  # the first six requests are slow to answer
    async with running_sandbox(
        aiohttp_server, clock, webhook_url=receiver.url, webhook_secret=WEBHOOK_SECRET, webhook_parallel=3
    ) as sandbox:
        for _ in range(2):
            await pay_order(sandbox)  # three events each
        await sandbox.webhooks.drain()
        arrivals = sorted(received.at for received in receiver.requests)
        async with sandbox.session.get(sandbox.url + "/webhooks/deliveries") as resp:
            log = await resp.json()
    # Three at once: the first three arrive together, the next three only once those answered.
    assert arrivals[2] - arrivals[0] < 0.15 and arrivals[3] - arrivals[0] >= 0.2
    assert sorted(ids(receiver)) == sorted(event.id for event in sandbox.state.events)
    assert log["pending"] == 0 and len(log["deliveries"]) == 6
    assert all(d["status"] == 200 and d["waited"] >= 0.2 for d in log["deliveries"])
    # ?since= keeps a long run's log short: only the attempts answered from then on; a bad value is a 400.
    last = sorted(d["at"] for d in log["deliveries"])
    async with aiohttp.ClientSession() as session:
        async with session.get(sandbox.url + "/webhooks/deliveries", params={"since": str(last[3])}) as resp:
            assert [d["at"] for d in (await resp.json())["deliveries"]] == last[3:]
        async with session.get(sandbox.url + "/webhooks/deliveries", params={"since": "soon"}) as resp:
            assert resp.status == 400 and (await resp.json())["error"]["field"] == "since"
