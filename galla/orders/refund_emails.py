"""Refund emails: the buyer hears when the shop makes a refund, when the gateway has processed it, and if it fails.

One outbox message per refund per stage, under an id made of the order, the refund's key and the stage, so a repeated
webhook, a reconcile pass or two writers at once queue it once (the outbox's unique _id).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from galla.orders.context import Shop
from galla.orders.emails import build_buyer_email
from galla.orders.receipts import format_shop_time, refund_arrival
from galla.orders.states import RefundStatus
from galla.payments.labels import gateway_label, method_label
from galla.payments.money import format_money
from galla.store.orders import Order
from galla.store.outbox import find_message_ids, queue_message


class RefundStage(StrEnum):
    """What a refund email tells the buyer."""

    # The gateway accepted the refund: Razorpay's refund is pending or processed, Stripe's pending or succeeded.
    MADE = "made"
    # The gateway has sent the money on: Razorpay `refund.processed` ("Triggered when the refund is successfully
    # processed", https://razorpay.com/docs/webhooks/refunds) or a fetched status `processed`; Stripe's refund
    # `succeeded` (https://docs.stripe.com/api/refunds/object, status), seen on refund.updated or charge.refunded.
    PROCESSED = "processed"
    # The bank could not take it: Razorpay `refund.failed`, Stripe `failed` or `canceled`. Told only to a buyer who
    # was told the refund was made; one refused before the gateway accepted it was never news to them.
    FAILED = "failed"


# The stages a refund entry's status has reached (a refund processed at once has been made too).
STAGES_REACHED: dict[str, tuple[RefundStage, ...]] = {
    RefundStatus.PENDING: (RefundStage.MADE,),
    RefundStatus.PROCESSED: (RefundStage.MADE, RefundStage.PROCESSED),
    RefundStatus.FAILED: (RefundStage.FAILED,),
}

SUBJECTS = {
    RefundStage.MADE: "{shop} has refunded {amount} on order {order_id}",
    RefundStage.PROCESSED: "Your refund of {amount} from {shop} has been processed",
    RefundStage.FAILED: "Your refund of {amount} from {shop} did not go through",
}


def refund_message_id(order_id: str, key: str, stage: RefundStage) -> str:
    """The outbox id of one stage's email about one refund: the same however often that stage is reported."""
    return f"refund-{stage.value}:{order_id}:{key}"


def describe_refund(shop: Shop, order: Order, entry: dict[str, Any]) -> dict[str, Any]:
    """The facts a refund email shows: how much, to which method, when to expect it, and the order."""
    currency = entry.get("currency") or order.currency
    gateway = entry.get("gateway") or order.gateway
    method = method_label((order.payment or {}).get("method"))
    return {
        "order_id": order.id,
        "order_url": shop.order_url(order.id),
        "customer_name": (order.customer.get("name") or "").split(" ")[0],
        "amount": format_money(entry["amount"], currency),
        "order_total": format_money(order.amount, order.currency),
        "method": method,
        # Both gateways refund only to the method that paid: "Refunds are sent back to the original payment method"
        # (https://razorpay.com/docs/payments/refunds/normal/), "Refunds can only be sent back to the original
        # payment method used in a charge" (https://docs.stripe.com/refunds, Refund destinations).
        "destination": f"the account you paid from ({method})" if method else "the account you paid from",
        "gateway": gateway_label(gateway),
        "arrives_within": refund_arrival(gateway),
        "made_at": format_shop_time(entry.get("requested_at") or entry.get("settled_at")),
        "refund_id": entry.get("refund_id") or "",
    }


def build_refund_email(shop: Shop, order: Order, entry: dict[str, Any], stage: RefundStage) -> dict[str, Any]:
    """One stage's email about one refund, as an outbox document addressed to the buyer."""
    refund = describe_refund(shop, order, entry)
    return build_buyer_email(
        shop,
        order,
        refund_message_id(order.id, entry["key"], stage),
        kind=f"refund_{stage.value}",
        subject=SUBJECTS[stage].format(shop=shop.name, amount=refund["amount"], order_id=order.id),
        template="refund",
        refund=refund,
        stage=stage.value,
    )


async def queue_refund_emails(shop: Shop, order: Order, keys: Iterable[str]) -> int:
    """Queue the emails due for these refunds of the order (counted ones, each stage once); how many were new."""
    wanted = set(keys)
    if not order.customer.get("email"):
        return 0
    due = [
        (entry, stage)
        for entry in order.refunds
        if entry.get("key") in wanted and not entry.get("held")
        for stage in STAGES_REACHED.get(entry.get("status") or "", ())
    ]
    if not due:
        return 0
    # One lookup for every id this needs, the "made" ones too: a failure is told only after a "made".
    ids = {refund_message_id(order.id, entry["key"], s) for entry, stage in due for s in (RefundStage.MADE, stage)}
    known = await find_message_ids(shop.db, ids)
    queued = 0
    for entry, stage in due:
        if refund_message_id(order.id, entry["key"], stage) in known:
            continue
        if stage == RefundStage.FAILED and refund_message_id(order.id, entry["key"], RefundStage.MADE) not in known:
            continue
        queued += await queue_message(shop.db, build_refund_email(shop, order, entry, stage))
    return queued
