"""galla/payments/stripe/client.py's Billing calls against the Stripe sandbox over real sockets: Checkout in
subscription mode, the Subscription and its invoices as API 2026-10-28 shapes them (SUBSCRIPTIONS.md §11-§16),
and every request checked against stripe-python's generated params (tests/support/contract)."""

from __future__ import annotations

import aiohttp
import pytest
from support.contract.stripe_routes import params_type
from support.contract.typed_params import check_params
from support.stripe_billing import advance_clock, clock_customer, new_test_clock

from galla.payments.calls import CallRecord
from galla.payments.errors import GatewayInvalid
from galla.payments.money import Money
from galla.payments.stripe.client import StripeGateway


@pytest.fixture
def calls() -> list[CallRecord]:
    """Every call the client made, for the contract check."""
    return []


@pytest.fixture
async def stripe(stripe_sandbox, calls):
    """The client against the sandbox."""
    async with aiohttp.ClientSession() as http:
        yield StripeGateway(
            session=http, secret_key=stripe_sandbox.secret_key, api_base=stripe_sandbox.url, observe=calls.append
        )


def contract_problems(calls: list[CallRecord]) -> list[str]:
    """Each way our requests break stripe-python's generated params types."""
    problems = []
    for call in calls:
        params = params_type(call.method, call.path)
        problems += [f"{call.method} {call.path}: {p}" for p in check_params(call.request or {}, params)]
    return problems


async def open_session(stripe: StripeGateway, **overrides):
    fields = {
        "subscription_id": "sbn_test",
        "name": "Chai club",
        "description": "Chai club, every month",
        "unit": Money(900, "USD"),
        "interval": "month",
        "interval_count": 1,
        "success_url": "http://shop.test/subscriptions/sbn_test?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://shop.test/subscriptions/sbn_test?cancelled=1",
        "customer_email": "jane@example.com",
        **overrides,
    }
    session, _ = await stripe.create_subscription_session(**fields)
    return session


async def paid_subscription(stripe, stripe_sandbox, clock_id: str | None = None):
    """Subscribe a customer (on a test clock, if given) through Checkout and the hosted page."""
    customer_id = await clock_customer(
        stripe_sandbox, "jane@example.com", clock_id or await new_test_clock(stripe_sandbox, stripe_sandbox.state.now())
    )
    session = await open_session(stripe, customer_id=customer_id, customer_email=None)
    status, _, page = await stripe_sandbox.pay(session.id)
    assert status == 303, page[:300]
    paid, _ = await stripe.retrieve_subscription_session(session.id)
    return paid


async def test_a_subscription_session_carries_our_id_price_and_interval(stripe, stripe_sandbox, calls):
    session = await open_session(stripe, interval="week", interval_count=2)
    assert (session.mode, session.client_reference_id, session.subscription_id) == ("subscription", "sbn_test", None)
    stored = stripe_sandbox.state.sessions[session.id]
    assert stripe_sandbox.state.subscription_data(session.id)["metadata"] == {"subscription_id": "sbn_test"}
    (item,) = stripe_sandbox.state.session_line_items(session.id)
    assert (item["price"]["unit_amount"], item["price"]["currency"], stored["customer_email"]) == (
        900,
        "usd",
        "jane@example.com",
    )
    assert (item["price"]["recurring"]["interval"], item["price"]["recurring"]["interval_count"]) == ("week", 2)
    again = await open_session(stripe, interval="week", interval_count=2)
    assert again.id == session.id  # the same Idempotency-Key: a retried open is the same session
    assert contract_problems(calls) == []


async def test_a_paid_session_expands_its_subscription_with_the_period_on_its_item(stripe, stripe_sandbox):
    paid = await paid_subscription(stripe, stripe_sandbox)
    sub = paid.subscription
    assert paid.subscription_id == sub.id and sub.status == "active"
    assert sub.metadata == {"subscription_id": "sbn_test"}
    item = sub.first_item
    fetched, _ = await stripe.retrieve_subscription(sub.id)
    assert (fetched.first_item.current_period_start, fetched.first_item.current_period_end) == (
        item.current_period_start,
        item.current_period_end,
    )
    assert fetched.customer_id == paid.customer


