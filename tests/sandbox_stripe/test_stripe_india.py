"""Issue 24, the Stripe sandbox as an Indian account (its default country): no Search API (item 9), and Stripe
India's rules for international payments (item 10)."""

from __future__ import annotations

import pytest
import stripe

from stripe_fixtures import clock, sandbox, us_sandbox  # noqa: F401  (fixtures)


async def test_item9_an_indian_account_cannot_search_customers(sandbox):
    """"Search functionality is not available to merchants in India" (docs.stripe.com/api/customers/search);
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
