"""Stripe Billing end to end: the app and the Stripe sandbox over real sockets, every event delivered signed to
/webhooks/stripe. A subscription opens Checkout in subscription mode, is paid on the hosted page, and is then moved
by a test clock (SUBSCRIPTIONS.md §18: a customer living on the clock), a failing card, and the customer portal.
State always comes from a fetch of the Subscription and its invoices (§19), so each test also replays events."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from support.contract.stripe_contract import timeline_problems
from support.stripe_billing import (
    BUYER,
    EventFeed,
    advance_clock,
    clocked,
    set_payment_method,
    stripe_subscription_doc,
)
from support.webhooks import deliver_all, post_stripe

from galla.admin.subscription_actions import take_action
from galla.orders.errors import InvalidInput
from galla.orders.subscription_refunds import refund_charge
from galla.payments.stripe.confirm import SessionRefused
from galla.payments.stripe.subscription_events import INVOICE_EVENTS, SESSION_EVENTS, SUBSCRIPTION_EVENTS
from galla.store.orders import now
from galla.store.outbox import get_message
from galla.store.subscription_charges import list_charges
from galla.store.subscriptions import Subscription, get_subscription, insert_subscription
from galla.web.state import DATABASE, SHOP, WEBHOOK_SHOP

DAY = 24 * 3600


class Subscriber:
    """One buyer's subscription in the app, with the sandbox's test clock it lives on and its events."""

    def __init__(self, client, sandbox) -> None:
        self.client, self.sandbox = client, sandbox
        self.shop = clocked(client.app[SHOP])
        self.db = client.app[DATABASE].db
        self.feed = EventFeed(sandbox)
        self.clock_id = ""
        self.frozen = 0
        self.sub_id = ""
        self.doc_changes: dict = {}

    @property
    def provider(self):
        return self.shop.subscription_provider("stripe")

    async def open(self, email: str = BUYER["email"]) -> Subscription:
        """A subscription whose own Stripe customer lives on a new test clock (the shop makes both), with its
        Checkout Session."""
        sub = await insert_subscription(self.db, stripe_subscription_doc(email, **self.doc_changes))
        self.sub_id = sub.id
        opened = await self.provider.open_subscription(self.shop, sub)
        assert opened.stripe_test_clock_id is not None
        self.clock_id = opened.stripe_test_clock_id
        self.frozen = int(self.sandbox.state.test_clocks[self.clock_id]["frozen_time"])
        return opened

    async def pay(self, card: str = "4242 4242 4242 4242") -> None:
        sub = await self.stored()
        status, _, page = await self.sandbox.pay(sub.stripe_session_id, card=card)
        assert status == 303, page[:300]

    async def deliver(self, repeat: bool = False) -> None:
        """Deliver the events since the last delivery, signed, in order (twice over when repeat)."""
        events = self.feed.take()
        await deliver_all(self.client, events + (events if repeat else []))

    async def advance(self, days: float) -> None:
        self.frozen += int(days * DAY)
        await advance_clock(self.sandbox, self.clock_id, self.frozen)

    async def stored(self) -> Subscription:
        found = await get_subscription(self.db, self.sub_id)
        assert found is not None
        return found

    async def charges(self) -> list[tuple[str, int, int]]:
        return [(c.status, c.amount, c.attempts) for c in await list_charges(self.db, self.sub_id)]

    def remote(self) -> dict:
        return self.sandbox.state.subscriptions[self.sandbox.state.sessions[self._session_id]["subscription"]]

    @property
    def _session_id(self) -> str:
        return next(s for s, v in self.sandbox.state.sessions.items() if v["client_reference_id"] == self.sub_id)


@pytest.fixture
async def subscriber(client, stripe_sandbox) -> Subscriber:
    return Subscriber(client, stripe_sandbox)


async def test_opening_makes_a_subscription_mode_session_for_our_id_on_the_clock_customer(subscriber, stripe_sandbox):
    sub = await subscriber.open()
    session = stripe_sandbox.state.sessions[sub.stripe_session_id]
    assert (session["mode"], session["client_reference_id"]) == ("subscription", sub.id)
    assert stripe_sandbox.state.customers[session["customer"]]["test_clock"] == subscriber.clock_id
    assert session["success_url"].endswith(f"/subscriptions/{sub.id}?session_id={{CHECKOUT_SESSION_ID}}")
    assert subscriber.provider.subscription_options(subscriber.shop, sub) == {
        "stripe": {"session_id": session["id"], "url": session["url"]}
    }
    assert await subscriber.provider.open_subscription(subscriber.shop, sub) == sub  # opened once


async def test_charged_at_creation_then_twice_as_the_clock_moves_each_charge_once(subscriber):
    await subscriber.open()
    await subscriber.pay()
    await subscriber.deliver(repeat=True)
    sub = await subscriber.stored()
    assert (sub.status, sub.paid_count, sub.stripe_subscription_id) == ("active", 1, subscriber.remote()["id"])
    for month in (1, 2):
        await subscriber.advance(31)
        await subscriber.deliver(repeat=True)
        assert (await subscriber.stored()).paid_count == 1 + month
    assert await subscriber.charges() == [("paid", 900, 1)] * 3
    charges = await list_charges(subscriber.db, subscriber.sub_id)
    remote_period_end = subscriber.remote()["items"]["data"][0]["current_period_end"]
    sub = await subscriber.stored()
    assert sub.current_end == datetime.fromtimestamp(remote_period_end, UTC) == sub.charge_at
    assert [c.payment_id in subscriber.sandbox.state.payment_intents for c in charges] == [True] * 3
    for charge in charges:
        assert await get_message(subscriber.db, f"charge-receipt:{charge.id}") is not None
    # Every call the subscription's trace records fits stripe-python's generated params (issue 24's check).
    doc = await subscriber.db.subscriptions.find_one({"_id": subscriber.sub_id})
    called = {entry["path"] for entry in doc["timeline"] if entry["kind"] == "gateway_call"}
    assert {"/v1/checkout/sessions", "/v1/invoices", f"/v1/subscriptions/{sub.stripe_subscription_id}"} <= called
    assert timeline_problems(doc) == []


async def test_the_buyers_return_with_our_session_syncs_and_a_swapped_session_is_refused(subscriber, client):
    sub = await subscriber.open()
    other = Subscriber(client, subscriber.sandbox)
    theirs = await other.open(email="other@example.com")
    await other.pay()
    before = await subscriber.db.subscriptions.find_one({"_id": sub.id})
    with pytest.raises(SessionRefused):
        await subscriber.provider.confirm_subscription(
            subscriber.shop, sub.id, {"session_id": theirs.stripe_session_id}
        )
    with pytest.raises(InvalidInput):
        await subscriber.provider.confirm_subscription(subscriber.shop, sub.id, {"session_id": "cs_test_<x>"})
    assert await subscriber.db.subscriptions.find_one({"_id": sub.id}) == before  # not a byte changed

    await subscriber.pay()
    back = await subscriber.provider.confirm_subscription(
        subscriber.shop, sub.id, {"session_id": sub.stripe_session_id}
    )
    assert (back.status, back.paid_count, back.stripe_subscription_id) == ("active", 1, subscriber.remote()["id"])


async def test_a_failing_card_goes_pending_then_halted_when_retries_run_out(subscriber, stripe_sandbox):
    """§15: retries spent, Billing's setting makes the subscription unpaid (halted here) or cancels it."""
    stripe_sandbox.state.after_retries = "unpaid"
    await subscriber.open()
    await subscriber.pay()
    await subscriber.deliver()
    await set_payment_method(stripe_sandbox, subscriber.remote()["id"], "pm_card_chargeCustomerFail")
    await subscriber.advance(31)
    await subscriber.deliver(repeat=True)
    sub = await subscriber.stored()
    assert (sub.status, sub.paid_count) == ("pending", 1)
    assert await subscriber.charges() == [("paid", 900, 1), ("failed", 900, 1)]
    await subscriber.advance(20)
    await subscriber.deliver(repeat=True)
    assert (await subscriber.stored()).status == "halted"
    assert await subscriber.charges() == [("paid", 900, 1), ("failed", 900, 4)]


