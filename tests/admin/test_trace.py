"""The admin's order page: its payment trace for real UPI and Stripe orders, refunds and capture with confirmation."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime

from support.app import ADMIN
from support.webhooks import (
    deliver,
    deliver_all,
    events_named,
    paid_razorpay_order,
    paid_stripe_order,
    post_razorpay,
    post_stripe,
    stored_order,
    verify,
)

from galla.web.state import DATABASE, SETTINGS
from sandboxes.razorpay.config import SANDBOX_FAULTS

STEP = re.compile(r'<li class="trace__step[^"]*" data-kind="(\w+)" data-outcome="(\w+)">(.*?)</li>', re.S)
TITLE = re.compile(r'data-testid="trace-title">(.*?)</div>', re.S)


async def admin_page(client, path: str, **kwargs) -> tuple[int, str]:
    resp = await client.get(path, headers=ADMIN, **kwargs)
    return resp.status, await resp.text()


async def trace_of(client, order_id: str) -> list[tuple[str, str, str]]:
    """The order page's trace as (kind, outcome, title), in the order shown."""
    status, page = await admin_page(client, f"/admin/orders/{order_id}")
    assert status == 200, page
    return [
        (kind, outcome, html.unescape(TITLE.search(body).group(1)).strip())
        for kind, outcome, body in STEP.findall(page)
    ]


def shows_in_order(trace, *wanted) -> bool:
    """Whether the (kind, title-part) pairs appear in the trace in this order (others may come between)."""
    steps = iter(trace)
    return all(any(kind == k and part in title for k, _, title in steps) for kind, part in wanted)


async def test_a_paid_upi_order_shows_every_step_in_order(client, razorpay_sandbox):
    placed, paid = await paid_razorpay_order(client, razorpay_sandbox)
    assert (await verify(client, placed["order_id"], paid))[0] == 200
    await deliver_all(client, events_named(razorpay_sandbox, "payment.authorized", "payment.captured", "order.paid"))
    await deliver(client, events_named(razorpay_sandbox, "order.paid")[0])  # Razorpay retried it
    # A forgery naming this order: refused, and shown as refused.
    forged = events_named(razorpay_sandbox, "payment.captured")[0]
    assert (await post_razorpay(client, forged.envelope, "evt_forged1", secret="not-the-secret"))[0] == 400

    trace = await trace_of(client, placed["order_id"])
    assert shows_in_order(
        trace,
        ("status", "Status → Waiting for payment"),
        ("call", "POST /v1/orders"),
        ("browser", "checkout.js handler"),
        ("call", f"GET /v1/payments/{paid['razorpay_payment_id']}"),
        ("status", "Status → Paid"),
        ("webhook", "Webhook payment.authorized"),
        ("webhook", "Webhook payment.captured"),
        ("webhook", "Webhook order.paid"),
        ("duplicate", "Webhook order.paid again"),
        ("refused", "Webhook refused: claimed payment.captured"),
    )
    assert [kind for kind, _, _ in trace].count("webhook") == 3
    assert all(outcome == "ok" for kind, outcome, _ in trace if kind in ("call", "webhook"))

    _, page = await admin_page(client, f"/admin/orders/{placed['order_id']}")
    assert "applied: no change (paid)" in page and "delivered 2 times" in page
    assert "duplicate: signature verified, acknowledged with 200, not applied again" in page
    assert re.search(r"took \d+(\.\d)? ms", page)  # gateway calls carry their durations, as people read them
    assert "upi_transaction_id" in page  # the gateway's answer is there to read


