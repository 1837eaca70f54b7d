"""Stripe Billing in the sandbox, driven by the official SDK over real sockets: Checkout in subscription mode,
Subscriptions, Invoices, test clocks with renewals and dunning, signed webhooks.

Behaviour as ../shared/SUBSCRIPTIONS.md §11-§18 records it from stripe-python 16.1.0 and docs.stripe.com
(api/test_clocks/advance for the advance limits).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
import stripe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.axe import check_page
from support.browser import HAVE_BROWSER, phone_page
from support.clock import NOW, Clock
from support.stripe_sandbox import WEBHOOK_SECRET, parse, running_sandbox

DAY = 24 * 3600
FEB_1 = int(datetime(2026, 2, 1, tzinfo=UTC).timestamp())
MAR_1 = int(datetime(2026, 3, 1, tzinfo=UTC).timestamp())


def plan_params(**overrides: Any) -> dict[str, Any]:
    """Create params of a $12.00-a-month tea club in subscription mode, inline price_data with recurring (§11)."""
    params: dict[str, Any] = {
        "mode": "subscription",
        "line_items": [
            {
                "price_data": {
                    "currency": "usd",
                    "unit_amount": 1200,
                    "product_data": {"name": "Tea club"},
                    "recurring": {"interval": "month"},
                },
                "quantity": 1,
            }
        ],
        "success_url": "https://shop.example/subscriptions/sub_1/done?session_id={CHECKOUT_SESSION_ID}",
        # An Indian account's export needs a description (india.py); subscription mode takes the subscription's.
        "subscription_data": {"metadata": {"subscription_id": "gsub_1"}, "description": "Tea club, monthly"},
        "billing_address_collection": "required",  # and the buyer's name and address, and where the tea goes
        "shipping_address_collection": {"allowed_countries": ["US"]},
    }
    params.update(overrides)
    return params


async def subscribe(sandbox, card: str = "4242 4242 4242 4242", clock_id: str | None = None) -> stripe.Subscription:
    """Subscribe a new customer (on clock_id if given) through Checkout and the hosted page; return the sub."""
    customer = await sandbox.sdk.v1.customers.create_async(
        params={"email": "amy@example.com", **({"test_clock": clock_id} if clock_id else {})}
    )
    session = await sandbox.sdk.v1.checkout.sessions.create_async(params=plan_params(customer=customer.id))
    page = await sandbox.pay(session.id, card)
    assert page.status == 303, page.html[:300]
    paid = await sandbox.sdk.v1.checkout.sessions.retrieve_async(session.id)
    return await sandbox.sdk.v1.subscriptions.retrieve_async(paid.subscription)


async def new_clock(sandbox, frozen_time: int = NOW) -> stripe.test_helpers.TestClock:
    """A test clock at frozen_time."""
    return await sandbox.sdk.v1.test_helpers.test_clocks.create_async(params={"frozen_time": frozen_time})


async def invoices_of(sandbox, subscription_id: str) -> list[stripe.Invoice]:
    """The subscription's invoices, oldest first."""
    page = await sandbox.sdk.v1.invoices.list_async(params={"subscription": subscription_id, "limit": 100})
    return list(reversed(page.data))


