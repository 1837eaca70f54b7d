"""A gateway that does not cancel at the period's end as asked. Razorpay's subscription keeps no field for a
scheduled cancel (razorpay/razorpay-node#330) and has been reported to ignore `cancel_at_cycle_end`
(razorpay/razorpay-node#452): here the sandbox is never told, as if it had ignored the request. The next period's
charge goes to review, and reconcile cancels it at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from support.razorpay_subscriptions import DAY, advance, authenticate, hook_up, opened

from galla.orders.subscription_guards import STILL_RUNNING
from galla.orders.subscription_reconcile import reconcile_subscriptions
from galla.store.subscription_charges import list_charges
from galla.store.subscriptions import get_subscription, keep_cancel_at_period_end
from galla.web.state import DATABASE, SHOP
from sandboxes.razorpay import SANDBOX_SUBSCRIPTIONS


@pytest.fixture
async def shop(make_client, razorpay_sandbox):
    """The app, with the sandbox sending its webhooks to it; the client and the sender."""
    client = await make_client()
    return client, hook_up(client, razorpay_sandbox)


async def test_a_cancel_the_gateway_ignored_is_charged_to_review_then_cancelled_by_reconcile(shop, razorpay_sandbox):
    client, sender = shop
    app_shop, db = client.app[SHOP], client.app[DATABASE].db
    sub = await opened(client)
    status, proof = await authenticate(razorpay_sandbox, sub.razorpay_subscription_id)
    assert status == 200, proof
    sub = await app_shop.subscription_provider("razorpay").confirm_subscription(app_shop, sub.id, proof)
    assert sub.status == "active" and sub.current_end is not None
    # Razorpay answered the cancel and did nothing: only our record of it exists.
    await keep_cancel_at_period_end(db, sub.id, sub.current_end)

    clock = await advance(razorpay_sandbox, 31 * DAY)
    await sender.drain(timeout=20)
    charged = await get_subscription(db, sub.id)
    assert charged is not None and charged.status == "active" and charged.paid_count == 2
    assert charged.review_reason == "charged for a period after the buyer cancelled at the end of the one before"
    later = [c for c in await list_charges(db, sub.id) if c.review_reason]
    assert len(later) == 1 and later[0].period_start is not None and later[0].period_start >= sub.current_end

    # Reconcile a day after the sandbox's charge: well past the end the cancel was asked for.
    await reconcile_subscriptions(app_shop, at=datetime.fromtimestamp(clock["now"] + DAY, UTC))
    await sender.drain(timeout=20)
    ended = await get_subscription(db, sub.id)
    assert ended is not None and ended.status == "cancelled"
    assert ended.review_reason == charged.review_reason  # the first reason is kept; the cancel is on the timeline
    timeline = (await db.subscriptions.find_one({"_id": sub.id}))["timeline"]
    assert any(e["kind"] == "review" and e["reason"] == STILL_RUNNING for e in timeline)


async def test_reconcile_leaves_a_subscription_whose_cancel_is_still_to_come(shop, razorpay_sandbox):
    client, _ = shop
    app_shop, db = client.app[SHOP], client.app[DATABASE].db
    sub = await opened(client)
    status, proof = await authenticate(razorpay_sandbox, sub.razorpay_subscription_id)
    assert status == 200, proof
    sub = await app_shop.subscription_provider("razorpay").confirm_subscription(app_shop, sub.id, proof)
    await keep_cancel_at_period_end(db, sub.id, sub.current_end)
    await reconcile_subscriptions(app_shop)
    still = await get_subscription(db, sub.id)
    assert still is not None and (still.status, still.cancel_at_period_end, still.review_reason) == (
        "active",
        True,
        None,
    )


async def test_a_subscription_never_authorised_is_given_up_after_a_day(shop, razorpay_sandbox):
    """Opened, the window closed, never authorised: Razorpay would keep it `created` for 30 years (its default
    expire_by, SUBSCRIPTIONS.md §3), fetched by reconcile every day. A day on, reconcile cancels it at Razorpay; a
    later pass fetches it no more (the attacker review: two Razorpay calls a day, for good)."""
    client, _ = shop
    app_shop, db = client.app[SHOP], client.app[DATABASE].db
    sub = await opened(client)
    soon = await reconcile_subscriptions(app_shop, at=sub.created_at + timedelta(hours=23))
    assert soon.checked == 1 and (await get_subscription(db, sub.id)).status == "created"  # type: ignore[union-attr]
    later = sub.created_at + timedelta(days=2)
    first = await reconcile_subscriptions(app_shop, at=later)
    ended = await get_subscription(db, sub.id)
    assert ended is not None and ended.status == "cancelled" and sub.id in first.changed
    remote = razorpay_sandbox.server.app[SANDBOX_SUBSCRIPTIONS].subscriptions[sub.razorpay_subscription_id]
    assert remote["status"] == "cancelled"
    again = await reconcile_subscriptions(app_shop, at=later + timedelta(days=30))
    assert again.checked == 0