async def test_when_retries_run_out_and_stripe_cancels_it_is_cancelled(subscriber, stripe_sandbox):
    await subscriber.open()
    await subscriber.pay()
    await set_payment_method(stripe_sandbox, subscriber.remote()["id"], "pm_card_chargeCustomerFail")
    await subscriber.advance(31)
    await subscriber.advance(20)
    await subscriber.deliver()
    sub = await subscriber.stored()
    assert (sub.status, sub.charge_at, sub.ended_at is not None) == ("cancelled", None, True)


async def test_cancelling_in_the_portal_ends_it_at_the_period_end(subscriber):
    await subscriber.open()
    await subscriber.pay()
    await subscriber.deliver()
    sub = await subscriber.stored()
    url = await subscriber.provider.portal_url(subscriber.shop, sub, subscriber.shop.subscription_url(sub.id))
    form_action = f"{url}/subscriptions/{sub.stripe_subscription_id}/cancel"  # the portal page's Cancel button
    async with aiohttp.ClientSession() as http, http.post(form_action, allow_redirects=False) as resp:
        assert resp.status == 303
    await subscriber.deliver(repeat=True)
    asked = await subscriber.stored()
    assert (asked.status, asked.cancel_at_period_end, asked.charge_at) == ("active", True, None)
    await subscriber.advance(31)
    await subscriber.deliver()
    ended = await subscriber.stored()
    assert (ended.status, ended.ended_at) == ("cancelled", asked.current_end)
    assert await subscriber.charges() == [("paid", 900, 1)]  # no renewal was charged