async def test_checkout_in_subscription_mode_starts_an_active_subscription_with_a_paid_invoice(sandbox):
    session = await sandbox.sdk.v1.checkout.sessions.create_async(params=plan_params(customer_email="amy@example.com"))
    assert (session.mode, session.subscription, session.payment_method_collection) == ("subscription", None, "always")
    items = await sandbox.sdk.v1.checkout.sessions.line_items.list_async(session.id)
    assert items.data[0].price.type == "recurring"
    assert items.data[0].price.recurring.to_dict() == {
        "interval": "month",
        "interval_count": 1,
        "meter": None,
        "usage_type": "licensed",
    }

    assert (await sandbox.pay(session.id)).status == 303

    paid = await sandbox.sdk.v1.checkout.sessions.retrieve_async(session.id, params={"expand": ["subscription"]})
    assert (paid.status, paid.payment_status) == ("complete", "paid")
    assert paid.customer and paid.customer.startswith("cus_")  # subscription mode always makes a customer (§11)
    assert paid.payment_intent is None  # the PaymentIntent is the invoice's, in subscription mode
    sub = paid.subscription
    assert isinstance(sub, stripe.Subscription)
    assert (sub.status, sub.customer, sub.currency, sub.cancel_at_period_end) == ("active", paid.customer, "usd", False)
    assert sub.metadata.to_dict() == {"subscription_id": "gsub_1"}
    # §12: in API 2026-10-28 the period is on the items, not the subscription.
    item = sub["items"].data[0]
    assert (item.current_period_start, item.current_period_end) == (NOW, FEB_1)
    assert "current_period_end" not in sub
    invoice = await sandbox.sdk.v1.invoices.retrieve_async(paid.invoice)
    assert sub.latest_invoice == invoice.id
    assert (invoice.status, invoice.billing_reason, invoice.amount_due, invoice.amount_paid) == (
        "paid",
        "subscription_create",
        1200,
        1200,
    )
    assert invoice.parent.subscription_details.subscription == sub.id  # §13: no top-level subscription
    assert "subscription" not in invoice
    assert sandbox.event_types()[-8:] == [
        "charge.succeeded",
        "payment_intent.succeeded",
        "invoice.created",
        "invoice.finalized",
        "customer.subscription.created",
        "invoice.paid",
        "invoice.payment_succeeded",
        "checkout.session.completed",
    ]


async def test_a_declined_first_payment_starts_nothing(sandbox):
    session = await sandbox.sdk.v1.checkout.sessions.create_async(params=plan_params(customer_email="amy@example.com"))
    page = await sandbox.pay(session.id, "4000 0000 0000 0002")
    assert page.status == 402, page.html
    assert sandbox.state.subscriptions == {} and sandbox.state.invoices == {}
    assert (await sandbox.sdk.v1.checkout.sessions.retrieve_async(session.id)).status == "open"


async def test_subscription_mode_checks_its_line_items(sandbox):
    one_time = plan_params()
    del one_time["line_items"][0]["price_data"]["recurring"]
    with pytest.raises(stripe.InvalidRequestError) as missing:
        await sandbox.sdk.v1.checkout.sessions.create_async(params=one_time)
    assert missing.value.param == "line_items[0][price_data][recurring]"

    with pytest.raises(stripe.InvalidRequestError) as in_payment:
        await sandbox.sdk.v1.checkout.sessions.create_async(params=plan_params(mode="payment"))
    assert in_payment.value.param == "line_items[0][price_data][recurring]"

    too_long = plan_params()
    too_long["line_items"][0]["price_data"]["recurring"] = {"interval": "month", "interval_count": 37}
    with pytest.raises(stripe.InvalidRequestError) as long_error:
        await sandbox.sdk.v1.checkout.sessions.create_async(params=too_long)
    assert long_error.value.param == "line_items[0][price_data][recurring][interval_count]"

    with pytest.raises(stripe.InvalidRequestError) as creation:
        await sandbox.sdk.v1.checkout.sessions.create_async(params=plan_params(customer_creation="always"))
    assert creation.value.param == "customer_creation"


async def test_a_test_clock_renews_monthly_and_each_renewal_is_an_invoice(sandbox):
    clock = await new_clock(sandbox)
    sub = await subscribe(sandbox, clock_id=clock.id)
    assert sub.test_clock == clock.id

    advanced = await sandbox.sdk.v1.test_helpers.test_clocks.advance_async(
        clock.id, params={"frozen_time": FEB_1 + DAY}
    )
    assert advanced.status == "advancing"  # as Stripe answers; the sandbox has already done the work
    ready = await sandbox.sdk.v1.test_helpers.test_clocks.retrieve_async(clock.id)
    assert (ready.status, ready.frozen_time) == ("ready", FEB_1 + DAY)

    renewed = await sandbox.sdk.v1.subscriptions.retrieve_async(sub.id)
    item = renewed["items"].data[0]
    assert (renewed.status, item.current_period_start, item.current_period_end) == ("active", FEB_1, MAR_1)
    invoices = await invoices_of(sandbox, sub.id)
    assert [(inv.billing_reason, inv.status, inv.amount_paid) for inv in invoices] == [
        ("subscription_create", "paid", 1200),
        ("subscription_cycle", "paid", 1200),
    ]
    cycle = invoices[1]
    assert (cycle.created, cycle.period_start, cycle.period_end) == (FEB_1, NOW, FEB_1)  # the period before it
    assert (cycle.lines.data[0].period.start, cycle.lines.data[0].period.end) == (FEB_1, MAR_1)
    assert renewed.latest_invoice == cycle.id
    assert cycle.number.endswith("-0002")


