"""An async Razorpay REST client on one aiohttp session, and Razorpay's signature checks."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import json
import math
import re
import time
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import aiohttp
import razorpay
from pydantic import BaseModel, ConfigDict, field_validator

from galla.jsonio import loads
from galla.payments.breaker import CircuitBreaker
from galla.payments.calls import CallObserver, CallRecord, elapsed_ms
from galla.payments.errors import GatewayError, GatewayInProgress, GatewayInvalid, GatewayUnavailable
from galla.payments.money import Money
from galla.payments.reports import DisputeReport, PaymentReport, RefundReport, ReportedRefundStatus
from galla.payments.retry import NO_RETRY, RetryPolicy, call_with_retries

GATEWAY = "razorpay"
DEFAULT_API_BASE = "https://api.razorpay.com"
DEFAULT_CHECKOUT_JS = "https://checkout.razorpay.com/v1/checkout.js"

CaptureMode = Literal["auto", "manual"]
# "Request failed because another payment operation is in progress" / "... another request is in progress with the
# same Idempotency Key": Razorpay's words for a payment some other request is working on.
IN_PROGRESS = re.compile(r"another (?:payment operation|request) is in progress", re.IGNORECASE)

# Razorpay's notes are {string: string | number} on every entity (razorpay/razorpay-node lib/types/orders.d.ts,
# payments.d.ts, refunds.d.ts: `notes?: IMap<string | number>`); one number must not fail a whole event.
Notes = dict[str, str | int | float]


# An order's capture settings as Razorpay documents them (razorpay/markdown-docs payments/payments/capture-settings/
# api.md; razorpay-node lib/types/orders.d.ts RazorpayCapturePayment): with capture = automatic,
# capture_options.automatic_expiry_period (minutes, at least 12) is mandatory and so is refund_speed.
# The window is the shop's order expiry (Settings.order_expiry): a payment authorised while the order is still payable
# is captured automatically; one authorised after Galla gave the order up stays uncaptured and Razorpay refunds it
# after manual_expiry_period (its documented default and maximum, 5 days), at the normal (free) refund speed.
DEFAULT_CAPTURE_WINDOW = 1440  # minutes
LONGEST_CAPTURE_WINDOW = 7200  # minutes
AUTOMATIC_CAPTURE_OPTIONS: dict[str, Any] = {
    "automatic_expiry_period": DEFAULT_CAPTURE_WINDOW,
    "manual_expiry_period": LONGEST_CAPTURE_WINDOW,
    "refund_speed": "normal",
}
MIN_CAPTURE_WINDOW = 12  # minutes: automatic_expiry_period's documented floor
INVOICE_PAGE = 100  # a collection's largest page


def capture_window(order_expiry: float) -> int:
    """The automatic capture window, in whole minutes, for orders given up after order_expiry seconds, clamped to
    what Razorpay takes (12 minutes to manual_expiry_period)."""
    return min(max(math.ceil(order_expiry / 60), MIN_CAPTURE_WINDOW), LONGEST_CAPTURE_WINDOW)


def capture_settings(capture: CaptureMode, window: int = DEFAULT_CAPTURE_WINDOW) -> dict[str, Any]:
    """The `payment` field of a new Razorpay order (window: automatic capture's, in minutes); manual capture needs
    nothing beyond its mode."""
    if capture == "auto":
        return {
            "capture": "automatic",
            "capture_options": {**AUTOMATIC_CAPTURE_OPTIONS, "automatic_expiry_period": window},
        }
    return {"capture": "manual"}


def is_note_value(value: Any) -> bool:
    """Whether a note's value is one Razorpay's types allow: a string or a number (a bool is neither)."""
    return isinstance(value, str) or (isinstance(value, (int, float)) and not isinstance(value, bool))


def note_text(notes: Notes, name: str) -> str | None:
    """One note as text (a number becomes its decimal form), or None when absent or empty."""
    value = notes.get(name)
    return None if value is None or value == "" else str(value)


class _Entity(BaseModel):
    """A Razorpay entity: unknown fields are kept, never an error, since Razorpay adds fields freely."""

    model_config = ConfigDict(extra="allow", frozen=True)

    @field_validator("notes", mode="before", check_fields=False)
    @classmethod
    def _notes_as_dict(cls, value: Any) -> dict[str, Any]:
        # Razorpay serialises empty notes as [] and non-empty ones as an object. Notes are never a key we rely on,
        # so a value outside string | number (null, true, an object) is kept as its JSON text: one odd note must
        # not fail the event, whose webhook would then answer 500 on every retry.
        if not isinstance(value, dict):
            return {}
        return {str(key): note if is_note_value(note) else json.dumps(note) for key, note in value.items()}


EntityT = TypeVar("EntityT", bound=_Entity)


class RazorpayOrder(_Entity):
    """The order entity of Razorpay's Orders API."""

    id: str
    amount: int
    currency: str
    status: str
    receipt: str | None = None
    amount_paid: int = 0
    amount_due: int = 0
    attempts: int = 0
    notes: Notes = {}
    created_at: int | None = None

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)