async def test_a_refunded_stripe_order_shows_payment_refund_and_webhooks(client, stripe_sandbox):
    placed = await paid_stripe_order(client, stripe_sandbox)
    resp = await client.get(f"/orders/{placed['order_id']}?session_id={placed['stripe']['session_id']}")
    assert resp.status == 200
    await deliver_all(client, events_named(stripe_sandbox, "checkout.session.completed"))
    _status, page = await admin_page(client, f"/admin/orders/{placed['order_id']}")
    assert 'data-testid="refund-form"' in page

    order_id, half = placed["order_id"], placed["amount"] // 2
    page = await post_form(client, f"/admin/orders/{order_id}/refund/confirm", {"amount": f"{half / 100:.2f}"})
    assert "Refund $13.48?" in page
    fields = hidden_fields(page)
    assert fields["amount"] == str(half) and len(fields["key"]) > 10
    resp = await client.post(f"/admin/orders/{order_id}/refund", data=fields, headers=ADMIN, allow_redirects=False)
    done = resp.headers["Location"]
    assert resp.status == 303 and done.startswith(f"/admin/orders/{order_id}?refund=rf_")
    # The confirmation sent twice (a double click) makes one refund.
    resp = await client.post(f"/admin/orders/{order_id}/refund", data=fields, headers=ADMIN, allow_redirects=False)
    assert resp.status == 303
    assert len(stripe_sandbox.state.refunds) == 1
    _, page = await admin_page(client, done)
    # The notice after the refund is the refund's state as stored: pending until Stripe's webhook says otherwise.
    assert "Refund of $13.48 is pending at Stripe" in page and 'data-testid="payment-state">Refund pending' in page
    await deliver_all(client, events_named(stripe_sandbox, "charge.refunded", "refund.updated")[:1])
    assert (await stored_order(client, order_id))["status"] == "partially_refunded"

    trace = await trace_of(client, order_id)
    assert shows_in_order(
        trace,
        ("status", "Status → Waiting for payment"),
        ("call", "POST /v1/checkout/sessions"),
        ("browser", "came back from Stripe"),
        ("call", "GET /v1/checkout/sessions/"),
        ("status", "Status → Paid"),
        ("webhook", "Webhook checkout.session.completed"),
        ("refund", "Refund of $13.48 asked for"),
        ("call", "POST /v1/refunds"),
        ("webhook", "Webhook charge.refunded"),
        ("status", "Status → Partially refunded"),
    )
    _, page = await admin_page(client, done)
    assert "Refund of $13.48 processed: Stripe has sent it back to the buyer's Card." in html.unescape(page)
    assert 'data-testid="refunded">$13.48' in page and "Refund of $13.48 is pending" not in page
    assert 'data-testid="payment-state">Partially refunded' in page


async def test_the_trace_redacts_secrets_and_card_data(client, stripe_sandbox):
    placed = await paid_stripe_order(client, stripe_sandbox)
    await client.get(f"/orders/{placed['order_id']}?session_id={placed['stripe']['session_id']}")
    stored = json.dumps(await stored_order(client, placed["order_id"]), default=str)
    assert '"client_secret": "pi_' in stored  # Stripe's answer holds one, as stored…
    _, page = await admin_page(client, f"/admin/orders/{placed['order_id']}")
    assert "_secret_" not in page and "&#34;client_secret&#34;: &#34;[redacted]&#34;" in page  # …not as shown
    settings = client.app[SETTINGS]
    for secret in (settings.stripe_secret_key, settings.stripe_webhook_secret, settings.razorpay_key_secret):
        assert secret.get_secret_value() not in page
    # A card number that reached a stored answer (a gateway echoing it back) is redacted when shown.
    await client.app[DATABASE].db.orders.update_one(
        {"_id": placed["order_id"]},
        {
            "$push": {
                "timeline": {
                    "at": datetime.now(UTC),
                    "kind": "gateway_call",
                    "gateway": "stripe",
                    "method": "GET",
                    "path": "/v1/echo",
                    "status": 200,
                    "response": {"echo": "card 4242 4242 4242 4242", "number": "12"},
                }
            }
        },
    )
    _, page = await admin_page(client, f"/admin/orders/{placed['order_id']}")
    assert "GET /v1/echo" in page and "4242 4242 4242 4242" not in page
    assert "card [redacted]" in page and "&#34;number&#34;: &#34;[redacted]&#34;" in page


async def test_a_forged_stripe_delivery_is_refused_and_named_on_the_order(client, stripe_sandbox):
    placed = await paid_stripe_order(client, stripe_sandbox)
    event = events_named(stripe_sandbox, "checkout.session.completed")[0]
    status, body = await post_stripe(client, event.envelope, secret="whsec_guessed")
    assert status == 400 and body["error"]["field"] == "Stripe-Signature"
    trace = await trace_of(client, placed["order_id"])
    refused = [step for step in trace if step[0] == "refused"]
    assert refused == [("refused", "failed", "Webhook refused: claimed checkout.session.completed")]
    assert (await stored_order(client, placed["order_id"]))["status"] == "pending"