async def test_advancing_a_clock_backwards_or_too_far_is_refused(sandbox):
    clock = await new_clock(sandbox)
    with pytest.raises(stripe.InvalidRequestError) as backwards:
        await sandbox.sdk.v1.test_helpers.test_clocks.advance_async(clock.id, params={"frozen_time": NOW - 1})
    assert backwards.value.param == "frozen_time"
    await subscribe(sandbox, clock_id=clock.id)
    # docs.stripe.com/api/test_clocks/advance: at most two intervals of the shortest subscription.
    with pytest.raises(stripe.InvalidRequestError) as too_far:
        await sandbox.sdk.v1.test_helpers.test_clocks.advance_async(clock.id, params={"frozen_time": NOW + 90 * DAY})
    assert too_far.value.param == "frozen_time"
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        await sandbox.sdk.v1.customers.create_async(params={"test_clock": "clock_nothere"})
    assert (unknown.value.code, unknown.value.param) == ("resource_missing", "test_clock")


async def test_a_failing_card_goes_past_due_then_retries_then_cancels(sandbox):
    clock = await new_clock(sandbox)
    sub = await subscribe(sandbox, clock_id=clock.id)
    # stripe.com/testing: pm_card_chargeCustomerFail (4000 0000 0000 0341) attaches but every charge fails.
    updated = await sandbox.sdk.v1.subscriptions.update_async(
        sub.id, params={"default_payment_method": "pm_card_chargeCustomerFail"}
    )
    assert updated.default_payment_method == "pm_card_chargeCustomerFail"
    clocks = sandbox.sdk.v1.test_helpers.test_clocks

    await clocks.advance_async(clock.id, params={"frozen_time": FEB_1 + 3600})
    due = await sandbox.sdk.v1.subscriptions.retrieve_async(sub.id)
    invoice = await sandbox.sdk.v1.invoices.retrieve_async(due.latest_invoice)
    assert due.status == "past_due"
    assert (invoice.status, invoice.attempt_count, invoice.next_payment_attempt) == ("open", 1, FEB_1 + 3 * DAY)

    await clocks.advance_async(clock.id, params={"frozen_time": FEB_1 + 20 * DAY})  # retries at +3, +8, +15 days
    ended = await sandbox.sdk.v1.subscriptions.retrieve_async(sub.id)
    invoice = await sandbox.sdk.v1.invoices.retrieve_async(due.latest_invoice)
    assert (invoice.status, invoice.attempt_count, invoice.next_payment_attempt) == ("open", 4, None)
    assert (ended.status, ended.ended_at, ended.cancellation_details.reason) == (
        "canceled",
        FEB_1 + 15 * DAY,
        "payment_failed",
    )
    types = sandbox.event_types()
    assert types.count("invoice.payment_failed") == 4
    assert types[-2:] == ["customer.subscription.deleted", "test_helpers.test_clock.ready"]


