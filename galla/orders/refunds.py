"""Refunds: asked for by the admin through the gateway that took the money, settled by what the gateway reports."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from galla.orders.context import Shop
from galla.orders.errors import CheckoutError, Conflict, InvalidInput
from galla.orders.refund_emails import queue_refund_emails
from galla.orders.second_payments import settle_extra_refund
from galla.orders.states import OrderStatus, RefundStatus, values
from galla.orders.view import call_entry, load_order
from galla.payments.errors import GatewayError, GatewayInvalid
from galla.payments.labels import gateway_label
from galla.payments.money import Money, format_money
from galla.payments.reports import RefundReport
from galla.store.order_refunds import OPEN_REFUND_STATUSES, add_refund, drop_refund, move_refund, reserve_refund
from galla.store.orders import Order, append_timeline_and_read, now, timeline_entry, transition_order

# Paid orders whose status says how much of them is refunded.
REFUND_TRACKING = values(OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED)
# Orders whose money may be given back: needs_review too, since refunding is how a person often settles it.
REFUNDABLE = values(OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.NEEDS_REVIEW)


class RefundRefused(CheckoutError, status=422, code="refund_refused"):
    """The gateway refused the refund for good; the amount it held is free again."""


def refund_key(order_id: str, idempotency_key: str | None) -> str:
    """Our key for a refund: derived from the caller's Idempotency-Key, so a retried request is the same refund."""
    if idempotency_key is None:
        return "rf_" + secrets.token_urlsafe(18)
    return "rf_" + hashlib.sha256(f"{order_id}:{idempotency_key}".encode()).hexdigest()[:32]


def find_refund(order: Order, key: str) -> dict[str, Any] | None:
    """The order's refund entry with this key."""
    return next((r for r in order.refunds if r.get("key") == key), None)


def refundable_amount(order: Order) -> int:
    """What may still be refunded: what was paid less every refund not failed."""
    return max((order.amount_paid or 0) - order.refund_committed, 0)


async def request_refund(
    shop: Shop, order_id: str, amount: int | None, idempotency_key: str | None = None, *, tries: int = 5
) -> tuple[Order, dict[str, Any]]:
    """Reserve a refund on the order (never more than was paid), then ask the gateway for it."""
    order = await load_order(shop, order_id)
    key = refund_key(order.id, idempotency_key)
    earlier = find_refund(order, key)
    if earlier is not None:
        return await resend_refund(shop, order, earlier)
    payment = check_refundable(order)
    left = refundable_amount(order)
    wanted = left if amount is None else amount
    check_refund_amount(order, wanted, left)
    entry = {
        "key": key,
        "amount": wanted,
        "currency": order.currency,
        "status": RefundStatus.REQUESTED.value,
        "gateway": payment.get("gateway", order.gateway),
        "refund_id": None,
        "requested_at": now(),
    }
    reserved = await reserve_refund(
        shop.db,
        order.id,
        entry,
        refundable_from=REFUNDABLE,
        limit=order.amount_paid or 0,
        entries=[timeline_entry("refund_requested", key=key, amount=wanted)],
    )
    if reserved is None:
        # Someone else moved the order or reserved a refund between our read and our write: judge afresh.
        if tries <= 1:
            raise Conflict(
                "the order changed while the refund was being reserved; please try again",
                field="order_id",
                code="order_busy",
                headers={"Retry-After": "1"},
            )
        return await request_refund(shop, order_id, amount, idempotency_key, tries=tries - 1)
    return await send_refund(shop, reserved, entry)


def check_refundable(order: Order) -> dict[str, Any]:
    """Refuse orders that hold no money we could give back; the payment that may be refunded."""
    if order.status not in REFUNDABLE or not order.payment or not order.amount_paid:
        raise Conflict(
            f"this order is {order.status.replace('_', ' ')} and has no payment to refund",
            field="order_id",
            code="order_not_refundable",
        )
    return order.payment


def check_refund_amount(order: Order, wanted: int, left: int) -> None:
    """Refuse a refund of nothing, or of more than is left of what was paid."""
    if left <= 0:
        raise Conflict(
            "everything paid for this order has been refunded already", field="amount", code="nothing_to_refund"
        )
    if wanted <= 0:
        raise InvalidInput("amount: must be a positive number of minor units", field="amount")
    if wanted > left:
        raise InvalidInput(
            f"amount: a refund of {format_money(wanted, order.currency)} is more than the "
            f"{format_money(left, order.currency)} left to refund",
            field="amount",
            code="refund_too_large",
        )