class RazorpayPayment(_Entity):
    """The payment entity; status is created, authorized, captured, refunded or failed."""

    id: str
    amount: int
    currency: str
    status: str
    order_id: str | None = None
    # A subscription's charge is a payment on its invoice's order (SUBSCRIPTIONS.md §1, §8 samples).
    invoice_id: str | None = None
    method: str | None = None
    captured: bool = False
    amount_refunded: int = 0
    refund_status: str | None = None
    email: str | None = None
    contact: str | None = None
    vpa: str | None = None
    bank: str | None = None
    wallet: str | None = None
    notes: Notes = {}
    error_code: str | None = None
    error_description: str | None = None
    error_source: str | None = None
    error_step: str | None = None
    error_reason: str | None = None
    created_at: int | None = None

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)

    def report(self) -> PaymentReport:
        """The payment in the words every gateway shares."""
        return PaymentReport.of(GATEWAY, self.summary())

    def summary(self) -> dict[str, Any]:
        """The fields worth keeping on our order: no card data, no contact details."""
        keep = (
            "id",
            "status",
            "method",
            "amount",
            "currency",
            "order_id",
            "captured",
            "amount_refunded",
            "refund_status",
            "bank",
            "wallet",
            "error_code",
            "error_description",
            "error_reason",
            "created_at",
        )
        return {k: getattr(self, k) for k in keep}


# A Razorpay refund's status in the words every gateway shares (anything else: not settled yet).
REFUND_STATUSES: dict[str, ReportedRefundStatus] = {"processed": "processed", "failed": "failed"}


class RazorpayRefund(_Entity):
    """The refund entity; status is pending, processed or failed."""

    id: str
    amount: int
    currency: str
    payment_id: str
    status: str
    notes: Notes = {}
    created_at: int | None = None

    def report(self) -> RefundReport:
        """The refund in the words every gateway shares."""
        status = REFUND_STATUSES.get(self.status, "pending")
        return RefundReport(
            gateway=GATEWAY,
            refund_id=self.id,
            payment_id=self.payment_id,
            amount=Money(self.amount, self.currency),
            status=status,
            key=note_text(self.notes, "refund_key"),
            order_id=note_text(self.notes, "order_id"),
        )


class RazorpayDispute(_Entity):
    """A dispute (chargeback) raised against a payment."""

    id: str
    payment_id: str | None = None
    amount: int = 0
    currency: str = "INR"
    reason_code: str | None = None
    status: str | None = None

    def report(self) -> DisputeReport:
        """The dispute in the words both gateways share."""
        return DisputeReport(
            id=self.id,
            gateway=GATEWAY,
            amount=self.amount,
            currency=self.currency,
            reason=self.reason_code,
            status=self.status,
            payment_id=self.payment_id,
        )


class RazorpayPlan(_Entity):
    """A plan (api/payments/subscriptions/create-plan): period, interval and the item expanded; never edited."""

    id: str
    period: str
    interval: int
    item: dict[str, Any] = {}
    notes: Notes = {}
    created_at: int | None = None


class RazorpaySubscription(_Entity):
    """The subscription entity (api/payments/subscriptions/entity.md; SUBSCRIPTIONS.md §3, §5).

    status is an open string: the entity page lists eight values without `paused`, which the states page and the
    webhooks use (SUBSCRIPTIONS.md §5). There is no field saying a cancel at the cycle's end is scheduled
    (razorpay/razorpay-node#330: "There's no field that tells the subscription is scheduled to be cancelled").
    """

    id: str
    status: str
    plan_id: str | None = None
    customer_id: str | None = None
    current_start: int | None = None
    current_end: int | None = None
    ended_at: int | None = None
    charge_at: int | None = None
    start_at: int | None = None
    end_at: int | None = None
    quantity: int = 1
    auth_attempts: int = 0
    total_count: int | None = None
    paid_count: int = 0
    # razorpay-node's types make remaining_count a string, the samples an int (SUBSCRIPTIONS.md §3): pydantic's
    # lax mode reads both.
    remaining_count: int | None = None
    payment_method: str | None = None
    short_url: str | None = None
    notes: Notes = {}
    created_at: int | None = None


