"""Stripe Billing's webhook events for our subscriptions: each one only says "look again"; the subscription is fetched
and synced (SUBSCRIPTIONS.md §14, §19), so duplicates, losses and any order of arrival end in the same state."""

from __future__ import annotations

from galla.orders.context import Shop
from galla.payments.provider import Entries
from galla.payments.stripe.client import StripeInvoice, StripeSession, StripeWebhookEvent
from galla.payments.stripe.subscriptions import refresh_subscription
from galla.store.subscriptions import Subscription, find_subscription, get_subscription

# The events Galla syncs a subscription on (the list; invoice.payment_succeeded fires beside invoice.paid
# and customer.subscription.paused/resumed beside .updated, so they would only fetch the same thing again).
INVOICE_EVENTS = ("invoice.paid", "invoice.payment_failed")
SUBSCRIPTION_EVENTS = ("customer.subscription.updated", "customer.subscription.deleted")


def is_stripe_subscription_event(event: StripeWebhookEvent) -> bool:
    """Whether the event is about a subscription: a completed session in subscription mode (one in payment mode is
    an order's), an invoice's payment, or a change of the Subscription."""
    if event.type == "checkout.session.completed":
        return event.resource.get("mode") == "subscription"
    return event.type in INVOICE_EVENTS or event.type in SUBSCRIPTION_EVENTS


def named_subscription(event: StripeWebhookEvent) -> tuple[str | None, str | None]:
    """The Stripe Subscription id the event's object names, and the id of ours it carries in metadata (a hint)."""
    resource = event.resource
    if event.type in INVOICE_EVENTS:
        invoice = StripeInvoice.model_validate(resource)
        details = (invoice.parent or {}).get("subscription_details") or {}
        return invoice.subscription_id, (details.get("metadata") or {}).get("subscription_id")
    metadata = resource.get("metadata")
    hint = metadata.get("subscription_id") if isinstance(metadata, dict) else None
    return resource.get("id"), hint


async def find_event_subscription(shop: Shop, event: StripeWebhookEvent) -> Subscription | None:
    """Our subscription the event is about, found only from ids we stored.

    A completed session: the session id we stored. An invoice or Subscription: the Subscription id we stored; when it
    is not linked yet (this event came before checkout.session.completed), the metadata's id is only a hint: that
    subscription is taken if it is still unlinked with a session of ours, and the fetch then links what OUR session
    started, so a forged or foreign id links nothing.
    """
    if event.type == "checkout.session.completed":
        session = StripeSession.model_validate(event.resource)
        return await find_subscription(shop.db, stripe_session_id=session.id)
    gateway_id, hint = named_subscription(event)
    if not isinstance(gateway_id, str):
        return None
    found = await find_subscription(shop.db, stripe_subscription_id=gateway_id)
    if found is not None or not isinstance(hint, str):
        return found
    candidate = await get_subscription(shop.db, hint)
    if candidate is None or candidate.stripe_subscription_id or not candidate.stripe_session_id:
        return None
    return candidate


async def apply_stripe_subscription_event(
    shop: Shop, event: StripeWebhookEvent, entries: Entries
) -> tuple[Subscription | None, Subscription | None]:
    """Fetch and sync the subscription the event is about; (None, None) when it is none of ours."""
    sub = await find_event_subscription(shop, event)
    if sub is None:
        return None, None
    return sub, await refresh_subscription(shop, sub, entries)
