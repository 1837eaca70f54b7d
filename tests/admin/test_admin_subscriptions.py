"""The admin's subscriptions: the list (filters by status, plan and gateway; a search box by our id, the gateways'
ids, email or name, each backed by an index), one subscription's page (status, plan and locked amount, gateway ids,
next charge, charges, trace with the ledger's webhooks), and the owner's actions, sent to the Razorpay sandbox over
real sockets: pause, resume, cancel at the period's end, cancel now, and refund a charge, each confirmed first.

Gateway behaviour as SUBSCRIPTIONS.md §4 records it (Razorpay's cancel, pause and resume pages): only an active
subscription pauses, only a paused one resumes, cancel_at_cycle_end keeps it active until the cycle ends.
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from html import unescape

import pytest
from support.admin import hidden_token, sign_in
from support.app import ADMIN
from support.razorpay_subscriptions import hook_up, sandbox_record
from support.stored_subscriptions import STARTED, store_charge, store_subscription, subscribe_through_razorpay
from support.subscribing import subscribe, subscribe_body

from galla.store.db import INDEXES
from galla.store.subscription_charges import get_charge, list_charges
from galla.store.subscriptions import get_subscription, match_text
from galla.web.state import DATABASE

DAY = timedelta(days=1)
US_BUYER = {"name": "Jane Doe", "email": "jane@example.com", "phone": "+1 415 555 0100"}


def text_of(html: str) -> str:
    """A page's words without tags, entities or runs of spaces."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


async def listed(client, query: str = "") -> list[str]:
    resp = await client.get(f"/admin/subscriptions{query}", headers=ADMIN)
    assert resp.status == 200, await resp.text()
    return re.findall(r'<tr data-subscription-id="([^"]+)"', await resp.text())


# -- the list -----------------------------------------------------------------------------------------------------


async def test_the_list_filters_and_searches(client, database):
    db = database.db
    asha = await store_subscription(db, customer={"name": "Asha Rao", "email": "asha@example.in", "phone": ""})
    halted = await store_subscription(
        db, status="halted", plan_id="spice-almanac", plan_name="Spice almanac", created_at=STARTED + DAY
    )
    stripe = await store_subscription(
        db,
        created_at=STARTED + 2 * DAY,
        gateway="stripe",
        currency="USD",
        amount=900,
        razorpay_subscription_id=None,
        stripe_subscription_id="sub_1QxYzStripeAbc",
        stripe_session_id="cs_test_a1B2c3D4",
        customer={"name": "Kenji Sato", "email": "kenji@example.jp", "phone": ""},
    )
    newest_first = [stripe.id, halted.id, asha.id]
    assert await listed(client) == newest_first
    assert await listed(client, "?status=halted") == [halted.id]
    assert await listed(client, "?plan=spice-almanac") == [halted.id]
    assert await listed(client, "?gateway=stripe") == [stripe.id]
    assert await listed(client, "?gateway=razorpay&status=active") == [asha.id]
    for q, found in (
        (asha.id, asha),
        (asha.razorpay_subscription_id, asha),
        ("sub_1QxYzStripeAbc", stripe),
        ("cs_test_a1B2c3D4", stripe),
        ("ASHA@example.in", asha),
        ("kenji", stripe),
        ("sato ken", stripe),
    ):
        assert await listed(client, f"?q={q}") == [found.id], q
    assert await listed(client, "?q=nobody") == []
    page = await (await client.get("/admin/subscriptions?status=halted&plan=spice-almanac", headers=ADMIN)).text()
    assert '<option value="halted" selected>Halted</option>' in page
    assert '<option value="spice-almanac" selected>Spice almanac</option>' in page
    assert "Monthly" in page and "₹499.00" in page


@pytest.mark.parametrize(
    "query, field",
    [
        ("status=late", "status"),
        ("gateway=paypal", "gateway"),
        ("plan=Not%20A%20Plan", "plan"),
        ("q=" + "x" * 101, "q"),
    ],
)
async def test_a_bad_filter_is_refused_naming_its_field(client, query, field):
    resp = await client.get(f"/admin/subscriptions?{query}", headers=ADMIN)
    page = await resp.text()
    assert resp.status == 422 and f'data-field="{field}"' in page
    assert f'id="filter-{field}"' in page and 'aria-invalid="true"' in page