class RazorpayInvoice(_Entity):
    """One billing cycle's invoice (api/payments/subscriptions/fetch-invoices.md; SUBSCRIPTIONS.md §9).

    status: draft, issued, partially_paid, paid, cancelled, expired, deleted; an unpaid cycle stays issued.
    """

    id: str
    status: str
    amount: int
    currency: str
    subscription_id: str | None = None
    order_id: str | None = None
    payment_id: str | None = None
    customer_id: str | None = None
    amount_paid: int = 0
    amount_due: int = 0
    issued_at: int | None = None
    paid_at: int | None = None
    billing_start: int | None = None
    billing_end: int | None = None
    created_at: int | None = None


class RazorpayEvent(_Entity):
    """A webhook envelope: the event name and snapshots of the entities it concerns."""

    event: str
    account_id: str | None = None
    created_at: int | None = None
    contains: list[str] = []
    payload: dict[str, Any] = {}

    def entity(self, name: str) -> dict[str, Any] | None:
        """The snapshot of one entity in the payload (payment, order, refund, dispute), if present."""
        wrapper = self.payload.get(name)
        return wrapper.get("entity") if isinstance(wrapper, dict) else None

    def snapshot(self, name: str, model: type[EntityT]) -> EntityT | None:
        """One entity of the payload read as its model, if present."""
        found = self.entity(name)
        return model.model_validate(found) if found else None

    @functools.cached_property
    def payment(self) -> RazorpayPayment | None:
        """The payment snapshot, validated once per event (read by every step that applies it)."""
        return self.snapshot("payment", RazorpayPayment)

    @functools.cached_property
    def order(self) -> RazorpayOrder | None:
        """The order snapshot, validated once per event."""
        return self.snapshot("order", RazorpayOrder)

    @functools.cached_property
    def refund(self) -> RazorpayRefund | None:
        """The refund snapshot, validated once per event."""
        return self.snapshot("refund", RazorpayRefund)

    @functools.cached_property
    def dispute(self) -> RazorpayDispute | None:
        """The dispute snapshot, validated once per event."""
        return self.snapshot("dispute", RazorpayDispute)

    @functools.cached_property
    def subscription(self) -> RazorpaySubscription | None:
        """The subscription snapshot every subscription.* event carries (webhooks/subscriptions.md)."""
        return self.snapshot("subscription", RazorpaySubscription)


def verify_webhook_signature(body: bytes, signature: str, secret: str) -> bool:
    """Check X-Razorpay-Signature: hex HMAC-SHA256 of the raw body, keyed with the webhook secret."""
    # compare_digest raises TypeError on a non-ASCII str: such a signature is simply not ours.
    if not signature or not secret or not signature.isascii():
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.strip())


def parse_webhook(body: bytes) -> tuple[RazorpayEvent, dict[str, Any]]:
    """Read a verified webhook body: the event, and the body as received (for the ledger); raises ValueError
    when it is not a Razorpay event."""
    data = loads(body)
    if not isinstance(data, dict):
        raise ValueError("the webhook body is not a JSON object")
    return RazorpayEvent.model_validate(data), data


