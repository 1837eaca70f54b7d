"""Razorpay Subscriptions in the sandbox, driven by the official SDK over real sockets: plans, subscriptions, the
authentication payment, and the charges, retries and webhooks the sandbox clock brings due.

Behaviour as SUBSCRIPTIONS.md §2-§10 records it from razorpay.com/docs/api/payments/subscriptions/*,
razorpay.com/docs/webhooks/subscriptions and razorpay-python razorpay/resources/{plan,subscription}.py.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from razorpay.errors import BadRequestError, SignatureVerificationError
from support.clock import NOW, Clock
from support.razorpay_sandbox import WEBHOOK_SECRET, run_sdk, running_sandbox

from sandboxes.common.webhooks import razorpay_signature
from sandboxes.razorpay.subscription_entities import DAY, add_period

MONTHLY = {"period": "monthly", "interval": 1, "item": {"name": "Tea club", "amount": 49900, "currency": "INR"}}


async def make_plan(sandbox, **changes) -> dict:
    """Create a plan through the SDK (monthly ₹499 unless changed)."""
    return await run_sdk(sandbox.sdk().plan.create, {**MONTHLY, **changes})


async def make_subscription(sandbox, plan_id: str, **fields) -> dict:
    """Create a subscription on the plan through the SDK (12 cycles unless told)."""
    return await run_sdk(sandbox.sdk().subscription.create, {"plan_id": plan_id, "total_count": 12, **fields})


async def authenticate(sandbox, subscription_id: str, **fields) -> tuple[int, dict]:
    """Make the authentication payment as the checkout window does (UPI Autopay, approved, unless told)."""
    body = {"key_id": sandbox.key_id, "subscription_id": subscription_id, "method": "upi", **fields}
    if body["method"] != "card":
        body.setdefault("outcome", "success")
    return await sandbox.call("POST", "/checkout/subscriptions/pay", json=body, auth=False)


async def advance(sandbox, seconds: float) -> dict:
    """Move the sandbox clock on through its control route."""
    status, answer = await sandbox.call("POST", "/sandbox/clock", json={"seconds": seconds})
    assert status == 200, answer
    return answer


async def plan_charges(sandbox, subscription_id: str, outcomes: list[str], then: str = "success") -> None:
    """Tell the sandbox how the subscription's next charges end."""
    body = {"outcomes": outcomes, "then": then}
    status, answer = await sandbox.call("PUT", f"/sandbox/subscriptions/{subscription_id}/charges", json=body)
    assert status == 200, answer


async def subscribed(sandbox, **fields) -> dict:
    """A subscription on a fresh monthly plan, authenticated with UPI Autopay, starting at once."""
    plan = await make_plan(sandbox)
    subscription = await make_subscription(sandbox, plan["id"], **fields)
    status, paid = await authenticate(sandbox, subscription["id"])
    assert status == 200, paid
    return await fetch(sandbox, subscription["id"])


async def fetch(sandbox, subscription_id: str) -> dict:
    """Fetch the subscription through the SDK."""
    return await run_sdk(sandbox.sdk().subscription.fetch, subscription_id)


def event_names(sandbox, prefix: str = "subscription.") -> list[str]:
    """The names of the events the sandbox raised, those starting with prefix."""
    return [event.name for event in sandbox.state.events if event.name.startswith(prefix)]


# -- plans ---------------------------------------------------------------------------------------------------


