"""The sandbox's in-memory store; its mutating methods are the only place state changes."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from ..common.listeners import tell_listeners
from .entities import (
    acquirer_data_for,
    build_dispute,
    build_event,
    build_order,
    build_payment,
    build_refund,
    compute_fee,
)
from .errors import RazorpayError, invalid_field, not_found
from .ids import new_id
from .validation import OrderRequest, RefundRequest, check_min_amount

ALREADY_PAID = "This order has already been paid"
ALREADY_AUTHORIZED = "A payment for this order is already authorized; capture it before taking another"
ALREADY_CAPTURED = "This payment has already been captured"
NOT_AUTHORIZED = "Only payments which have been authorized and not yet captured can be captured"
NOT_CAPTURED = "Only captured payments can be refunded"
FULLY_REFUNDED = "The payment has been fully refunded already"
OVER_REFUND = "The refund amount provided is greater than amount captured"
IDEMPOTENCY_REUSED = "Different request with the same idempotency key has already been processed."
# Razorpay's own words (its API source, razorpay/opencensus-php app/Error/PublicErrorDescription.php): a request
# whose X-Refund-Idempotency key is still being processed answers 409 ("If a request is received while a prior
# request is still being processed, the system will return a 409 Conflict status code. You may retry",
# https://razorpay.com/docs/api/refunds/normal-refunds-idempotent); another operation holding the payment's lock
# answers 400 with the second text.
SAME_KEY_IN_PROGRESS = "Request failed because another request is in progress with the same Idempotency Key"
PAYMENT_BUSY = "Request failed because another payment operation is in progress"
RESPOND_WITHIN = 7 * 24 * 3600  # seconds a merchant gets to answer a chargeback
REFUND_OUTCOMES = ("processed", "pending", "failed")
# Automatic capture takes an authorisation only within the order's capture window: its own
# `payment.capture_options.automatic_expiry_period` (minutes; "The options sent ... take precedence over the account
# level auto-capture settings", razorpay/markdown-docs payments/payments/capture-settings/api.md), else this
# sandbox account's setting, Razorpay's documented minimum of 12 minutes. A later authorisation stays authorized.
CAPTURE_WINDOW = 12 * 60
# An authorisation nobody captured is refunded by Razorpay itself: "The payments that are late authorised and not
# captured are auto-refunded in 5 days" (https://razorpay.com/docs/payments/payments/late-authorisation/handle;
# the capture-settings page says 3 days, https://razorpay.com/docs/payments/payments/capture-settings/: we take 5).
AUTO_REFUND_AFTER = 5 * 24 * 3600
# "Only payments in the authorized state can be auto-refunded ... Duplicate payment on an order that is already in
# the paid state: [refunded] Immediately" (https://razorpay.com/docs/payments/refunds/auto-refunds).

log = logging.getLogger("sandboxes.razorpay")


@dataclass(frozen=True)
class Event:
    """Something that happened, as the webhook Razorpay would send: its event id and envelope."""

    id: str
    name: str
    envelope: dict[str, Any]


@dataclass(frozen=True)
class PaymentFailure:
    """Why a payment failed, in the payment's error_* fields and checkout's payment.failed error."""

    description: str
    source: str
    reason: str = "payment_failed"
    step: str = "payment_authorization"
    code: str = "BAD_REQUEST_ERROR"

    def to_error(self, metadata: dict[str, Any]) -> RazorpayError:
        """Checkout's answer for this failure, its metadata naming the payment and what it paid for."""
        return RazorpayError(
            self.description, code=self.code, source=self.source, step=self.step, reason=self.reason, metadata=metadata
        )


