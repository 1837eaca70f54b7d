"""Issue 24, "a check that our understanding did not write": every request Galla sends to Razorpay, every entity
the Razorpay sandbox answers with, and every entity its webhooks carry, recorded while Galla's real flows run,
fits Razorpay's published types (the razorpay npm package's TypeScript declarations, dist/types/*.d.ts, turned
into JSON Schema by scripts/razorpay_schema; razorpay-node: github.com/razorpay/razorpay-node). Disagreements
Razorpay's own documentation explains are in razorpay_contract.ALLOWANCES, each with its reason.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import razorpay
from support.addresses import shipping_address
from support.contract.razorpay_contract import (
    ALLOWANCES,
    ENDPOINTS,
    _target,
    exchange_problems,
    problems_of,
    published_schema,
    webhook_problems,
)
from support.contract.wire_recorder import Exchange, answered
from support.webhooks import admin_post, deliver_all, place

from galla.orders.reconcile import ReconcilePolicy, reconcile
from galla.store.orders import now
from galla.web.state import SHOP

IN_BUYER = {"name": "Asha Rao", "email": "asha.rao@example.in", "phone": "+91 98765 43210"}
# checkout.js submits the buyer's email and contact with every payment (Standard Checkout asks for both), so the
# payments these flows make carry them, as live ones do.
CHECKOUT_FIELDS = {"email": IN_BUYER["email"], "contact": "+919876543210"}
ITEMS = [{"product_id": "masala-chai", "quantity": 2}, {"product_id": "brass-diya", "quantity": 1}]


def events_of(sandbox, *names: str) -> list:
    return [e for e in sandbox.state.events if getattr(e, "name", None) in names]


async def place_razorpay_order(client) -> dict:
    placed = await place(
        client, {"items": ITEMS, "customer": IN_BUYER, "country": "IN", "shipping_address": shipping_address("IN")}
    )
    assert placed["gateway"] == "razorpay", placed
    return placed


async def paid_razorpay_order(client, sandbox, **pay) -> tuple[dict, dict]:
    """Checkout, pay in the sandbox's checkout, verify as the browser does (Galla fetches the payment)."""
    placed = await place_razorpay_order(client)
    status, paid = await sandbox.pay(placed["razorpay"]["order_id"], **CHECKOUT_FIELDS, **pay)
    assert status == 200, paid
    resp = await client.post("/api/payments/razorpay/verify", json={"order_id": placed["order_id"], **paid})
    assert resp.status == 200, await resp.text()
    return placed, paid


def calls(wires) -> list[Exchange]:
    found = wires.razorpay.api_calls()
    assert found, "no Razorpay call went through the recorder"
    return found


def all_problems(wires, sandbox) -> list[str]:
    """The recorded exchanges' problems, and those of every webhook the sandbox raised."""
    found = [p for exchange in calls(wires) for p in exchange_problems(exchange)]
    return found + [p for event in sandbox.state.events for p in webhook_problems(event.envelope)]


