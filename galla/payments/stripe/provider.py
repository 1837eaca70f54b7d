"""Stripe behind the provider interface: each method hands over to Stripe's own flows in this folder."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from galla.orders.context import Shop
from galla.orders.errors import Conflict, MalformedWebhook, SignatureRefused
from galla.payments.calls import CallRecord
from galla.payments.claims import dig, short
from galla.payments.gateways import Gateway
from galla.payments.money import Money
from galla.payments.provider import Entries, VerifiedEvent, all_reported, reported
from galla.payments.reports import RefundReport
from galla.payments.stripe.client import StripeWebhookEvent, WebhookSignatureInvalid
from galla.payments.stripe.confirm import confirm_stripe_return
from galla.payments.stripe.events import apply_stripe_event
from galla.payments.stripe.reconcile import give_back_late_stripe_payments, reconcile_stripe_order, scan_sessions
from galla.payments.stripe.session import open_stripe_session
from galla.payments.stripe.subscription_events import apply_stripe_subscription_event, is_stripe_subscription_event
from galla.payments.stripe.subscriptions import (
    change_stripe_subscription,
    confirm_stripe_subscription,
    fetch_stripe_subscription,
    open_stripe_subscription,
    stripe_portal_url,
    stripe_subscription_options,
)
from galla.payments.subscription_reports import ChargeReport, SubscriptionReport
from galla.store.orders import Order
from galla.store.subscriptions import Subscription


class StripeProvider:
    """Stripe Checkout: a hosted session per attempt, captured by Stripe; international cards, and INR on failover."""

    gateway = Gateway.STRIPE
    fails_over_to: Gateway | None = None
    # The sessions Galla opens leave payment_intent_data.capture_method at its default, automatic: "Stripe
    # automatically captures funds when the customer authorizes the payment" (Stripe's PaymentIntent capture_method).
    captures_by_hand = False

    async def open_payment(self, shop: Shop, order: Order, *, switch: dict[str, Any] | None = None) -> Order:
        """The order's open Checkout Session, or a new one (with a failover's fields, `switch`)."""
        return await open_stripe_session(shop, order, switch=switch)

    def checkout_options(self, shop: Shop, order: Order) -> dict[str, Any]:
        """The session the browser goes to."""
        return {"stripe": {"session_id": order.stripe_session_id, "url": order.stripe_session_url}}

    async def confirm(self, shop: Shop, order_id: str, proof: Mapping[str, str]) -> Order:
        """The session_id Stripe's success_url brings the buyer back with."""
        return await confirm_stripe_return(shop, order_id, proof["session_id"])

    async def capture(self, shop: Shop, order: Order, payment_id: str) -> Order:
        """Refused: no Stripe payment of Galla's waits for the shop's capture (captures_by_hand)."""
        raise Conflict("Stripe captures its payments itself", field="order_id", code="order_not_capturable")

    async def refund(
        self, shop: Shop, payment_id: str, money: Money, *, key: str, notes: dict[str, str]
    ) -> tuple[RefundReport, CallRecord]:
        """POST /v1/refunds with an Idempotency-Key derived from ours, our key in its metadata."""
        return reported(await shop.stripe_client.create_refund(payment_id, money, key=f"galla-{key}", metadata=notes))

    async def fetch_refund(self, shop: Shop, refund_id: str) -> tuple[RefundReport, CallRecord]:
        """GET /v1/refunds/:id."""
        return reported(await shop.stripe_client.retrieve_refund(refund_id))

    async def list_refunds(self, shop: Shop, payment_id: str) -> tuple[list[RefundReport], CallRecord]:
        """GET /v1/refunds?payment_intent=…"""
        return all_reported(await shop.stripe_client.list_refunds(payment_id))

    async def reconcile_order(self, shop: Shop, order: Order, expire_before: datetime) -> Order:
        """Every session the order had: a paid one settles it, an expired current one ends it."""
        return await reconcile_stripe_order(shop, order, expire_before)

    async def apply_best_payment(self, shop: Shop, order: Order, entries: Entries) -> Order | None:
        """The order's completed session, if it has one."""
        paid, _ = await scan_sessions(shop, order, entries)
        return paid

    def late_capture_window(self, shop: Shop) -> timedelta | None:
        """None: an expired session takes no payment, so no order fails over from Stripe with one still to come."""
        return None

    async def apply_late_payments(self, shop: Shop, order: Order, entries: Entries) -> tuple[Order, Entries]:
        """Paid sessions of the order other than its own payment."""
        return await give_back_late_stripe_payments(shop, order, entries)

    def read_webhook(self, shop: Shop, body: bytes, signature: str | None, event_id: str | None) -> VerifiedEvent:
        """Verify Stripe-Signature (300 s tolerance) over the raw body; the event id is in the body."""
        try:
            event = shop.stripe_client.parse_webhook(body, signature or "")
        except WebhookSignatureInvalid as exc:
            raise SignatureRefused(
                f"the webhook signature does not match: {exc}", field="Stripe-Signature", reason=str(exc)
            ) from exc
        except (ValueError, ValidationError) as exc:
            raise MalformedWebhook("the webhook body is not a Stripe event", field="body") from exc
        return VerifiedEvent(event.id, event.type, event.created, event.model_dump(), event)

    def read_stored_event(self, payload: dict[str, Any]) -> StripeWebhookEvent:
        """The stored event, read as on delivery."""
        return StripeWebhookEvent.model_validate(payload)

    async def apply_event(
        self, shop: Shop, event: StripeWebhookEvent, entries: Entries
    ) -> tuple[Order | Subscription | None, Order | Subscription | None]:
        """Apply a Stripe event: a subscription's (subscription_events.py) first, else an order's (events.py)."""
        if self.is_subscription_event(event):
            return await self.apply_subscription_event(shop, event, entries)
        return await apply_stripe_event(shop, event, entries)

    def read_claims(self, event: dict[str, Any], event_id: str | None) -> dict[str, Any]:
        """The body's event id and type, and the order its object names (client_reference_id or metadata)."""
        resource = dig(event, "data", "object")
        order_id = resource.get("client_reference_id") or dig(resource, "metadata").get("order_id")
        return {"event_id": short(event.get("id")), "type": short(event.get("type")), "order_id": short(order_id)}

    # -- subscriptions (galla/payments/subscription_provider.py; Stripe Billing, SUBSCRIPTIONS.md §11-§16) ----------

    async def open_subscription(self, shop: Shop, sub: Subscription) -> Subscription:
        """A Checkout Session in subscription mode, our id as client_reference_id and subscription metadata."""
        return await open_stripe_subscription(shop, sub)

    def subscription_options(self, shop: Shop, sub: Subscription) -> dict[str, Any]:
        """The session the browser goes to."""
        return stripe_subscription_options(sub)

    async def confirm_subscription(self, shop: Shop, sub_id: str, proof: Mapping[str, str]) -> Subscription:
        """The session_id Stripe's success_url brings back: ours, or refused; then fetched and synced."""
        return await confirm_stripe_subscription(shop, sub_id, proof)

    async def fetch_subscription(
        self, shop: Shop, sub: Subscription
    ) -> tuple[SubscriptionReport | None, list[ChargeReport], Entries]:
        """GET the Subscription (or our session's, expanded) and GET /v1/invoices?subscription=…"""
        return await fetch_stripe_subscription(shop, sub)

    async def cancel_subscription(self, shop: Shop, sub: Subscription, *, at_period_end: bool) -> Subscription:
        """cancel_at_period_end=true, or DELETE /v1/subscriptions/:id; then fetched and synced."""
        return await change_stripe_subscription(shop, sub, "cancel_at_period_end" if at_period_end else "cancel_now")

    async def pause_subscription(self, shop: Shop, sub: Subscription) -> Subscription:
        """POST /v1/subscriptions/:id/pause; then fetched and synced."""
        return await change_stripe_subscription(shop, sub, "pause")

    async def resume_subscription(self, shop: Shop, sub: Subscription) -> Subscription:
        """POST /v1/subscriptions/:id/resume (billing cycle anchor unchanged); then fetched and synced."""
        return await change_stripe_subscription(shop, sub, "resume")

    async def portal_url(self, shop: Shop, sub: Subscription, return_url: str) -> str | None:
        """A fresh customer portal session's url, for the subscription's Stripe customer."""
        return await stripe_portal_url(shop, sub, return_url)

    def is_subscription_event(self, event: StripeWebhookEvent) -> bool:
        """checkout.session.completed in subscription mode, invoice.paid/payment_failed, customer.subscription.*"""
        return is_stripe_subscription_event(event)

    async def apply_subscription_event(
        self, shop: Shop, event: StripeWebhookEvent, entries: Entries
    ) -> tuple[Subscription | None, Subscription | None]:
        """Find our subscription from the ids we stored, then fetch and sync it."""
        return await apply_stripe_subscription_event(shop, event, entries)