async def resend_refund(shop: Shop, order: Order, entry: dict[str, Any]) -> tuple[Order, dict[str, Any]]:
    """Answer a repeated request with its refund, sending it again if the gateway never answered the first."""
    if entry["status"] == RefundStatus.REQUESTED and not entry.get("refund_id"):
        return await send_refund(shop, order, entry)
    return order, entry


async def send_refund(shop: Shop, order: Order, entry: dict[str, Any]) -> tuple[Order, dict[str, Any]]:
    """Ask the gateway for a reserved refund under its key; its webhook (or reconciliation) settles it."""
    key, money = entry["key"], Money(entry["amount"], entry["currency"])
    notes = {"refund_key": key, "order_id": order.id}
    try:
        refund, call = await shop.refund(entry["gateway"], (order.payment or {})["id"], money, key=key, notes=notes)
    except GatewayInvalid as exc:
        # The gateway said no for good: free the reserved amount, and tell the admin why.
        await move_refund(
            shop.db,
            order.id,
            key,
            from_statuses=[RefundStatus.REQUESTED.value],
            fields={"status": RefundStatus.FAILED.value, "error": exc.description},
            inc={"refund_committed": -entry["amount"]},
            entries=call_entry(exc.call),
        )
        raise RefundRefused(
            f"{gateway_label(exc.gateway)} refused the refund: {exc.description}",
            field="amount" if exc.field == "amount" else None,
        ) from exc
    except GatewayError as exc:
        # No answer, or Razorpay still working on a refund of this payment (409, "You may retry the request upon
        # receiving this response": https://razorpay.com/docs/api/refunds/normal-refunds-idempotent): the refund may
        # exist, so it is no failure. It stays requested with its amount held; its webhook or reconciliation
        # settles it, and a retry under the same key cannot double it.
        note = timeline_entry(
            "note", message=f"refund {key} left requested: {exc.description}; the webhook or reconciliation settles it"
        )
        held = await append_timeline_and_read(shop.db, order.id, [*call_entry(exc.call), note]) or order
        return held, find_refund(held, key) or entry
    moved = await move_refund(
        shop.db,
        order.id,
        key,
        from_statuses=[RefundStatus.REQUESTED.value],
        fields={"status": RefundStatus.PENDING.value, "refund_id": refund.refund_id},
        inc={},
        entries=call_entry(call),
    )
    if moved is None:  # its webhook got here first and settled it
        moved = await append_timeline_and_read(shop.db, order.id, call_entry(call)) or order
    await queue_refund_emails(shop, moved, [key])  # the gateway accepted it: the buyer hears it is made
    return moved, find_refund(moved, key) or entry


async def settle_refund(shop: Shop, order: Order, report: RefundReport, entries: list[dict[str, Any]]) -> Order:
    """Apply what the gateway says about a refund, then queue the emails its status calls for (each once)."""
    settled = await apply_refund_report(shop, order, report, entries)
    await queue_refund_emails(shop, settled, [report.key or report.refund_id])
    return settled


async def apply_refund_report(shop: Shop, order: Order, report: RefundReport, entries: list[dict[str, Any]]) -> Order:
    """Apply what the gateway says about a refund, once: each step is one conditional update.

    Only a refund of the order's own payment, in its currency, counts; one of a second payment settles that
    payment's automatic refund; anything else is kept on the timeline as ignored, with the reason.
    """
    second = await settle_extra_refund(shop, order, report, entries)
    if second is not None:
        return second
    uncaptured = order.payment is None or order.status == OrderStatus.AUTHORIZED
    if uncaptured and report.payment_id and report.amount.currency == order.currency:
        # The refund came before the payment it is about (events arrive in any order), or is of an authorisation
        # never captured (only Razorpay's own auto-refund can be): held, uncounted, until the payment is captured
        # (count_held_refunds counts it) or known to be given back (drop_held_refunds).
        return await hold_refund(shop, order, report, entries)
    key = report.key or report.refund_id
    if any(r.get("held") and r.get("key") == key for r in order.refunds):
        # Held before the payment landed and not counted yet: move it as held, then count what is due.
        return await count_held_refunds(shop, await hold_refund(shop, order, report, entries))
    reason = foreign_refund_reason(order, report)
    if reason is not None:
        return await ignore_refund(shop, order, report, reason, entries)
    amount = report.amount.amount
    fields = {"status": report.status, "refund_id": report.refund_id, "settled_at": now()}
    entry = {
        "key": key,
        "amount": amount,
        "currency": report.amount.currency,
        "gateway": report.gateway,
        "payment_id": report.payment_id,
        "requested_at": None,
        **fields,
    }
    for _ in range(2):  # a concurrent report may add the entry between our two tries
        moved = await apply_refund_step(shop, order.id, key, report.status, amount, fields, entry, entries)
        if moved is not None:
            return await sync_refund_status(shop, moved)
    note = timeline_entry("note", message=f"refund {report.refund_id} is {report.status}; already recorded")
    return await append_timeline_and_read(shop.db, order.id, [*entries, note]) or order


