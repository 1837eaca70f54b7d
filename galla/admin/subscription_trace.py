"""A subscription's trace: its timeline (gateway calls, status changes, charges, reviews, refunds, the owner's
actions) with the ledger's webhooks about it (stored under order_id = our subscription id), refused deliveries and
its emails, read as the order trace reads them (galla/admin/trace.py)."""

from __future__ import annotations

from galla.admin.trace import TraceStep, build_trace, refund_step, steps_for_entry
from galla.ops.redact import Redactor
from galla.orders.context import Shop
from galla.orders.errors import NotFound
from galla.payments.labels import subscription_label
from galla.payments.money import format_money
from galla.store.orders import Order
from galla.store.subscriptions import Subscription, get_subscription_and_timeline


async def trace_subscription(
    shop: Shop, subscription_id: str, redactor: Redactor
) -> tuple[Subscription, list[TraceStep]]:
    """The subscription as it is now and its trace, both from one read of it; NotFound naming subscription_id."""
    found = await get_subscription_and_timeline(shop.db, subscription_id)
    if found is None:
        raise NotFound(f"there is no subscription {subscription_id}", field="subscription_id")
    sub, timeline = found
    return sub, await build_trace(shop, sub, timeline, redactor, subscription_steps)


def subscription_steps(
    entry: dict, sub: Order | Subscription, events: dict[str, dict], redactor: Redactor
) -> list[TraceStep]:
    """The steps of one subscription timeline entry; kinds an order has too are read as the order trace reads them."""
    kind, at = entry.get("kind"), entry["at"]
    currency = entry.get("currency") or sub.currency
    money = format_money(int(entry.get("amount") or 0), currency)
    if kind == "status":
        title = f"Status → {subscription_label(str(entry.get('to') or ''))}"
        return [TraceStep(at, "status", "Galla", title, "changed", entry.get("reason", ""))]
    if kind == "charge":
        title = f"Charge {entry.get('invoice_id')} {entry.get('status', 'paid')}: {money}"
        return [TraceStep(at, "status", "Galla", title, "changed", f"payment {entry.get('payment_id') or '—'}")]
    if kind == "review":
        return [TraceStep(at, "note", "Galla", "Needs review", "failed", entry.get("reason", ""))]
    if kind == "refund":
        title = f"Refund {entry.get('refund_id')} of {money}: {entry.get('status')}"
        return [refund_step(at, "Admin → Galla", title, "info", f"charge {entry.get('charge_id')}")]
    if kind == "refund_failed":
        summary = f"charge {entry.get('charge_id')}: {entry.get('reason')}"
        return [refund_step(at, "Admin → Galla", "Refund refused by the gateway", "failed", summary)]
    if kind == "admin":
        return [TraceStep(at, "note", "Admin → Galla", entry.get("message") or str(entry.get("action")), "info")]
    return steps_for_entry(entry, sub, events, redactor)