async def test_invoices_name_their_subscription_and_the_payment_intent_that_paid_them(stripe, stripe_sandbox, calls):
    clock_id = await new_test_clock(stripe_sandbox, stripe_sandbox.state.now())
    paid = await paid_subscription(stripe, stripe_sandbox, clock_id)
    await advance_clock(stripe_sandbox, clock_id, stripe_sandbox.state.now() + 32 * 24 * 3600)
    invoices, _ = await stripe.list_subscription_invoices(paid.subscription_id)
    assert [(i.billing_reason, i.status, i.money_paid) for i in invoices] == [
        ("subscription_cycle", "paid", Money(900, "USD")),
        ("subscription_create", "paid", Money(900, "USD")),
    ]
    assert {i.subscription_id for i in invoices} == {paid.subscription_id}
    intents = [stripe_sandbox.state.payment_intents[i.payment_intent_id] for i in invoices]
    assert [intent["amount_received"] for intent in intents] == [900, 900]
    assert invoices[0].service_period[0] == invoices[1].service_period[1]  # one period follows the other
    assert contract_problems(calls) == []


async def test_every_page_of_invoices_is_read_following_starting_after(stripe, stripe_sandbox, calls):
    """Stripe answers `limit` invoices a page, newest first, and `has_more`; the next page is asked with
    starting_after the last id (stripe-python 16.1.0 params/_invoice_list_params.py; _list_object.py next_page)."""
    clock_id = await new_test_clock(stripe_sandbox, stripe_sandbox.state.now())
    paid = await paid_subscription(stripe, stripe_sandbox, clock_id)
    for month in range(1, 5):
        await advance_clock(stripe_sandbox, clock_id, stripe_sandbox.state.now() + month * 31 * 24 * 3600)
    stripe.invoice_page_size = 2
    invoices, pages = await stripe.list_subscription_invoices(paid.subscription_id)
    everything = [i["id"] for i in stripe_sandbox.state.find_invoices({"subscription": paid.subscription_id})]
    assert [i.id for i in invoices] == everything and len(everything) == 5
    assert [page.request.get("starting_after") for page in pages] == [None, everything[1], everything[3]]
    assert {page.request["limit"] for page in pages} == {2}
    assert contract_problems(calls) == []


async def test_cancel_at_period_end_pause_resume_and_cancel_now(stripe, stripe_sandbox, calls):
    paid = await paid_subscription(stripe, stripe_sandbox)
    sub_id = paid.subscription_id
    asked, _ = await stripe.update_subscription(sub_id, cancel_at_period_end=True)
    assert (asked.status, asked.cancel_at_period_end) == ("active", True)
    kept, _ = await stripe.update_subscription(sub_id, cancel_at_period_end=False)
    assert kept.cancel_at_period_end is False
    paused, pause_call = await stripe.pause_subscription(sub_id)
    assert paused.status == "paused"
    # No credit for the paid period (params/_subscription_pause_params.py: Stripe credits `now` by default).
    assert pause_call.request == {"bill_for": {"unused_time_from": {"type": "none"}}}
    assert stripe_sandbox.state.invoice_items == {}
    resumed, _ = await stripe.resume_subscription(sub_id)
    assert resumed.status == "active"
    ended, _ = await stripe.cancel_subscription(sub_id)
    assert (ended.status, ended.ended_at is not None) == ("canceled", True)
    with pytest.raises(GatewayInvalid) as again:
        await stripe.cancel_subscription(sub_id)
    assert again.value.http_status == 400
    assert contract_problems(calls) == []


async def test_a_portal_session_is_a_url_for_the_customer(stripe, stripe_sandbox, calls):
    paid = await paid_subscription(stripe, stripe_sandbox)
    portal, call = await stripe.create_portal_session(paid.customer, "http://shop.test/subscriptions/sbn_test")
    assert portal.url.startswith(stripe_sandbox.url + "/p/session/bps_")
    assert call.request == {"customer": paid.customer, "return_url": "http://shop.test/subscriptions/sbn_test"}
    assert contract_problems(calls) == []
