"""Issue 24, "a check that our understanding did not write": every request Galla sends to Stripe, recorded on
the wire while Galla's real flows run against the Stripe sandbox, fits stripe-python's generated parameter
types (stripe.params, generated from Stripe's OpenAPI spec, github.com/stripe/openapi): no key Stripe does not
define, nesting and value types as declared, enum values Stripe lists. The endpoint → TypedDict map is read
from stripe-python's own services (stripe_routes.py), so endpoints Galla starts calling are checked too.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import stripe
from stripe.params import CustomerCreateParams, RefundCreateParams
from stripe.params.checkout import SessionCreateParams
from support.addresses import shipping_address
from support.contract.stripe_contract import timeline_problems, wire_problems
from support.contract.stripe_routes import params_type
from support.contract.typed_params import check_params
from support.contract.wire_recorder import Exchange, answered, decode_brackets
from support.webhooks import admin_post, deliver_all, stored_order

from galla.orders.reconcile import ReconcilePolicy, reconcile
from galla.store.orders import now
from galla.web.state import SHOP
from sandboxes.stripe import STRIPE_SANDBOX_FAULTS

US_BUYER = {"name": "Jane Doe", "email": "Jane.Doe@example.com", "phone": "+1 415 555 0132"}
ITEMS = [{"product_id": "masala-chai", "quantity": 2}, {"product_id": "brass-diya", "quantity": 1}]


async def place_stripe_order(client, country: str = "US", customer: dict | None = None) -> dict:
    resp = await client.post(
        "/api/checkout",
        json={
            "items": ITEMS,
            "customer": customer or US_BUYER,
            "country": country,
            "shipping_address": shipping_address(country),
        },
    )
    assert resp.status == 201, await resp.text()
    answer = await resp.json()
    assert answer["gateway"] == "stripe", answer
    return answer


async def paid_stripe_order(client, stripe_sandbox, **place) -> dict:
    """Checkout, pay on the hosted page, come back to the order page (which retrieves the session)."""
    placed = await place_stripe_order(client, **place)
    status, location, _ = await stripe_sandbox.pay(placed["stripe"]["session_id"])
    assert status == 303, location
    page = await client.get(f"/orders/{placed['order_id']}?session_id={placed['stripe']['session_id']}")
    assert page.status == 200
    return placed


def events_of(sandbox, *types: str) -> list:
    return [e for e in sandbox.state.events if getattr(e, "type", None) in types]


def calls(wires) -> list[Exchange]:
    found = wires.stripe.api_calls()
    assert found, "no Stripe call went through the recorder"
    return found


@pytest.mark.slow
async def test_contract_stripe_checkout_requests_fit_stripe_params(wired_client, wires, stripe_sandbox):
    """Checkout (customer lookup, customer, session), a second checkout by the same buyer, pay, return page."""
    placed = await paid_stripe_order(wired_client, stripe_sandbox)
    await place_stripe_order(wired_client, country="JP", customer=US_BUYER)
    sent = calls(wires)
    assert {("POST", "/v1/checkout/sessions"), ("POST", "/v1/customers")} <= {(e.method, e.path) for e in sent}
    assert any(e.method == "GET" and e.path.startswith("/v1/checkout/sessions/") for e in sent)
    assert wire_problems(sent) == []
    assert timeline_problems(await stored_order(wired_client, placed["order_id"])) == []


async def test_contract_stripe_refund_requests_fit_stripe_params(wired_client, wires, stripe_sandbox):
    """A partial refund from the admin API left pending, reconcile asking after it, and a refund made in the
    dashboard (through the official stripe SDK) whose charge.refunded makes Galla list the refunds."""
    placed = await paid_stripe_order(wired_client, stripe_sandbox)
    await deliver_all(wired_client, events_of(stripe_sandbox, "checkout.session.completed"))
    stripe_sandbox.server.app[STRIPE_SANDBOX_FAULTS].refund_outcome = "pending"
    status, answer = await admin_post(
        wired_client, f"/api/admin/orders/{placed['order_id']}/refund", {"amount": placed["amount"] // 2}
    )
    assert status == 202, answer
    await reconcile(wired_client.app[SHOP], ReconcilePolicy(resend_refunds_after=timedelta(0)), at=now())
    stripe_sandbox.server.app[STRIPE_SANDBOX_FAULTS].refund_outcome = "succeeded"
    dashboard = stripe.StripeClient(stripe_sandbox.secret_key, base_addresses={"api": stripe_sandbox.url})
    pi = stripe_sandbox.state.sessions[placed["stripe"]["session_id"]]["payment_intent"]
    await asyncio.to_thread(dashboard.v1.refunds.create, params={"payment_intent": pi, "amount": 100})
    await deliver_all(wired_client, events_of(stripe_sandbox, "charge.refunded")[-1:])
    sent = {(e.method, e.path.split("/")[2] + ("/id" if e.path.count("/") > 2 else "")) for e in calls(wires)}
    assert {("POST", "refunds"), ("GET", "refunds"), ("GET", "refunds/id")} <= sent, sent
    assert wire_problems(calls(wires)) == []
    assert timeline_problems(await stored_order(wired_client, placed["order_id"])) == []


async def test_contract_stripe_reconcile_requests_fit_stripe_params(wired_client, wires, stripe_sandbox):
    """Reconcile a day-old unpaid order: retrieve its session, expire it."""
    placed = await place_stripe_order(wired_client)
    await reconcile(wired_client.app[SHOP], ReconcilePolicy(), at=now() + timedelta(hours=25))
    sent = calls(wires)
    assert any(e.path.endswith("/expire") for e in sent), [str(e) for e in sent]
    assert wire_problems(sent) == []
    assert timeline_problems(await stored_order(wired_client, placed["order_id"])) == []


# The checker itself: each rule must be able to fail.


def test_contract_checker_refuses_a_key_stripe_does_not_define():
    assert check_params({"mode": "payment", "shipping": {"name": "A"}}, SessionCreateParams) == [
        "shipping: not a parameter of SessionCreateParams"
    ]


def test_contract_checker_refuses_a_key_at_the_wrong_depth():
    """`description` is a PaymentIntent parameter: Stripe wants it under payment_intent_data, not beside it."""
    assert check_params({"payment_intent_data": {"description": "Tea"}}, SessionCreateParams) == []
    assert check_params({"description": "Tea"}, SessionCreateParams) == [
        "description: not a parameter of SessionCreateParams"
    ]
    assert check_params(
        {"line_items": [{"price_data": {"currency": "usd", "description": "Tea"}}]}, SessionCreateParams
    ) == ["line_items[0].price_data.description: not a parameter of SessionCreateParamsLineItemPriceData"]


def test_contract_checker_wants_required_nested_keys():
    """Shipping details on a PaymentIntent need an address (SessionCreateParamsPaymentIntentDataShipping)."""
    problems = check_params({"payment_intent_data": {"shipping": {"name": "Asha"}}}, SessionCreateParams)
    assert problems == [
        "payment_intent_data.shipping.address: required by SessionCreateParamsPaymentIntentDataShipping, missing"
    ]


def test_contract_checker_holds_enums_to_the_values_stripe_lists():
    """stripe-python types enums as Literal[...]|str for forward compatibility; Stripe's API refuses others."""
    assert check_params({"billing_address_collection": "required"}, SessionCreateParams) == []
    assert check_params({"billing_address_collection": "always"}, SessionCreateParams) == [
        "billing_address_collection: 'always' is not one of ['auto', 'required']"
    ]


