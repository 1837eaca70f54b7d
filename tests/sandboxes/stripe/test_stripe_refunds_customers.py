"""Refunds on a paid PaymentIntent, and customers: create, retrieve, list by email, search."""

from __future__ import annotations

import pytest
import stripe


@pytest.fixture
async def paid_intent(sandbox) -> str:
    """A $25.00 session paid with 4242; returns its PaymentIntent id."""
    session = await sandbox.create_session()
    assert (await sandbox.pay(session.id)).status == 303
    return sandbox.state.sessions[session.id]["payment_intent"]


# -- refunds ---------------------------------------------------------------------------------------


async def test_a_full_refund(sandbox, paid_intent):
    refund = await sandbox.sdk.v1.refunds.create_async(
        params={"payment_intent": paid_intent, "reason": "requested_by_customer", "metadata": {"order_id": "ord_1"}}
    )
    assert refund.id.startswith("re_") and refund.object == "refund"
    assert (refund.amount, refund.currency, refund.status, refund.reason) == (
        2500,
        "usd",
        "succeeded",
        "requested_by_customer",
    )
    assert refund.payment_intent == paid_intent and refund.metadata.to_dict() == {"order_id": "ord_1"}
    charge = await sandbox.sdk.v1.charges.retrieve_async(refund.charge)
    assert (charge.amount_refunded, charge.refunded) == (2500, True)

    with pytest.raises(stripe.InvalidRequestError) as again:
        await sandbox.sdk.v1.refunds.create_async(params={"payment_intent": paid_intent})
    assert again.value.code == "charge_already_refunded"


async def test_partial_refunds_add_up_and_an_over_refund_is_refused(sandbox, paid_intent):
    first = await sandbox.sdk.v1.refunds.create_async(params={"payment_intent": paid_intent, "amount": 1000})
    charge = await sandbox.sdk.v1.charges.retrieve_async(first.charge)
    assert (charge.amount_refunded, charge.refunded) == (1000, False)

    with pytest.raises(stripe.InvalidRequestError) as too_much:
        await sandbox.sdk.v1.refunds.create_async(params={"charge": first.charge, "amount": 1501})
    error = too_much.value
    assert (error.http_status, error.code, error.param) == (400, "amount_too_large", "amount")
    assert "($15.01)" in error.user_message and "($15.00)" in error.user_message

    rest = await sandbox.sdk.v1.refunds.create_async(params={"charge": first.charge})  # what remains
    assert rest.amount == 1500
    charge = await sandbox.sdk.v1.charges.retrieve_async(first.charge)
    assert (charge.amount_refunded, charge.refunded) == (2500, True)


async def test_list_and_retrieve_refunds(sandbox, paid_intent, clock):
    first = await sandbox.sdk.v1.refunds.create_async(params={"payment_intent": paid_intent, "amount": 100})
    clock.advance(1)
    second = await sandbox.sdk.v1.refunds.create_async(params={"payment_intent": paid_intent, "amount": 200})

    listed = await sandbox.sdk.v1.refunds.list_async(params={"payment_intent": paid_intent})
    assert [refund.id for refund in listed.data] == [second.id, first.id]
    by_charge = await sandbox.sdk.v1.refunds.list_async(params={"charge": first.charge, "limit": 1})
    assert [refund.id for refund in by_charge.data] == [second.id] and by_charge.has_more
    assert (await sandbox.sdk.v1.refunds.list_async(params={"payment_intent": "pi_other"})).data == []

    fetched = await sandbox.sdk.v1.refunds.retrieve_async(first.id, params={"expand": ["charge"]})
    assert fetched.amount == 100 and fetched.charge.id == first.charge


async def test_an_unpaid_intent_cannot_be_refunded(sandbox):
    session = await sandbox.create_session()
    await sandbox.pay(session.id, "4000 0000 0000 0002")
    stored = sandbox.state.sessions[session.id]
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await sandbox.sdk.v1.refunds.create_async(params={"payment_intent": stored["payment_intent"]})
    assert refused.value.param == "payment_intent"
    failed_charge = sandbox.state.payment_intents[stored["payment_intent"]]["latest_charge"]
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await sandbox.sdk.v1.refunds.create_async(params={"charge": failed_charge})
    assert refused.value.param == "charge"
    assert sandbox.state.refunds == {}


async def test_a_refund_needs_a_payment_and_a_positive_amount(sandbox, paid_intent):
    with pytest.raises(stripe.InvalidRequestError) as nothing:
        await sandbox.sdk.v1.refunds.create_async(params={"amount": 100})
    assert nothing.value.param == "payment_intent"
    with pytest.raises(stripe.InvalidRequestError) as zero:
        await sandbox.sdk.v1.refunds.create_async(params={"payment_intent": paid_intent, "amount": 0})
    assert zero.value.param == "amount"


async def test_a_charge_must_belong_to_the_payment_intent_named_with_it(sandbox, paid_intent):
    other = await sandbox.create_session()
    await sandbox.pay(other.id)
    other_charge = sandbox.state.payment_intents[sandbox.state.sessions[other.id]["payment_intent"]]["latest_charge"]
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await sandbox.sdk.v1.refunds.create_async(params={"payment_intent": paid_intent, "charge": other_charge})
    assert refused.value.param == "charge"


