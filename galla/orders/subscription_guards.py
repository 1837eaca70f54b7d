"""When a gateway does not do as asked: a cancel at the period's end it ignored.

Razorpay's subscription keeps no field saying a cancel at the cycle's end is scheduled (razorpay/razorpay-node#330),
and it has been reported to ignore `cancel_at_cycle_end` ("cancel_at_cycle_end: true ... ignored",
razorpay/razorpay-node#452, open since 2025-07). Galla keeps the period end it asked for (cancel_asked_for), so a
charge for a later period goes to review (galla/orders/subscription_sync.py charged_after_cancel), and reconcile cancels at once a subscription still running after it.
"""

from __future__ import annotations

from datetime import datetime

from galla.orders.context import Shop
from galla.orders.subscription_sync import CHARGE_GRACE
from galla.store.orders import timeline_entry
from galla.store.subscriptions import Subscription, mark_for_review

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