async def test_retries_spent_can_leave_the_subscription_unpaid_and_a_good_card_recovers(sandbox):
    sandbox.state.after_retries = "unpaid"
    clock = await new_clock(sandbox)
    sub = await subscribe(sandbox, clock_id=clock.id)
    await sandbox.sdk.v1.subscriptions.update_async(
        sub.id, params={"default_payment_method": "pm_card_chargeCustomerFail"}
    )
    clocks = sandbox.sdk.v1.test_helpers.test_clocks
    await clocks.advance_async(clock.id, params={"frozen_time": FEB_1 + 20 * DAY})
    assert (await sandbox.sdk.v1.subscriptions.retrieve_async(sub.id)).status == "unpaid"

    # §12: an unpaid subscription's invoices are made but not attempted.
    await sandbox.sdk.v1.subscriptions.update_async(sub.id, params={"default_payment_method": "pm_card_visa"})
    await clocks.advance_async(clock.id, params={"frozen_time": MAR_1 + DAY})
    invoices = await invoices_of(sandbox, sub.id)
    assert [(inv.status, inv.attempt_count, inv.auto_advance) for inv in invoices[1:]] == [
        ("open", 4, True),
        ("open", 0, False),
    ]
    assert invoices[2].test_clock == clock.id


async def test_a_retry_that_succeeds_makes_the_subscription_active_again(sandbox):
    clock = await new_clock(sandbox)
    sub = await subscribe(sandbox, clock_id=clock.id)
    await sandbox.sdk.v1.subscriptions.update_async(
        sub.id, params={"default_payment_method": "pm_card_chargeCustomerFail"}
    )
    clocks = sandbox.sdk.v1.test_helpers.test_clocks
    await clocks.advance_async(clock.id, params={"frozen_time": FEB_1 + DAY})
    await sandbox.sdk.v1.subscriptions.update_async(sub.id, params={"default_payment_method": "pm_card_visa"})
    await clocks.advance_async(clock.id, params={"frozen_time": FEB_1 + 4 * DAY})
    back = await sandbox.sdk.v1.subscriptions.retrieve_async(sub.id)
    invoice = await sandbox.sdk.v1.invoices.retrieve_async(back.latest_invoice)
    assert back.status == "active"
    assert (invoice.status, invoice.attempt_count, invoice.amount_paid) == ("paid", 2, 1200)
    assert invoice.status_transitions.paid_at == FEB_1 + 3 * DAY


async def test_cancel_at_period_end_ends_it_when_the_period_does(sandbox):
    clock = await new_clock(sandbox)
    sub = await subscribe(sandbox, clock_id=clock.id)
    asked = await sandbox.sdk.v1.subscriptions.update_async(sub.id, params={"cancel_at_period_end": True})
    assert (asked.status, asked.cancel_at_period_end, asked.cancel_at, asked.canceled_at) == (
        "active",
        True,
        FEB_1,
        NOW,
    )
    event = sandbox.state.events[-1].envelope
    assert event["type"] == "customer.subscription.updated"
    assert event["data"]["previous_attributes"]["cancel_at_period_end"] is False

    await sandbox.sdk.v1.test_helpers.test_clocks.advance_async(clock.id, params={"frozen_time": FEB_1 + DAY})
    ended = await sandbox.sdk.v1.subscriptions.retrieve_async(sub.id)
    assert (ended.status, ended.ended_at) == ("canceled", FEB_1)
    assert len(await invoices_of(sandbox, sub.id)) == 1  # no renewal invoice
    listed = await sandbox.sdk.v1.subscriptions.list_async(params={"customer": sub.customer})
    assert listed.data == []  # canceled ones are listed only with status=canceled, ended or all
    ended_list = await sandbox.sdk.v1.subscriptions.list_async(params={"customer": sub.customer, "status": "ended"})
    assert [found.id for found in ended_list.data] == [sub.id]


async def test_cancel_now_with_delete(sandbox):
    sub = await subscribe(sandbox)
    canceled = await sandbox.sdk.v1.subscriptions.cancel_async(sub.id)
    assert (canceled.status, canceled.ended_at, canceled.canceled_at) == ("canceled", NOW, NOW)
    assert sandbox.event_types()[-1] == "customer.subscription.deleted"
    with pytest.raises(stripe.InvalidRequestError):
        await sandbox.sdk.v1.subscriptions.cancel_async(sub.id)
    with pytest.raises(stripe.InvalidRequestError) as updating:
        await sandbox.sdk.v1.subscriptions.update_async(sub.id, params={"cancel_at_period_end": True})
    assert updating.value.http_status == 400
    with pytest.raises(stripe.InvalidRequestError) as missing:
        await sandbox.sdk.v1.subscriptions.retrieve_async("sub_nothere")
    assert (missing.value.http_status, missing.value.code) == (404, "resource_missing")


