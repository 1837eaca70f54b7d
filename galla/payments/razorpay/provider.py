"""Razorpay behind the provider interface: each method hands over to Razorpay's own flows in this folder."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from galla.orders.context import Shop
from galla.orders.errors import MalformedWebhook, SignatureRefused
from galla.orders.inputs import RazorpayVerifyRequest
from galla.payments.calls import CallRecord
from galla.payments.claims import dig, short
from galla.payments.gateways import Gateway
from galla.payments.money import Money
from galla.payments.provider import Entries, VerifiedEvent, all_reported, reported
from galla.payments.razorpay.capture import capture_payment
from galla.payments.razorpay.client import RazorpayEvent, parse_webhook
from galla.payments.razorpay.confirm import confirm_razorpay_payment
from galla.payments.razorpay.events import apply_razorpay_event
from galla.payments.razorpay.order import open_razorpay_order
from galla.payments.razorpay.reconcile import (
    apply_best_razorpay_payment,
    give_back_late_razorpay_payments,
    reconcile_razorpay_order,
)
from galla.payments.razorpay.subscription_changes import (
    apply_razorpay_subscription_event,
    cancel_razorpay_subscription,
    confirm_razorpay_subscription,
    is_razorpay_subscription_event,
    pause_razorpay_subscription,
    resume_razorpay_subscription,
)
from galla.payments.razorpay.subscriptions import (
    fetch_razorpay_subscription,
    open_razorpay_subscription,
    razorpay_subscription_options,
)
from galla.payments.reports import RefundReport
from galla.payments.subscription_reports import ChargeReport, SubscriptionReport
from galla.store.orders import Order
from galla.store.subscriptions import Subscription


class RazorpayProvider:
    """Razorpay: orders paid through checkout.js, captured by Razorpay or by the shop (manual capture)."""

    gateway = Gateway.RAZORPAY
    fails_over_to: Gateway | None = Gateway.STRIPE  # an Indian buyer may pay by card through Stripe, in rupees
    captures_by_hand = True

    async def open_payment(self, shop: Shop, order: Order, *, switch: dict[str, Any] | None = None) -> Order:
        """Create the Razorpay order checkout.js pays (receipt = our order id)."""
        if switch is not None:
            raise ValueError("no gateway fails over to Razorpay")
        return await open_razorpay_order(shop, order)

    def checkout_options(self, shop: Shop, order: Order) -> dict[str, Any]:
        """The options checkout.js opens its window with; the amount comes from our database."""
        return {
            "razorpay": {
                "key": shop.razorpay_client.key_id,
                "order_id": order.razorpay_order_id,
                "amount": order.amount,
                "currency": order.currency,
                "name": shop.name,
                "description": describe_purchase(shop.name, [(i.name, i.quantity) for i in order.items]),
                "prefill": {
                    "name": order.customer.get("name", ""),
                    "email": order.customer.get("email", ""),
                    "contact": order.customer.get("phone", ""),
                },
                "notes": {"order_id": order.id},
            }
        }

    async def confirm(self, shop: Shop, order_id: str, proof: Mapping[str, str]) -> Order:
        """checkout.js's handler response: razorpay_order_id, razorpay_payment_id and razorpay_signature."""
        return await confirm_razorpay_payment(
            shop, RazorpayVerifyRequest.model_validate({**proof, "order_id": order_id})
        )

    async def capture(self, shop: Shop, order: Order, payment_id: str) -> Order:
        """POST /v1/payments/:id/capture for exactly the order's amount."""
        return await capture_payment(shop, order, payment_id, [])

    async def refund(
        self, shop: Shop, payment_id: str, money: Money, *, key: str, notes: dict[str, str]
    ) -> tuple[RefundReport, CallRecord]:
        """POST /v1/payments/:id/refund with our key in X-Refund-Idempotency."""
        return reported(await shop.razorpay_client.refund_payment(payment_id, money, key=key, notes=notes))

    async def fetch_refund(self, shop: Shop, refund_id: str) -> tuple[RefundReport, CallRecord]:
        """GET /v1/refunds/:id."""
        return reported(await shop.razorpay_client.fetch_refund(refund_id))

    async def list_refunds(self, shop: Shop, payment_id: str) -> tuple[list[RefundReport], CallRecord]:
        """GET /v1/payments/:id/refunds (https://razorpay.com/docs/api/refunds/fetch-multiple-refund-payment)."""
        return all_reported(await shop.razorpay_client.fetch_payment_refunds(payment_id))

    async def reconcile_order(self, shop: Shop, order: Order, expire_before: datetime) -> Order:
        """The order's Razorpay order (adopted by receipt if never saved) and its best payment."""
        return await reconcile_razorpay_order(shop, order, expire_before)

    async def apply_best_payment(self, shop: Shop, order: Order, entries: Entries) -> Order | None:
        """The best payment on the order's Razorpay order, if it has one."""
        return await apply_best_razorpay_payment(shop, order, entries)

    def late_capture_window(self, shop: Shop) -> timedelta | None:
        """Razorpay captures a payment authorised within the capture window of its creation (capture_settings)."""
        return timedelta(minutes=shop.razorpay_client.capture_window)

    async def apply_late_payments(self, shop: Shop, order: Order, entries: Entries) -> tuple[Order, Entries]:
        """Captured payments on the order's Razorpay order other than its own."""
        return await give_back_late_razorpay_payments(shop, order, entries)

    def read_webhook(self, shop: Shop, body: bytes, signature: str | None, event_id: str | None) -> VerifiedEvent:
        """Verify X-Razorpay-Signature over the raw body before reading it; the event id is X-Razorpay-Event-Id."""
        if not shop.razorpay_client.verify_webhook(body, signature or ""):
            raise SignatureRefused(
                "the webhook signature does not match",
                field="X-Razorpay-Signature",
                reason="the signature does not match",
                event_id=event_id,
            )
        if not event_id or len(event_id) > 100:
            raise MalformedWebhook("the X-Razorpay-Event-Id header is missing", field="X-Razorpay-Event-Id")
        try:
            event, received = parse_webhook(body)
        except (ValueError, ValidationError) as exc:
            raise MalformedWebhook("the webhook body is not a Razorpay event", field="body") from exc
        # The ledger keeps the body as Razorpay sent it (a dump of the model would add its defaults, and cost a
        # copy of the whole payload on every delivery).
        return VerifiedEvent(event_id, event.event, event.created_at, received, event)

    def read_stored_event(self, payload: dict[str, Any]) -> RazorpayEvent:
        """The stored body, read as on delivery."""
        return RazorpayEvent.model_validate(payload)

    async def apply_event(
        self, shop: Shop, event: RazorpayEvent, entries: Entries
    ) -> tuple[Order | Subscription | None, Order | Subscription | None]:
        """Apply a Razorpay event: a subscription's (subscription_changes.py), else an order's (events.py)."""
        if self.is_subscription_event(event):
            return await self.apply_subscription_event(shop, event, entries)
        return await apply_razorpay_event(shop, event, entries)

    # -- subscriptions (galla/payments/subscription_provider.py) ---------------------------------------------------

    async def open_subscription(self, shop: Shop, sub: Subscription) -> Subscription:
        """A Razorpay plan for the plan version (made once), then POST /v1/subscriptions."""
        return await open_razorpay_subscription(shop, sub)

    def subscription_options(self, shop: Shop, sub: Subscription) -> dict[str, Any]:
        """checkout.js's options: key and subscription_id, no amount and no order_id."""
        return razorpay_subscription_options(shop, sub)

    async def confirm_subscription(self, shop: Shop, sub_id: str, proof: Mapping[str, str]) -> Subscription:
        """checkout.js's handler response, checked against our stored Razorpay subscription id, then a sync."""
        return await confirm_razorpay_subscription(shop, sub_id, proof)

    async def fetch_subscription(
        self, shop: Shop, sub: Subscription
    ) -> tuple[SubscriptionReport | None, list[ChargeReport], Entries]:
        """GET /v1/subscriptions/:id and its invoices."""
        return await fetch_razorpay_subscription(shop, sub)

    async def cancel_subscription(self, shop: Shop, sub: Subscription, *, at_period_end: bool) -> Subscription:
        """POST …/cancel (cancel_at_cycle_end when at_period_end), then a sync."""
        return await cancel_razorpay_subscription(shop, sub, at_period_end=at_period_end)

    async def pause_subscription(self, shop: Shop, sub: Subscription) -> Subscription:
        """POST …/pause, then a sync."""
        return await pause_razorpay_subscription(shop, sub)

    async def resume_subscription(self, shop: Shop, sub: Subscription) -> Subscription:
        """POST …/resume, then a sync."""
        return await resume_razorpay_subscription(shop, sub)

    async def portal_url(self, shop: Shop, sub: Subscription, return_url: str) -> str | None:
        """Razorpay has no customer portal: the buyer cancels from our page (or their UPI app or bank, §4)."""
        return None

    def is_subscription_event(self, event: RazorpayEvent) -> bool:
        """subscription.* events."""
        return is_razorpay_subscription_event(event)

    async def apply_subscription_event(
        self, shop: Shop, event: RazorpayEvent, entries: Entries
    ) -> tuple[Subscription | None, Subscription | None]:
        """Find our subscription by its stored Razorpay id, then fetch and sync."""
        return await apply_razorpay_subscription_event(shop, event, entries)

    def read_claims(self, event: dict[str, Any], event_id: str | None) -> dict[str, Any]:
        """The event header's id, the event's name, and a notes order_id or receipt among its entities."""
        entities = [dig(entity, "entity") for entity in dig(event, "payload").values() if isinstance(entity, dict)]
        order_ids = [dig(e, "notes").get("order_id") or e.get("receipt") for e in entities]
        return {
            "event_id": short(event_id),
            "type": short(event.get("event")),
            "order_id": short(next((o for o in order_ids if o), None)),
        }


# checkout.js's `description` is shown under the business name (`name`) in Razorpay's window; it "must start with an
# alphanumeric character" (razorpay.com/docs/payment-gateway/web-integration/custom/checkout-options), and Razorpay
# refuses a payment whose description is longer than 255 ("Could not validate payment create request due to:
# description: the length must be no more than 255": razorpay/razorpay-flutter#419).
MAX_DESCRIPTION = 255


def describe_purchase(shop_name: str, lines: list[tuple[str, int]]) -> str:
    """The window's description: the shop and what is bought ("Galla — Kashmiri Pashmina Shawl ×1, ...")."""
    shown = [f"{name} ×{quantity}" for name, quantity in lines]
    text = shop_name
    # Lines that do not fit are counted ("and 3 more"), not cut mid-word.
    for kept in range(len(shown), 0, -1):
        rest = f" and {len(shown) - kept} more" if kept < len(shown) else ""
        text = f"{shop_name} — " * bool(shop_name) + ", ".join(shown[:kept]) + rest
        if len(text) <= MAX_DESCRIPTION:
            break
    return re.sub(r"^[^0-9A-Za-z]+", "", text)[:MAX_DESCRIPTION]
