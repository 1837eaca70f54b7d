"""The admin's sandbox clock on the app as `make run` builds it (no keys, both sandboxes mounted), over real sockets:
a Razorpay subscription and a Stripe one are each moved on a billing period from their admin page, and the next
charge comes in by its signed webhook. Razorpay's sandbox moves its one clock (POST /sandbox/clock, Basic-authed,
sandboxes/razorpay/app.py); a sandboxed Stripe subscription's customer lives on a test clock of its own, advanced
with POST /v1/test_helpers/test_clocks/:id/advance (docs.stripe.com/billing/testing/test-clocks/api-advanced-usage:
the customer made on the clock first, then the subscription; SUBSCRIPTIONS.md §18). With keys (the sandboxes
standing in for real accounts) the panel is absent and the clock cannot be moved from the admin."""

from __future__ import annotations

import asyncio

import pytest
from support.admin import hidden_token, sign_in
from support.app import ADMIN_PASSWORD, RazorpaySandbox, StripeSandbox
from support.stored_subscriptions import subscribe_through_razorpay
from support.stripe_billing import MountedStripe, call_sandbox
from support.subscribing import subscribe, subscribe_body

from galla.settings import SANDBOX_RAZORPAY_PATH, SANDBOX_STRIPE_PATH, Settings
from galla.store.subscription_charges import list_charges
from galla.store.subscriptions import Subscription, get_subscription
from galla.web.state import DATABASE, SHOP

US_BUYER = {"name": "Jane Doe", "email": "jane@example.com", "phone": "+1 415 555 0100"}


@pytest.fixture
async def keyless(aiohttp_server, aiohttp_client, database, unused_tcp_port_factory):
    """The keyless app on a real port (its sandboxes send their webhooks there), and a client of it."""
    from galla.app import create_app

    port = unused_tcp_port_factory()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(
        _env_file=None, public_url=base, admin_password=ADMIN_PASSWORD, reconcile_interval=0, mail_poll_seconds=0
    )
    server = await aiohttp_server(create_app(settings, db=database, self_url=base), port=port)
    return await aiohttp_client(server)


def mounted_razorpay(client) -> RazorpaySandbox:
    """The Razorpay sandbox the app mounts, with the keys it made for it."""
    razorpay = client.app[SHOP].razorpay_client
    return RazorpaySandbox(
        server=client.server, prefix=SANDBOX_RAZORPAY_PATH, key_id=razorpay.key_id, key_secret=razorpay.key_secret
    )


def mounted_stripe(client) -> StripeSandbox:
    """The Stripe sandbox the app mounts, with its secret key."""
    secret = client.app[SHOP].stripe_client.secret_key
    return StripeSandbox(server=client.server, prefix=SANDBOX_STRIPE_PATH, secret_key=secret)


async def stored(client, sub_id: str) -> Subscription:
    found = await get_subscription(client.app[DATABASE].db, sub_id)
    assert found is not None
    return found


async def paid_count_becomes(client, sub_id: str, count: int) -> Subscription:
    """The subscription once its webhooks have brought it to count paid charges (5 s at most)."""
    for _ in range(100):
        sub = await stored(client, sub_id)
        if sub.paid_count >= count:
            return sub
        await asyncio.sleep(0.05)
    raise AssertionError(f"paid_count stayed {sub.paid_count}, never {count}")


async def move(client, sub_id: str, span: str):
    """Press the panel's button: the page's own form, its CSRF token included."""
    page = await client.get(f"/admin/subscriptions/{sub_id}")
    html = await page.text()
    assert 'data-testid="sandbox-clock"' in html and f'data-testid="clock-{span}"' in html
    return await client.post(
        f"/admin/subscriptions/{sub_id}/sandbox-clock",
        data={"span": span, "csrf_token": hidden_token(html)},
        allow_redirects=False,
    )


async def test_a_razorpay_subscription_moved_a_period_is_charged_again_by_webhook(keyless):
    sub = await subscribe_through_razorpay(keyless, mounted_razorpay(keyless))
    assert (sub.status, sub.paid_count) == ("active", 1)
    await sign_in(keyless)

    moved = await move(keyless, sub.id, "period")
    assert (moved.status, moved.headers["Location"]) == (303, f"/admin/subscriptions/{sub.id}?moved=period")
    charged = await paid_count_becomes(keyless, sub.id, 2)
    charges = await list_charges(keyless.app[DATABASE].db, sub.id)
    assert [(c.status, c.amount) for c in charges] == [("paid", sub.amount)] * 2
    assert charged.current_start == sub.current_end  # the next period, as Razorpay's webhook-led fetch says
    page = await (await keyless.get(moved.headers["Location"])).text()
    assert "The sandbox clock moved on by one billing period" in page
    assert "moved the Razorpay sandbox&#39;s clock (every subscription on it) on by one billing period" in page