async def test_capture_needs_confirmation_then_moves_the_order_to_paid(make_client, razorpay_sandbox):
    client = await make_client(razorpay_capture="manual")
    placed, paid = await paid_razorpay_order(client, razorpay_sandbox)
    assert (await verify(client, placed["order_id"], paid)) == (
        200,
        {"order_id": placed["order_id"], "status": "authorized"},
    )
    order_id = placed["order_id"]
    _, page = await admin_page(client, f"/admin/orders/{order_id}")
    assert 'data-testid="capture-button"' in page and 'data-testid="refund-form"' not in page
    page = await post_form(client, f"/admin/orders/{order_id}/capture/confirm", {})
    assert "Capture ₹1,997.00?" in page and (await stored_order(client, order_id))["status"] == "authorized"
    resp = await client.post(
        f"/admin/orders/{order_id}/capture", data=hidden_fields(page), headers=ADMIN, allow_redirects=False
    )
    assert resp.status == 303
    assert (await stored_order(client, order_id))["status"] == "paid"
    trace = await trace_of(client, order_id)
    assert shows_in_order(
        trace,
        ("status", "Status → Payment authorised"),
        ("call", f"POST /v1/payments/{paid['razorpay_payment_id']}/capture"),
        ("status", "Status → Paid"),
    )
    # A second capture is refused on the page, naming why.
    resp = await client.post(f"/admin/orders/{order_id}/capture", data={}, headers=ADMIN)
    assert resp.status == 409 and "only an authorized Razorpay payment can be captured" in await resp.text()


async def test_bad_refund_amounts_are_refused_on_the_page_naming_the_field(client, razorpay_sandbox):
    placed, paid = await paid_razorpay_order(client, razorpay_sandbox)
    await verify(client, placed["order_id"], paid)
    path = f"/admin/orders/{placed['order_id']}/refund/confirm"
    for amount, status, message in (
        ("abc", 422, "as a number, like 499"),
        ("1.234", 422, "INR has 2 decimal places"),
        ("0", 422, "must be a positive"),
        ("5000", 422, "is more than the ₹1,997.00 left"),
    ):
        resp = await client.post(path, data={"amount": amount}, headers=ADMIN)
        page = await resp.text()
        assert resp.status == status and message in page and 'data-field="amount"' in page, (amount, page[-800:])
    assert razorpay_sandbox.state.refunds == {}
    page = await post_form(client, path, {"amount": ""})  # blank: everything left
    assert "Refund ₹1,997.00?" in page and hidden_fields(page)["amount"] == str(placed["amount"])
    assert (await client.get("/admin/orders/ord_nope", headers=ADMIN)).status == 404


async def test_order_pages_need_the_admin(client):
    for path in ("/admin/orders", "/admin/orders/ord_x"):
        resp = await client.get(path, allow_redirects=False)
        assert (resp.status, resp.headers.get("Location")) == (303, "/admin/login")
    resp = await client.post("/admin/orders/ord_x/refund", data={"amount": "100"}, allow_redirects=False)
    assert resp.status in (401, 303, 403)


async def post_form(client, path: str, data: dict) -> str:
    resp = await client.post(path, data=data, headers=ADMIN)
    page = await resp.text()
    assert resp.status == 200, page
    return page


def hidden_fields(page: str) -> dict[str, str]:
    """The confirmation form's hidden fields."""
    form = page[page.index('<form method="post" action="/admin/orders/') :]
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form[: form.index("</form>")]))


async def test_a_retried_gateway_call_shows_each_attempt(client, razorpay_sandbox):
    placed, paid = await paid_razorpay_order(client, razorpay_sandbox)
    razorpay_sandbox.server.app[SANDBOX_FAULTS].failures.set(1, "503")
    status, _ = await verify(client, placed["order_id"], paid)
    assert status in (502, 503)
    razorpay_sandbox.server.app[SANDBOX_FAULTS].failures.set(0)
    assert (await verify(client, placed["order_id"], paid))[0] == 200

    fetch = f"GET /v1/payments/{paid['razorpay_payment_id']}"
    calls = [
        (outcome, title)
        for kind, outcome, title in await trace_of(client, placed["order_id"])
        if kind == "call" and title == fetch
    ]
    assert [outcome for outcome, _ in calls] == ["failed", "failed", "failed", "ok"]
    _, page = await admin_page(client, f"/admin/orders/{placed['order_id']}")
    for n in (1, 2, 3):
        assert "HTTP 503: " in page and f"(attempt {n} of 3)" in page
