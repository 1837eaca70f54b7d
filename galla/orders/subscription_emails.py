"""A subscription charge's receipt email: one per charge, queued once however often the charge is reported."""

from __future__ import annotations

from typing import Any

from galla.orders.context import Shop
from galla.orders.emails import build_buyer_email
from galla.orders.receipts import format_shop_time
from galla.payments.labels import gateway_label
from galla.store.outbox import message_exists, queue_message
from galla.store.subscription_charges import Charge
from galla.store.subscriptions import Subscription


def charge_receipt_id(charge_id: str) -> str:
    """A charge's receipt has one outbox id, so repeated events and reconcile passes queue it once."""
    return f"charge-receipt:{charge_id}"


def charge_receipt_url(shop: Shop, sub: Subscription, charge: Charge) -> str:
    """The buyer's page for one charge's receipt."""
    return f"{shop.subscription_url(sub.id)}/charges/{charge.id}"


def describe_charge(shop: Shop, sub: Subscription, charge: Charge) -> dict[str, Any]:
    """The facts a charge's receipt shows: plan, period, amount, when and how it was paid."""
    return {
        "subscription_id": sub.id,
        "plan_name": sub.plan_name,
        "customer_name": sub.customer.get("name", ""),
        "charge_id": charge.id,
        "invoice_id": charge.invoice_id,
        "payment_id": charge.payment_id or "",
        "amount": charge.amount,
        "currency": charge.currency,
        "refunded_amount": charge.refunded_amount,
        "paid_at": format_shop_time(charge.paid_at),
        "period_start": format_shop_time(charge.period_start),
        "period_end": format_shop_time(charge.period_end),
        "gateway": gateway_label(sub.gateway),
        "receipt_url": charge_receipt_url(shop, sub, charge),
        "subscription_url": shop.subscription_url(sub.id),
    }


async def queue_charge_receipt(shop: Shop, sub: Subscription, charge: Charge) -> bool:
    """Queue a paid charge's receipt email for the mailer; False when it was queued already or has nowhere to go."""
    if charge.status != "paid" or not sub.customer.get("email"):
        return False
    message_id = charge_receipt_id(charge.id)
    if await message_exists(shop.db, message_id):
        return False
    return await queue_message(
        shop.db,
        build_buyer_email(
            shop,
            sub,
            message_id,
            kind="charge_receipt",
            subject=f"Your {shop.name} receipt for {sub.plan_name}",
            template="charge_receipt",
            receipt=describe_charge(shop, sub, charge),
        ),
    )
