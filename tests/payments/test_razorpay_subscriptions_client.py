"""The async Razorpay client's subscription calls, over real HTTP to the sandbox: plans, subscriptions, their
invoices, cancel/pause/resume, and checkout.js's subscription signature.

Routes as razorpay-python razorpay/resources/{plan,subscription}.py call them (SUBSCRIPTIONS.md §1); the signature
as razorpay-python razorpay/utility/utility.py verify_subscription_payment_signature computes it (§6).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from pathlib import Path

import aiohttp
import pytest
from support.razorpay_subscriptions import authenticate

from galla.payments.errors import GatewayInvalid
from galla.payments.money import Money
from galla.payments.razorpay.client import RazorpayClient, RazorpayEvent, RazorpaySubscription
from galla.payments.razorpay.subscription_changes import EVENTS, is_razorpay_subscription_event


@pytest.fixture
async def rzp(razorpay_sandbox):
    async with aiohttp.ClientSession() as session:
        yield RazorpayClient(session=session, timeout=5, **razorpay_sandbox.account)


async def subscribe(rzp, total_count: int = 3):
    plan, plan_call = await rzp.create_plan(
        period="monthly", interval=1, amount=Money(49900, "INR"), name="Chai club", description="", notes={}
    )
    sub, call = await rzp.create_subscription(plan.id, total_count=total_count, notes={"subscription_id": "sbn_1"})
    return plan, plan_call, sub, call


async def test_a_plan_and_a_subscription_are_created_and_fetched(rzp):
    plan, plan_call, sub, call = await subscribe(rzp)
    assert plan.id.startswith("plan_") and (plan.period, plan.interval, plan.item["amount"]) == ("monthly", 1, 49900)
    assert plan_call.request["item"] == {"name": "Chai club", "amount": 49900, "currency": "INR"}
    assert (call.method, call.path, call.request["total_count"], call.request["customer_notify"]) == (
        "POST",
        "/v1/subscriptions",
        3,
        True,
    )
    assert (sub.status, sub.plan_id, sub.paid_count, sub.total_count, sub.notes) == (
        "created",
        plan.id,
        0,
        3,
        {"subscription_id": "sbn_1"},
    )
    assert sub.short_url
    fetched, fetch_call = await rzp.fetch_subscription(sub.id)
    assert fetched == sub and fetch_call.method == "GET"


async def test_invoices_of_a_paid_subscription(rzp, razorpay_sandbox):
    _, _, sub, _ = await subscribe(rzp)
    status, paid = await authenticate(razorpay_sandbox, sub.id)
    assert status == 200, paid
    assert rzp.verify_subscription_signature(sub.id, paid["razorpay_payment_id"], paid["razorpay_signature"])
    invoices, call = await rzp.list_subscription_invoices(sub.id)
    assert call.path == "/v1/invoices"
    [invoice] = invoices
    assert (invoice.status, invoice.amount_paid, invoice.currency, invoice.payment_id) == (
        "paid",
        49900,
        "INR",
        paid["razorpay_payment_id"],
    )
    assert invoice.billing_start and invoice.billing_end > invoice.billing_start and invoice.paid_at
    payment, _ = await rzp.fetch_payment(paid["razorpay_payment_id"])
    assert payment.invoice_id == invoice.id and payment.captured
    assert (await rzp.list_subscription_invoices(sub.id, skip=1))[0] == []


async def test_pause_resume_and_cancel(rzp, razorpay_sandbox):
    _, _, sub, _ = await subscribe(rzp)
    await authenticate(razorpay_sandbox, sub.id)
    paused, call = await rzp.pause_subscription(sub.id)
    assert (paused.status, paused.charge_at, call.request) == ("paused", None, {"pause_at": "now"})
    resumed, call = await rzp.resume_subscription(sub.id)
    assert (resumed.status, call.request) == ("active", {"resume_at": "now"})
    at_end, call = await rzp.cancel_subscription(sub.id, at_cycle_end=True)
    assert (at_end.status, call.request) == ("active", {"cancel_at_cycle_end": 1})
    cancelled, call = await rzp.cancel_subscription(sub.id, at_cycle_end=False)
    assert (cancelled.status, call.request) == ("cancelled", {"cancel_at_cycle_end": 0})
    with pytest.raises(GatewayInvalid, match="not cancellable in cancelled status"):
        await rzp.cancel_subscription(sub.id, at_cycle_end=False)


async def test_an_unknown_subscription_is_a_gateway_refusal(rzp):
    with pytest.raises(GatewayInvalid, match="does not exist") as info:
        await rzp.fetch_subscription("sub_00000000000000")
    assert info.value.call.status == 400


def test_the_subscription_signature_is_payment_then_subscription():
    """hex HMAC-SHA256(key_secret, payment_id + "|" + subscription_id); the order's order (sub|pay) is refused, as
    are another subscription, an altered signature and a non-ASCII one."""
    rzp = RazorpayClient(session=None, key_id="rzp_test_k", key_secret="s3cret")  # type: ignore[arg-type]
    good = hmac.new(b"s3cret", b"pay_B|sub_A", hashlib.sha256).hexdigest()
    reversed_ = hmac.new(b"s3cret", b"sub_A|pay_B", hashlib.sha256).hexdigest()
    assert rzp.verify_subscription_signature("sub_A", "pay_B", good)
    assert not rzp.verify_subscription_signature("sub_A", "pay_B", reversed_)
    assert not rzp.verify_subscription_signature("sub_OTHER", "pay_B", good)
    assert not rzp.verify_subscription_signature("sub_A", "pay_B", good[:-1] + ("0" if good[-1] != "0" else "1"))
    assert not rzp.verify_subscription_signature("sub_A", "pay_B", "")
    assert not rzp.verify_subscription_signature("sub_A", "pay_B", "é" * 64)


def test_a_subscription_event_reads_its_entity_with_razorpays_quirks():
    """remaining_count may come as a string (razorpay-node types), notes as [] when empty (§3)."""
    event = RazorpayEvent.model_validate(
        {
            "event": "subscription.charged",
            "payload": {
                "subscription": {
                    "entity": {"id": "sub_1", "status": "active", "remaining_count": "5", "notes": [], "type": 2}
                },
                "payment": {
                    "entity": {
                        "id": "pay_1",
                        "amount": 100,
                        "currency": "INR",
                        "status": "captured",
                        "captured": "1",
                        "invoice_id": "inv_1",
                    }
                },
            },
        }
    )
    assert event.subscription == RazorpaySubscription(id="sub_1", status="active", remaining_count=5, type=2)
    assert event.payment is not None and event.payment.captured is True and event.payment.invoice_id == "inv_1"


def test_the_subscription_events_to_enable_are_exactly_the_ones_applied():
    """docs/GOING_LIVE.md's Razorpay subscription events table names every event the provider applies, and no other."""
    text = (Path(__file__).parents[2] / "docs" / "GOING_LIVE.md").read_text(encoding="utf-8")
    section = text.split("### Razorpay subscription events", 1)[1].split("\n### ", 1)[0]
    listed = re.findall(r"^\| `(subscription\.[a-z_]+)` \| (required|recommended|optional)", section, re.MULTILINE)
    assert sorted(name for name, _ in listed) == sorted(EVENTS)
    assert all(is_razorpay_subscription_event(RazorpayEvent(event=name)) for name in EVENTS)
    assert not is_razorpay_subscription_event(RazorpayEvent(event="payment.captured"))