async def test_a_plan_is_created_fetched_and_listed_in_razorpays_shape(sandbox):
    """create-plan.md's response: id plan_…, entity plan, and the item expanded (item_…, unit_amount, type plan)."""
    plan = await make_plan(sandbox, notes={"box": "tea"})
    assert plan["id"].startswith("plan_") and plan["entity"] == "plan"
    assert (plan["period"], plan["interval"], plan["created_at"], plan["notes"]) == ("monthly", 1, NOW, {"box": "tea"})
    item = plan["item"]
    assert item["id"].startswith("item_") and item["active"] is True and item["type"] == "plan"
    assert (item["amount"], item["unit_amount"], item["currency"], item["name"]) == (49900, 49900, "INR", "Tea club")
    assert await run_sdk(sandbox.sdk().plan.fetch, plan["id"]) == plan
    listed = await run_sdk(sandbox.sdk().plan.all)
    assert (listed["entity"], listed["count"], listed["items"]) == ("collection", 1, [plan])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"period": "fortnightly"}, "period"),
        ({"period": "quarterly"}, "period"),
        ({"interval": 0}, "interval"),
        ({"period": "daily", "interval": 3}, "interval"),
        ({"item": None}, "item"),
        ({"item": {"name": "Tea", "amount": 99, "currency": "INR"}}, "item.amount"),
        ({"item": {"name": "Tea", "amount": 49900, "currency": "XYZ"}}, "item.currency"),
        ({"item": {"amount": 49900, "currency": "INR"}}, "item.name"),
        ({"item": {"name": "Tea", "amount": 49900, "currency": "INR", "colour": "red"}}, "item.colour"),
    ],
)
async def test_a_bad_plan_is_refused_naming_the_field(sandbox, changes, field):
    """BAD_REQUEST_ERROR with the field, as the orders API answers; daily plans need an interval of at least 7."""
    status, body = await sandbox.call("POST", "/v1/plans", json={**MONTHLY, **changes})
    assert status == 400, body
    assert (body["error"]["code"], body["error"]["field"]) == ("BAD_REQUEST_ERROR", field)
    assert sandbox.state.events == []


async def test_an_unknown_plan_is_razorpays_unknown_id(sandbox):
    with pytest.raises(BadRequestError, match="The id provided does not exist"):
        await run_sdk(sandbox.sdk().plan.fetch, "plan_00000000000000")


# -- subscriptions -------------------------------------------------------------------------------------------


async def test_a_new_subscription_waits_in_created_with_its_short_url(sandbox):
    """entity.md: status created, customer null until authenticated, counts and a hosted short_url."""
    plan = await make_plan(sandbox)
    sub = await make_subscription(sandbox, plan["id"], quantity=2, notes={"member": "m-1"})
    assert sub["id"].startswith("sub_") and sub["entity"] == "subscription"
    assert (sub["status"], sub["plan_id"], sub["customer_id"], sub["quantity"]) == ("created", plan["id"], None, 2)
    assert (sub["total_count"], sub["paid_count"], sub["remaining_count"], sub["auth_attempts"]) == (12, 0, 12, 0)
    assert sub["short_url"].startswith(sandbox.url + "/checkout/window?") and sub["notes"] == {"member": "m-1"}
    assert sub["customer_notify"] is True and sub["charge_at"] is None
    assert await fetch(sandbox, sub["id"]) == sub
    listed = await run_sdk(sandbox.sdk().subscription.all, {"plan_id": plan["id"]})
    assert listed["items"] == [sub]
    assert (await run_sdk(sandbox.sdk().subscription.all, {"plan_id": "plan_other"}))["items"] == []


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"total_count": None}, "total_count"),
        ({"total_count": 0}, "total_count"),
        ({"quantity": "two"}, "quantity"),
        ({"start_at": NOW - 1}, "start_at"),
        ({"expire_by": NOW}, "expire_by"),
        ({"customer_notify": "maybe"}, "customer_notify"),
        ({"plan_id": "plan_00000000000000"}, "plan_id"),
        ({"addons": [{"item": {"name": "Box", "amount": 100, "currency": "INR"}}]}, "addons"),
    ],
)
async def test_a_bad_subscription_is_refused_naming_the_field(sandbox, fields, field):
    plan = await make_plan(sandbox)
    body = {"plan_id": plan["id"], "total_count": 12, **fields}
    sent = {name: value for name, value in body.items() if value is not None}
    status, answer = await sandbox.call("POST", "/v1/subscriptions", json=sent)
    assert status == 400, answer
    assert (answer["error"]["code"], answer["error"]["field"]) == ("BAD_REQUEST_ERROR", field)
    assert (await run_sdk(sandbox.sdk().subscription.all))["count"] == 0


