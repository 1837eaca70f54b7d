"""When a gateway does not do as asked, or a buyer never finishes: a cancel at the period's end the gateway ignored,
and a subscription opened but never authorised.

Razorpay's subscription keeps no field saying a cancel at the cycle's end is scheduled (razorpay/razorpay-node#330),
and it has been reported to ignore `cancel_at_cycle_end` ("cancel_at_cycle_end: true ... ignored",
razorpay/razorpay-node#452, open since 2025-07). Galla keeps the period end it asked for (cancel_asked_for), so a
charge for a later period goes to review (galla/orders/subscription_sync.py charged_after_cancel), and reconcile cancels at once a subscription still running after it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from galla.orders.context import Shop
from galla.orders.errors import Conflict, InvalidInput
from galla.orders.subscription_sync import CHARGE_GRACE
from galla.store.orders import timeline_entry
from galla.store.subscriptions import Subscription, append_subscription_timeline, mark_for_review

# How long a buyer has to authorise a new subscription before the shop gives it up. Razorpay's own deadline,
# `expire_by`, defaults to 30 years (SUBSCRIPTIONS.md §3): one opened and abandoned would stay `created`, fetched by
# reconcile every day for good. It is not sent instead because it is judged by Razorpay's clock, and a sandbox whose
# clock a developer moved on would refuse every new subscription ("expire_by cannot be lesser than the current
# time"). A Stripe session expires by itself after 24 hours (docs.stripe.com/api/checkout/sessions/create,
# expires_at); the same rule then finds nothing left to do.
AUTHORISE_WITHIN = timedelta(days=1)
GIVEN_UP = "never authorised within a day of subscribing: cancelled"
STILL_RUNNING = "asked to cancel at the end of the period, but the gateway kept it running after that: cancelled now"


async def enforce_cancel(shop: Shop, sub: Subscription, at: datetime) -> Subscription:
    """Cancel now, and flag for review, a subscription still running CHARGE_GRACE after the period end it was asked
    to cancel at; any other subscription is left as it is."""
    asked_for = sub.cancel_asked_for
    if sub.terminal or not sub.cancel_at_period_end or asked_for is None or at < asked_for + CHARGE_GRACE:
        return sub
    after = await shop.subscription_provider(sub.gateway).cancel_subscription(shop, sub, at_period_end=False)
    flagged = await mark_for_review(shop.db, sub.id, STILL_RUNNING, [timeline_entry("review", reason=STILL_RUNNING)])
    return flagged or after


async def give_up_unauthorised(shop: Shop, sub: Subscription, at: datetime) -> Subscription:
    """Cancel at its gateway a subscription still `created` AUTHORISE_WITHIN after the buyer subscribed, so it ends
    and reconcile looks at it no more; any other subscription is left as it is."""
    if sub.status != "created" or at < sub.created_at + AUTHORISE_WITHIN:
        return sub
    try:
        after = await shop.subscription_provider(sub.gateway).cancel_subscription(shop, sub, at_period_end=False)
    except (Conflict, InvalidInput):
        return sub  # nothing to cancel at the gateway yet (an open Stripe session): it expires by itself
    return await append_subscription_timeline(shop.db, sub.id, [timeline_entry("note", message=GIVEN_UP)]) or after