# -- customers -------------------------------------------------------------------------------------


async def test_create_and_retrieve_a_customer(sandbox):
    customer = await sandbox.sdk.v1.customers.create_async(
        params={
            "email": "asha@example.in",
            "name": "Asha Rao",
            "phone": "+919876543210",
            "metadata": {"galla_id": "u1"},
            "address": {"city": "Pune", "country": "IN"},
        }
    )
    assert customer.id.startswith("cus_") and customer.object == "customer"
    fetched = await sandbox.sdk.v1.customers.retrieve_async(customer.id)
    assert fetched.to_dict() == customer.to_dict()
    assert (fetched.email, fetched.name, fetched.phone) == ("asha@example.in", "Asha Rao", "+919876543210")
    assert fetched.metadata.to_dict() == {"galla_id": "u1"} and fetched.address.city == "Pune"

    with pytest.raises(stripe.InvalidRequestError) as bad:
        await sandbox.sdk.v1.customers.create_async(params={"email": "not an email"})
    assert (bad.value.code, bad.value.param) == ("email_invalid", "email")


async def test_list_customers_by_exact_email(sandbox, clock):
    asha = await sandbox.sdk.v1.customers.create_async(params={"email": "asha@example.in"})
    clock.advance(1)
    await sandbox.sdk.v1.customers.create_async(params={"email": "ravi@example.in"})
    clock.advance(1)
    asha_again = await sandbox.sdk.v1.customers.create_async(params={"email": "asha@example.in"})

    listed = await sandbox.sdk.v1.customers.list_async(params={"email": "asha@example.in"})
    assert [customer.id for customer in listed.data] == [asha_again.id, asha.id]
    assert (await sandbox.sdk.v1.customers.list_async(params={"email": "ASHA@example.in"})).data == []
    assert len((await sandbox.sdk.v1.customers.list_async()).data) == 3


async def test_search_customers_by_email_with_quotes_escaped(us_sandbox):
    obrien = await us_sandbox.sdk.v1.customers.create_async(params={"email": "o'brien@example.ie", "name": "Siobhan"})
    await us_sandbox.sdk.v1.customers.create_async(params={"email": "obrien@example.ie", "name": "Other"})

    found = await us_sandbox.sdk.v1.customers.search_async(params={"query": "email:'o\\'brien@example.ie'"})
    assert found.object == "search_result" and [customer.id for customer in found.data] == [obrien.id]
    assert found.has_more is False and found.next_page is None
    upper = await us_sandbox.sdk.v1.customers.search_async(params={"query": "email:'O\\'BRIEN@example.ie'"})
    assert [customer.id for customer in upper.data] == [obrien.id]  # search ignores case; list does not
    double = await us_sandbox.sdk.v1.customers.search_async(params={"query": 'email:"o\'brien@example.ie"'})
    assert [customer.id for customer in double.data] == [obrien.id]


async def test_search_by_name_metadata_and_combinations(us_sandbox):
    asha = await us_sandbox.sdk.v1.customers.create_async(
        params={"email": "asha@example.in", "name": "Asha Rao", "metadata": {"tier": "gold"}}
    )
    ravi = await us_sandbox.sdk.v1.customers.create_async(params={"email": "ravi@example.in", "name": "Ravi Rao"})

    async def ids(query: str) -> set[str]:
        return {
            customer.id for customer in (await us_sandbox.sdk.v1.customers.search_async(params={"query": query})).data
        }

    assert await ids("name~'rao'") == {asha.id, ravi.id}
    assert await ids("metadata['tier']:'gold'") == {asha.id}
    assert await ids("name~'rao' AND -email:'asha@example.in'") == {ravi.id}
    assert await ids("email:'asha@example.in' OR email:'ravi@example.in'") == {asha.id, ravi.id}


@pytest.mark.parametrize(
    "query", ["email:asha", "colour:'red'", "email:'a' AND name:'b' OR phone:'c'", "name~'ab'", "email>'a'"]
)
async def test_a_query_the_search_language_does_not_allow_is_a_400(us_sandbox, query):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await us_sandbox.sdk.v1.customers.search_async(params={"query": query})
    assert refused.value.param == "query"


async def test_search_pages_with_next_page(us_sandbox):
    for index in range(3):
        await us_sandbox.sdk.v1.customers.create_async(params={"email": f"c{index}@example.in", "name": "Same"})
    first = await us_sandbox.sdk.v1.customers.search_async(params={"query": "name:'Same'", "limit": 2})
    assert len(first.data) == 2 and first.has_more and first.next_page
    second = await us_sandbox.sdk.v1.customers.search_async(
        params={"query": "name:'Same'", "limit": 2, "page": first.next_page}
    )
    assert len(second.data) == 1 and not second.has_more
    assert {c.id for c in first.data}.isdisjoint(c.id for c in second.data)


async def test_a_page_token_the_sandbox_did_not_hand_out_is_refused(us_sandbox):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await us_sandbox.sdk.v1.customers.search_async(params={"query": "name:'Same'", "page": "page_abc"})
    assert refused.value.param == "page"
