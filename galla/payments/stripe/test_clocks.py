"""Stripe test clocks for a sandboxed run (`make run`): each new subscription's buyer is a Stripe customer living on
a clock of the subscription's own, which the admin's sandbox panel moves on so renewals, retries and their signed
webhooks happen as they would over months.

Stripe: "create a customer first, then a subscription for them. Both the customer and subscription are associated
with the simulation" (docs.stripe.com/billing/testing/test-clocks/api-advanced-usage); Checkout reaches a clock only
through such a clock-attached `customer` (SUBSCRIPTIONS.md §18). Never used with real keys (Shop.sandboxed).
"""

from __future__ import annotations

from galla.orders.context import Shop
from galla.orders.errors import Conflict
from galla.orders.view import call_entry
from galla.payments.provider import Entries
from galla.store.orders import now
from galla.store.subscriptions import Subscription


def on_test_clocks(shop: Shop) -> bool:
    """Whether new Stripe subscriptions get a test clock of their own: only when this app plays Stripe itself."""
    return "stripe" in shop.sandboxed


async def own_test_clock(shop: Shop, sub: Subscription, entries: Entries) -> str:
    """A new test clock frozen at now for one subscription, made once (its Idempotency-Key names it); its id. The
    subscription's own customer is then made on it (galla/payments/stripe/subscriptions.py customer_of_its_own)."""
    clock, call = await shop.stripe_client.create_test_clock(
        int(now().timestamp()), name=f"Galla {sub.id}", key=f"galla-{sub.id}-test-clock"
    )
    entries += call_entry(call)
    return clock.id


async def advance_own_clock(shop: Shop, clock_id: str, seconds: int, entries: Entries) -> int:
    """Move a subscription's test clock on by seconds from its own frozen time (not ours: it may be months
    ahead); the clock's new time. Conflict while Stripe is still advancing it from the last move."""
    clock, call = await shop.stripe_client.retrieve_test_clock(clock_id)
    entries += call_entry(call)
    if clock.status != "ready":
        raise Conflict(f"the Stripe test clock is {clock.status}; try again in a moment", field="span")
    moved, call = await shop.stripe_client.advance_test_clock(clock_id, clock.frozen_time + seconds)
    entries += call_entry(call)
    return moved.frozen_time