async def test_without_a_test_clock_the_sandbox_clock_drives_renewals(sandbox, clock: Clock):
    sub = await subscribe(sandbox)
    clock.now = FEB_1 + 60
    invoices = await invoices_of(sandbox, sub.id)
    assert [inv.billing_reason for inv in invoices] == ["subscription_create", "subscription_cycle"]


async def test_renewal_events_arrive_signed(aiohttp_server, receiver):
    async with running_sandbox(
        aiohttp_server, Clock(), mount=False, webhook_url=receiver.url, webhook_secret=WEBHOOK_SECRET
    ) as sandbox:
        test_clock = await new_clock(sandbox)
        sub = await subscribe(sandbox, clock_id=test_clock.id)
        await sandbox.sdk.v1.test_helpers.test_clocks.advance_async(test_clock.id, params={"frozen_time": FEB_1 + 60})
        await sandbox.webhooks.drain()
    bodies = [json.loads(received.body) for received in receiver.requests]
    paid = [body for body in bodies if body["type"] == "invoice.paid"]
    assert [body["data"]["object"]["billing_reason"] for body in paid] == ["subscription_create", "subscription_cycle"]
    assert all(body["data"]["object"]["parent"]["subscription_details"]["subscription"] == sub.id for body in paid)
    for received in receiver.requests:  # the sandbox clock is NOW, so verify against it
        stripe.WebhookSignature.verify_header(
            received.body.decode(), received.headers["Stripe-Signature"], WEBHOOK_SECRET, tolerance=None
        )


async def one_run(aiohttp_server, steps: list[int], failing: bool) -> tuple[str, list[tuple[Any, ...]]]:
    """Subscribe monthly on a clock (its renewals declined if failing), advance the clock by steps (hours), and
    return the subscription's status and its invoices as (reason, status, attempts, created, period start)."""
    async with running_sandbox(aiohttp_server, Clock(), mount=False) as sandbox:
        test_clock = await new_clock(sandbox)
        sub = await subscribe(sandbox, clock_id=test_clock.id)
        if failing:
            await sandbox.sdk.v1.subscriptions.update_async(
                sub.id, params={"default_payment_method": "pm_card_chargeCustomerFail"}
            )
        at = NOW
        for hours in steps:
            at += hours * 3600
            await sandbox.sdk.v1.test_helpers.test_clocks.advance_async(test_clock.id, params={"frozen_time": at})
        invoices = sorted(
            (
                i["billing_reason"],
                i["status"],
                i["attempt_count"],
                i["created"],
                i["lines"]["data"][0]["period"]["start"],
            )
            for i in sandbox.state.find_invoices({})
        )
        return sandbox.state.subscriptions[sub.id]["status"], invoices


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.integers(1, 20 * 24), min_size=1, max_size=6).filter(lambda steps: sum(steps) <= 56 * 24),
    st.booleans(),
)
async def test_advancing_in_steps_makes_the_same_invoices_as_one_step(aiohttp_server, steps, failing):
    """A monthly plan's clock moves at most two months (56 days) at once: in steps or in one, the same renewals,
    retries and invoices."""
    assert await one_run(aiohttp_server, steps, failing) == await one_run(aiohttp_server, [sum(steps)], failing)