def test_each_filter_and_search_reads_a_declared_index():
    declared = {index.document["name"]: list(index.document["key"]) for index in INDEXES["subscriptions"]}
    leads = {keys[0] for keys in declared.values()}
    for field in ("status", "plan_id", "gateway", "created_at"):
        assert field in leads, field
    # Each search's fields: our id is _id; the others lead an index each.
    for text in ("sub_ABCDEFGHIJKLMN", "cs_test_abc", "a@b.in", "asha rao"):
        fields = set(re.findall(r"'([a-z_.]+)': ", str(match_text(text)))) - {"$or", "$and", "$regex"}
        assert fields and fields <= leads, (text, fields)
    assert match_text("sbn_abc") == {"_id": "sbn_abc"}


# -- one subscription -----------------------------------------------------------------------------------------------


async def test_the_page_shows_the_subscription_its_charges_and_its_trace(client, database):
    db = database.db
    webhook = {"at": STARTED, "kind": "webhook", "gateway": "razorpay", "event_id": "evt_charged_1"}
    status = {"at": STARTED, "kind": "status", "from": "authenticated", "to": "active", "reason": "Razorpay reports it"}
    sub = await store_subscription(db, charge_at=STARTED.replace(month=12), paid_count=1, timeline=[webhook, status])
    await store_charge(db, sub, "inv_0000000000000A")
    await store_charge(db, sub, "inv_0000000000000B", "failed", period_start=STARTED.replace(month=12))
    await db.events.insert_one(
        {
            "_id": "razorpay:evt_charged_1",
            "gateway": "razorpay",
            "event_id": "evt_charged_1",
            "type": "subscription.charged",
            "order_id": sub.id,
            "status": "applied",
            "outcome": "active, 1 paid",
            "received_at": STARTED,
            "applied_at": STARTED,
            "deliveries": 2,
            "redelivered_at": [STARTED],
        }
    )
    resp = await client.get(f"/admin/subscriptions/{sub.id}", headers=ADMIN)
    page = await resp.text()
    assert resp.status == 200, page
    words = text_of(page)
    assert 'data-testid="subscription-status" data-status="active"' in page
    assert "Chai club (version 1) · Monthly · until cancelled" in words
    assert "₹499.00 each charge, locked when the buyer subscribed" in words
    assert sub.razorpay_subscription_id in words and "Next charge 02 Dec 2026" in words
    # An Indian mandate's rules, for the owner (galla/orders/mandates.py): who sends the pre-debit notice.
    assert "Largest debit ₹499.00 each period" in words and "Methods it allows UPI Autopay, Card" in words
    assert "sent by the buyer's bank or UPI app, not by this shop" in words
    rows = re.findall(r'<tr data-charge-id="([^"]+)"', page)
    assert rows == ["razorpay:inv_0000000000000A", "razorpay:inv_0000000000000B"]
    assert 'data-testid="refund-inv_0000000000000A"' in page and 'data-testid="refund-inv_0000000000000B"' not in page
    titles = re.findall(r'data-testid="trace-title">([^<]+)<', page)
    assert "Status → Active" in titles and "Webhook subscription.charged" in titles
    assert "Webhook subscription.charged again" in titles  # its redelivery, acknowledged and not applied again
    for key in ("cancel_at_period_end", "cancel_now", "pause"):
        assert f'data-testid="action-{key}"' in page
    assert 'data-testid="action-resume"' not in page


async def test_the_mandate_section_says_the_indian_rules_where_they_apply(client, database):
    big = await store_subscription(database.db, amount=2_000_000, payment_method="card")
    words = text_of(await (await client.get(f"/admin/subscriptions/{big.id}", headers=ADMIN)).text())
    assert "Methods it allows Card, Netbanking e-mandate" in words  # UPI Autopay debits at most ₹15,000
    assert "each debit is above ₹15,000, so a card mandate asks the buyer to approve every one" in words
    assert "sent by the buyer's card's issuing bank, not by this shop" in words
    abroad = await store_subscription(database.db, gateway="stripe", currency="USD", amount=900)
    page = await (await client.get(f"/admin/subscriptions/{abroad.id}", headers=ADMIN)).text()
    assert 'data-testid="mandate"' not in page


async def test_an_unknown_subscription_is_a_404(client):
    resp = await client.get("/admin/subscriptions/sbn_nosuchthing", headers=ADMIN)
    assert resp.status == 404