def foreign_refund_reason(order: Order, report: RefundReport) -> str | None:
    """Why a refund report is not about this order's money, or None when it is."""
    own = (order.payment or {}).get("id")
    if report.payment_id != own:
        return f"refund {report.refund_id} is of payment {report.payment_id}, not this order's payment {own}"
    if (order.payment or {}).get("captured") is False and order.amount_paid is None:
        # Razorpay's own refund of an authorisation never captured (the order was closed as given back): that
        # money never was the shop's (https://razorpay.com/docs/payments/refunds/auto-refunds).
        return f"refund {report.refund_id} gives back payment {own}, which was never captured"
    if report.amount.currency != order.currency:
        return f"refund {report.refund_id} is in {report.amount.currency}, not the order's currency {order.currency}"
    return None


async def ignore_refund(
    shop: Shop, order: Order, report: RefundReport, reason: str, entries: list[dict[str, Any]]
) -> Order:
    """Keep a refund report that does not count for this order on its timeline, with the reason."""
    ignored = ignored_entry(
        {
            "refund_id": report.refund_id,
            "payment_id": report.payment_id,
            "amount": report.amount.amount,
            "currency": report.amount.currency,
            "status": report.status,
        },
        reason,
    )
    return await append_timeline_and_read(shop.db, order.id, [*entries, ignored]) or order


async def hold_refund(shop: Shop, order: Order, report: RefundReport, entries: list[dict[str, Any]]) -> Order:
    """Keep a refund that came before its payment, uncounted (held), or move a held one to its newer status."""
    key = report.key or report.refund_id
    fields = {"status": report.status, "refund_id": report.refund_id, "settled_at": now()}
    entry = {
        "key": key,
        "amount": report.amount.amount,
        "currency": report.amount.currency,
        "gateway": report.gateway,
        "payment_id": report.payment_id,
        "requested_at": None,
        "held": True,
        **fields,
    }
    held = timeline_entry(
        "note",
        message=f"refund {report.refund_id} of payment {report.payment_id} "
        f"({report.status}) held, not counted: the order has no captured payment",
    )
    entries = [*entries, held]
    # Forward only, as for counted refunds: pending may become processed or failed, never back.
    moved = await add_refund(shop.db, order.id, entry, inc={}, entries=entries) or await move_refund(
        shop.db, order.id, key, from_statuses=HELD_FROM[report.status], fields=fields, inc={}, entries=entries
    )
    if moved is not None:
        return moved
    note = timeline_entry("note", message=f"refund {report.refund_id} is {report.status}; already held")
    return await append_timeline_and_read(shop.db, order.id, [*entries, note]) or order


# A held refund's status moves forward as a counted one's does (a processed report after a failed one wins).
HELD_FROM: dict[str, list[str]] = {
    RefundStatus.PENDING: [],
    RefundStatus.PROCESSED: list(values(RefundStatus.PENDING, RefundStatus.FAILED)),
    RefundStatus.FAILED: [RefundStatus.PENDING.value],
}


async def drop_held_refunds(shop: Shop, order: Order, payment_id: str, reason: str) -> Order:
    """Drop the held (uncounted) refunds of a payment that will never be this order's, saying why."""
    for entry in [r for r in order.refunds if r.get("held") and r.get("payment_id") == payment_id]:
        order = await drop_refund(shop.db, order.id, entry["key"], [ignored_entry(entry, reason)]) or order
    return order


def ignored_entry(entry: dict[str, Any], reason: str) -> dict[str, Any]:
    """The timeline entry for a refund that does not count for the order."""
    return timeline_entry(
        "refund_ignored",
        refund_id=entry.get("refund_id"),
        payment_id=entry.get("payment_id"),
        amount=entry.get("amount"),
        currency=entry.get("currency"),
        status=entry.get("status"),
        reason=reason,
        message=f"refund ignored: {reason}",
    )


