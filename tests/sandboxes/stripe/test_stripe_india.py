"""Issue 24, the Stripe sandbox as an Indian account (its default country): no Search API (item 9), and Stripe
India's rules for international payments (item 10)."""

from __future__ import annotations

import pytest
import stripe
from support.addresses import US_SHIPPING
from support.stripe_sandbox import line, running_sandbox, session_params


async def test_item9_an_indian_account_cannot_search_customers(sandbox):
    """ "Search functionality is not available to merchants in India" (docs.stripe.com/api/customers/search);
    the message as a Stripe India account's log quotes it (SAP-archive/btp-create-api-integrations#7)."""
    await sandbox.sdk.v1.customers.create_async(params={"email": "asha@example.in", "name": "Asha Rao"})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await sandbox.sdk.v1.customers.search_async(params={"query": "email:'asha@example.in'"})
    assert refused.value.http_status == 400
    assert refused.value.user_message == "The search feature is temporarily unavailable in your region."


async def test_item9_an_indian_account_lists_customers_by_email(sandbox):
    """GET /v1/customers?email= is how an Indian account finds a customer (docs.stripe.com/api/customers/list)."""
    asha = await sandbox.sdk.v1.customers.create_async(params={"email": "asha@example.in", "name": "Asha Rao"})
    listed = await sandbox.sdk.v1.customers.list_async(params={"email": "asha@example.in", "limit": 1})
    assert [customer.id for customer in listed.data] == [asha.id]


async def test_item9_a_us_account_still_searches(us_sandbox):
    asha = await us_sandbox.sdk.v1.customers.create_async(params={"email": "asha@example.in", "name": "Asha Rao"})
    found = await us_sandbox.sdk.v1.customers.search_async(params={"query": "email:'asha@example.in'"})
    assert [customer.id for customer in found.data] == [asha.id]


# -- item 10: Stripe India's rules for an export (a card issued outside India) ------------------------------------

INDIA_CARD = "4000 0035 6000 0008"  # stripe.com/testing: Visa issued in India
MESSAGES = "https://stripe.com/docs/india-exports"


def without_intent(key: str) -> dict:
    """payment_intent_data as the shop sends it, less one key."""
    data = session_params()["payment_intent_data"]
    return {name: value for name, value in data.items() if name != key}


async def test_item10_an_export_without_a_description_is_refused_on_the_payment_page(sandbox):
    """support.stripe.com/questions/failed-international-payments-from-stripe-accounts-in-india, verbatim."""
    session = await sandbox.create_session(payment_intent_data=without_intent("description"))
    page = await sandbox.pay(session.id)
    assert page.status == 400
    assert page.elements.text("card-error") == (
        f"As per Indian regulations, export transactions require a description. More info here: {MESSAGES}"
    )
    assert sandbox.state.charges == {} and sandbox.state.sessions[session.id]["status"] == "open"


async def test_item10_a_refused_export_leaves_the_intent_waiting_with_the_reason(sandbox):
    session = await sandbox.create_session(payment_intent_data=without_intent("description"))
    await sandbox.pay(session.id)
    intent = sandbox.state.payment_intents[sandbox.state.sessions[session.id]["payment_intent"]]
    assert intent["status"] == "requires_payment_method"
    assert intent["last_payment_error"]["type"] == "invalid_request_error"
    assert sandbox.event_types() == ["payment_intent.created", "payment_intent.payment_failed"]


async def test_item10_an_export_without_billing_address_collection_is_refused(sandbox):
    params = session_params()
    del params["billing_address_collection"]
    session = await sandbox.sdk.v1.checkout.sessions.create_async(params=params)
    page = await sandbox.pay(session.id)
    assert page.status == 400 and "billing-address" not in page.elements.testids()
    assert page.elements.text("card-error") == (
        "As per Indian regulations, export transactions require a "
        f"customer name and address. More info here: {MESSAGES}"
    )


async def test_item10_an_export_needs_a_billing_address_outside_india(sandbox):
    """ "Address needs to be outside India to be considered as valid charges for international payments"."""
    session = await sandbox.create_session()
    page = await sandbox.pay(session.id, billing_country="IN", billing_city="Pune", billing_postal_code="411001")
    assert page.status == 400 and "customer name and address" in page.elements.text("card-error")