async def test_the_shop_pauses_resumes_and_cancels_through_stripe(subscriber):
    await subscriber.open()
    await subscriber.pay()
    await subscriber.deliver()
    provider, shop = subscriber.provider, subscriber.shop
    paused = await provider.pause_subscription(shop, await subscriber.stored())
    assert paused.status == "paused"
    resumed = await provider.resume_subscription(shop, paused)
    assert resumed.status == "active"
    at_end = await provider.cancel_subscription(shop, resumed, at_period_end=True)
    assert (at_end.status, at_end.cancel_at_period_end) == ("active", True)
    ended = await provider.cancel_subscription(shop, at_end, at_period_end=False)
    assert (ended.status, ended.cancel_at_period_end) == ("cancelled", False)
    await subscriber.deliver(repeat=True)  # the events of each change, late and twice: nothing moves back
    assert (await subscriber.stored()).status == "cancelled"


async def test_a_payment_mode_session_still_goes_to_its_order(client, stripe_sandbox):
    """Routing: only a session in subscription mode is a subscription's; a one-off order's completes the order."""
    from support.app import checkout_body

    resp = await client.post("/api/checkout", json=checkout_body(customer=BUYER, country="US"))
    placed = await resp.json()
    await stripe_sandbox.pay(placed["stripe"]["session_id"])
    completed = [e for e in stripe_sandbox.state.events if e.type == "checkout.session.completed"]
    status, _ = await post_stripe(client, completed[-1].envelope)
    assert status == 200
    order = await client.app[DATABASE].db.orders.find_one({"_id": placed["order_id"]})
    assert order["status"] == "paid"


async def test_an_invoice_event_before_the_session_completed_links_only_what_our_session_started(subscriber):
    """Out of order: invoice.paid arrives first, naming a Subscription not yet linked; it is found only through the
    metadata hint, then linked from OUR stored session, never from the event."""
    await subscriber.open()
    await subscriber.pay()
    events = subscriber.feed.take()
    paid = [e for e in events if e.type == "invoice.paid"]
    await deliver_all(subscriber.client, paid)
    sub = await subscriber.stored()
    assert (sub.status, sub.paid_count, sub.stripe_subscription_id) == ("active", 1, subscriber.remote()["id"])
    assert timedelta(0) <= now() - sub.synced_at < timedelta(minutes=1)


async def test_the_shop_cancels_one_whose_webhooks_never_came_through_our_own_session(subscriber):
    """Paid at Stripe, no event delivered: the Subscription is found from the session we stored, then cancelled."""
    await subscriber.open()
    await subscriber.pay()
    unlinked = await subscriber.stored()
    assert unlinked.stripe_subscription_id is None
    ended = await subscriber.provider.cancel_subscription(subscriber.shop, unlinked, at_period_end=False)
    assert (ended.status, ended.stripe_subscription_id) == ("cancelled", subscriber.remote()["id"])
    assert subscriber.remote()["status"] == "canceled"


async def test_the_shop_cannot_cancel_what_the_buyer_never_paid(subscriber):
    sub = await subscriber.open()
    with pytest.raises(InvalidInput) as refused:
        await subscriber.provider.cancel_subscription(subscriber.shop, sub, at_period_end=True)
    assert refused.value.field == "subscription_id"


def test_going_live_lists_exactly_the_subscription_events_stripe_subscriptions_act_on():
    """docs/GOING_LIVE.md "Stripe subscription events" names each event is_stripe_subscription_event takes."""
    text = (Path(__file__).parents[2] / "docs" / "GOING_LIVE.md").read_text()
    table = text.split("### Stripe subscription events\n", 1)[1].split("\n\n", 2)[1]
    listed = set(re.findall(r"^\| `([a-z_.]+)` \| (?:required|optional)", table, re.M))
    assert listed == {*SESSION_EVENTS, *INVOICE_EVENTS, *SUBSCRIPTION_EVENTS}