# -- the authentication payment ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "extra"), [("upi", {}), ("card", {"card_number": "4718 6091 0820 4366"}), ("emandate", {})]
)
async def test_an_immediate_start_authentication_is_the_first_charge(sandbox, method, extra):
    """§10: immediate start → authenticated, activated, charged; the handler's signature is payment_id|sub_id and the
    SDK's verify_subscription_payment_signature accepts it (and refuses it swapped)."""
    plan = await make_plan(sandbox)
    sub = await make_subscription(sandbox, plan["id"])
    status, paid = await authenticate(sandbox, sub["id"], method=method, **extra)
    assert status == 200, paid
    utility = sandbox.sdk().utility
    assert await run_sdk(utility.verify_subscription_payment_signature, paid) is True
    swapped = {**paid, "razorpay_subscription_id": paid["razorpay_payment_id"], "razorpay_payment_id": sub["id"]}
    with pytest.raises(SignatureVerificationError):
        await run_sdk(utility.verify_subscription_payment_signature, swapped)

    sub = await fetch(sandbox, sub["id"])
    assert (sub["status"], sub["paid_count"], sub["remaining_count"], sub["payment_method"]) == (
        "active",
        1,
        11,
        method,
    )
    assert sub["customer_id"].startswith("cust_")
    assert (sub["current_start"], sub["current_end"], sub["charge_at"]) == (
        NOW,
        add_period(NOW, "monthly", 1),
        sub["current_end"],
    )
    payment = await run_sdk(sandbox.sdk().payment.fetch, paid["razorpay_payment_id"])
    assert (payment["status"], payment["amount"], payment["method"]) == ("captured", 49900, method)
    assert payment["invoice_id"].startswith("inv_") and payment["customer_id"] == sub["customer_id"]
    assert payment["description"] == "Recurring Payment via Subscription"
    assert event_names(sandbox) == ["subscription.authenticated", "subscription.activated", "subscription.charged"]


async def test_a_future_start_takes_five_rupees_back_and_charges_at_start_at(sandbox):
    """§3: a future start authenticates with ₹5, auto-refunded; the first charge falls due at start_at."""
    plan = await make_plan(sandbox)
    start = NOW + 10 * DAY
    sub = await make_subscription(sandbox, plan["id"], start_at=start, total_count=2)
    status, paid = await authenticate(sandbox, sub["id"])
    assert status == 200, paid
    payment = await run_sdk(sandbox.sdk().payment.fetch, paid["razorpay_payment_id"])
    assert (payment["amount"], payment["status"], payment["captured"]) == (500, "refunded", False)
    sub = await fetch(sandbox, sub["id"])
    assert (sub["status"], sub["charge_at"], sub["paid_count"]) == ("authenticated", start, 0)
    assert event_names(sandbox) == ["subscription.authenticated"]

    await advance(sandbox, 10 * DAY - 1)
    assert (await fetch(sandbox, sub["id"]))["status"] == "authenticated"
    await advance(sandbox, 1)
    sub = await fetch(sandbox, sub["id"])
    assert (sub["status"], sub["paid_count"], sub["current_start"]) == ("active", 1, start)
    assert event_names(sandbox)[1:] == ["subscription.activated", "subscription.charged"]