async def test_item10_a_goods_export_without_a_shipping_address_is_refused(sandbox):
    session = await sandbox.create_session(payment_intent_data=without_intent("shipping"))
    page = await sandbox.pay(session.id)
    assert page.status == 400
    assert page.elements.text("card-error") == (
        "As per Indian regulations, goods export transactions require a "
        f"billing and a shipping address. More info here: {MESSAGES}"
    )


async def test_item10_a_services_account_needs_no_shipping_address(aiohttp_server, clock):
    async with running_sandbox(aiohttp_server, clock, mount=False, exports="services") as services:
        session = await services.create_session(payment_intent_data=without_intent("shipping"))
        assert (await services.pay(session.id)).status == 303


async def test_item10_a_complete_export_is_paid_with_its_addresses_on_the_charge(sandbox):
    session = await sandbox.create_session()
    assert (await sandbox.pay(session.id)).status == 303
    stored = sandbox.state.sessions[session.id]
    charge = next(iter(sandbox.state.charges.values()))
    assert charge["billing_details"]["address"] == {
        "line1": "510 Townsend St",
        "line2": None,
        "city": "San Francisco",
        "state": "CA",
        "postal_code": "94103",
        "country": "US",
    }
    assert stored["customer_details"]["address"] == charge["billing_details"]["address"]
    assert charge["shipping"] == US_SHIPPING
    assert sandbox.state.payment_intents[stored["payment_intent"]]["description"] == "Masala chai ×2, Brass diya ×1"


async def test_item10_an_india_issued_card_pays_only_rupees(sandbox):
    dollars = await sandbox.create_session()
    page = await sandbox.pay(dollars.id, INDIA_CARD)
    assert page.elements.text("card-error") == (
        f"Domestic transactions in India must present in INR. More info here: {MESSAGES}"
    )
    rupees = await sandbox.create_session(line_items=[line("Masala chai", 34900, currency="inr")])
    assert (await sandbox.pay(rupees.id, INDIA_CARD)).status == 303


async def test_item10_the_billing_address_is_asked_for_field_by_field(sandbox):
    session = await sandbox.create_session()
    page = await sandbox.open_page(session.id)
    assert "billing-address" in page.elements.testids()
    missing = await sandbox.pay(session.id, billing_line1="", billing_country="")
    assert missing.status == 400 and sandbox.state.payment_intents == {}
    assert missing.elements.text("billing-line1-error") == "Enter your address."
    assert missing.elements.text("billing-country-error") == "Choose your country."


async def test_item10_a_us_account_has_no_india_rules(us_sandbox):
    session = await us_sandbox.create_session(payment_intent_data={"metadata": {"order_id": "ord_1"}})
    assert (await us_sandbox.pay(session.id)).status == 303


async def test_item10_checkout_collects_the_shipping_address_when_asked_and_puts_it_on_the_intent(sandbox):
    """docs.stripe.com/payments/collect-addresses: shipping_address_collection[allowed_countries]."""
    session = await sandbox.create_session(
        payment_intent_data=without_intent("shipping"), shipping_address_collection={"allowed_countries": ["US", "GB"]}
    )
    assert "shipping-address" in (await sandbox.open_page(session.id)).elements.testids()
    assert (await sandbox.pay(session.id)).status == 303
    stored = sandbox.state.sessions[session.id]
    intent = sandbox.state.payment_intents[stored["payment_intent"]]
    assert intent["shipping"]["address"]["line1"] == "510 Townsend St" and intent["shipping"]["name"] == "Jane Doe"
    assert stored["collected_information"]["shipping_details"]["address"] == intent["shipping"]["address"]


async def test_item10_checkout_delivers_only_to_the_allowed_countries(sandbox):
    session = await sandbox.create_session(
        payment_intent_data=without_intent("shipping"), shipping_address_collection={"allowed_countries": ["GB"]}
    )
    page = await sandbox.pay(session.id)
    assert page.status == 400 and sandbox.state.payment_intents == {}
    assert page.elements.text("shipping-country-error") == "The shop does not deliver to this country."
