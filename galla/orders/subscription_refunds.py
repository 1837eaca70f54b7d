"""Refunding a subscription's charge from the admin: reserved on the charge (never more than it took), sent under
our key so a retry is the same refund, and kept with what the gateway answered; then settled by the gateway's
refund webhooks (or reconcile), and a chargeback against a charge's payment kept on it for the owner's review."""

from __future__ import annotations

from typing import Any

from galla.orders.context import Shop
from galla.orders.errors import Conflict, InvalidInput, NotFound
from galla.orders.refunds import refund_key
from galla.orders.subscription_actions import load_subscription
from galla.orders.view import call_entry
from galla.payments.errors import GatewayError, GatewayUnavailable
from galla.payments.money import Money, format_money
from galla.payments.reports import DisputeReport, RefundReport
from galla.store.orders import now, timeline_entry
from galla.store.subscription_charges import (
    Charge,
    add_charge_refund,
    find_payment_charge,
    get_charge,
    keep_charge_dispute,
    reserve_charge_refund,
    settle_charge_refund,
)
from galla.store.subscriptions import (
    Subscription,
    append_subscription_timeline,
    get_subscription,
    mark_for_review,
)


async def load_charge(shop: Shop, subscription_id: str, charge_id: str) -> tuple[Subscription, Charge]:
    """A subscription and one of its charges; NotFound names the field that matched nothing."""
    sub = await load_subscription(shop, subscription_id)
    charge = await get_charge(shop.db, charge_id)
    if charge is None or charge.subscription_id != sub.id:
        raise NotFound(f"subscription {sub.id} has no charge {charge_id}", field="charge_id")
    return sub, charge


def check_charge_refund(charge: Charge, amount: int) -> None:
    """Refuse a refund of a charge that took nothing, or of more than is left of it."""
    if charge.status != "paid" or not charge.payment_id:
        raise Conflict(f"charge {charge.invoice_id} was not paid, so there is nothing to refund", field="charge_id")
    left = charge.amount - charge.refund_committed
    if amount < 1 or amount > left:
        raise InvalidInput(
            f"a refund of this charge must be between {format_money(1, charge.currency)} and "
            f"{format_money(left, charge.currency)}",
            field="amount",
        )


async def refund_charge(
    shop: Shop, subscription_id: str, charge_id: str, amount: int | None, idempotency_key: str | None = None
) -> tuple[Subscription, Charge]:
    """Refund all that is left of a charge (or `amount` of it) at its gateway; the charge as it then is."""
    sub, charge = await load_charge(shop, subscription_id, charge_id)
    key = refund_key(charge.id, idempotency_key)
    earlier = next((entry for entry in charge.refunds if entry.get("key") == key), None)
    if earlier is not None and earlier.get("refund_id"):
        return sub, charge  # this request was made and answered already
    if earlier is not None and earlier.get("status") == "failed":
        # Refused, so its reservation was freed: sending it again unreserved could refund more than the charge took.
        raise Conflict(
            f"this refund was refused ({earlier.get('error') or 'by the gateway'}); start a new refund to try again",
            field="charge_id",
            code="refund_refused",
        )
    wanted = charge.amount - charge.refund_committed if amount is None else amount
    entry: dict[str, Any] = {
        "key": key,
        "amount": wanted,
        "currency": charge.currency,
        "status": "requested",
        "gateway": charge.gateway,
        "refund_id": None,
        "requested_at": now(),
    }
    if earlier is None:
        check_charge_refund(charge, wanted)
        reserved = await reserve_charge_refund(shop.db, charge.id, entry, charge.amount)
        if reserved is None:
            raise Conflict(
                "the charge changed while the refund was being reserved; please try again",
                field="charge_id",
                code="charge_busy",
                headers={"Retry-After": "1"},
            )
    else:
        entry = earlier
    return sub, await send_charge_refund(shop, sub, charge, entry)


async def send_charge_refund(shop: Shop, sub: Subscription, charge: Charge, entry: dict[str, Any]) -> Charge:
    """Ask the gateway for a reserved refund under its key; keep what it answered (a failure frees the amount)."""
    money = Money(entry["amount"], entry["currency"])
    try:
        report, call = await shop.refund(
            charge.gateway,
            charge.payment_id or "",
            money,
            key=entry["key"],
            notes={"refund_key": entry["key"], "subscription_id": sub.id, "charge_id": charge.id},
        )
    except GatewayUnavailable:
        raise  # kept as requested: the same key sends the same refund when the owner tries again
    except GatewayError as exc:  # refused: the reservation is freed, and the owner sees why
        await settle_charge_refund(shop.db, charge.id, entry["key"], {"status": "failed", "error": exc.description})
        await append_subscription_timeline(
            shop.db, sub.id, [timeline_entry("refund_failed", charge_id=charge.id, reason=exc.description)]
        )
        raise
    fields = {"refund_id": report.refund_id, "status": report.status, "settled_at": now()}
    after = await settle_charge_refund(shop.db, charge.id, entry["key"], fields)
    await append_subscription_timeline(
        shop.db,
        sub.id,
        [
            timeline_entry(
                "refund",
                charge_id=charge.id,
                refund_id=report.refund_id,
                amount=money.amount,
                currency=money.currency,
                status=report.status,
            ),
            *call_entry(call),
        ],
    )
    return after or charge