async def test_the_customer_portal_cancels_at_period_end_and_takes_it_back(sandbox):
    """§16: POST /v1/billing_portal/sessions {customer, return_url} → a url; the default configuration cancels at
    the end of the period."""
    sub = await subscribe(sandbox)
    portal = await sandbox.sdk.v1.billing_portal.sessions.create_async(
        params={"customer": sub.customer, "return_url": "https://shop.example/subscriptions/gsub_1"}
    )
    assert portal.object == "billing_portal.session" and portal.id.startswith("bps_")
    assert portal.url == f"{sandbox.url}/p/session/{portal.id}"

    async with sandbox.http.get(portal.url) as resp:
        assert resp.status == 200
        assert "form-action 'self'" in resp.headers["Content-Security-Policy"]
        page = parse(await resp.text())
    assert page.texts("portal-subscription")[0].split()[:2] == ["Tea", "club"]
    assert page.text("portal-status") == "Renews on 01 Feb 2026"
    assert page.attrs("portal-return")["href"] == "https://shop.example/subscriptions/gsub_1"

    form_action = f"{sandbox.url}/p/session/{portal.id}/subscriptions/{sub.id}/cancel"
    async with sandbox.http.post(form_action, allow_redirects=False) as resp:
        assert resp.status == 303
        assert resp.headers["Location"].endswith(f"/p/session/{portal.id}")
    asked = await sandbox.sdk.v1.subscriptions.retrieve_async(sub.id)
    assert (asked.status, asked.cancel_at_period_end, asked.cancel_at) == ("active", True, FEB_1)
    assert sandbox.event_types()[-1] == "customer.subscription.updated"
    async with sandbox.http.get(portal.url) as resp:
        page = parse(await resp.text())
    assert page.text("portal-status") == "Cancels on 01 Feb 2026"
    assert "portal-renew" in page.testids() and "portal-cancel" not in page.testids()

    async with sandbox.http.post(form_action.replace("/cancel", "/renew"), allow_redirects=False) as resp:
        assert resp.status == 303
    assert (await sandbox.sdk.v1.subscriptions.retrieve_async(sub.id)).cancel_at_period_end is False


async def test_the_portal_refuses_someone_elses_subscription_and_unknown_customers(sandbox):
    sub = await subscribe(sandbox)
    other = await sandbox.sdk.v1.customers.create_async(params={"email": "bob@example.com"})
    portal = await sandbox.sdk.v1.billing_portal.sessions.create_async(params={"customer": other.id})
    async with sandbox.http.get(portal.url) as resp:
        assert "portal-empty" in parse(await resp.text()).testids()
    async with sandbox.http.post(f"{portal.url}/subscriptions/{sub.id}/cancel", allow_redirects=False) as resp:
        assert resp.status == 404
    assert (await sandbox.sdk.v1.subscriptions.retrieve_async(sub.id)).cancel_at_period_end is False
    with pytest.raises(stripe.InvalidRequestError) as missing:
        await sandbox.sdk.v1.billing_portal.sessions.create_async(params={"customer": "cus_nobody"})
    assert (missing.value.code, missing.value.param) == ("resource_missing", "customer")


async def test_invoice_lines_name_the_product(sandbox):
    sub = await subscribe(sandbox)
    invoice = await sandbox.sdk.v1.invoices.retrieve_async(sub.latest_invoice)
    assert invoice.lines.data[0].description == "1 × Tea club"


@pytest.mark.browser
@pytest.mark.skipif(not HAVE_BROWSER, reason="no Chromium to run the portal in")
async def test_in_a_browser_a_buyer_cancels_in_the_portal_and_returns_to_the_shop(mounted):
    """The portal on a phone in headless Chromium, mounted as the shop mounts it; axe finds nothing serious."""
    shop = str(mounted.server.make_url("/")).rstrip("/")
    sub = await subscribe(mounted)
    portal = await mounted.sdk.v1.billing_portal.sessions.create_async(
        params={"customer": sub.customer, "return_url": shop + "/"}
    )
    async with phone_page(timeout_ms=10_000) as page:
        await page.goto(portal.url)
        assert await page.get_by_test_id("portal-status").text_content() == "Renews on 01 Feb 2026"
        await check_page(page, "stripe-sandbox-portal")

        await page.get_by_test_id("portal-cancel").click()
        await page.get_by_test_id("portal-renew").wait_for()
        assert await page.get_by_test_id("portal-status").text_content() == "Cancels on 01 Feb 2026"
        assert mounted.state.subscriptions[sub.id]["cancel_at_period_end"] is True
        await check_page(page, "stripe-sandbox-portal-cancelled")

        async with page.expect_navigation(url=shop + "/"):
            await page.get_by_test_id("portal-return").click()
        assert await page.text_content("body") == "the shop"