async def test_a_plan_of_two_charges_ends_completed_after_the_second(subscriber):
    """Checkout takes no end for the subscription; once the last charge is paid Galla sets cancel_at_period_end."""
    subscriber.doc_changes = {"total_count": 2}
    await subscriber.open()
    await subscriber.pay()
    await subscriber.deliver()
    assert subscriber.remote()["cancel_at_period_end"] is False
    await subscriber.advance(31)
    await subscriber.deliver(repeat=True)
    sub = await subscriber.stored()
    assert (sub.status, sub.paid_count, sub.cancel_at_period_end) == ("active", 2, True)
    await subscriber.advance(31)
    await subscriber.deliver()
    assert ((await subscriber.stored()).status, await subscriber.charges()) == ("completed", [("paid", 900, 1)] * 2)


async def test_a_session_that_expired_unpaid_ends_the_subscription_expired(subscriber, stripe_sandbox):
    """checkout.session.expired of our own session (or reconcile's look at it): nothing can pay it any more."""
    sub = await subscriber.open()
    stripe_sandbox.state.expire_session(sub.stripe_session_id)
    await subscriber.deliver(repeat=True)
    assert ((await subscriber.stored()).status, await subscriber.charges()) == ("expired", [])


async def test_a_renewal_charge_is_refunded_at_stripe_against_its_payment_intent(subscriber, stripe_sandbox):
    """The charge's payment_id is the PaymentIntent that paid its invoice (InvoicePayment.payment.payment_intent),
    which POST /v1/refunds takes."""
    await subscriber.open()
    await subscriber.pay()
    await subscriber.advance(31)
    await subscriber.deliver()
    renewal = (await list_charges(subscriber.db, subscriber.sub_id))[-1]
    _, refunded = await refund_charge(subscriber.shop, subscriber.sub_id, renewal.id, 400)
    assert refunded.refund_committed == 400
    intent = stripe_sandbox.state.payment_intents[renewal.payment_id]
    assert stripe_sandbox.state.charges[intent["latest_charge"]]["amount_refunded"] == 400


async def test_an_admin_pause_and_resume_leave_the_next_renewal_at_the_full_locked_price(subscriber, stripe_sandbox):
    """Stripe credits a pause's unused time by default (stripe-python 16.1.0 params/_subscription_pause_params.py:
    bill_for.unused_time_from defaults to {type: now}, invoicing_behavior to pending_invoice_item), and the next
    invoice would deduct it. A box's pause keeps the period paid for, nothing owed back: the renewal is the full
    price, nothing to review, and Stripe holds no pending credit."""
    await subscriber.open()
    await subscriber.pay()
    await subscriber.deliver()
    await subscriber.advance(10)
    paused = await take_action(subscriber.shop, subscriber.sub_id, "pause")
    assert paused.status == "paused"
    assert (await take_action(subscriber.shop, subscriber.sub_id, "resume")).status == "active"
    assert stripe_sandbox.state.invoice_items == {}
    await subscriber.advance(31)
    await subscriber.deliver(repeat=True)
    sub = await subscriber.stored()
    assert (sub.status, sub.paid_count, sub.review_reason) == ("active", 2, None)
    assert await subscriber.charges() == [("paid", 900, 1)] * 2


async def test_a_plan_longer_than_a_page_of_invoices_ends_after_exactly_its_charges(subscriber):
    """Stripe lists at most `limit` (1-100) invoices a page, newest first, with has_more; the next page is asked with
    starting_after the last id (stripe-python 16.1.0 params/_invoice_list_params.py, _list_object.py next_page).
    With pages of 2, a plan of 3 charges must still count 3 paid and end: the page size is the gateway's."""
    for shop in (subscriber.shop, subscriber.client.app[WEBHOOK_SHOP]):  # the webhooks' copy too
        shop.stripe_client.invoice_page_size = 2
    subscriber.doc_changes = {"total_count": 3}
    await subscriber.open()
    await subscriber.pay()
    for _ in range(2):
        await subscriber.advance(31)
        await subscriber.deliver()
    sub = await subscriber.stored()
    assert (sub.status, sub.paid_count, sub.cancel_at_period_end) == ("active", 3, True)
    assert subscriber.remote()["cancel_at_period_end"] is True
    await subscriber.advance(31)
    await subscriber.deliver()
    assert ((await subscriber.stored()).status, await subscriber.charges()) == ("completed", [("paid", 900, 1)] * 3)