async def test_a_failed_authentication_leaves_the_subscription_created(sandbox):
    plan = await make_plan(sandbox)
    sub = await make_subscription(sandbox, plan["id"])
    status, failed = await authenticate(sandbox, sub["id"], method="card", card_number="4000 0000 0000 0002")
    assert status == 400 and failed["error"]["metadata"]["subscription_id"] == sub["id"]
    assert (await fetch(sandbox, sub["id"]))["status"] == "created"
    assert event_names(sandbox, "payment.") == ["payment.failed"] and event_names(sandbox) == []
    status, paid = await authenticate(sandbox, sub["id"])  # the retry pays the same first invoice
    assert status == 200, paid
    invoices = await sandbox.call("GET", f"/v1/invoices?subscription_id={sub['id']}")
    assert invoices[1]["count"] == 1 and invoices[1]["items"][0]["status"] == "paid"


async def test_an_authenticated_subscription_cannot_be_paid_again(sandbox):
    """§6: "Customer payment is not allowed for the Subscription at this stage."."""
    sub = await subscribed(sandbox)
    status, answer = await authenticate(sandbox, sub["id"])
    assert status == 400 and answer["error"]["description"].startswith("Customer payment is not allowed")


# -- charges the clock brings ---------------------------------------------------------------------------------


async def test_each_month_brings_a_charge_until_the_subscription_completes(sandbox):
    sub = await subscribed(sandbox, total_count=3)
    answer = await advance(sandbox, 31 * DAY)
    names = {event.id: event.name for event in sandbox.state.events}
    assert [names[event_id] for event_id in answer["subscription_events"]] == [
        "payment.authorized",  # a charge is a payment on the invoice's order: its own events fire too
        "payment.captured",
        "order.paid",
        "subscription.charged",
    ]
    sub = await fetch(sandbox, sub["id"])
    assert (sub["status"], sub["paid_count"], sub["remaining_count"]) == ("active", 2, 1)
    await advance(sandbox, 31 * DAY)
    sub = await fetch(sandbox, sub["id"])
    assert (sub["status"], sub["paid_count"], sub["remaining_count"], sub["charge_at"]) == ("completed", 3, 0, None)
    assert event_names(sandbox)[-3:] == ["subscription.charged", "subscription.charged", "subscription.completed"]
    invoices = await sandbox.call("GET", f"/v1/invoices?subscription_id={sub['id']}")
    assert [invoice["status"] for invoice in invoices[1]["items"]] == ["paid"] * 3


async def test_a_failing_charge_retries_daily_goes_pending_then_halted(sandbox):
    """§8: fail on T, retry T+1, T+2, T+3, then halted (auth_attempts 4); each failure raises pending."""
    sub = await subscribed(sandbox)
    await plan_charges(sandbox, sub["id"], [], then="failure")
    due = sub["charge_at"]
    await advance(sandbox, due - NOW)
    sub = await fetch(sandbox, sub["id"])
    assert (sub["status"], sub["auth_attempts"], sub["charge_at"]) == ("pending", 1, due + DAY)
    await advance(sandbox, 3 * DAY)
    sub = await fetch(sandbox, sub["id"])
    assert (sub["status"], sub["auth_attempts"], sub["paid_count"]) == ("halted", 4, 1)
    assert event_names(sandbox)[3:] == ["subscription.pending"] * 3 + ["subscription.halted"]
    payments = len(sandbox.state.payments)
    await advance(sandbox, 90 * DAY)  # a halted subscription is invoiced each cycle but not charged
    assert event_names(sandbox)[-1] == "subscription.halted" and len(sandbox.state.payments) == payments
    _, invoices = await sandbox.call("GET", f"/v1/invoices?subscription_id={sub['id']}")
    assert [invoice["status"] for invoice in invoices["items"]] == ["issued"] * 4 + ["paid"]
    assert [invoice["billing_start"] for invoice in invoices["items"][:4]] == [
        add_period(NOW, "monthly", months) for months in (4, 3, 2, 1)
    ]