async def test_an_invoice_names_the_payment_intent_that_paid_it_when_payments_are_included(sandbox):
    """`payments` is includable (docs.stripe.com/api/invoice-payment/object): absent unless expanded, then a list of
    InvoicePayments whose payment.payment_intent paid the invoice (stripe-python _invoice_payment.py)."""
    clock = await new_clock(sandbox)
    sub = await subscribe(sandbox, clock_id=clock.id)
    await sandbox.sdk.v1.test_helpers.test_clocks.advance_async(clock.id, params={"frozen_time": FEB_1 + 60})
    plain = await sandbox.sdk.v1.invoices.retrieve_async(sub.latest_invoice)
    assert "payments" not in plain
    page = await sandbox.sdk.v1.invoices.list_async(params={"subscription": sub.id, "expand": ["data.payments"]})
    paid_by = [invoice.payments.data[0].payment.payment_intent for invoice in page.data]
    assert len(set(paid_by)) == 2
    for intent_id, invoice in zip(paid_by, page.data, strict=True):
        intent = sandbox.state.payment_intents[intent_id]
        assert (intent["status"], intent["amount_received"]) == ("succeeded", invoice.amount_paid)


async def test_a_paused_subscription_makes_no_invoices_until_resumed(sandbox):
    """POST /v1/subscriptions/:id/pause and /resume (stripe-python 16.1.0 _subscription_service.py; the pause endpoint
    came with docs.stripe.com/changelog/endive/2026-09-30/pause-subscription)."""
    clock = await new_clock(sandbox)
    sub = await subscribe(sandbox, clock_id=clock.id)
    paused = await sandbox.sdk.v1.subscriptions.pause_async(sub.id)
    assert paused.status == "paused"
    assert sandbox.event_types()[-2:] == ["customer.subscription.updated", "customer.subscription.paused"]
    await sandbox.sdk.v1.test_helpers.test_clocks.advance_async(clock.id, params={"frozen_time": FEB_1 + DAY})
    assert len(await invoices_of(sandbox, sub.id)) == 1
    with pytest.raises(stripe.InvalidRequestError) as anchored_now:
        await sandbox.sdk.v1.subscriptions.resume_async(sub.id)
    assert anchored_now.value.param == "billing_cycle_anchor"
    with pytest.raises(stripe.InvalidRequestError) as prorated:
        await sandbox.sdk.v1.subscriptions.resume_async(
            sub.id, params={"billing_cycle_anchor": {"type": "unchanged"}, "proration_behavior": "create_prorations"}
        )
    assert prorated.value.param == "proration_behavior"

    resumed = await sandbox.sdk.v1.subscriptions.resume_async(
        sub.id, params={"billing_cycle_anchor": {"type": "unchanged"}}
    )
    assert resumed.status == "active"
    # Paused over Feb 1: the period moved on along the anchor, unbilled; the next charge is on Mar 1.
    item = resumed["items"].data[0]
    assert (item.current_period_start, item.current_period_end) == (FEB_1, MAR_1)
    assert len(await invoices_of(sandbox, sub.id)) == 1
    assert sandbox.event_types()[-1] == "customer.subscription.resumed"
    with pytest.raises(stripe.InvalidRequestError):
        await sandbox.sdk.v1.subscriptions.resume_async(sub.id, params={"billing_cycle_anchor": {"type": "unchanged"}})