# -- the owner's actions, through the Razorpay sandbox -------------------------------------------------------------


async def ask(client, sub_id: str, action: str) -> str:
    """Open the action's confirmation page, then confirm it; the page it ends on."""
    confirm = await client.post(f"/admin/subscriptions/{sub_id}/actions/{action}/confirm", headers=ADMIN)
    page = await confirm.text()
    assert confirm.status == 200 and f'data-testid="confirm-{action}"' in page, page
    resp = await client.post(f"/admin/subscriptions/{sub_id}/actions/{action}", headers=ADMIN, allow_redirects=False)
    assert (resp.status, resp.headers.get("Location")) == (303, f"/admin/subscriptions/{sub_id}?done={action}")
    return await (await client.get(resp.headers["Location"], headers=ADMIN)).text()


def remote_status(sandbox, razorpay_id: str) -> tuple[str, bool]:
    """The sandbox's own record: the subscription's status, and whether it is to end with its cycle."""
    (status, _, cancelling), _ = sandbox_record(sandbox, razorpay_id)
    return status, cancelling


async def test_pause_resume_and_cancel_go_to_the_gateway_and_show_what_it_reports(client, razorpay_sandbox):
    sub = await subscribe_through_razorpay(client, razorpay_sandbox)
    assert sub.status == "active", sub
    rid = sub.razorpay_subscription_id

    page = await ask(client, sub.id, "pause")
    assert 'data-status="paused"' in page and "Subscription paused." in page
    assert remote_status(razorpay_sandbox, rid)[0] == "paused"
    assert 'data-testid="action-resume"' in page and 'data-testid="action-pause"' not in page

    page = await ask(client, sub.id, "resume")
    assert 'data-status="active"' in page and remote_status(razorpay_sandbox, rid)[0] == "active"

    page = await ask(client, sub.id, "cancel_at_period_end")
    stored = await get_subscription(client.app[DATABASE].db, sub.id)
    assert stored.status == "active" and stored.cancel_at_period_end
    assert remote_status(razorpay_sandbox, rid) == ("active", True)
    assert "ends at the period's end" in text_of(page) and 'data-testid="action-cancel_at_period_end"' not in page

    page = await ask(client, sub.id, "cancel_now")
    assert 'data-status="cancelled"' in page and remote_status(razorpay_sandbox, rid)[0] == "cancelled"
    assert 'data-testid="no-actions"' in page
    titles = re.findall(r'data-testid="trace-title">([^<]+)<', page)
    for action in ("pause", "resume", "cancel at period end", "cancel now"):
        assert f"The owner asked Razorpay to {action} from the admin" in titles, titles
    assert any(t.startswith("POST /v1/subscriptions/") and t.endswith("/pause") for t in titles), titles
    assert "Status → Cancelled" in titles


async def test_a_late_webhook_keeps_a_cancellation_at_the_period_end(client, razorpay_sandbox):
    """Razorpay's subscription has no cancel-at-cycle-end field, so the flag is ours alone: a webhook applied after
    the cancel (the authentication's own, delivered late) must not write back the flag it read before (failed 3/3
    before the fix)."""
    hook_up(client, razorpay_sandbox)
    sub = await subscribe_through_razorpay(client, razorpay_sandbox)
    await ask(client, sub.id, "cancel_at_period_end")
    assert remote_status(razorpay_sandbox, sub.razorpay_subscription_id) == ("active", True)
    await asyncio.sleep(0.5)  # the sandbox's webhooks about the authentication arrive and are applied
    assert (await get_subscription(client.app[DATABASE].db, sub.id)).cancel_at_period_end


async def test_the_same_actions_reach_stripe_for_a_subscription_paid_there(client, stripe_sandbox):
    """§12: Stripe pauses (pause_collection), resumes, cancels at the period's end (cancel_at_period_end) and now
    (DELETE); the page shows what the fetch after each reports."""
    status, _, body = await subscribe(client, subscribe_body(country="US", customer=US_BUYER))
    assert status == 201, body
    session_id = body["stripe"]["session_id"]
    assert (await stripe_sandbox.pay(session_id))[0] == 303
    resp = await client.post(
        f"/api/subscriptions/{body['subscription_id']}/stripe/return", json={"session_id": session_id}
    )
    assert (await resp.json())["status"] == "active"
    sub = await get_subscription(client.app[DATABASE].db, body["subscription_id"])

    def remote() -> dict:
        return stripe_sandbox.state.subscriptions[sub.stripe_subscription_id]

    page = await ask(client, sub.id, "pause")
    assert 'data-status="paused"' in page and remote()["status"] == "paused"
    page = await ask(client, sub.id, "resume")
    assert 'data-status="active"' in page and remote()["status"] == "active"
    page = await ask(client, sub.id, "cancel_at_period_end")
    assert "ends at the period's end" in text_of(page) and remote()["cancel_at_period_end"] is True
    page = await ask(client, sub.id, "cancel_now")
    assert 'data-status="cancelled"' in page and remote()["status"] == "canceled"
    assert "Stripe subscription" in text_of(page) and sub.stripe_subscription_id in page