@dataclass(slots=True)
class RazorpayClient:
    """Razorpay's REST API over a shared aiohttp session (the official SDK is synchronous)."""

    session: aiohttp.ClientSession
    key_id: str
    key_secret: str
    api_base: str = DEFAULT_API_BASE
    timeout: float = 10.0
    # The webhook secrets verified, current first: after a rotation Razorpay still signs retries of older events
    # with the old secret (razorpay.com/docs/webhooks/faqs, "Secret changed recently on the Dashboard").
    webhook_secrets: tuple[str, ...] = ()
    # Minutes after which Razorpay no longer captures an authorisation by itself (capture_window of the order expiry).
    capture_window: int = DEFAULT_CAPTURE_WINDOW
    breaker: CircuitBreaker = field(default_factory=lambda: CircuitBreaker(GATEWAY))
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    observe: CallObserver | None = None
    _sdk: razorpay.Client = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.api_base = self.api_base.rstrip("/")
        # Only the SDK's signature utility is used; it makes no network call.
        self._sdk = razorpay.Client(auth=(self.key_id, self.key_secret))

    async def create_order(
        self, amount: Money, *, receipt: str, notes: Notes, capture: CaptureMode = "auto"
    ) -> tuple[RazorpayOrder, CallRecord]:
        """Create a Razorpay order for the amount in minor units (paise for INR)."""
        body = {
            "amount": amount.amount,
            "currency": amount.currency,
            "receipt": receipt,
            "notes": notes,
            "payment": capture_settings(capture, self.capture_window),
        }
        data, call = await self._request("POST", "/v1/orders", body)
        return RazorpayOrder.model_validate(data), call

    async def fetch_order(self, order_id: str) -> tuple[RazorpayOrder, CallRecord]:
        """Fetch one Razorpay order by its id."""
        data, call = await self._request("GET", f"/v1/orders/{segment(order_id)}")
        return RazorpayOrder.model_validate(data), call

    async def find_orders_by_receipt(self, receipt: str) -> tuple[list[RazorpayOrder], CallRecord]:
        """List Razorpay orders whose receipt is ours, to find one we created but never saved."""
        data, call = await self._request("GET", "/v1/orders", params={"receipt": receipt})
        return [RazorpayOrder.model_validate(i) for i in data.get("items", [])], call

    async def fetch_order_payments(self, order_id: str) -> tuple[list[RazorpayPayment], CallRecord]:
        """List the payments made against a Razorpay order."""
        data, call = await self._request("GET", f"/v1/orders/{segment(order_id)}/payments")
        return [RazorpayPayment.model_validate(i) for i in data.get("items", [])], call

    async def fetch_payment(self, payment_id: str) -> tuple[RazorpayPayment, CallRecord]:
        """Fetch one payment by its id."""
        data, call = await self._request("GET", f"/v1/payments/{segment(payment_id)}")
        return RazorpayPayment.model_validate(data), call

    async def capture_payment(self, payment_id: str, amount: Money) -> tuple[RazorpayPayment, CallRecord]:
        """Capture an authorized payment for exactly its amount."""
        body = {"amount": amount.amount, "currency": amount.currency}
        data, call = await self._request("POST", f"/v1/payments/{segment(payment_id)}/capture", body)
        return RazorpayPayment.model_validate(data), call

    async def refund_payment(
        self, payment_id: str, amount: Money | None, *, key: str, notes: dict[str, str]
    ) -> tuple[RazorpayRefund, CallRecord]:
        """Refund a captured payment (all of what is left when amount is None); key makes a retry safe."""
        body: dict[str, Any] = {"speed": "normal", "notes": notes}
        if amount is not None:
            body["amount"] = amount.amount
        data, call = await self._request(
            "POST", f"/v1/payments/{segment(payment_id)}/refund", body, headers={"X-Refund-Idempotency": key}
        )
        return RazorpayRefund.model_validate(data), call

    async def fetch_payment_refunds(self, payment_id: str) -> tuple[list[RazorpayRefund], CallRecord]:
        """List a payment's refunds (GET /v1/payments/:id/refunds), to find one whose answer never reached us: the
        last hundred, as Razorpay gives only the last 10 unless asked (razorpay.com/docs/api/refunds/
        fetch-multiple-refund-payment: count, "a maximum of 100"), more than any order has."""
        data, call = await self._request("GET", f"/v1/payments/{segment(payment_id)}/refunds", params={"count": 100})
        return [RazorpayRefund.model_validate(i) for i in data.get("items", [])], call

    async def fetch_refund(self, refund_id: str) -> tuple[RazorpayRefund, CallRecord]:
        """Fetch one refund by its id."""
        data, call = await self._request("GET", f"/v1/refunds/{segment(refund_id)}")
        return RazorpayRefund.model_validate(data), call

    async def create_plan(
        self, *, period: str, interval: int, amount: Money, name: str, description: str, notes: Notes
    ) -> tuple[RazorpayPlan, CallRecord]:
        """POST /v1/plans: period daily|weekly|monthly|yearly every `interval`, item {name, amount, currency}."""
        item: dict[str, Any] = {"name": name, "amount": amount.amount, "currency": amount.currency}
        if description:
            item["description"] = description
        body = {"period": period, "interval": interval, "item": item, "notes": notes}
        data, call = await self._request("POST", "/v1/plans", body)
        return RazorpayPlan.model_validate(data), call

    async def create_subscription(
        self, plan_id: str, *, total_count: int, notes: Notes, customer_notify: bool = True
    ) -> tuple[RazorpaySubscription, CallRecord]:
        """POST /v1/subscriptions on a plan for total_count cycles, starting when the buyer authenticates it."""
        body = {"plan_id": plan_id, "total_count": total_count, "customer_notify": customer_notify, "notes": notes}
        data, call = await self._request("POST", "/v1/subscriptions", body)
        return RazorpaySubscription.model_validate(data), call

    async def fetch_subscription(self, subscription_id: str) -> tuple[RazorpaySubscription, CallRecord]:
        """GET /v1/subscriptions/:id."""
        data, call = await self._request("GET", f"/v1/subscriptions/{segment(subscription_id)}")
        return RazorpaySubscription.model_validate(data), call

    async def list_subscription_invoices(
        self, subscription_id: str, *, skip: int = 0
    ) -> tuple[list[RazorpayInvoice], CallRecord]:
        """GET /v1/invoices?subscription_id=: one page of a subscription's invoices, newest first, a hundred at most
        (a collection's count defaults to 10, 100 at most: razorpay.com/docs/api/payments/subscriptions/
        fetch-invoices; the caller pages on with skip)."""
        params = {"subscription_id": subscription_id, "count": INVOICE_PAGE, "skip": skip}
        data, call = await self._request("GET", "/v1/invoices", params=params)
        return [RazorpayInvoice.model_validate(i) for i in data.get("items", [])], call

    async def cancel_subscription(
        self, subscription_id: str, *, at_cycle_end: bool
    ) -> tuple[RazorpaySubscription, CallRecord]:
        """POST /v1/subscriptions/:id/cancel, now or (cancel_at_cycle_end 1) when the current cycle ends."""
        body = {"cancel_at_cycle_end": 1 if at_cycle_end else 0}
        data, call = await self._request("POST", f"/v1/subscriptions/{segment(subscription_id)}/cancel", body)
        return RazorpaySubscription.model_validate(data), call

    async def pause_subscription(self, subscription_id: str) -> tuple[RazorpaySubscription, CallRecord]:
        """POST /v1/subscriptions/:id/pause {"pause_at": "now"}, the only choice (pause-subscription.md)."""
        path = f"/v1/subscriptions/{segment(subscription_id)}/pause"
        data, call = await self._request("POST", path, {"pause_at": "now"})
        return RazorpaySubscription.model_validate(data), call

    async def resume_subscription(self, subscription_id: str) -> tuple[RazorpaySubscription, CallRecord]:
        """POST /v1/subscriptions/:id/resume {"resume_at": "now"}, the only choice (resume-subscription.md)."""
        path = f"/v1/subscriptions/{segment(subscription_id)}/resume"
        data, call = await self._request("POST", path, {"resume_at": "now"})
        return RazorpaySubscription.model_validate(data), call

    def verify_webhook(self, body: bytes, signature: str) -> bool:
        """Check a webhook's signature with each of this account's webhook secrets (none set: every one fails)."""
        return any(verify_webhook_signature(body, signature, secret) for secret in self.webhook_secrets)

    def verify_payment_signature(self, razorpay_order_id: str, payment_id: str, signature: str) -> bool:
        """Check checkout.js's signature: HMAC-SHA256(key_secret, "order_id|payment_id")."""
        if not signature.isascii():  # the SDK's compare_digest would raise TypeError: never a valid signature
            return False
        params = {
            "razorpay_order_id": razorpay_order_id,
            "razorpay_payment_id": payment_id,
            "razorpay_signature": signature,
        }
        try:
            return bool(self._sdk.utility.verify_payment_signature(params))
        except razorpay.errors.SignatureVerificationError:
            return False

    def verify_subscription_signature(self, razorpay_subscription_id: str, payment_id: str, signature: str) -> bool:
        """Check checkout.js's subscription signature: HMAC-SHA256(key_secret, "payment_id|subscription_id"), the
        reverse of an order's (razorpay-python razorpay/utility/utility.py verify_subscription_payment_signature;
        documents/paymentVerfication.md; SUBSCRIPTIONS.md §6). Give it the subscription id WE stored."""
        if not signature.isascii():  # the SDK's compare_digest would raise TypeError: never a valid signature
            return False
        params = {
            "razorpay_subscription_id": razorpay_subscription_id,
            "razorpay_payment_id": payment_id,
            "razorpay_signature": signature,
        }
        try:
            return bool(self._sdk.utility.verify_subscription_payment_signature(params))
        except razorpay.errors.SignatureVerificationError:
            return False

    async def _request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[dict[str, Any], CallRecord]:
        """Send a request through the circuit breaker, retried only if repeating it is safe."""
        # Reads are safe to repeat, and so are refunds (X-Refund-Idempotency); creating an order is not.
        safe = method == "GET" or "X-Refund-Idempotency" in (headers or {})
        failed: list[CallRecord] = []

        async def attempt() -> tuple[dict[str, Any], CallRecord]:
            try:
                return await self.breaker.call(lambda: self._send(method, path, body, params, headers))
            except GatewayError as exc:
                if isinstance(exc.call, CallRecord):
                    failed.append(exc.call)
                raise

        try:
            payload, call = await call_with_retries(attempt, self.retry if safe else NO_RETRY)
        except GatewayError as exc:
            if failed:  # the tries that reached Razorpay, even when the last was refused by the open circuit
                exc.call = replace(failed[-1], earlier=tuple(failed[:-1]))
            raise
        return payload, replace(call, earlier=tuple(failed)) if failed else call

    async def _send(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        params: dict[str, Any] | None,
        headers: dict[str, str] | None,
    ) -> tuple[dict[str, Any], CallRecord]:
        """Send one request; return the JSON body and its record, or raise a typed GatewayError."""
        started = time.perf_counter()
        status: int | None = None
        payload: Any = None
        try:
            async with self.session.request(
                method,
                self.api_base + path,
                json=body,
                params=params,
                headers={"Authorization": aiohttp.encode_basic_auth(self.key_id, self.key_secret), **(headers or {})},
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            ) as resp:
                status = resp.status
                text = await resp.text()
        except (TimeoutError, aiohttp.ClientError) as exc:
            error = GatewayUnavailable(
                f"Razorpay did not answer: {type(exc).__name__}: {exc}".rstrip(": "),
                gateway=GATEWAY,
                code="NETWORK_ERROR",
                reason="timeout" if isinstance(exc, asyncio.TimeoutError) else "connection",
            )
            self._record(method, path, body, None, None, started, error)
            raise error from exc
        try:
            payload = loads(text) if text else {}
        except ValueError:
            payload = {"raw": text[:500]}
        if 200 <= status < 300 and isinstance(payload, dict) and "raw" not in payload:
            return payload, self._record(method, path, body, status, payload, started)
        refused = error_from_response(status, payload)
        self._record(method, path, body, status, payload, started, refused)
        raise refused

    def _record(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        status: int | None,
        payload: Any,
        started: float,
        error: GatewayError | None = None,
    ) -> CallRecord:
        call = CallRecord(
            gateway=GATEWAY,
            method=method,
            path=path,
            request=body,
            status=status,
            response=payload,
            duration_ms=elapsed_ms(started),
            error=error.to_dict() if error else None,
        )
        if error is not None:
            error.call = call
        if self.observe is not None:
            self.observe(call)
        return call


