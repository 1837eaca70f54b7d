"""Confirming a Razorpay payment the browser reports, and recording the ones that failed."""

from __future__ import annotations

from typing import Any

from galla.orders.context import Shop
from galla.orders.errors import SignatureInvalid, gateway_failure
from galla.orders.expiry import mark_expired
from galla.orders.inputs import RazorpayFailedRequest, RazorpayVerifyRequest

# Its old home: galla/api/routes.py imports it from here (an explicit re-export).
from galla.orders.place import prepare_payment as prepare_payment
from galla.orders.receipts import queue_receipt
from galla.orders.refunds import drop_held_refunds
from galla.orders.second_payments import give_back_second_payment, is_second_payment
from galla.orders.settle import settle_payment
from galla.orders.states import OrderStatus, values
from galla.orders.view import call_entry, load_order
from galla.payments.errors import GatewayError
from galla.payments.razorpay.client import RazorpayPayment
from galla.store.orders import (
    MAX_ATTEMPTS,
    Order,
    append_timeline,
    count_late_failure_report,
    has_timeline_entry,
    now,
    restate_attempt,
    timeline_entry,
)


async def confirm_razorpay_payment(shop: Shop, request: RazorpayVerifyRequest) -> Order:
    """Check checkout.js's signature, then ask Razorpay what the payment really is, then apply it."""
    order = await load_order(shop, request.order_id)
    # The signature is checked against the Razorpay order *we* stored, never the echoed one,
    # so a payment for another (cheaper) order cannot be replayed onto this one.
    if order.razorpay_order_id is None or request.razorpay_order_id != order.razorpay_order_id:
        raise SignatureInvalid("the Razorpay order does not belong to this order", field="razorpay_order_id")
    if not shop.razorpay_client.verify_payment_signature(
        order.razorpay_order_id, request.razorpay_payment_id, request.razorpay_signature
    ):
        raise SignatureInvalid("the payment signature does not match", field="razorpay_signature")
    if (
        order.status not in (OrderStatus.PENDING, OrderStatus.AUTHORIZED)
        and (order.payment or {}).get("id") == request.razorpay_payment_id
        and await has_timeline_entry(
            shop.db, order.id, kind="browser", event="checkout.handler", payment_id=request.razorpay_payment_id
        )
    ):
        # The order's own payment reported by the browser again (a reload; or a buyer sending their valid signature
        # without end): the first report is on the trace and what the payment did is known, so a repeat costs no
        # Razorpay call and adds nothing to the order's document.
        if order.status == OrderStatus.PAID:
            await queue_receipt(shop, order)  # as a repeat through settle_payment would (a fixed outbox id)
        return order
    browser = timeline_entry(
        "browser", event="checkout.handler", payment_id=request.razorpay_payment_id, signature_valid=True
    )
    try:
        payment, call = await shop.razorpay_client.fetch_payment(request.razorpay_payment_id)
    except GatewayError as exc:
        await append_timeline(shop.db, order.id, [browser, *call_entry(exc.call)])
        raise gateway_failure(exc) from exc
    return await apply_razorpay_payment(shop, order, payment, [browser, *call_entry(call)])


def payment_mismatch(order: Order, payment: RazorpayPayment) -> str | None:
    """Say why a payment cannot pay this order, or None when it matches exactly."""
    if payment.order_id != order.razorpay_order_id:
        return f"payment {payment.id} belongs to Razorpay order {payment.order_id}, not {order.razorpay_order_id}"
    if payment.currency != order.currency:
        return f"payment currency {payment.currency} differs from the order's {order.currency}"
    if payment.amount != order.amount:
        return f"payment amount {payment.amount} differs from the order's {order.amount}"
    return None


# What the buyer and the shop are told about an authorisation Razorpay gave back by itself.
GIVEN_BACK = "authorised late and refunded automatically by Razorpay; the money went back to the buyer"


def is_given_back(payment: RazorpayPayment) -> bool:
    """Whether Razorpay refunded this payment itself without ever capturing it (late or uncaptured authorisation).

    "An auto-refunded payment was never captured, so the value is always false"
    (https://razorpay.com/docs/payments/refunds/auto-refunds): status refunded with captured false is money that
    went back to the buyer, never the shop's.
    """
    return payment.status == "refunded" and not payment.captured


async def apply_razorpay_payment(
    shop: Shop, order: Order, payment: RazorpayPayment, entries: list[dict[str, Any]]
) -> Order:
    """Move the order as the payment says, forward only, in one conditional update."""
    if is_given_back(payment):
        return await record_given_back(shop, order, payment, entries)
    if payment.captured and payment.order_id == order.razorpay_order_id and is_second_payment(order, payment.id):
        return await give_back_second_payment(shop, order, payment.report(), entries)
    # Paid means captured: a payment refunded after its capture was the order's money (its refunds settle on their
    # own); "authorized" is a status only where the shop captures by hand; otherwise Razorpay captures it itself.
    target = {
        "captured": OrderStatus.PAID,
        "refunded": OrderStatus.PAID if payment.captured else None,
        "authorized": OrderStatus.AUTHORIZED if order.capture == "manual" else None,
    }.get(payment.status)
    # The order's gateway is the one that took the money (the dashboard's takings and the receipt say it): after a
    # failover to Stripe, a late Razorpay payment may be the one that pays the order (takes_order).
    return await settle_payment(
        shop,
        order,
        payment.report(),
        target=target,
        allowed_from=list(values(OrderStatus.PENDING, OrderStatus.AUTHORIZED))
        if target == OrderStatus.PAID
        else [OrderStatus.PENDING.value],
        reason=f"Razorpay payment {payment.id} {payment.status}",
        mismatch=payment_mismatch(order, payment),
        entries=entries,
        note=f"payment {payment.id} is {payment.status}; order left as it was",
        takes_order=True,
    )