async def find_payment_subscription(shop: Shop, payment_id: str | None) -> tuple[Subscription, Charge] | None:
    """The subscription and charge a gateway payment paid, found only by the payment id we stored on the charge."""
    charge = await find_payment_charge(shop.db, payment_id) if payment_id else None
    sub = await get_subscription(shop.db, charge.subscription_id) if charge else None
    return (sub, charge) if sub and charge else None


async def apply_charge_refund(
    shop: Shop, report: RefundReport, entries: list[dict[str, Any]]
) -> tuple[Subscription | None, Subscription | None]:
    """A refund event about no order: settle it on the subscription charge its payment paid, if any; that
    subscription before and after (None, None when no charge has the payment)."""
    found = await find_payment_subscription(shop, report.payment_id)
    if found is None:
        return None, None
    sub, charge = found
    return sub, await settle_charge_report(shop, sub, charge, report, entries)


async def settle_charge_report(
    shop: Shop, sub: Subscription, charge: Charge, report: RefundReport, entries: list[dict[str, Any]]
) -> Subscription:
    """Record what the gateway says of a charge's refund, by our key (its notes/metadata carry the refund_key
    send_charge_refund gave it), or as a new refund made in the dashboard; on the subscription's timeline."""
    key = report.key or report.refund_id
    fields: dict[str, Any] = {"refund_id": report.refund_id, "status": report.status, "settled_at": now()}
    known = any(entry.get("key") == key for entry in charge.refunds)
    if known:
        await settle_charge_refund(shop.db, charge.id, key, fields)
    elif report.amount.currency == charge.currency:
        entry = {
            "key": key,
            "amount": report.amount.amount,
            "currency": report.amount.currency,
            "gateway": report.gateway,
            "requested_at": None,
            **fields,
        }
        await add_charge_refund(shop.db, charge.id, entry)
    money = report.amount
    note = timeline_entry(
        "refund_failed" if report.status == "failed" else "refund",
        charge_id=charge.id,
        refund_id=report.refund_id,
        amount=money.amount,
        currency=money.currency,
        status=report.status,
        **(
            {"reason": f"{report.gateway} reports the refund failed; its amount may be refunded again"}
            if report.status == "failed"
            else {}
        ),
    )
    return await append_subscription_timeline(shop.db, sub.id, [*entries, note]) or sub


async def settle_charge_reports(
    shop: Shop, sub: Subscription, charge: Charge, reports: list[RefundReport], entries: list[dict[str, Any]]
) -> Subscription:
    """Settle the refunds a gateway listed for a charge's payment that say something new (a refund id or status the
    charge does not hold yet); the calls that listed them join the timeline either way."""
    known = {(entry.get("refund_id"), entry.get("status")) for entry in charge.refunds}
    after = sub
    for report in reports:
        if (report.refund_id, report.status) not in known:
            after = await settle_charge_report(shop, sub, charge, report, entries)
            entries = []
    if entries:
        after = await append_subscription_timeline(shop.db, sub.id, entries) or after
    return after


async def apply_charge_dispute(
    shop: Shop, report: DisputeReport, entries: list[dict[str, Any]]
) -> tuple[Subscription | None, Subscription | None]:
    """A dispute event about no order: keep the chargeback on the subscription charge its payment paid and put the
    subscription to the owner's review; None, None when no charge has the payment."""
    found = await find_payment_subscription(shop, report.payment_id)
    if found is None:
        return None, None
    sub, charge = found
    reason = f"dispute {report.id} opened on charge {charge.invoice_id}: {report.reason or 'no reason'}"
    await keep_charge_dispute(shop.db, charge.id, report.stored(), reason)
    dispute = timeline_entry(
        "note",
        message=f"dispute {report.id} of {format_money(report.amount, report.currency)} opened on charge "
        f"{charge.invoice_id}; answer it in the gateway's dashboard",
        charge_id=charge.id,
        dispute_id=report.id,
    )
    review = timeline_entry("review", reason=reason)
    return sub, await mark_for_review(shop.db, sub.id, reason, [*entries, dispute, review]) or sub