def test_contract_checker_tells_ints_strings_and_bools_apart():
    assert check_params({"amount": "500", "payment_intent": "pi_1"}, RefundCreateParams) == [
        "amount: '500' is not a int"
    ]
    assert check_params({"amount": True}, RefundCreateParams) == ["amount: True is not a int"]
    assert check_params({"metadata": {"order_id": 7}}, RefundCreateParams) == ["metadata.order_id: 7 is not a str"]


def test_contract_checker_refuses_request_options_as_params():
    """idempotency_key is an option the SDK sends as a header; as a form field Stripe would refuse it."""
    assert check_params({"email": "a@b.in", "idempotency_key": "k"}, CustomerCreateParams) == [
        "idempotency_key: not a parameter of CustomerCreateParams"
    ]


def test_contract_form_bodies_decode_as_stripe_python_encodes_them():
    pairs = [
        ("line_items[0][price_data][unit_amount]", "499"),
        ("line_items[0][price_data][currency]", "usd"),
        ("line_items[0][price_data][product_data][name]", "Tea"),
        ("line_items[0][quantity]", "2"),
        ("line_items[1][quantity]", "1"),
        ("metadata[order_id]", "ord_1"),
        ("expand[0]", "payment_intent"),
    ]
    price = {"unit_amount": "499", "currency": "usd", "product_data": {"name": "Tea"}}
    assert decode_brackets(pairs) == {
        "line_items": [{"price_data": price, "quantity": "2"}, {"quantity": "1"}],
        "metadata": {"order_id": "ord_1"},
        "expand": ["payment_intent"],
    }
    form = decode_brackets(pairs)
    assert check_params(form, SessionCreateParams, form_encoded=True) == []
    form["line_items"][0]["quantity"] = "two"
    assert check_params(form, SessionCreateParams, form_encoded=True) == ["line_items[0].quantity: 'two' is not a int"]


@pytest.mark.parametrize(
    "method, path, name",
    [
        ("POST", "/v1/checkout/sessions", "SessionCreateParams"),
        ("GET", "/v1/checkout/sessions/cs_test_a1", "SessionRetrieveParams"),
        ("POST", "/v1/checkout/sessions/cs_test_a1/expire", "SessionExpireParams"),
        ("GET", "/v1/customers/search", "CustomerSearchParams"),
        ("GET", "/v1/customers", "CustomerListParams"),
        ("GET", "/v1/customers/cus_1", "CustomerRetrieveParams"),
        ("POST", "/v1/refunds", "RefundCreateParams"),
        ("GET", "/v1/refunds/re_1", "RefundRetrieveParams"),
    ],
)
def test_contract_endpoints_map_to_stripe_pythons_own_params(method, path, name):
    assert params_type(method, path).__name__ == name


def test_contract_an_endpoint_stripe_does_not_have_is_a_problem():
    assert params_type("POST", "/v1/checkout/sessions/cs_1/pay") is None
    exchange = answered("POST", "/v1/checkout/sessions/cs_1/pay", b"")
    assert wire_problems([exchange]) == [
        "POST /v1/checkout/sessions/cs_1/pay: no endpoint of stripe-python's v1 services"
    ]