async def test_a_retry_that_succeeds_reactivates_and_keeps_the_cycle_dates(sandbox):
    sub = await subscribed(sandbox)
    await plan_charges(sandbox, sub["id"], ["failure", "failure"])
    cycle_start = sub["charge_at"]
    await advance(sandbox, cycle_start - NOW + 2 * DAY)
    sub = await fetch(sandbox, sub["id"])
    assert (sub["status"], sub["paid_count"], sub["auth_attempts"]) == ("active", 2, 0)
    assert (sub["current_start"], sub["charge_at"]) == (cycle_start, add_period(cycle_start, "monthly", 1))
    assert event_names(sandbox)[3:] == [
        "subscription.pending",
        "subscription.pending",
        "subscription.activated",
        "subscription.charged",
    ]


# -- cancel, pause, resume -------------------------------------------------------------------------------------


async def test_cancel_now_and_at_the_cycle_end(sandbox):
    sdk = sandbox.sdk()
    sub = await subscribed(sandbox)
    at_end = await run_sdk(sdk.subscription.cancel, sub["id"], {"cancel_at_cycle_end": 1})
    assert at_end["status"] == "active"
    await advance(sandbox, sub["charge_at"] - NOW)
    sub = await fetch(sandbox, sub["id"])
    assert (sub["status"], sub["ended_at"], sub["paid_count"]) == ("cancelled", sub["current_end"], 1)
    assert event_names(sandbox)[-1] == "subscription.cancelled"
    with pytest.raises(BadRequestError, match="not cancellable in cancelled status"):
        await run_sdk(sdk.subscription.cancel, sub["id"])

    other = await subscribed(sandbox)
    cancelled = await run_sdk(sdk.subscription.cancel, other["id"])
    assert (cancelled["status"], cancelled["charge_at"]) == ("cancelled", None)
    assert cancelled["ended_at"] == sandbox.state.now()


async def test_pause_and_resume(sandbox):
    """§4: only an active subscription pauses (charge_at null); resume charges again on the cycle dates."""
    sdk = sandbox.sdk()
    sub = await subscribed(sandbox)
    paused = await run_sdk(sdk.subscription.pause, sub["id"], {"pause_at": "now"})
    assert (paused["status"], paused["charge_at"], paused["paused_at"]) == ("paused", None, NOW)
    await advance(sandbox, 45 * DAY)
    assert (await fetch(sandbox, sub["id"]))["paid_count"] == 1
    with pytest.raises(BadRequestError, match="cannot be paused in paused status"):
        await run_sdk(sdk.subscription.pause, sub["id"], {"pause_at": "now"})
    resumed = await run_sdk(sdk.subscription.resume, sub["id"], {"resume_at": "now"})
    assert (resumed["status"], resumed["charge_at"]) == ("active", add_period(NOW, "monthly", 2))
    assert event_names(sandbox)[-2:] == ["subscription.paused", "subscription.resumed"]
    status, answer = await sandbox.call("POST", f"/v1/subscriptions/{sub['id']}/pause", json={"pause_at": "later"})
    assert (status, answer["error"]["field"]) == (400, "pause_at")


async def test_pausing_an_authenticated_subscription_cancels_it(sandbox):
    plan = await make_plan(sandbox)
    sub = await make_subscription(sandbox, plan["id"], start_at=NOW + DAY)
    await authenticate(sandbox, sub["id"])
    paused = await run_sdk(sandbox.sdk().subscription.pause, sub["id"], {"pause_at": "now"})
    assert paused["status"] == "cancelled"


async def test_an_unauthenticated_subscription_expires_at_expire_by(sandbox):
    plan = await make_plan(sandbox)
    sub = await make_subscription(sandbox, plan["id"], expire_by=NOW + DAY)
    await advance(sandbox, DAY)
    assert (await fetch(sandbox, sub["id"]))["status"] == "expired"
    status, _ = await authenticate(sandbox, sub["id"])
    assert status == 400


# -- webhooks -----------------------------------------------------------------------------------------------------