async def record_given_back(shop: Shop, order: Order, payment: RazorpayPayment, entries: list[dict[str, Any]]) -> Order:
    """Keep a payment Razorpay gave back as a failed attempt; an order authorized by it is given up."""
    report = {
        "code": "AUTO_REFUNDED",
        "description": GIVEN_BACK,
        "source": "gateway",
        "step": "payment_capture",
        "reason": "auto_refunded",
        "payment_id": payment.id,
        "razorpay_order_id": payment.order_id,
        "method": payment.method,
    }
    if order.status == OrderStatus.AUTHORIZED and (order.payment or {}).get("id") == payment.id:
        # Its only payment was never captured and is back with the buyer: nothing is owed, nothing to ship.
        moved = await mark_expired(
            shop,
            order,
            f"Razorpay payment {payment.id}: {GIVEN_BACK}",
            entries,
            allowed_from=OrderStatus.AUTHORIZED,
            fields={"payment": payment.report().stored(), "amount_paid": None},
        )
        if moved is not None:
            await append_timeline(shop.db, order.id, [], attempt={"at": now(), **report})
            return await drop_held_refunds(
                shop,
                await load_order(shop, order.id),
                payment.id,
                f"Razorpay's own refund of payment {payment.id}, never captured",
            )
    note = timeline_entry("note", message=f"payment {payment.id}: {GIVEN_BACK}; it never pays the order")
    after = await record_attempt(shop, order, report, [*entries, note])
    after = await drop_held_refunds(
        shop, after, payment.id, f"Razorpay's own refund of payment {payment.id}, which never paid the order"
    )
    if any(attempt.get("payment_id") == payment.id for attempt in after.attempts):
        # The same payment may already be there as failed (payment.failed came first): say what became of it.
        await restate_attempt(shop.db, order.id, payment.id, report)
        after = await load_order(shop, order.id)
    return after


async def record_failed_payment(shop: Shop, request: RazorpayFailedRequest) -> Order:
    """Keep checkout.js's payment.failed report on the order; the buyer may try again."""
    order = await load_order(shop, request.order_id)
    error = request.error
    # The ids were checked against Razorpay's format at the edge (galla/orders/inputs.py): safe in a URL.
    report = {
        "code": error.code,
        "description": error.description,
        "source": error.source,
        "step": error.step,
        "reason": error.reason,
        "payment_id": error.metadata.payment_id,
        "razorpay_order_id": error.metadata.order_id,
        "method": None,
    }
    # Anyone who knows an order id may send reports without end: a payment whose failure is kept already is not
    # checked again, and an order no longer pending takes MAX_ATTEMPTS notes at most, so no report grows the order's
    # document (MongoDB's 16 MB limit would stop every later write to it) or spends a Razorpay call past that.
    if report["payment_id"] and any(a.get("payment_id") == report["payment_id"] for a in order.attempts):
        return order
    if order.status != OrderStatus.PENDING and order.late_failure_reports >= MAX_ATTEMPTS:
        return order
    if order.status == OrderStatus.PENDING and len(order.attempts) >= MAX_ATTEMPTS:
        # A browser may report failures without end: past MAX_ATTEMPTS a report only joins the attempts (which
        # keep the latest MAX_ATTEMPTS), unchecked, so it neither spends Razorpay calls nor grows the timeline.
        await append_timeline(shop.db, order.id, [], attempt={"at": now(), **report})
        return await load_order(shop, order.id)
    entries = [timeline_entry("browser", event="payment.failed", **report)]
    payment, calls = await fetch_failed_payment(shop, order, report["payment_id"])
    entries += calls
    if payment is not None:
        # Razorpay's own record is what the shop sees; the browser's words are kept beside it.
        report.update(
            method=payment.method,
            code=payment.error_code or report["code"],
            description=payment.error_description or report["description"],
            source=payment.error_source or report["source"],
            step=payment.error_step or report["step"],
            reason=payment.error_reason or report["reason"],
        )
    # The browser is not trusted: this is a note for the buyer and the shop, it moves no status.
    if order.status != OrderStatus.PENDING:
        await count_late_failure_report(shop.db, order.id)
    return await record_attempt(shop, order, report, entries)


async def record_attempt(shop: Shop, order: Order, report: dict[str, Any], entries: list[dict[str, Any]]) -> Order:
    """Keep a failed payment attempt on a pending order (once per payment); on any other, a timeline note."""
    attempt = {"at": entries[0]["at"], **report} if order.status == OrderStatus.PENDING else None
    await append_timeline(shop.db, order.id, entries, attempt=attempt)
    return await load_order(shop, order.id)


def failure_report(payment: RazorpayPayment) -> dict[str, Any]:
    """A failed Razorpay payment as an order's attempt: the error Razorpay gave and how the buyer paid."""
    return {
        "code": payment.error_code,
        "description": payment.error_description,
        "source": payment.error_source,
        "step": payment.error_step,
        "reason": payment.error_reason,
        "payment_id": payment.id,
        "razorpay_order_id": payment.order_id,
        "method": payment.method,
    }


async def fetch_failed_payment(
    shop: Shop, order: Order, payment_id: str | None
) -> tuple[RazorpayPayment | None, list[dict[str, Any]]]:
    """Ask Razorpay about a reported failure, if the payment is this order's; never raises."""
    if not payment_id or order.razorpay_order_id is None:
        return None, []
    try:
        payment, call = await shop.razorpay_client.fetch_payment(payment_id)
    except GatewayError as exc:
        return None, call_entry(exc.call)
    believed = payment.order_id == order.razorpay_order_id and payment.status == "failed"
    return (payment if believed else None), call_entry(call)