async def test_an_action_the_state_does_not_allow_is_refused_and_nothing_is_sent(client, razorpay_sandbox):
    sub = await subscribe_through_razorpay(client, razorpay_sandbox)
    resp = await client.post(f"/admin/subscriptions/{sub.id}/actions/resume", headers=ADMIN)
    page = await resp.text()
    assert resp.status == 409 and 'data-field="action"' in page and "a subscription active cannot" in page
    assert remote_status(razorpay_sandbox, sub.razorpay_subscription_id)[0] == "active"
    resp = await client.post(f"/admin/subscriptions/{sub.id}/actions/explode/confirm", headers=ADMIN)
    assert resp.status == 404 and 'data-field="action"' in await resp.text()


async def test_a_charge_is_refunded_after_confirming_and_never_beyond_what_it_took(client, razorpay_sandbox):
    db = client.app[DATABASE].db
    sub = await subscribe_through_razorpay(client, razorpay_sandbox)
    (charge,) = await list_charges(db, sub.id)
    assert charge.status == "paid" and charge.payment_id
    base = f"/admin/subscriptions/{sub.id}/charges/{charge.id}/refund"

    confirm = await client.post(base + "/confirm", data={"amount": "200"}, headers=ADMIN)
    page = await confirm.text()
    assert confirm.status == 200 and "Refund ₹200.00?" in page, page
    key = re.search(r'name="key" value="([^"]+)"', page)[1]
    form = {"amount": "20000", "key": key}
    resp = await client.post(base, data=form, headers=ADMIN, allow_redirects=False)
    assert resp.status == 303, await resp.text()
    again = await client.post(base, data=form, headers=ADMIN, allow_redirects=False)  # a resent form: one refund
    assert again.status == 303
    refunded = await get_charge(db, charge.id)
    assert refunded.refund_committed == 20000 and len(refunded.refunds) == 1 and refunded.refunds[0]["refund_id"]

    too_much = await client.post(base + "/confirm", data={"amount": "300"}, headers=ADMIN)
    page = await too_much.text()
    assert too_much.status == 422 and 'data-field="amount"' in page and "₹299.00" in page
    page = await (await client.get(f"/admin/subscriptions/{sub.id}", headers=ADMIN)).text()
    assert "Refund " in text_of(page) and "₹200.00" in text_of(page)


async def test_a_signed_in_admin_needs_the_forms_csrf_token(client, razorpay_sandbox):
    sub = await subscribe_through_razorpay(client, razorpay_sandbox)
    csrf = await sign_in(client)
    page = await (await client.get(f"/admin/subscriptions/{sub.id}")).text()
    assert hidden_token(page) == csrf
    resp = await client.post(f"/admin/subscriptions/{sub.id}/actions/pause", allow_redirects=False)
    assert resp.status == 403
    assert remote_status(razorpay_sandbox, sub.razorpay_subscription_id)[0] == "active"
    resp = await client.post(
        f"/admin/subscriptions/{sub.id}/actions/pause", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert resp.status == 303
    await asyncio.sleep(0)
    assert remote_status(razorpay_sandbox, sub.razorpay_subscription_id)[0] == "paused"


async def test_the_pages_need_the_admin(client, database):
    sub = await store_subscription(database.db)
    for path in ("/admin/subscriptions", f"/admin/subscriptions/{sub.id}"):
        resp = await client.get(path, allow_redirects=False)
        assert (resp.status, resp.headers["Location"]) == (303, "/admin/login")
    resp = await client.post(f"/admin/subscriptions/{sub.id}/actions/cancel_now", allow_redirects=False)
    assert resp.status == 401
