"""The buyer's subscription pages, served: the plans priced for the buyer's country with the Indian mandate's rules,
a subscription's page in words (status, next charge, charges with receipts, mandate), and a charge's receipt."""

from __future__ import annotations

import re

from support.subscriptions import authenticate, subscribe, subscribe_body, verify


def text_of(html: str) -> str:
    """The page's words, tags and runs of white space dropped."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_the_plans_page_prices_each_plan_for_an_indian_buyer_with_its_mandate_rules(client):
    resp = await client.get("/plans")
    page = text_of(await resp.text())

    assert resp.status == 200
    assert "₹499.00 every month, until you cancel" in page
    assert "₹4,999.00 every year" in page
    assert "Charged automatically through Razorpay" in page
    assert "UPI Autopay can carry it" in page
    assert "not this shop" in page  # who sends the pre-debit notice
    assert 'id="field-rules"' in await resp.text()


async def test_the_plans_page_prices_for_a_us_buyer_in_dollars_through_stripe(client):
    page = text_of(await (await client.get("/plans?country=US")).text())
    assert "$9.00 every month" in page and "through Stripe" in page
    assert "UPI Autopay" not in page


async def test_an_unknown_country_on_the_plans_page_is_not_found(client):
    assert (await client.get("/plans?country=ZZ")).status == 404


async def test_a_subscription_page_says_where_it_stands_and_lists_its_charges_with_receipts(client, razorpay_sandbox):
    _, _, body = await subscribe(client)
    sub_id = body["subscription_id"]

    waiting = await client.get(f"/subscriptions/{sub_id}")
    assert waiting.status == 200 and waiting.headers["Cache-Control"].startswith("no-store")
    page = text_of(await waiting.text())
    assert "Waiting for you to authorise the payments" in page and "No charges yet." in page
    assert "Your mandate" in page and "₹499.00" in page
    assert 'data-testid="cancel-subscription"' not in await waiting.text()

    await verify(client, sub_id, await authenticate(razorpay_sandbox, body["razorpay"]["subscription_id"]))
    html = await (await client.get(f"/subscriptions/{sub_id}")).text()
    page = text_of(html)
    assert "Active" in page and "IST" in page and "Next charge" in page
    assert 'data-testid="cancel-subscription"' in html and 'data-testid="portal"' not in html
    [receipt] = re.findall(r'href="(/subscriptions/[^"]+/charges/[^"]+)"', html)

    resp = await client.get(receipt)
    receipt_page = text_of(await resp.text())
    assert resp.status == 200
    assert "Receipt" in receipt_page and "Chai club" in receipt_page and "₹499.00" in receipt_page
    assert sub_id in receipt_page and "Razorpay" in receipt_page


async def test_a_charge_is_shown_only_under_its_own_subscription(client, razorpay_sandbox):
    _, _, mine = await subscribe(client)
    await verify(
        client, mine["subscription_id"], await authenticate(razorpay_sandbox, mine["razorpay"]["subscription_id"])
    )
    view = await (await client.get(f"/api/subscriptions/{mine['subscription_id']}")).json()
    _, _, other = await subscribe(
        client, subscribe_body(customer={"name": "Ravi", "email": "ravi@example.in", "phone": "+91 98765 43211"})
    )

    resp = await client.get(f"/subscriptions/{other['subscription_id']}/charges/{view['charges'][0]['id']}")
    assert resp.status == 404
    assert (await client.get("/subscriptions/sbn_nope")).status == 404
