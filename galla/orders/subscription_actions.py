"""What a buyer does to their subscription after subscribing: confirm the mandate (Razorpay's checkout.js handler,
or the return from Stripe's page), cancel at the end of the period, open Stripe's customer portal."""

from __future__ import annotations

from galla.orders.context import Shop
from galla.orders.errors import Conflict, NotFound, SignatureInvalid
from galla.orders.inputs import RazorpaySubscriptionVerifyRequest
from galla.store.subscription_charges import Charge, list_charges
from galla.store.subscriptions import Subscription, get_subscription


async def load_subscription(shop: Shop, sub_id: str, *, gateway: str | None = None) -> Subscription:
    """Fetch a subscription (paid through `gateway`, when named) or raise NotFound naming subscription_id."""
    sub = await get_subscription(shop.db, sub_id)
    if sub is None or (gateway is not None and sub.gateway != gateway):
        raise NotFound(
            "no subscription with this id" + (f" paid through {gateway}" if gateway else ""), field="subscription_id"
        )
    return sub


async def confirm_razorpay_mandate(shop: Shop, report: RazorpaySubscriptionVerifyRequest) -> Subscription:
    """Apply checkout.js's report of a mandate's authentication: its signature is checked against the Razorpay
    subscription id WE stored (never the one the browser names), then Razorpay is asked; nothing is stored if not."""
    sub = await load_subscription(shop, report.subscription_id, gateway="razorpay")
    if report.razorpay_subscription_id != sub.razorpay_subscription_id:
        raise SignatureInvalid("this payment belongs to another subscription", field="razorpay_subscription_id")
    proof = {
        "razorpay_payment_id": report.razorpay_payment_id,
        "razorpay_subscription_id": report.razorpay_subscription_id,
        "razorpay_signature": report.razorpay_signature,
    }
    return await shop.subscription_provider("razorpay").confirm_subscription(shop, sub.id, proof)


async def confirm_stripe_return(shop: Shop, sub_id: str, session_id: str) -> Subscription:
    """Apply the buyer's return from Stripe's Checkout page: the session must be the one we opened, and Stripe says
    what it became."""
    sub = await load_subscription(shop, sub_id, gateway="stripe")
    return await shop.subscription_provider("stripe").confirm_subscription(shop, sub.id, {"session_id": session_id})


# Why a buyer cannot cancel at the period's end, in a sentence's words.
STATUS_WORDS = {
    "created": "not started (nothing is charged unless you complete the payment)",
    "authenticated": "not started yet",
    "pending": "retrying a failed charge",
    "halted": "halted after failed charges",
    "paused": "paused",
}


async def cancel_at_period_end(shop: Shop, sub_id: str) -> Subscription:
    """Stop the subscription when the period paid for ends (a buyer cannot cancel at once); a repeat changes nothing."""
    sub = await load_subscription(shop, sub_id)
    if sub.cancel_at_period_end:
        return sub
    if sub.terminal:
        raise Conflict(f"this subscription is {sub.status} already", field="subscription_id", code="subscription_ended")
    # Only a running subscription has a period paid for to run out: one not started, retrying a failed charge,
    # halted or paused is cancelled by the shop (a gateway cancels those at once, SUBSCRIPTIONS.md §4).
    if sub.status != "active":
        raise Conflict(
            f"this subscription is {STATUS_WORDS.get(sub.status, sub.status)}: there is no paid period to run out, "
            "so please ask the shop to cancel it",
            field="subscription_id",
            code="subscription_not_active",
        )
    return await shop.subscription_provider(sub.gateway).cancel_subscription(shop, sub, at_period_end=True)


async def portal_url(shop: Shop, sub_id: str) -> str:
    """A fresh Stripe customer portal session for the subscription's customer, returning to its page."""
    sub = await load_subscription(shop, sub_id)
    url = None
    if sub.gateway == "stripe" and sub.stripe_customer_id:
        url = await shop.subscription_provider("stripe").portal_url(shop, sub, shop.subscription_url(sub.id))
    if url is None:
        raise Conflict(
            "only a subscription paid through Stripe, once started, has a customer portal",
            field="subscription_id",
            code="no_portal",
        )
    return url


async def load_subscription_and_charges(shop: Shop, sub_id: str) -> tuple[Subscription, list[Charge]]:
    """A subscription and every charge recorded for it."""
    sub = await load_subscription(shop, sub_id)
    return sub, await list_charges(shop.db, sub.id)