async def test_charges_arrive_as_signed_webhooks_with_the_payment(hooked, receiver):
    """Every subscription event carries the subscription entity, and the payment when one was attempted."""
    sub = await subscribed(hooked)
    await plan_charges(hooked, sub["id"], ["failure"])
    await advance(hooked, sub["charge_at"] - NOW + DAY)
    expected = len(hooked.state.events)
    await receiver.wait_for(expected)
    bodies = [json.loads(received.body) for received in receiver.requests]
    for received in receiver.requests:
        assert received.headers["X-Razorpay-Signature"] == razorpay_signature(WEBHOOK_SECRET, received.body)
    subscription_events = [body for body in bodies if body["event"].startswith("subscription.")]
    assert [body["event"] for body in subscription_events] == [
        "subscription.authenticated",
        "subscription.activated",
        "subscription.charged",
        "subscription.pending",
        "subscription.activated",
        "subscription.charged",
    ]
    charged = subscription_events[-1]["payload"]
    assert charged["subscription"]["entity"]["paid_count"] == 2
    assert charged["payment"]["entity"]["status"] == "captured"
    assert charged["payment"]["entity"]["invoice_id"].startswith("inv_")
    assert subscription_events[3]["payload"]["payment"]["entity"]["status"] == "failed"


# -- the clock, any way it moves --------------------------------------------------------------------------------

OUTCOME = st.sampled_from(["success", "failure"])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    outcomes=st.lists(OUTCOME, max_size=8),
    then=OUTCOME,
    steps=st.lists(st.integers(min_value=1, max_value=20 * DAY), min_size=1, max_size=12),
)
async def test_moving_the_clock_in_steps_or_at_once_makes_the_same_charges(aiohttp_server, outcomes, then, steps):
    """Charges are stamped with their due time, so random steps leave the record one big step leaves."""
    records = []
    for chunks in (steps, [sum(steps)]):
        async with running_sandbox(aiohttp_server, Clock(float(NOW))) as sandbox:
            sub = await subscribed(sandbox, total_count=6)
            await plan_charges(sandbox, sub["id"], outcomes, then)
            for seconds in chunks:
                await advance(sandbox, seconds)
            payments = sorted((p["created_at"], p["amount"], p["status"]) for p in sandbox.state.payments.values())
            events = [(e.name, e.envelope["created_at"]) for e in sandbox.state.events]
            final = await fetch(sandbox, sub["id"])
            records.append(
                (payments, events, {k: final[k] for k in ("status", "paid_count", "charge_at", "auth_attempts")})
            )
    assert records[0] == records[1]


# -- the edges of the sandbox's own routes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"method": "wallet"}, "method"),
        ({"method": "upi", "outcome": None}, "outcome"),
        ({"method": "emandate", "outcome": "maybe"}, "outcome"),
        ({"key_id": "rzp_test_someoneelse"}, "key_id"),
        ({"subscription_id": None}, "subscription_id"),
        ({"vpa": "buyer@upi"}, "vpa"),
    ],
)
async def test_a_bad_authentication_is_refused_naming_the_field(sandbox, fields, field):
    plan = await make_plan(sandbox)
    sub = await make_subscription(sandbox, plan["id"])
    body = {"key_id": sandbox.key_id, "subscription_id": sub["id"], "method": "upi", "outcome": "success", **fields}
    sent = {name: value for name, value in body.items() if value is not None}
    status, answer = await sandbox.call("POST", "/checkout/subscriptions/pay", json=sent, auth=False)
    assert (status, answer["error"]["field"]) == (400, field), answer
    assert sandbox.state.payments == {} and (await fetch(sandbox, sub["id"]))["status"] == "created"


async def test_an_unknown_subscription_cannot_be_paid_or_fetched(sandbox):
    status, answer = await authenticate(sandbox, "sub_00000000000000")
    assert (status, answer["error"]["description"]) == (400, "The id provided does not exist")
    with pytest.raises(BadRequestError, match="The id provided does not exist"):
        await fetch(sandbox, "sub_00000000000000")