async def test_contract_razorpay_checkout_and_refund_fit_published_types(wired_client, wires, razorpay_sandbox):
    """Order create, payment fetch on verify, webhooks, a partial refund, and reconcile fetching the refund."""
    placed, _paid = await paid_razorpay_order(wired_client, razorpay_sandbox)
    await deliver_all(wired_client, events_of(razorpay_sandbox, "payment.captured", "order.paid"))
    status, answer = await admin_post(
        wired_client, f"/api/admin/orders/{placed['order_id']}/refund", {"amount": placed["amount"] // 2}
    )
    assert status == 202, answer
    await reconcile(wired_client.app[SHOP], ReconcilePolicy(resend_refunds_after=timedelta(0)), at=now())
    sent = {(e.method, e.path.rsplit("/", 1)[-1] if e.method == "POST" else "") for e in calls(wires)}
    assert {("POST", "orders"), ("POST", "refund")} <= sent, sent
    assert all_problems(wires, razorpay_sandbox) == []


async def test_contract_razorpay_manual_capture_fits_published_types(make_wired_client, wires, razorpay_sandbox):
    """Manual capture: the order asks for it, the admin captures (capture request, payment answer)."""
    client = await make_wired_client(razorpay_capture="manual")
    placed, _ = await paid_razorpay_order(client, razorpay_sandbox, method="card", card_number="4100280000001007")
    status, answer = await admin_post(client, f"/api/admin/orders/{placed['order_id']}/capture")
    assert status == 200, answer
    assert any(e.path.endswith("/capture") for e in calls(wires))
    assert all_problems(wires, razorpay_sandbox) == []


async def test_contract_razorpay_failed_payment_and_reconcile_fit_published_types(
    wired_client, wires, razorpay_sandbox
):
    """A failed UPI attempt reported by the browser, then reconcile lists the order's payments."""
    placed = await place_razorpay_order(wired_client)
    status, failure = await razorpay_sandbox.pay(
        placed["razorpay"]["order_id"], method="upi", outcome="failure", **CHECKOUT_FIELDS
    )
    assert status == 400, failure
    resp = await wired_client.post(
        "/api/payments/razorpay/failed", json={"order_id": placed["order_id"], "error": failure["error"]}
    )
    assert resp.status == 200, await resp.text()
    await razorpay_sandbox.pay(placed["razorpay"]["order_id"], method="netbanking", **CHECKOUT_FIELDS)
    await reconcile(wired_client.app[SHOP], ReconcilePolicy(), at=now() + timedelta(hours=1))
    assert any(e.path.endswith("/payments") for e in calls(wires))
    assert all_problems(wires, razorpay_sandbox) == []


async def test_contract_razorpay_lost_order_lookup_fits_published_types(make_wired_client, wires, razorpay_sandbox):
    """Order create whose answer is lost: paying again makes Galla look the order up by its receipt."""
    wired_client = await make_wired_client(failover=False)
    wires.razorpay.lose_answers.append(("POST", "/v1/orders"))
    resp = await wired_client.post(
        "/api/checkout",
        json={"items": ITEMS, "customer": IN_BUYER, "country": "IN", "shipping_address": shipping_address("IN")},
    )
    assert resp.status >= 500, await resp.text()
    order_id = (await resp.json())["order_id"]
    again = await wired_client.post(f"/api/orders/{order_id}/pay")
    assert again.status == 200, await again.text()
    assert any(e.method == "GET" and e.path == "/v1/orders" and "receipt=" in e.query for e in calls(wires))
    assert all_problems(wires, razorpay_sandbox) == []


async def test_contract_razorpay_dispute_fits_published_types(wired_client, wires, razorpay_sandbox):
    """A chargeback: the payment.dispute.created webhook's entities, and the dispute fetched through the official
    razorpay SDK, carry the evidence object the dispute entity documents
    (https://razorpay.com/docs/api/disputes/entity/)."""
    _placed, paid = await paid_razorpay_order(wired_client, razorpay_sandbox)
    dispute = razorpay_sandbox.state.open_dispute(paid["razorpay_payment_id"])
    [event] = events_of(razorpay_sandbox, "payment.dispute.created")
    assert webhook_problems(event.envelope) == []
    sdk = razorpay.Client(auth=(razorpay_sandbox.key_id, razorpay_sandbox.key_secret), base_url=razorpay_sandbox.url)
    fetched = await asyncio.to_thread(sdk.dispute.fetch, dispute["id"])
    assert problems_of(fetched, "Dispute", "dispute.fetch") == []


# The check itself: each rule must be able to fail.


def test_contract_razorpay_schema_is_generated_from_the_npm_package():
    assert "razorpay@" in published_schema()["$comment"]
    assert {
        "OrderCreateRequest",
        "Order",
        "Payment",
        "PaymentCaptureRequest",
        "PaymentRefundRequest",
        "Refund",
        "Dispute",
    } <= set(published_schema()["definitions"])


def test_contract_razorpay_request_with_an_undeclared_key_is_a_problem():
    body = {"amount": 50000, "currency": "INR", "receipt": "ord_1", "capture": True}
    assert problems_of(body, "PaymentCaptureRequest", "capture") != []
    assert problems_of({"amount": 50000, "currency": "INR"}, "PaymentCaptureRequest", "capture") == []


def test_contract_razorpay_refund_speed_is_held_to_its_values():
    assert problems_of({"speed": "normal", "amount": 100}, "PaymentRefundRequest", "refund") == []
    assert problems_of({"speed": "instant", "amount": 100}, "PaymentRefundRequest", "refund") != []


def test_contract_razorpay_entity_missing_a_required_field_is_a_problem():
    refund = {
        "id": "rfnd_1",
        "entity": "refund",
        "amount": 100,
        "currency": "INR",
        "payment_id": "pay_1",
        "created_at": 1,
        "status": "processed",
        "speed_processed": "normal",
        "speed_requested": "normal",
    }
    assert problems_of(refund, "Refund", "refund") == []
    del refund["payment_id"]
    assert problems_of(refund, "Refund", "refund") == ["refund (Refund): 'payment_id' is a required property"]


def test_contract_razorpay_endpoint_the_contract_does_not_know_is_a_problem():
    exchange = answered("POST", "/v1/payments/pay_1/transfers", b"{}")
    assert exchange_problems(exchange) == [
        "POST /v1/payments/pay_1/transfers: not an endpoint the contract knows; add it to ENDPOINTS with "
        "razorpay-node's types"
    ]


def test_contract_razorpay_endpoints_name_published_definitions():
    names = {e.request.removeprefix("query:") for e in ENDPOINTS if e.request} | {
        e.response.removeprefix("items:") for e in ENDPOINTS
    }
    assert names <= set(published_schema()["definitions"])


@pytest.mark.parametrize("allowance", ALLOWANCES, ids=lambda a: f"{a.definition}.{a.fields[0]}:{a.kind}")
def test_contract_every_razorpay_allowance_cites_a_source_and_names_declared_fields(allowance):
    assert "https://" in allowance.reason
    target = _target(published_schema(), allowance.definition)
    if allowance.kind != "also":  # "also" may add a field the type lacks (upi)
        assert set(allowance.fields) <= set(target["properties"]), allowance


def test_contract_razorpay_notes_may_hold_numbers_but_nothing_else():
    """Item 13's shape: notes are {string: string | number} (razorpay-node's IMap<string | number>)."""

    def notes_problems(notes):
        return [p for p in problems_of({"notes": notes}, "Payment", "payment") if ".notes" in p]

    assert notes_problems({"order_id": "ord_1", "attempt": 2}) == []
    assert notes_problems([]) == []
    assert notes_problems({"gift": True}) != []
    assert [p for p in problems_of({"notes": {"n": 2}}, "Order", "order") if ".notes" in p] == []