async def test_pausing_credits_the_unused_time_on_the_next_invoice_unless_told_not_to(sandbox):
    """stripe-python 16.1.0 params/_subscription_pause_params.py: bill_for.unused_time_from "Controls when to credit
    for unused time on licensed items. Defaults to `{ type: "now" }`"; invoicing_behavior "Determines how to handle
    debits and credits when pausing. Defaults to `pending_invoice_item`": a pending proration InvoiceItem that the
    next invoice takes (_invoice_item.py `invoice`, null while pending)."""
    clock = await new_clock(sandbox)
    by_default = await subscribe(sandbox, clock_id=clock.id)
    untouched = await subscribe(sandbox, clock_id=clock.id)
    ten_days = NOW + 10 * DAY
    await sandbox.sdk.v1.test_helpers.test_clocks.advance_async(clock.id, params={"frozen_time": ten_days})
    unchanged = {"billing_cycle_anchor": {"type": "unchanged"}, "proration_behavior": "none"}

    await sandbox.sdk.v1.subscriptions.pause_async(by_default.id)
    [credit] = sandbox.state.invoice_items.values()
    # Paid for NOW..FEB_1 (31 days), 21 of them unused: 1200 × 21/31 = 812.9 → 813 back.
    assert (credit["amount"], credit["invoice"], credit["proration"]) == (-813, None, True)
    assert credit["period"] == {"start": ten_days, "end": FEB_1}
    assert sandbox.event_types()[-3] == "invoiceitem.created"
    await sandbox.sdk.v1.subscriptions.resume_async(by_default.id, params=unchanged)

    await sandbox.sdk.v1.subscriptions.pause_async(
        untouched.id, params={"bill_for": {"unused_time_from": {"type": "none"}}}
    )
    assert len(sandbox.state.invoice_items) == 1  # nothing credited
    await sandbox.sdk.v1.subscriptions.resume_async(untouched.id, params=unchanged)

    await sandbox.sdk.v1.test_helpers.test_clocks.advance_async(clock.id, params={"frozen_time": FEB_1 + DAY})
    renewal = (await invoices_of(sandbox, by_default.id))[-1]
    assert (renewal.status, renewal.amount_due, renewal.amount_paid) == ("paid", 1200 - 813, 387)
    assert [line.amount for line in renewal.lines.data] == [1200, -813]
    assert credit["invoice"] == renewal.id
    full = (await invoices_of(sandbox, untouched.id))[-1]
    assert (full.status, full.amount_paid, len(full.lines.data)) == ("paid", 1200, 1)


async def test_a_pause_credit_as_an_invoice_is_refused_and_a_credit_covering_the_renewal_charges_nothing(sandbox):
    """invoicing_behavior=invoice (invoice the credit at once) is not played: a 400 naming it, nothing paused. A
    credit from item_current_period_start covers the whole period: the renewal has nothing due and is paid without
    a PaymentIntent (_invoice.py amount_due never negative)."""
    clock = await new_clock(sandbox)
    sub = await subscribe(sandbox, clock_id=clock.id)
    with pytest.raises(stripe.InvalidRequestError) as invoiced:
        await sandbox.sdk.v1.subscriptions.pause_async(sub.id, params={"invoicing_behavior": "invoice"})
    assert invoiced.value.param == "invoicing_behavior"
    assert (await sandbox.sdk.v1.subscriptions.retrieve_async(sub.id)).status == "active"
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        await sandbox.sdk.v1.subscriptions.pause_async(sub.id, params={"bill_for": {"unused_time_from": {"type": "x"}}})
    assert unknown.value.param == "bill_for[unused_time_from][type]"

    await sandbox.sdk.v1.subscriptions.pause_async(
        sub.id, params={"bill_for": {"unused_time_from": {"type": "item_current_period_start"}}}
    )
    await sandbox.sdk.v1.subscriptions.resume_async(sub.id, params={"billing_cycle_anchor": {"type": "unchanged"}})
    await sandbox.sdk.v1.test_helpers.test_clocks.advance_async(clock.id, params={"frozen_time": FEB_1 + DAY})
    renewal = (await invoices_of(sandbox, sub.id))[-1]
    assert (renewal.status, renewal.amount_due, renewal.amount_paid) == ("paid", 0, 0)
    assert sandbox.state.invoice_payments.get(renewal.id) is None