async def test_a_stripe_subscription_lives_on_its_own_test_clock_and_a_period_charges_it_again(keyless):
    stripe = mounted_stripe(keyless)
    api = MountedStripe(stripe.url, stripe.secret_key)
    status, _, body = await subscribe(keyless, subscribe_body(country="US", customer=US_BUYER))
    assert status == 201, body
    sub = await stored(keyless, body["subscription_id"])
    assert sub.stripe_test_clock_id is not None
    customer = await call_sandbox(api, "GET", f"/v1/customers/{sub.stripe_customer_id}")
    assert (customer["test_clock"], customer["email"]) == (sub.stripe_test_clock_id, US_BUYER["email"])
    assert (await stripe.pay(body["stripe"]["session_id"]))[0] == 303
    sub = await paid_count_becomes(keyless, sub.id, 1)
    await sign_in(keyless)

    clock = await call_sandbox(api, "GET", f"/v1/test_helpers/test_clocks/{sub.stripe_test_clock_id}")
    day = await move(keyless, sub.id, "day")
    assert day.status == 303
    after_a_day = await call_sandbox(api, "GET", f"/v1/test_helpers/test_clocks/{sub.stripe_test_clock_id}")
    assert after_a_day["frozen_time"] == clock["frozen_time"] + 86400
    assert (await stored(keyless, sub.id)).paid_count == 1  # a day into a month: nothing due

    assert (await move(keyless, sub.id, "period")).status == 303
    charged = await paid_count_becomes(keyless, sub.id, 2)
    assert [c.status for c in await list_charges(keyless.app[DATABASE].db, sub.id)] == ["paid", "paid"]
    assert charged.current_start == sub.current_end
    doc = await keyless.app[DATABASE].db.subscriptions.find_one({"_id": sub.id})
    advanced = [e for e in doc["timeline"] if e.get("path", "").endswith("/advance")]
    assert [e["request"] for e in advanced] == [
        {"frozen_time": clock["frozen_time"] + 86400},
        {"frozen_time": clock["frozen_time"] + 86400 + int((sub.current_end - sub.current_start).total_seconds())},
    ]


async def test_a_span_that_is_not_one_is_refused_naming_it(keyless):
    sub = await subscribe_through_razorpay(keyless, mounted_razorpay(keyless))
    token = await sign_in(keyless)
    resp = await keyless.post(
        f"/admin/subscriptions/{sub.id}/sandbox-clock", data={"span": "year", "csrf_token": token}
    )
    assert resp.status == 422
    assert 'data-field="span"' in await resp.text()
    no_token = await keyless.post(f"/admin/subscriptions/{sub.id}/sandbox-clock", data={"span": "day"})
    assert no_token.status == 403  # CSRF-protected like every admin form


async def test_before_the_gateway_reports_a_period_only_a_day_can_be_moved(keyless):
    status, _, body = await subscribe(keyless)  # the mandate never approved: no billing period yet
    assert status == 201, body
    token = await sign_in(keyless)
    page = await (await keyless.get(f"/admin/subscriptions/{body['subscription_id']}")).text()
    assert 'data-testid="clock-day"' in page and 'data-testid="clock-period"' not in page
    path = f"/admin/subscriptions/{body['subscription_id']}/sandbox-clock"
    resp = await keyless.post(path, data={"span": "period", "csrf_token": token})
    assert resp.status == 409 and 'data-field="span"' in await resp.text()


async def test_with_keys_there_is_no_panel_no_test_clock_and_no_move(client, razorpay_sandbox, stripe_sandbox):
    assert client.app[SHOP].sandboxed == frozenset()
    sub = await subscribe_through_razorpay(client, razorpay_sandbox)
    token = await sign_in(client)
    page = await (await client.get(f"/admin/subscriptions/{sub.id}")).text()
    assert "sandbox-clock" not in page and "Sandbox clock" not in page
    resp = await client.post(f"/admin/subscriptions/{sub.id}/sandbox-clock", data={"span": "day", "csrf_token": token})
    assert resp.status == 409
    assert 'data-field="subscription_id"' in await resp.text()
    assert razorpay_sandbox.state.clock_offset == 0  # the sandbox standing in for a real account never moved

    status, _, body = await subscribe(client, subscribe_body(country="US", customer=US_BUYER))
    assert status == 201, body
    assert (await stored(client, body["subscription_id"])).stripe_test_clock_id is None
    assert stripe_sandbox.state.test_clocks == {}  # with real-looking keys no clock is ever made
