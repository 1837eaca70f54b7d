"""How an order's refunds read on its admin page: each refund's state, the payment's, and the notice after a refund."""

from __future__ import annotations

from dataclasses import dataclass

from galla.orders.states import OrderStatus, RefundStatus
from galla.orders.view import STATUS_LABELS
from galla.payments.labels import gateway_label, method_label
from galla.payments.money import format_money
from galla.store.orders import Order

REFUND_LABELS: dict[str, str] = {
    RefundStatus.REQUESTED: "Asked, no answer yet",
    RefundStatus.PENDING: "Pending at the gateway",
    RefundStatus.PROCESSED: "Processed",
    RefundStatus.FAILED: "Failed",
}
# The admin reads "Needs review" where the buyer reads "Being reviewed": the admin is the one to review it.
ADMIN_STATUS_LABELS: dict[str, str] = {**STATUS_LABELS, OrderStatus.NEEDS_REVIEW: "Needs review"}


@dataclass(frozen=True, slots=True)
class Notice:
    """A line at the top of the order page, and whether it reports a failure."""

    text: str
    failed: bool = False


def status_label(status: str) -> str:
    """An order's status as the admin reads it (partially_refunded → Partially refunded)."""
    return ADMIN_STATUS_LABELS.get(status, status.replace("_", " ").capitalize())


def refund_label(status: str) -> str:
    """A refund's status as the admin reads it."""
    return REFUND_LABELS.get(status, status.capitalize())


def payment_state(order: Order) -> str:
    """Where the order's payment stands, from its refunds first: a payment refunded in full never reads as paid."""
    paid = order.amount_paid or 0
    if paid and order.refunded_amount >= paid:
        return "Refunded"
    if order.refunded_amount > 0:
        return "Partially refunded"
    if order.refund_committed > 0:
        return "Refund pending"
    return str((order.payment or {}).get("status") or "").capitalize()


def describe_refund(order: Order, key: str | None) -> Notice | None:
    """The notice for the refund with this key, as it stands now in the store (None when there is no such refund)."""
    refund = next((r for r in order.refunds if key and r.get("key") == key), None)
    if refund is None:
        return None
    amount = format_money(int(refund.get("amount") or 0), refund.get("currency") or order.currency)
    gateway = gateway_label(refund.get("gateway") or order.gateway)
    status = refund.get("status")
    if status == RefundStatus.PROCESSED:
        method = method_label((order.payment or {}).get("method")) or "payment method"
        return Notice(f"Refund of {amount} processed: {gateway} has sent it back to the buyer's {method}.")
    if status == RefundStatus.PENDING:
        return Notice(f"Refund of {amount} is pending at {gateway}: the money is on its way back to the buyer.")
    if status == RefundStatus.FAILED:
        reason = f": {refund['error']}" if refund.get("error") else ""
        return Notice(f"Refund of {amount} failed at {gateway}{reason}. Nothing was sent back.", failed=True)
    return Notice(f"Refund of {amount} asked for; {gateway} has not answered yet.")