async def count_held_refunds(shop: Shop, order: Order) -> Order:
    """Now that the order has its payment, count the refunds that came before it, or drop the ones of others."""
    own = (order.payment or {}).get("id")
    if own is None or order.status == OrderStatus.AUTHORIZED:
        return order  # no captured payment yet: what is held stays held
    held = [r for r in order.refunds if r.get("held")]
    for entry in held:
        if entry.get("payment_id") != own:
            reason = f"refund {entry.get('refund_id')} is of payment {entry.get('payment_id')}, not {own}"
            order = await drop_refund(shop.db, order.id, entry["key"], [ignored_entry(entry, reason)]) or order
            continue
        counts: dict[str, dict[str, int]] = {
            RefundStatus.PROCESSED: {"refunded_amount": entry["amount"], "refund_committed": entry["amount"]},
            RefundStatus.PENDING: {"refund_committed": entry["amount"]},
        }
        counted = counts.get(entry.get("status") or "", {})
        note = timeline_entry(
            "note",
            message=f"refund {entry.get('refund_id')} ({entry.get('status')}), which came "
            "before the payment, now counts",
        )
        # Conditional on the entry still being held, so two writers count it once.
        order = (
            await move_refund(
                shop.db,
                order.id,
                entry["key"],
                from_statuses=[entry["status"]],
                fields={"held": False},
                inc=counted,
                entries=[note],
                held=True,
            )
            or order
        )
    synced = await sync_refund_status(shop, order)
    await queue_refund_emails(shop, synced, [entry["key"] for entry in held])  # now the buyer's refunds too
    return synced


async def apply_refund_step(
    shop: Shop,
    order_id: str,
    key: str,
    status: str,
    amount: int,
    fields: dict[str, Any],
    entry: dict[str, Any],
    entries: list[dict[str, Any]],
) -> Order | None:
    """Move one refund entry forward (or add it, for a refund made in the gateway's dashboard)."""

    async def move(from_statuses: Iterable[str], inc: dict[str, int]) -> Order | None:
        return await move_refund(
            shop.db, order_id, key, from_statuses=from_statuses, fields=fields, inc=inc, entries=entries, held=False
        )

    async def add(inc: dict[str, int]) -> Order | None:
        return await add_refund(shop.db, order_id, entry, inc=inc, entries=entries)

    both = {"refunded_amount": amount, "refund_committed": amount}
    if status == RefundStatus.PROCESSED:
        # A refund we recorded as failed that the gateway then processed gave the money back all the same:
        # counted (and its amount held again) once, by the conditional move from failed.
        return (
            await move(OPEN_REFUND_STATUSES, {"refunded_amount": amount})
            or await move([RefundStatus.FAILED.value], both)
            or await add(both)
        )
    if status == RefundStatus.FAILED:
        return await move(OPEN_REFUND_STATUSES, {"refund_committed": -amount}) or await add({})
    return await move([RefundStatus.REQUESTED.value], {}) or await add({"refund_committed": amount})


async def sync_refund_status(shop: Shop, order: Order) -> Order:
    """Make a paid order's status say how much of it the gateway has refunded."""
    paid = order.amount_paid or order.amount
    if order.refunded_amount <= 0 or order.status not in REFUND_TRACKING:
        return order
    target = OrderStatus.REFUNDED if order.refunded_amount >= paid else OrderStatus.PARTIALLY_REFUNDED
    if target == order.status:
        return order
    reason = f"{format_money(order.refunded_amount, order.currency)} of {format_money(paid, order.currency)} refunded"
    # Only the writer who saw the latest refunded amount moves the status, so a slower one cannot undo it.
    moved = await transition_order(
        shop.db,
        order.id,
        allowed_from=list(REFUND_TRACKING),
        to=target.value,
        reason=reason,
        where={"refunded_amount": order.refunded_amount},
    )
    return moved or await load_order(shop, order.id)


async def find_refund_by_key(
    shop: Shop, gateway: str, payment_id: str | None, key: str
) -> tuple[RefundReport | None, list[dict[str, Any]]]:
    """Look a refund up among its payment's refunds by the refund_key note we gave it; None if not made."""
    if not payment_id:
        return None, []
    reports, call = await shop.provider(gateway).list_refunds(shop, payment_id)
    entries = [timeline_entry("reconcile", gateway=gateway), *call_entry(call)]
    return next((report for report in reports if report.key == key), None), entries
