"""The Stripe customer portal opens only on a customer of the subscription's own. Galla once took the customer found
by the email the buyer typed, never checked: anyone who knew a buyer's email could subscribe unpaid with it, open
the portal of that shared customer and cancel the buyer's subscription there (the attacker review). The portal
manages every subscription of its customer (docs.stripe.com/customer-management), so the customer is the boundary."""

from __future__ import annotations

import re

import aiohttp
from support.subscribing import subscribe, subscribe_body

from galla.web.state import DATABASE

BUYER = {"name": "Jane Doe", "email": "jane@example.com", "phone": "+1 415 555 0100"}
STRANGER = {"name": "Mallory", "email": "jane@example.com", "phone": "+1 415 555 0199"}


async def paid_subscription(client, stripe_sandbox) -> dict:
    """A US buyer's subscription, paid on the sandbox's page and confirmed by the return: its stored document."""
    _, _, mine = await subscribe(client, subscribe_body(country="US", customer=BUYER), key="buyer-key-1")
    status, _, _ = await stripe_sandbox.pay(mine["stripe"]["session_id"], name=BUYER["name"], email=BUYER["email"])
    assert status == 303
    resp = await client.post(
        f"/api/subscriptions/{mine['subscription_id']}/stripe/return", json={"session_id": mine["stripe"]["session_id"]}
    )
    assert resp.status == 200, await resp.text()
    return await client.app[DATABASE].db.subscriptions.find_one({"_id": mine["subscription_id"]})


async def test_a_stranger_with_the_buyers_email_cannot_reach_the_buyers_subscription(client, stripe_sandbox):
    buyer = await paid_subscription(client, stripe_sandbox)
    _, _, theirs = await subscribe(client, subscribe_body(country="US", customer=STRANGER), key="stranger-key-1")
    stranger = await client.app[DATABASE].db.subscriptions.find_one({"_id": theirs["subscription_id"]})
    assert stranger["stripe_customer_id"] != buyer["stripe_customer_id"]
    # Unpaid, the stranger's subscription has no portal at all.
    portal = await client.post(f"/api/subscriptions/{theirs['subscription_id']}/portal")
    assert portal.status == 409 and (await portal.json())["error"]["code"] == "no_portal"


async def test_the_buyers_own_portal_lists_only_their_subscription(client, stripe_sandbox):
    buyer = await paid_subscription(client, stripe_sandbox)
    # Another subscription with the same email, paid too: each is managed on its own customer.
    _, _, theirs = await subscribe(client, subscribe_body(country="US", customer=STRANGER), key="stranger-key-2")
    status, _, _ = await stripe_sandbox.pay(theirs["stripe"]["session_id"], name="Mallory", email=STRANGER["email"])
    assert status == 303
    portal = await client.post(f"/api/subscriptions/{buyer['_id']}/portal")
    assert portal.status == 200, await portal.text()
    async with aiohttp.ClientSession() as http, http.get((await portal.json())["url"]) as page:
        listed = re.findall(r"/subscriptions/(sub_[A-Za-z0-9]+)/cancel", await page.text())
    assert listed == [buyer["stripe_subscription_id"]]