@dataclass
class SandboxState:
    """Orders, payments and refunds as wire-format dicts keyed by id, plus the events they raised."""

    clock: Callable[[], float] = time.time
    account_id: str = field(default_factory=lambda: new_id("acc_"))
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    payments: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    disputes: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    # Called with each new Event; the webhook sender is one of them.
    listeners: list[Callable[[Event], None]] = field(default_factory=list)
    # Per-order capture mode; kept beside the order because the order entity does not show it.
    capture_modes: dict[str, str] = field(default_factory=dict)
    # Per-order payment.capture_options as sent (with manual_expiry_period's default); {} when none were sent.
    capture_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    _order_payments: dict[str, list[str]] = field(default_factory=dict)
    _payment_refunds: dict[str, list[str]] = field(default_factory=dict)
    _refund_keys: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Seconds between an authorisation and Razorpay's automatic capture of it: the capture is its own step after
    # the authorisation, never inside it, so a fetch right after checkout may still see `authorized`.
    capture_after: float = 0.0
    # Refund operations under way (held by Faults.refund_hold): their payments and idempotency keys.
    refunds_in_flight: set[str] = field(default_factory=set)
    # Seconds the clock was moved forward by advance_clock (the control knob), on top of `clock`.
    clock_offset: float = 0.0
    # While set, the time things happen at: a subscription charge that fell due while the clock jumped is stamped
    # with its due time, so one big jump and many small ones leave the same record.
    moment: int | None = None

    def now(self) -> int:
        """Return the current Unix time in seconds, as Razorpay's timestamps are."""
        if self.moment is not None:
            return self.moment
        return int(self.clock() + self.clock_offset)

    def advance_clock(self, seconds: float) -> list[dict[str, Any]]:
        """Move the clock forward and let Razorpay do what is then due: return the payments it auto-refunded."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self.clock_offset += seconds
        return self.refund_expired_authorizations()

    # -- lookups ---------------------------------------------------------------------------------

    def get_order(self, order_id: str) -> dict[str, Any]:
        """Return the order, or raise Razorpay's unknown-id error."""
        return lookup(self.orders, order_id)

    def get_payment(self, payment_id: str) -> dict[str, Any]:
        """Return the payment, or raise Razorpay's unknown-id error."""
        return lookup(self.payments, payment_id)

    def get_refund(self, refund_id: str) -> dict[str, Any]:
        """Return the refund, or raise Razorpay's unknown-id error."""
        return lookup(self.refunds, refund_id)

    def get_dispute(self, dispute_id: str) -> dict[str, Any]:
        """Return the dispute, or raise Razorpay's unknown-id error."""
        return lookup(self.disputes, dispute_id)

    def list_orders(self) -> list[dict[str, Any]]:
        """Return every order, newest first."""
        return newest_first(self.orders.values())

    def list_payments(self) -> list[dict[str, Any]]:
        """Return every payment, newest first."""
        return newest_first(self.payments.values())

    def list_refunds(self) -> list[dict[str, Any]]:
        """Return every refund, newest first."""
        return newest_first(self.refunds.values())

    def list_disputes(self) -> list[dict[str, Any]]:
        """Return every dispute, newest first."""
        return newest_first(self.disputes.values())

    def order_payments(self, order_id: str) -> list[dict[str, Any]]:
        """Return the payments of an order, newest first."""
        self.get_order(order_id)
        return newest_first(self.payments[pid] for pid in self._order_payments.get(order_id, []))

    def payment_refunds(self, payment_id: str) -> list[dict[str, Any]]:
        """Return the refunds of a payment, newest first."""
        self.get_payment(payment_id)
        return newest_first(self.refunds[rid] for rid in self._payment_refunds.get(payment_id, []))

    def has_authorized_payment(self, order_id: str) -> bool:
        """Whether one of the order's payments is authorized and waiting for capture."""
        return any(self.payments[pid]["status"] == "authorized" for pid in self._order_payments.get(order_id, []))

    def check_payable(self, order_id: str) -> dict[str, Any]:
        """Return the order if a new payment may be made on it, else raise why not."""
        order = self.get_order(order_id)
        if order["status"] == "paid":
            raise RazorpayError(ALREADY_PAID, field="order_id", metadata={"order_id": order_id})
        if self.has_authorized_payment(order_id):
            raise RazorpayError(ALREADY_AUTHORIZED, field="order_id", metadata={"order_id": order_id})
        return order

    # -- orders ----------------------------------------------------------------------------------

    def create_order(self, request: OrderRequest) -> dict[str, Any]:
        """Store a new order and return it."""
        order = build_order(
            amount=request.amount,
            currency=request.currency,
            receipt=request.receipt,
            notes=request.notes,
            created_at=self.now(),
        )
        self.orders[order["id"]] = order
        self.capture_modes[order["id"]] = request.capture
        self.capture_options[order["id"]] = dict(request.capture_options)
        self._order_payments[order["id"]] = []
        return order

    def update_order_notes(self, order_id: str, notes: dict[str, Any]) -> dict[str, Any]:
        """Replace an order's notes (the only thing Razorpay lets you edit) and return it."""
        order = self.get_order(order_id)
        order["notes"] = dict(notes) if notes else []
        return order

    # -- payments --------------------------------------------------------------------------------

    def start_payment(
        self,
        order_id: str,
        *,
        amount: int | None,
        method: str,
        instrument: dict[str, Any],
        email: str | None = None,
        contact: str | None = None,
        description: str | None = None,
        notes: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Record a payment attempt on an order (status created); amount defaults to the amount due."""
        order = self.check_payable(order_id)
        payment = build_payment(
            order=order,
            amount=order["amount_due"] if amount is None else amount,
            method=method,
            instrument=instrument,
            email=email,
            contact=contact,
            description=description,
            notes=notes or {},
            created_at=self.now(),
        )
        self.payments[payment["id"]] = payment
        self._order_payments[order_id].append(payment["id"])
        self._payment_refunds[payment["id"]] = []
        order["status"] = "attempted"
        order["attempts"] += 1
        return payment

    def authorize_payment(self, payment_id: str) -> dict[str, Any]:
        """Mark a created payment authorized; automatic capture follows as a separate step (schedule_capture)."""
        payment = self.get_payment(payment_id)
        if payment["status"] != "created":
            raise RazorpayError(f"The payment is already {payment['status']}")
        return self.mark_authorized(payment)

    def authorize_late(self, payment_id: str) -> dict[str, Any]:
        """The bank confirms a payment Razorpay had given up on (late authorisation): failed or created → authorized.

        Razorpay "polls the APIs intermittently for 3 days ... If we receive the payment status as successful, the
        payment is moved to the authorized state" (https://razorpay.com/docs/payments/payments/capture-settings/);
        payment.failed followed by payment.authorized/captured for one payment is expected then.
        """
        payment = self.get_payment(payment_id)
        if payment["status"] not in ("created", "failed"):
            raise RazorpayError(f"The payment is already {payment['status']}")
        return self.mark_authorized(payment)

    def mark_authorized(self, payment: dict[str, Any]) -> dict[str, Any]:
        """Authorize a payment, raise payment.authorized, and start what automatic capture does with it."""
        payment["status"] = "authorized"
        payment["acquirer_data"] = acquirer_data_for(payment["method"])
        self.record("payment.authorized", payment=payment)
        if self.capture_modes.get(payment["order_id"]) == "automatic":
            self.schedule_capture(payment["id"])
        elif self.orders[payment["order_id"]]["status"] == "paid":
            # A duplicate on a paid order is given back at once whatever the capture mode ("If one of the payments
            # is successful and another attempt gets Late Authorised, the late authorised payment is refunded
            # immediately", https://razorpay.com/docs/payments/payments/late-authorisation/handle).
            self.refund_uncaptured(payment)
        return payment

    def schedule_capture(self, payment_id: str) -> None:
        """Run the automatic capture `capture_after` seconds from now, on the loop (at once without one)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.capture_automatically(payment_id)
            return
        loop.call_later(self.capture_after, self.capture_automatically, payment_id)

    def capture_automatically(self, payment_id: str) -> dict[str, Any] | None:
        """Razorpay's automatic capture: within the window it captures; a duplicate on a paid order is refunded.

        An authorisation after the window stays authorized until refund_expired_authorizations gives it back.
        """
        payment = self.payments[payment_id]
        if payment["status"] != "authorized":
            return None
        if self.orders[payment["order_id"]]["status"] == "paid":
            return self.refund_uncaptured(payment)
        if self.now() - payment["created_at"] > self.capture_window(payment["order_id"]):
            return None
        return self.capture_payment(payment_id, payment["amount"], payment["currency"])

    def refund_expired_authorizations(self) -> list[dict[str, Any]]:
        """Give back every authorized payment past its order's refund_after, as Razorpay's auto-refund does."""
        due = [
            payment
            for payment in self.payments.values()
            if payment["status"] == "authorized"
            and self.now() - payment["created_at"] >= self.refund_after(payment["order_id"])
        ]
        return [self.refund_uncaptured(payment) for payment in due]

    def capture_window(self, order_id: str) -> float:
        """Seconds after a payment's creation within which automatic capture takes it, for this order."""
        minutes = self.capture_options.get(order_id, {}).get("automatic_expiry_period")
        return CAPTURE_WINDOW if minutes is None else minutes * 60

    def refund_after(self, order_id: str) -> float:
        """Seconds after a payment's creation when an uncaptured authorisation is given back, for this order:
        "Payments in the authorized state after the manual_expiry_period are auto-refunded" (capture-settings/api.md)."""
        minutes = self.capture_options.get(order_id, {}).get("manual_expiry_period")
        return AUTO_REFUND_AFTER if minutes is None else minutes * 60

    def refund_uncaptured(self, payment: dict[str, Any]) -> dict[str, Any]:
        """Auto-refund an authorisation: status refunded, `captured` stays false, refund events carry the payment.

        "An auto-refunded payment was never captured, so the value is always false ... Auto-refunds trigger the
        refunds webhook events" (https://razorpay.com/docs/payments/refunds/auto-refunds); auto-refunds are
        "always processed at normal speed".
        """
        refund = build_refund(
            payment=payment,
            amount=payment["amount"],
            speed="normal",
            notes={},
            receipt=None,
            created_at=self.now(),
            status="processed",
        )
        self.refunds[refund["id"]] = refund
        self._payment_refunds[payment["id"]].append(refund["id"])
        payment.update(status="refunded", amount_refunded=payment["amount"], refund_status="full")
        self.record("refund.created", refund=refund, payment=payment)
        self.record("refund.processed", refund=refund, payment=payment)
        return payment

    def fail_payment(self, payment_id: str, failure: PaymentFailure) -> dict[str, Any]:
        """Mark a created payment failed with the reason given."""
        payment = self.get_payment(payment_id)
        if payment["status"] != "created":
            raise RazorpayError(f"The payment is already {payment['status']}")
        payment.update(
            status="failed",
            error_code=failure.code,
            error_description=failure.description,
            error_source=failure.source,
            error_step=failure.step,
            error_reason=failure.reason,
        )
        self.record("payment.failed", payment=payment)
        return payment

    def capture_payment(self, payment_id: str, amount: int, currency: str) -> dict[str, Any]:
        """Capture an authorized payment for exactly its amount; the order becomes paid."""
        payment = self.get_payment(payment_id)
        if payment["captured"]:
            raise RazorpayError(ALREADY_CAPTURED)
        if payment["status"] != "authorized":
            raise RazorpayError(NOT_AUTHORIZED)
        if amount != payment["amount"]:
            raise invalid_field("amount", "Capture amount must be equal to the amount authorized")
        if currency != payment["currency"]:
            raise invalid_field("currency", "The currency should be same as the payment currency")
        fee, tax = compute_fee(amount)
        payment.update(status="captured", captured=True, fee=fee, tax=tax)
        order = self.orders[payment["order_id"]]
        order["amount_paid"] += amount
        order["amount_due"] = max(order["amount"] - order["amount_paid"], 0)
        order["status"] = "paid"
        self.record("payment.captured", payment=payment)
        self.record("order.paid", payment=payment, order=order)
        return payment

    # -- refunds ---------------------------------------------------------------------------------

    def refund_payment(
        self, payment_id: str, request: RefundRequest, idempotency_key: str | None = None, outcome: str = "processed"
    ) -> dict[str, Any]:
        """Refund a captured payment in full or in part; a repeated idempotency key returns the first refund.

        outcome (Faults.refund_outcome) says what the bank does with it: "processed" at once, "pending" until
        settle_refund(), or "failed" at once (the refunded amount goes back onto the payment).
        """
        if outcome not in REFUND_OUTCOMES:
            raise ValueError(f"refund outcome must be one of {REFUND_OUTCOMES}, not {outcome!r}")
        fingerprint = json.dumps({"payment_id": payment_id, **asdict(request)}, sort_keys=True)
        if idempotency_key is not None and idempotency_key in self._refund_keys:
            seen_fingerprint, refund_id = self._refund_keys[idempotency_key]
            if seen_fingerprint != fingerprint:
                raise RazorpayError(IDEMPOTENCY_REUSED, field="X-Refund-Idempotency")
            return self.refunds[refund_id]
        payment = self.get_payment(payment_id)
        if payment["status"] == "refunded":
            raise RazorpayError(FULLY_REFUNDED)
        if payment["status"] != "captured":
            raise RazorpayError(NOT_CAPTURED)
        refundable = payment["amount"] - payment["amount_refunded"]
        amount = refundable if request.amount is None else request.amount
        if request.amount is not None:
            check_min_amount(amount, payment["currency"])
        if amount > refundable:
            raise invalid_field("amount", OVER_REFUND)
        refund = build_refund(
            payment=payment,
            amount=amount,
            speed=request.speed,
            notes=request.notes,
            receipt=request.receipt,
            created_at=self.now(),
            status="processed" if outcome == "processed" else "pending",
        )
        self.refunds[refund["id"]] = refund
        self._payment_refunds[payment_id].append(refund["id"])
        if idempotency_key is not None:
            self._refund_keys[idempotency_key] = (fingerprint, refund["id"])
        # Razorpay counts a refund against the payment as soon as it is created, pending or not.
        payment["amount_refunded"] += amount
        mark_refunded(payment)
        self.record("refund.created", refund=refund, payment=payment)
        if outcome == "processed":
            self.record("refund.processed", refund=refund, payment=payment)
        elif outcome == "failed":
            self.settle_refund(refund["id"], "failed")
        return refund

    def settle_refund(self, refund_id: str, outcome: str) -> dict[str, Any]:
        """Finish a pending refund as "processed" or "failed"; a failed one gives its amount back to the payment."""
        if outcome not in ("processed", "failed"):
            raise ValueError(f'a refund settles as "processed" or "failed", not {outcome!r}')
        refund = self.get_refund(refund_id)
        if refund["status"] != "pending":
            raise RazorpayError(f"The refund is already {refund['status']}")
        payment = self.payments[refund["payment_id"]]
        if outcome == "failed":
            payment["amount_refunded"] -= refund["amount"]
            mark_refunded(payment)
        refund["status"] = outcome
        self.record(f"refund.{outcome}", refund=refund, payment=payment)
        return refund

    # -- disputes --------------------------------------------------------------------------------

    def open_dispute(
        self, payment_id: str, amount: int | None = None, reason_code: str = "chargeback"
    ) -> dict[str, Any]:
        """Open a chargeback on a captured payment (its whole amount unless told) and raise payment.dispute.created."""
        payment = self.get_payment(payment_id)
        if not payment["captured"]:
            raise RazorpayError("Only captured payments can be disputed")
        now = self.now()
        dispute = build_dispute(
            payment=payment,
            amount=payment["amount"] if amount is None else amount,
            reason_code=reason_code,
            created_at=now,
            respond_by=now + RESPOND_WITHIN,
        )
        self.disputes[dispute["id"]] = dispute
        self.record("payment.dispute.created", payment=payment, dispute=dispute)
        return dispute

    # -- events ----------------------------------------------------------------------------------

    def record(self, name: str, **entities: dict[str, Any]) -> Event:
        """Append a webhook-shaped event with snapshots of the entities, and tell the listeners."""
        event = Event(
            id=new_id("evt_"),
            name=name,
            envelope=build_event(name, account_id=self.account_id, created_at=self.now(), **entities),
        )
        self.events.append(event)
        tell_listeners(self.listeners, event, event.name, log)
        return event


def lookup(table: dict[str, dict[str, Any]], entity_id: str) -> dict[str, Any]:
    """Return table[entity_id] or raise Razorpay's "The id provided does not exist"."""
    try:
        return table[entity_id]
    except KeyError:
        raise not_found() from None


def mark_refunded(payment: dict[str, Any]) -> None:
    """Set a captured payment's refund_status and status from how much of it is refunded."""
    refunded = payment["amount_refunded"]
    fully = refunded == payment["amount"]
    payment["refund_status"] = None if refunded == 0 else "full" if fully else "partial"
    payment["status"] = "refunded" if fully else "captured"


def newest_first(entities: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return entities newest first; insertion order breaks ties within the same second."""
    ordered = list(entities)
    ordered.reverse()
    return sorted(ordered, key=lambda entity: entity["created_at"], reverse=True)
