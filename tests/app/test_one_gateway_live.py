"""Issue 24 item 17: no half-live shop. With one gateway's keys set and the other's not, the keyless gateway is
off, not a sandbox: no buyer is routed to it, failover to it is off, its webhook route says it is off, and the
sandboxes are mounted only when no gateway has keys (the demo)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from support.app import ADMIN, checkout_body, sandbox_settings
from support.webhooks import deliver_all, events_named, place, stored_order

from galla.app import create_app
from galla.cli import webhook_secret_warnings
from galla.settings import Settings
from galla.store.orders import now
from galla.web.state import DATABASE, SETTINGS, SHOP
from galla.workers.reconciler import reconcile_pass
from sandboxes.razorpay import SANDBOX_FAULTS

US_BUYER = {"name": "Jane Doe", "email": "jane@example.com", "phone": "+1 415 555 0132"}


@pytest.fixture
async def razorpay_only(aiohttp_client, database, razorpay_sandbox):
    """A shop with Razorpay keys (the Razorpay sandbox on its own port, as a real account) and no Stripe keys."""
    return await aiohttp_client(create_app(sandbox_settings(razorpay_sandbox), db=database))


@pytest.fixture
async def stripe_only(aiohttp_client, database, razorpay_sandbox, stripe_sandbox):
    """A shop with Stripe keys and no Razorpay keys."""
    settings = sandbox_settings(razorpay_sandbox, stripe_sandbox, razorpay_key_id=None, razorpay_key_secret=None)
    return await aiohttp_client(create_app(settings, db=database))


async def quote(client, country="IN", international_card=False):
    cart = {"items": checkout_body()["items"], "country": country, "international_card": international_card}
    resp = await client.post("/api/checkout/quote", json=cart)
    return resp.status, await resp.json()


async def orders_in(client) -> list[dict]:
    return await client.app[DATABASE].db.orders.find().to_list(None)


def test_item17_one_gateways_keys_turn_the_other_off_not_into_a_sandbox():
    settings = Settings(_env_file=None, razorpay_key_id="rzp_live_x", razorpay_key_secret="s")
    assert (settings.off_gateways, settings.stripe_sandbox) == ({"stripe"}, False)


def test_item17_no_keys_at_all_is_the_demo_with_both_sandboxes():
    settings = Settings(_env_file=None)
    assert (settings.off_gateways, settings.razorpay_sandbox, settings.stripe_sandbox) == (set(), True, True)


async def test_item17_no_sandbox_is_mounted_beside_a_live_gateway(razorpay_only):
    resp = await razorpay_only.get("/sandbox/stripe/v1/checkout/sessions")
    assert resp.status == 404


async def test_item17_an_international_buyer_is_told_the_shop_takes_payments_only_in_india(razorpay_only):
    status, body = await quote(razorpay_only, country="US")
    assert (status, body["error"]["field"], body["error"]["code"]) == (422, "country", "gateway_off")
    assert "only in India" in body["error"]["message"]


async def test_item17_an_international_checkout_stores_no_order(razorpay_only):
    resp = await razorpay_only.post("/api/checkout", json=checkout_body(customer=US_BUYER, country="US"))
    assert (resp.status, await orders_in(razorpay_only)) == (422, [])


async def test_item17_an_indian_buyer_asking_for_an_international_card_is_told_why_not(razorpay_only):
    status, body = await quote(razorpay_only, international_card=True)
    assert (status, body["error"]["field"]) == (422, "international_card")


async def test_item17_an_indian_buyer_pays_through_razorpay_as_ever(razorpay_only):
    status, body = await quote(razorpay_only)
    assert (status, body["gateway"], body["currency"]) == (200, "razorpay", "INR")


async def test_item17_razorpay_down_does_not_fail_over_to_an_off_stripe(razorpay_only, razorpay_sandbox):
    razorpay_sandbox.server.app[SANDBOX_FAULTS].failures.set(1, "502")
    resp = await razorpay_only.post("/api/checkout", json=checkout_body())
    body = await resp.json()
    assert (resp.status, body["error"]["code"]) == (503, "gateway_unavailable")
    [order] = await orders_in(razorpay_only)
    assert (order["status"], order["gateway"]) == ("pending", "razorpay")


async def test_item17_the_off_gateways_webhook_route_says_it_is_off(razorpay_only):
    resp = await razorpay_only.post("/webhooks/stripe", data=b"{}", headers={"Stripe-Signature": "t=1,v1=x"})
    body = await resp.json()
    assert (resp.status, body["error"]["code"]) == (404, "gateway_off")


async def test_item17_the_checkout_page_tells_international_buyers_before_they_try(razorpay_only):
    page = await (await razorpay_only.get("/checkout")).text()
    assert "The shop takes payments only in India for now." in page


async def test_item17_readiness_shows_only_the_live_gateway(razorpay_only):
    body = await (await razorpay_only.get("/readyz")).json()
    assert set(body["gateways"]) == {"razorpay"}


async def test_item17_reconcile_notes_an_old_order_of_the_off_gateway_and_goes_on(razorpay_only):
    """An order left from when Stripe had keys: the pass says Stripe is off for it instead of crashing."""
    await razorpay_only.app[DATABASE].db.orders.insert_one(
        {
            "_id": "ord_fromstripedays",
            "status": "pending",
            "gateway": "stripe",
            "route": "international",
            "amount": 1000,
            "currency": "USD",
            "country": "US",
            "capture": "auto",
            "items": [],
            "customer": {"email": "jane@example.com", "name": "Jane Doe"},
            "attempts": [],
            "timeline": [],
            "stripe_session_id": "cs_test_old",
            "stripe_sessions": ["cs_test_old"],
            "created_at": now() - timedelta(hours=1),
            "updated_at": now() - timedelta(hours=1),
        }
    )
    report = await reconcile_pass(razorpay_only.app[SHOP], razorpay_only.app[SETTINGS])
    assert any("Stripe is off" in error for error in report.errors), report.errors


@pytest.mark.parametrize("path", ["/admin", "/admin/orders"])
async def test_item17_admin_pages_work_with_one_gateway(razorpay_only, path):
    resp = await razorpay_only.get(path, headers=ADMIN)
    assert resp.status == 200


async def test_item17_with_razorpay_off_an_indian_buyer_pays_by_card_through_stripe_in_rupees(stripe_only):
    status, body = await quote(stripe_only)
    assert (status, body["gateway"], body["currency"]) == (200, "stripe", "INR")


async def test_item17_with_razorpay_off_its_webhook_route_says_it_is_off(stripe_only):
    resp = await stripe_only.post(
        "/webhooks/razorpay", data=b"{}", headers={"X-Razorpay-Signature": "x", "X-Razorpay-Event-Id": "evt_1"}
    )
    assert resp.status == 404


async def test_item17_with_razorpay_off_an_indian_order_is_paid_on_stripe(stripe_only, stripe_sandbox):
    placed = await place(stripe_only, checkout_body())
    status, _, _ = await stripe_sandbox.pay(placed["stripe"]["session_id"])
    assert status == 303
    await deliver_all(stripe_only, events_named(stripe_sandbox, "checkout.session.completed"))
    assert (await stored_order(stripe_only, placed["order_id"]))["status"] == "paid"


def test_item17_a_live_gateway_without_a_webhook_secret_is_said_at_startup():
    """Every delivery to such a shop is refused (400) until the secret is set, and Razorpay disables an endpoint that
    keeps failing (razorpay.com/docs/webhooks/best-practices): galla serve says so, naming the setting."""
    settings = Settings(
        _env_file=None,
        razorpay_key_id="rzp_live_x",
        razorpay_key_secret="s",
        stripe_secret_key="sk_live_x",
        stripe_webhook_secret="whsec_x",
    )
    [warning] = webhook_secret_warnings(settings)
    assert "RAZORPAY_WEBHOOK_SECRET is not set" in warning
    assert webhook_secret_warnings(Settings(_env_file=None)) == []  # the demo: the sandboxes bring their own