def error_from_response(status: int, payload: Any) -> GatewayError:
    """Turn Razorpay's error envelope into the matching GatewayError, keeping every detail."""
    envelope = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(envelope, dict):
        envelope = {}
    description = envelope.get("description") or f"Razorpay answered HTTP {status}"
    kwargs = dict(
        gateway=GATEWAY,
        code=envelope.get("code"),
        field=envelope.get("field") or None,
        http_status=status,
        reason=envelope.get("reason") if envelope.get("reason") not in (None, "NA") else None,
        body=payload,
    )
    if status == 429 or status >= 500 or envelope.get("code") in ("SERVER_ERROR", "GATEWAY_ERROR"):
        return GatewayUnavailable(description, **kwargs)
    if status == 409 or IN_PROGRESS.search(description):
        # Another request with our X-Refund-Idempotency key (409), or another operation holding the payment, is
        # still running: not a refusal. "You may retry the request upon receiving this response"
        # (https://razorpay.com/docs/api/refunds/normal-refunds-idempotent); Razorpay's texts are in its
        # PublicErrorDescription (razorpay/opencensus-php app/Error/PublicErrorDescription.php).
        # It is an answer, so the circuit breaker does not count it as an outage (GatewayInProgress).
        return GatewayInProgress(description, **{**kwargs, "reason": "operation_in_progress"})
    return GatewayInvalid(description, **kwargs)


def segment(value: str) -> str:
    """An id as one URL path segment: quoted whole, so "/", "?" and "#" stay inside it. "." and ".." are
    refused: yarl resolves them (even as %2E) into the parent path, so quoting alone cannot keep them in."""
    if value in ("", ".", ".."):
        raise ValueError(f"{value!r} is not an id that can go into a Razorpay URL")
    return quote(value, safe="")