@pytest.mark.parametrize(
    "body", [{"outcomes": ["maybe"]}, {"outcomes": "failure"}, {"then": "never"}], ids=["item", "list", "then"]
)
async def test_the_charge_knob_refuses_what_it_cannot_play(sandbox, body):
    sub = await subscribed(sandbox)
    status, answer = await sandbox.call("PUT", f"/sandbox/subscriptions/{sub['id']}/charges", json=body)
    assert (status, answer["error"]["field"]) == (400, next(iter(body)))


async def test_plans_subscriptions_and_the_knob_need_the_key_pair(sandbox):
    """The REST routes and the sandbox's knob take Basic key_id:key_secret, as the rest of the API does."""
    for method, path in (
        ("GET", "/v1/plans"),
        ("POST", "/v1/subscriptions"),
        ("PUT", "/sandbox/subscriptions/x/charges"),
    ):
        status, answer = await sandbox.call(method, path, json={}, auth=False)
        assert (status, answer["error"]["description"]) == (401, "The api key provided is invalid")


async def test_subscriptions_work_mounted_under_the_shop(mounted):
    """Mounted at /sandbox/razorpay, as make run serves it: the SDK, the authentication and the clock all work."""
    plan = await make_plan(mounted)
    created = await make_subscription(mounted, plan["id"], total_count=2)
    async with mounted.session.get(created["short_url"]) as resp:  # the hosted authentication page
        assert resp.status == 200 and "Mandate for Tea club: ₹499.00 monthly, 2 charges." in await resp.text()
    assert created["short_url"].startswith(mounted.url + "/checkout/window?")
    status, paid = await authenticate(mounted, created["id"])
    assert status == 200, paid
    sub = await fetch(mounted, created["id"])
    assert mounted.url.endswith("/sandbox/razorpay") and sub["status"] == "active"
    await advance(mounted, sub["charge_at"] - NOW)
    assert (await fetch(mounted, sub["id"]))["status"] == "completed"


async def test_the_window_shows_a_subscriptions_mandate_and_refuses_one_already_authenticated(sandbox):
    """checkout.js opened with subscription_id: the window pays through /checkout/subscriptions/pay; a second
    authentication is refused in Razorpay's words (§6)."""
    plan = await make_plan(sandbox)
    sub = await make_subscription(sandbox, plan["id"], quantity=2)
    query = {"key_id": sandbox.key_id, "subscription_id": sub["id"]}
    async with sandbox.session.get(sandbox.url + "/checkout/window", params=query) as resp:
        page = await resp.text()
    assert resp.status == 200
    assert f'data-subscription-id="{sub["id"]}"' in page and 'data-pay-url="/checkout/subscriptions/pay"' in page
    assert "Mandate for Tea club: ₹998.00 monthly, 12 charges." in page and "E-mandate" in page
    await authenticate(sandbox, sub["id"])
    async with sandbox.session.get(sandbox.url + "/checkout/window", params=query) as resp:
        page = await resp.text()
    assert resp.status == 400 and "Customer payment is not allowed for the Subscription at this stage." in page


@pytest.mark.parametrize(
    ("period", "total_count", "accepted"),
    [
        ("monthly", 12, True),
        ("monthly", 1139, True),
        ("monthly", 1140, False),
        ("yearly", 94, True),
        ("yearly", 95, False),
    ],
)
async def test_a_subscription_must_end_by_razorpays_latest_end(sandbox, period, total_count, accepted):
    """ "end_time must be between 946684800 and 4765046400" (SUBSCRIPTIONS.md §3): 1140 months from 2026-01-01 end on
    2121-01-01, the last moment allowed; one more, or 96 years, is refused naming total_count."""
    plan = await make_plan(sandbox, period=period)
    status, answer = await sandbox.call(
        "POST", "/v1/subscriptions", json={"plan_id": plan["id"], "total_count": total_count}
    )
    assert (status == 200) is accepted, answer
    if not accepted:
        assert (answer["error"]["field"], answer["error"]["description"]) == (
            "total_count",
            "end_time must be between 946684800 and 4765046400",
        )
