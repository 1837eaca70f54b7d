"""Stripe Checkout through the official SDK's async API, on one shared aiohttp session."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any, cast, get_args, get_type_hints

import aiohttp
import stripe
from pydantic import BaseModel, ConfigDict, field_validator

from galla.payments.breaker import CircuitBreaker
from galla.payments.calls import CallObserver, CallRecord, elapsed_ms
from galla.payments.errors import GatewayDeclined, GatewayError, GatewayInvalid, GatewayUnavailable
from galla.payments.money import Money, from_stripe_amount, to_stripe_amount
from galla.payments.reports import DisputeReport, PaymentReport, RefundReport, ReportedRefundStatus

if TYPE_CHECKING:
    # The SDK's own request types: each call below hands its params (kept as a dict for the call's record) as one.
    from stripe.params import (
        InvoiceListParams,
        SubscriptionPauseParams,
        SubscriptionResumeParams,
        SubscriptionUpdateParams,
    )
    from stripe.params.billing_portal import SessionCreateParams as PortalSessionCreateParams
    from stripe.params.checkout import SessionRetrieveParams
    from stripe.params.test_helpers import TestClockAdvanceParams

log = logging.getLogger(__name__)

GATEWAY = "stripe"
DEFAULT_API_BASE = "https://api.stripe.com"
# The Stripe API version Galla speaks, sent as Stripe-Version on every call whatever the SDK's own default
# (stripe/_api_version.py in 16.1.0 says the same today; a newer SDK must not change what we send unnoticed).
# Create the webhook endpoint with this api_version too: events are rendered in the endpoint's version
# (docs.stripe.com/webhooks/versioning), and our parsing expects this one's shapes.
STRIPE_API_VERSION = "2026-10-28.endive"
# A PaymentIntent's description is at most 1000 characters (maxLength in Stripe's OpenAPI spec; the sandbox too).
DESCRIPTION_LIMIT = 1000
# The placeholder Stripe replaces with the session id when it redirects to success_url.
SESSION_ID_PLACEHOLDER = "{CHECKOUT_SESSION_ID}"


class _Object(BaseModel):
    """A Stripe object: fields we read are typed, the rest kept, since Stripe adds fields freely."""

    model_config = ConfigDict(extra="allow", frozen=True)

    @field_validator("metadata", mode="before", check_fields=False)
    @classmethod
    def _metadata_as_dict(cls, value: Any) -> dict[str, Any]:
        return value or {}


class StripeCustomer(_Object):
    """A Stripe customer."""

    id: str
    email: str | None = None


class StripeTestClock(_Object):
    """A test clock (stripe-python test_helpers/_test_clock.py): the frozen time its customers' objects live in;
    status ready, advancing or internal_failure."""

    id: str
    frozen_time: int
    status: str = "ready"


class StripePaymentIntent(_Object):
    """The PaymentIntent a Checkout Session creates when the buyer pays."""

    id: str
    amount: int
    currency: str
    status: str
    amount_received: int = 0
    latest_charge: str | dict[str, Any] | None = None
    metadata: dict[str, str] = {}

    @property
    def money_received(self) -> Money:
        return from_stripe_amount(self.amount_received, self.currency)


class StripeSession(_Object):
    """A Checkout Session: status open/complete/expired, payment_status paid/unpaid/..."""

    id: str
    status: str | None = None
    payment_status: str
    amount_total: int | None = None
    currency: str | None = None
    client_reference_id: str | None = None
    metadata: dict[str, str] = {}
    url: str | None = None
    customer: str | dict[str, Any] | None = None
    payment_intent: StripePaymentIntent | str | None = None
    expires_at: int | None = None
    # Subscription mode (stripe-python checkout/_session.py: mode, subscription, invoice; SUBSCRIPTIONS.md §11):
    # the completed session names the Subscription it started, expanded when asked for.
    mode: str | None = None
    subscription: StripeSubscription | str | None = None

    @property
    def subscription_id(self) -> str | None:
        """The id of the Subscription this session started, expanded or not."""
        sub = self.subscription
        return sub.id if isinstance(sub, StripeSubscription) else sub

    @property
    def money(self) -> Money | None:
        """The session's total as our Money, if Stripe gave one."""
        if self.amount_total is None or not self.currency:
            return None
        return from_stripe_amount(self.amount_total, self.currency)

    @property
    def payment_intent_id(self) -> str | None:
        pi = self.payment_intent
        return pi.id if isinstance(pi, StripePaymentIntent) else pi

    def report(self) -> PaymentReport:
        """The session's payment in the words every gateway shares."""
        return PaymentReport.of(GATEWAY, self.summary())

    def summary(self) -> dict[str, Any]:
        """What our order keeps of a paid session: ids, status and amounts (our minor units); no card data."""
        pi = self.payment_intent if isinstance(self.payment_intent, StripePaymentIntent) else None
        money = self.money
        # Our minor units, as amount_paid and every Razorpay summary: Stripe's wire has 5 ISK as 500
        # (docs.stripe.com/currencies#special-cases), which beside amount_paid would read as 100 times the money.
        return {
            "id": self.payment_intent_id,
            "session_id": self.id,
            "method": "card",
            "status": pi.status if pi else self.payment_status,
            "amount": money.amount if money else None,
            "currency": (self.currency or "").upper(),
            "amount_received": pi.money_received.amount if pi else None,
            "charge_id": pi.latest_charge if pi and isinstance(pi.latest_charge, str) else None,
        }


class StripeSubscriptionItem(_Object):
    """One item of a Subscription: in API 2026-10-28 the billing period lives here, not on the subscription
    (stripe-python _subscription_item.py current_period_start/end; SUBSCRIPTIONS.md §12)."""

    id: str
    current_period_start: int
    current_period_end: int
    quantity: int = 1
    price: dict[str, Any] = {}


class StripeSubscription(_Object):
    """A Stripe Billing Subscription (stripe-python _subscription.py): status incomplete, incomplete_expired,
    trialing, active, past_due, unpaid, paused or canceled; cancel_at_period_end apart from it."""

    id: str
    status: str
    customer: str | dict[str, Any] | None = None
    currency: str | None = None
    cancel_at_period_end: bool = False
    cancel_at: int | None = None
    canceled_at: int | None = None
    ended_at: int | None = None
    latest_invoice: str | dict[str, Any] | None = None
    default_payment_method: str | dict[str, Any] | None = None
    pause_collection: dict[str, Any] | None = None
    test_clock: str | dict[str, Any] | None = None
    metadata: dict[str, str] = {}
    items: dict[str, Any] = {}

    @property
    def first_item(self) -> StripeSubscriptionItem | None:
        """The subscription's item (Galla's have one), with the current period."""
        data = self.items.get("data") or []
        return StripeSubscriptionItem.model_validate(data[0]) if data else None

    @property
    def customer_id(self) -> str | None:
        return self.customer.get("id") if isinstance(self.customer, dict) else self.customer


class StripeInvoice(_Object):
    """An Invoice (stripe-python _invoice.py): status draft, open, paid, uncollectible or void; its subscription
    under parent.subscription_details (no top-level `subscription` since API 2025-03-31); its PaymentIntents in
    `payments`, an includable list, there only when expanded (docs.stripe.com/api/invoice-payment/object)."""

    id: str
    status: str | None = None
    currency: str
    amount_due: int = 0
    amount_paid: int = 0
    attempt_count: int = 0
    billing_reason: str | None = None
    created: int | None = None
    next_payment_attempt: int | None = None
    parent: dict[str, Any] | None = None
    lines: dict[str, Any] = {}
    payments: dict[str, Any] | None = None
    status_transitions: dict[str, Any] = {}

    @property
    def subscription_id(self) -> str | None:
        """parent.subscription_details.subscription: the Subscription the invoice bills."""
        details = (self.parent or {}).get("subscription_details") or {}
        sub = details.get("subscription")
        return sub.get("id") if isinstance(sub, dict) else sub

    @property
    def money_due(self) -> Money:
        return from_stripe_amount(self.amount_due, self.currency)

    @property
    def money_paid(self) -> Money:
        return from_stripe_amount(self.amount_paid, self.currency)

    @property
    def service_period(self) -> tuple[int | None, int | None]:
        """The period the invoice bills for: its first line's period. The invoice's own period_start/end is the
        usage period before it, empty on a subscription's first invoice (stripe-python _invoice.py period_end)."""
        data = self.lines.get("data") or []
        period = (data[0].get("period") or {}) if data else {}
        return period.get("start"), period.get("end")

    @property
    def paid_at(self) -> int | None:
        return self.status_transitions.get("paid_at")

    @property
    def payment_intent_id(self) -> str | None:
        """The PaymentIntent that paid the invoice (InvoicePayment.payment.payment_intent, the paid one first)."""
        found = [entry for entry in (self.payments or {}).get("data") or [] if isinstance(entry, dict)]
        found.sort(key=lambda entry: entry.get("status") != "paid")
        for entry in found:
            intent = (entry.get("payment") or {}).get("payment_intent")
            if isinstance(intent, dict):
                intent = intent.get("id")
            if isinstance(intent, str):
                return intent
        return None


StripeSession.model_rebuild()  # its `subscription` names StripeSubscription, defined after it


class StripePortalSession(_Object):
    """A customer portal session (stripe-python billing_portal/_session.py): a short-lived url."""

    id: str
    url: str
    customer: str | None = None


class _AgainstPayment(_Object):
    """A charge, refund or dispute: an amount in Stripe's units of its currency, tied to a PaymentIntent."""

    id: str
    amount: int
    currency: str
    payment_intent: str | None = None
    status: str | None = None

    @property
    def money(self) -> Money:
        """The amount as our Money (our minor units)."""
        return from_stripe_amount(self.amount, self.currency)


class StripeCharge(_AgainstPayment):
    """A charge: what was taken from the card, and how much of it was refunded."""

    amount_refunded: int = 0
    refunded: bool = False
    metadata: dict[str, str] = {}

    @property
    def money_refunded(self) -> Money:
        return from_stripe_amount(self.amount_refunded, self.currency)


# A Stripe refund's status in the words every gateway shares (pending and requires_action: not settled yet).
REFUND_STATUSES: dict[str, ReportedRefundStatus] = {"succeeded": "processed", "failed": "failed", "canceled": "failed"}


class StripeRefund(_AgainstPayment):
    """A refund: status pending, requires_action, succeeded, failed or canceled."""

    charge: str | None = None
    failure_reason: str | None = None
    metadata: dict[str, str] = {}

    def report(self) -> RefundReport:
        """The refund in the words every gateway shares."""
        status = REFUND_STATUSES.get(self.status or "", "pending")
        return RefundReport(
            gateway=GATEWAY,
            refund_id=self.id,
            payment_id=self.payment_intent,
            amount=self.money,
            status=status,
            key=self.metadata.get("refund_key"),
            order_id=self.metadata.get("order_id"),
        )


class StripeDispute(_AgainstPayment):
    """A dispute a cardholder opened against a charge."""

    charge: str | None = None
    reason: str | None = None

    def report(self) -> DisputeReport:
        """The dispute in the words both gateways share (our minor units)."""
        money = self.money
        return DisputeReport(
            id=self.id,
            gateway=GATEWAY,
            amount=money.amount,
            currency=money.currency,
            reason=self.reason,
            status=self.status,
            payment_id=self.payment_intent,
        )


class StripeWebhookEvent(_Object):
    """A verified Event: its id, type, and the object it carries as Stripe rendered it."""

    id: str
    type: str
    created: int | None = None
    api_version: str | None = None
    data: dict[str, Any] = {}

    @property
    def resource(self) -> dict[str, Any]:
        """data.object: the session, charge, refund or dispute the event is about."""
        found = self.data.get("object")
        return found if isinstance(found, dict) else {}


class WebhookSignatureInvalid(Exception):
    """A webhook whose Stripe-Signature is missing, forged or too old."""


WEBHOOK_TOLERANCE = 300  # seconds either side of now; stripe.Webhook.DEFAULT_TOLERANCE is the same 300


def verify_signature(
    body: bytes, signature: str, secret: str, *, tolerance: int = WEBHOOK_TOLERANCE, now: float | None = None
) -> None:
    """Check Stripe-Signature against one endpoint secret, and that its t is within tolerance of now, either side.

    stripe-python's WebhookSignature.verify_header (stripe/_webhook.py, 16.1.0) refuses only an old t
    (`timestamp < time.time() - tolerance`); a t in the future passes it, so a captured request signed ahead of
    time would stay replayable for as long as the signer liked. Raises WebhookSignatureInvalid.
    """
    if not signature.isascii():
        # verify_header's hmac.compare_digest raises TypeError on a non-ASCII str; Stripe signs in ASCII.
        raise WebhookSignatureInvalid("Unable to extract timestamp and signatures from header")
    try:
        stripe.WebhookSignature.verify_header(body, signature, secret, tolerance)
    except stripe.SignatureVerificationError as exc:
        raise WebhookSignatureInvalid(str(exc)) from exc
    timestamp = signed_timestamp(signature)
    if timestamp > (time.time() if now is None else now) + tolerance:
        raise WebhookSignatureInvalid(f"Timestamp outside the tolerance zone ({timestamp}): in the future")


def signed_timestamp(signature: str) -> int:
    """The t= of a Stripe-Signature header that verify_header has already parsed (the first t, as it takes)."""
    for item in signature.split(","):
        key, _, value = item.partition("=")
        if key == "t":
            return int(value)
    raise WebhookSignatureInvalid("Unable to extract timestamp and signatures from header")


def parse_webhook(body: bytes, signature: str, secret: str, tolerance: int = WEBHOOK_TOLERANCE) -> StripeWebhookEvent:
    """Verify Stripe-Signature over the raw body (300 s either side of now), then read the event.

    Raises WebhookSignatureInvalid for a bad, stale or future signature and ValueError for a body that is not JSON.
    """
    verify_signature(body, signature, secret, tolerance=tolerance)
    event = StripeWebhookEvent.model_validate(json.loads(body))
    if event.api_version and event.api_version != STRIPE_API_VERSION:
        # Still taken (refusing would only make Stripe retry, then disable the endpoint), but said loudly.
        log.warning(
            "Stripe event %s is rendered in API version %s, not %s: set the webhook endpoint's "
            "api_version (docs/GOING_LIVE.md)",
            event.id,
            event.api_version,
            STRIPE_API_VERSION,
        )
    return event


@dataclass(frozen=True, slots=True)
class SessionLine:
    """One line of a Checkout Session: our product's name, unit price and quantity."""

    name: str
    unit: Money
    quantity: int


@dataclass(slots=True)
class StripeGateway:
    """Stripe's API through stripe.StripeClient, sharing one aiohttp session with no other gateway."""

    session: aiohttp.ClientSession
    secret_key: str
    api_base: str = DEFAULT_API_BASE
    timeout: float = 10.0
    max_network_retries: int = 2
    # The endpoint's signing secrets, current first, then one being rolled out (see parse_webhook).
    webhook_secrets: tuple[str, ...] = ()
    breaker: CircuitBreaker = field(default_factory=lambda: CircuitBreaker(GATEWAY))
    observe: CallObserver | None = None
    # Invoices asked per page: `limit` "can range between 1 and 100" (params/_invoice_list_params.py); a test sets
    # a small one to see the pages followed.
    invoice_page_size: int = 100
    _client: stripe.StripeClient = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.api_base = self.api_base.rstrip("/")
        http = stripe.AIOHTTPClient(session=self.session, timeout=aiohttp.ClientTimeout(total=self.timeout))
        # The SDK retries connection errors, 409 and 5xx with the same Idempotency-Key.
        self._client = stripe.StripeClient(
            self.secret_key,
            http_client=http,
            base_addresses={"api": self.api_base},
            stripe_version=STRIPE_API_VERSION,
            max_network_retries=self.max_network_retries,
        )

    async def find_customer(self, email: str) -> tuple[StripeCustomer | None, CallRecord]:
        """Find the Stripe customer with this email (the newest, if several), if there is one.

        By listing with `email` (docs.stripe.com/api/customers/list: a case-sensitive filter), not by Customer
        Search, which "is not available to merchants in India" (docs.stripe.com/api/customers/search) and is
        only eventually consistent besides.
        """
        params = {"email": email, "limit": 1}
        data, call = await self._list("/v1/customers", params, self._client.v1.customers.list_async)
        return (StripeCustomer.model_validate(data[0]) if data else None), call

    async def create_customer(
        self,
        *,
        email: str,
        name: str,
        phone: str | None,
        test_clock: str | None = None,
        subscription_id: str | None = None,
    ) -> tuple[StripeCustomer, CallRecord]:
        """Create the Stripe customer for an email (on a test clock: one of its own for that clock, params
        test_clock in stripe-python params/_customer_create_params.py; for a subscription: one of its own, named in
        its metadata); a repeat within Stripe's 24 h key window returns it."""
        params: dict[str, Any] = {"email": email, "name": name, **({"phone": phone} if phone else {})}
        key = "galla-customer-" + hashlib.sha256(email.encode()).hexdigest()[:40]
        if subscription_id:
            params["metadata"] = {"subscription_id": subscription_id}
            key += f"-{subscription_id}"
        if test_clock:
            params["test_clock"] = test_clock
            key += f"-{test_clock}"
        created, call = await self._create("/v1/customers", params, key, self._client.v1.customers.create_async)
        return StripeCustomer.model_validate(created), call

    async def create_session(
        self,
        *,
        order_id: str,
        attempt: int,
        lines: Sequence[SessionLine],
        success_url: str,
        cancel_url: str,
        customer_id: str | None = None,
        customer_email: str | None = None,
        shipping: dict[str, Any] | None = None,
        key_suffix: str = "",
    ) -> tuple[StripeSession, CallRecord]:
        """Open a Checkout Session for our order; the key makes a retried request return the same one.

        What Stripe India requires of an export (a card issued outside India) goes with every session, since the
        card is not known until the buyer pays: the buyer's name and billing address, collected by Checkout
        (`billing_address_collection: required`), a description of what is sold on the PaymentIntent, and, for
        physical goods, the delivery address as the PaymentIntent's shipping. support.stripe.com/questions/
        requirements-for-india-export-charges; docs.stripe.com/india-accept-international-payments.
        """
        intent_data: dict[str, Any] = {"metadata": {"order_id": order_id}, "description": describe_lines(lines)}
        if shipping:
            intent_data["shipping"] = stripe_shipping(shipping)
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [
                {"price_data": price_data(line.unit, line.name), "quantity": line.quantity} for line in lines
            ],
            "client_reference_id": order_id,
            "metadata": {"order_id": order_id},
            "payment_intent_data": intent_data,
            "billing_address_collection": "required",
            # Adaptive Pricing follows the Dashboard unless the session says (docs.stripe.com/api/checkout/sessions/
            # create): on, the buyer may pay in a currency other than the one the order is stored and counted in.
            "adaptive_pricing": {"enabled": False},
            "success_url": success_url,
            "cancel_url": cancel_url,
        }
        if not shipping:
            # No delivery address on the order: Checkout asks for one (docs.stripe.com/payments/collect-addresses)
            # and puts it on the PaymentIntent, so a goods export still carries it.
            params["shipping_address_collection"] = {"allowed_countries": stripe_shipping_countries()}
        params.update(buyer_params(customer_id, customer_email))
        key = session_idempotency_key(order_id, attempt) + key_suffix
        created, call = await self._create(
            "/v1/checkout/sessions", params, key, self._client.v1.checkout.sessions.create_async
        )
        return StripeSession.model_validate(created), call

    async def retrieve_session(self, session_id: str) -> tuple[StripeSession, CallRecord]:
        """Fetch a Checkout Session with its PaymentIntent expanded."""
        return await self._retrieve_session(session_id, "payment_intent")

    async def _retrieve_session(self, session_id: str, expand: str) -> tuple[StripeSession, CallRecord]:
        """GET /v1/checkout/sessions/:id with one field expanded."""
        params = {"expand": [expand]}
        found, call = await self._call(
            "GET",
            f"/v1/checkout/sessions/{session_id}",
            params,
            lambda: self._client.v1.checkout.sessions.retrieve_async(
                session_id, params=cast("SessionRetrieveParams", params)
            ),
        )
        return StripeSession.model_validate(found), call

    async def expire_session(self, session_id: str) -> tuple[StripeSession, CallRecord]:
        """Expire an open session so nobody can pay it any more."""
        done, call = await self._call(
            "POST",
            f"/v1/checkout/sessions/{session_id}/expire",
            None,
            lambda: self._client.v1.checkout.sessions.expire_async(session_id),
        )
        return StripeSession.model_validate(done), call

    async def create_subscription_session(
        self,
        *,
        subscription_id: str,
        name: str,
        description: str,
        unit: Money,
        interval: str,
        interval_count: int,
        success_url: str,
        cancel_url: str,
        customer_id: str | None = None,
        customer_email: str | None = None,
    ) -> tuple[StripeSession, CallRecord]:
        """Open Checkout in subscription mode for our subscription: one inline recurring price, our id on the
        session (client_reference_id) and on the Subscription it starts (subscription_data.metadata).

        stripe-python 16.1.0 params/checkout/_session_create_params.py: line_items[].price_data.recurring
        {interval, interval_count}; subscription_data {metadata, description}; `customer` or `customer_email`
        (SUBSCRIPTIONS.md §11). An export from an Indian account needs the description, the buyer's name and
        billing address, and for goods the delivery address, as a one-off session does (create_session).
        """
        params: dict[str, Any] = {
            "mode": "subscription",
            "line_items": [
                {
                    "price_data": {
                        **price_data(unit, name),
                        "recurring": {"interval": interval, "interval_count": interval_count},
                    },
                    "quantity": 1,
                }
            ],
            "client_reference_id": subscription_id,
            "metadata": {"subscription_id": subscription_id},
            "subscription_data": {
                "metadata": {"subscription_id": subscription_id},
                "description": description[: DESCRIPTION_LIMIT // 2],  # subscription_data.description: ≤ 500
            },
            "billing_address_collection": "required",
            "shipping_address_collection": {"allowed_countries": stripe_shipping_countries()},
            "adaptive_pricing": {"enabled": False},
            "success_url": success_url,
            "cancel_url": cancel_url,
        }
        params.update(buyer_params(customer_id, customer_email))
        key = f"galla-{subscription_id}-subscription-session"
        created, call = await self._create(
            "/v1/checkout/sessions", params, key, self._client.v1.checkout.sessions.create_async
        )
        return StripeSession.model_validate(created), call

    async def retrieve_subscription_session(self, session_id: str) -> tuple[StripeSession, CallRecord]:
        """Fetch a subscription-mode Checkout Session with its Subscription expanded (SUBSCRIPTIONS.md §19)."""
        return await self._retrieve_session(session_id, "subscription")

    async def retrieve_subscription(self, subscription_id: str) -> tuple[StripeSubscription, CallRecord]:
        """GET /v1/subscriptions/:id (stripe-python _subscription_service.py retrieve)."""
        found, call = await self._call(
            "GET",
            f"/v1/subscriptions/{subscription_id}",
            None,
            lambda: self._client.v1.subscriptions.retrieve_async(subscription_id),
        )
        return StripeSubscription.model_validate(found), call

    async def list_subscription_invoices(self, subscription_id: str) -> tuple[list[StripeInvoice], list[CallRecord]]:
        """GET /v1/invoices?subscription=… with each invoice's payments included (`data.payments`): every invoice,
        newest first, and the call of each page.

        A list answers `limit` objects at most with `has_more`; the next page is asked with `starting_after` the
        last id (params/_invoice_list_params.py starting_after; stripe/_list_object.py next_page). Every page is
        read: the count of paid invoices decides when a plan of N charges ends, and a weekly plan passes 100."""
        invoices: list[StripeInvoice] = []
        calls: list[CallRecord] = []
        params: dict[str, Any] = {
            "subscription": subscription_id,
            "limit": self.invoice_page_size,
            "expand": ["data.payments"],
        }
        while True:
            asked = dict(params)  # each page's call records the params it was sent with
            page, call = await self._call(
                "GET",
                "/v1/invoices",
                asked,
                partial(self._client.v1.invoices.list_async, params=cast("InvoiceListParams", asked)),
            )
            calls.append(call)
            found = [StripeInvoice.model_validate(invoice) for invoice in page.get("data") or []]
            invoices += found
            if not page.get("has_more") or not found:
                return invoices, calls
            params["starting_after"] = found[-1].id

    async def update_subscription(
        self, subscription_id: str, *, cancel_at_period_end: bool
    ) -> tuple[StripeSubscription, CallRecord]:
        """POST /v1/subscriptions/:id cancel_at_period_end: end (or stop ending) at the period's end (§12)."""
        params = {"cancel_at_period_end": cancel_at_period_end}
        done, call = await self._call(
            "POST",
            f"/v1/subscriptions/{subscription_id}",
            params,
            lambda: self._client.v1.subscriptions.update_async(
                subscription_id, params=cast("SubscriptionUpdateParams", params)
            ),
        )
        return StripeSubscription.model_validate(done), call

    async def cancel_subscription(self, subscription_id: str) -> tuple[StripeSubscription, CallRecord]:
        """DELETE /v1/subscriptions/:id: end it now (stripe-python _subscription_service.py cancel)."""
        done, call = await self._call(
            "DELETE",
            f"/v1/subscriptions/{subscription_id}",
            None,
            lambda: self._client.v1.subscriptions.cancel_async(subscription_id),
        )
        return StripeSubscription.model_validate(done), call

    async def pause_subscription(self, subscription_id: str) -> tuple[StripeSubscription, CallRecord]:
        """POST /v1/subscriptions/:id/pause: status paused, no invoices until resumed (stripe-python 16.1.0
        _subscription_service.py pause), and no credit for the period already paid.

        Left to its defaults Stripe credits the period's unused time (params/_subscription_pause_params.py:
        bill_for.unused_time_from "Defaults to `{ type: "now" }`", invoicing_behavior "Defaults to
        `pending_invoice_item`"), and the next invoice deducts it: resumed with the anchor unchanged and no
        prorations (resume_subscription), the renewal would charge a fraction of the locked price. A box paused
        keeps the period it paid for, so nothing is owed back: unused_time_from none. Our items are licensed, with
        no metered usage for outstanding_usage_through to bill."""
        params = {"bill_for": {"unused_time_from": {"type": "none"}}}
        done, call = await self._call(
            "POST",
            f"/v1/subscriptions/{subscription_id}/pause",
            params,
            lambda: self._client.v1.subscriptions.pause_async(
                subscription_id, params=cast("SubscriptionPauseParams", params)
            ),
        )
        return StripeSubscription.model_validate(done), call

    async def resume_subscription(self, subscription_id: str) -> tuple[StripeSubscription, CallRecord]:
        """POST /v1/subscriptions/:id/resume, billing_cycle_anchor {type: unchanged} and no prorations: billing
        picks up at the period's end instead of charging a new period now, Stripe's default `now`
        (stripe-python 16.1.0 params/_subscription_resume_params.py)."""
        params = {"billing_cycle_anchor": {"type": "unchanged"}, "proration_behavior": "none"}
        done, call = await self._call(
            "POST",
            f"/v1/subscriptions/{subscription_id}/resume",
            params,
            lambda: self._client.v1.subscriptions.resume_async(
                subscription_id, params=cast("SubscriptionResumeParams", params)
            ),
        )
        return StripeSubscription.model_validate(done), call

    async def create_portal_session(self, customer_id: str, return_url: str) -> tuple[StripePortalSession, CallRecord]:
        """POST /v1/billing_portal/sessions {customer, return_url}: a short-lived portal url, made per click
        (params/billing_portal/_session_create_params.py; SUBSCRIPTIONS.md §16)."""
        params = {"customer": customer_id, "return_url": return_url}
        created, call = await self._call(
            "POST",
            "/v1/billing_portal/sessions",
            params,
            lambda: self._client.v1.billing_portal.sessions.create_async(
                params=cast("PortalSessionCreateParams", params)
            ),
        )
        return StripePortalSession.model_validate(created), call

    async def create_test_clock(self, frozen_time: int, *, name: str, key: str) -> tuple[StripeTestClock, CallRecord]:
        """POST /v1/test_helpers/test_clocks {frozen_time, name}: a test-mode clock new customers can live on
        (params/test_helpers/_test_clock_create_params.py; SUBSCRIPTIONS.md §18)."""
        params = {"frozen_time": frozen_time, "name": name}
        created, call = await self._create(
            "/v1/test_helpers/test_clocks", params, key, self._client.v1.test_helpers.test_clocks.create_async
        )
        return StripeTestClock.model_validate(created), call

    async def retrieve_test_clock(self, clock_id: str) -> tuple[StripeTestClock, CallRecord]:
        """GET /v1/test_helpers/test_clocks/:id: its frozen time and status."""
        found, call = await self._call(
            "GET",
            f"/v1/test_helpers/test_clocks/{clock_id}",
            None,
            lambda: self._client.v1.test_helpers.test_clocks.retrieve_async(clock_id),
        )
        return StripeTestClock.model_validate(found), call

    async def advance_test_clock(self, clock_id: str, frozen_time: int) -> tuple[StripeTestClock, CallRecord]:
        """POST /v1/test_helpers/test_clocks/:id/advance {frozen_time}: later than the clock's time, at most two
        intervals of its shortest subscription; renewals, retries and their webhooks follow, status advancing until
        ready (params/test_helpers/_test_clock_advance_params.py; SUBSCRIPTIONS.md §18)."""
        params = {"frozen_time": frozen_time}
        done, call = await self._call(
            "POST",
            f"/v1/test_helpers/test_clocks/{clock_id}/advance",
            params,
            lambda: self._client.v1.test_helpers.test_clocks.advance_async(
                clock_id, params=cast("TestClockAdvanceParams", params)
            ),
        )
        return StripeTestClock.model_validate(done), call

    async def create_refund(
        self, payment_intent: str, amount: Money | None, *, key: str, metadata: dict[str, str]
    ) -> tuple[StripeRefund, CallRecord]:
        """Refund a paid PaymentIntent (all of what is left when amount is None); key makes a retry safe."""
        params: dict[str, Any] = {"payment_intent": payment_intent, "metadata": metadata}
        if amount is not None:
            params["amount"] = to_stripe_amount(amount)
        created, call = await self._create("/v1/refunds", params, key, self._client.v1.refunds.create_async)
        return StripeRefund.model_validate(created), call

    async def retrieve_refund(self, refund_id: str) -> tuple[StripeRefund, CallRecord]:
        """Fetch one refund by its id."""
        found, call = await self._call(
            "GET", f"/v1/refunds/{refund_id}", None, lambda: self._client.v1.refunds.retrieve_async(refund_id)
        )
        return StripeRefund.model_validate(found), call

    async def list_refunds(self, payment_intent: str) -> tuple[list[StripeRefund], CallRecord]:
        """List a PaymentIntent's refunds (the first hundred, more than any order has)."""
        params = {"payment_intent": payment_intent, "limit": 100}
        data, call = await self._list("/v1/refunds", params, self._client.v1.refunds.list_async)
        return [StripeRefund.model_validate(r) for r in data], call

    def parse_webhook(self, body: bytes, signature: str) -> StripeWebhookEvent:
        """Verify and read a webhook with any of this endpoint's secrets; the first that verifies it wins.

        While a secret is rolled, Stripe-Signature carries one v1 per live secret and a match on any passes
        (stripe-python stripe/_webhook.py, WebhookSignature.verify_header); before the shop has the new secret,
        or after, only one of ours matches, so each is tried.
        """
        refusals: list[WebhookSignatureInvalid] = []
        for secret in self.webhook_secrets or ("",):
            try:
                return parse_webhook(body, signature, secret)
            except WebhookSignatureInvalid as exc:
                refusals.append(exc)
        # A secret whose signature matched but was refused for its timestamp says more than "no match".
        raise next((exc for exc in refusals if not str(exc).startswith("No signatures found")), refusals[0])

    async def _create(
        self, path: str, params: dict[str, Any], key: str, create: Callable[..., Awaitable[stripe.StripeObject]]
    ) -> tuple[dict[str, Any], CallRecord]:
        """POST a create under its Idempotency-Key: the SDK's retries resend it, so any number of tries makes one."""
        return await self._call("POST", path, params, lambda: create(params=params, options={"idempotency_key": key}))

    async def _list(
        self, path: str, params: dict[str, Any], list_page: Callable[..., Awaitable[stripe.StripeObject]]
    ) -> tuple[list[dict[str, Any]], CallRecord]:
        """GET one page of a list; its objects (the page's `data`)."""
        found, call = await self._call("GET", path, params, lambda: list_page(params=params))
        return found.get("data") or [], call

    async def _call(
        self, method: str, path: str, params: dict[str, Any] | None, send: Callable[[], Awaitable[stripe.StripeObject]]
    ) -> tuple[dict[str, Any], CallRecord]:
        """Run one SDK call through the circuit breaker (the SDK does its own safe retries)."""
        return await self.breaker.call(lambda: self._send(method, path, params, send))

    async def _send(
        self, method: str, path: str, params: dict[str, Any] | None, send: Callable[[], Awaitable[stripe.StripeObject]]
    ) -> tuple[dict[str, Any], CallRecord]:
        """Run one SDK call; return the object as a dict and its record, or raise a GatewayError."""
        started = time.perf_counter()
        try:
            obj = await send()
        except stripe.StripeError as exc:
            error = error_from_stripe(exc)
            error.call = self._observed(
                CallRecord(
                    gateway=GATEWAY,
                    method=method,
                    path=path,
                    request=params,
                    status=exc.http_status,
                    response=exc.json_body,
                    duration_ms=elapsed_ms(started),
                    error=error.to_dict(),
                    request_id=exc.request_id,
                )
            )
            raise error from exc
        data = obj.to_dict(for_json=True)  # Decimals as strings: BSON has no Python Decimal
        response = obj.last_response
        call = CallRecord(
            gateway=GATEWAY,
            method=method,
            path=path,
            request=params,
            status=response.code if response else 200,
            response=data,
            duration_ms=elapsed_ms(started),
            request_id=response.request_id if response else None,
        )
        return data, self._observed(call)

    def _observed(self, call: CallRecord) -> CallRecord:
        if self.observe is not None:
            self.observe(call)
        return call


def session_idempotency_key(order_id: str, attempt: int) -> str:
    """The Idempotency-Key of an order's n-th Checkout Session: retries of one attempt share it."""
    return f"galla-{order_id}-session-{attempt}"


def price_data(unit: Money, name: str) -> dict[str, Any]:
    """A line's inline price: currency, unit amount in Stripe's units, and our product's name."""
    return {"currency": unit.currency.lower(), "unit_amount": to_stripe_amount(unit), "product_data": {"name": name}}


def buyer_params(customer_id: str | None, customer_email: str | None) -> dict[str, str]:
    """Who pays a session: the Stripe customer when known (email then comes from it), else the email to prefill."""
    if customer_id:
        return {"customer": customer_id}
    return {"customer_email": customer_email} if customer_email else {}


def describe_lines(lines: Sequence[SessionLine]) -> str:
    """What is sold, for the PaymentIntent's description: "Assam Masala Chai, 250 g ×2, Brass Diya ×1"."""
    text = ", ".join(f"{line.name} ×{line.quantity}" for line in lines)
    return text if len(text) <= DESCRIPTION_LIMIT else text[: DESCRIPTION_LIMIT - 1] + "…"


@lru_cache(maxsize=1)
def stripe_shipping_countries() -> list[str]:
    """Every country Checkout can collect a shipping address in: the allowed_countries literal of stripe-python's
    generated SessionCreateParamsShippingAddressCollection (from Stripe's OpenAPI spec)."""
    hint = get_type_hints(stripe.params.checkout.SessionCreateParamsShippingAddressCollection)["allowed_countries"]
    (union,) = get_args(hint)  # List[Union[Literal[...], str]]
    return [code for option in get_args(union) for code in get_args(option)]


def stripe_shipping(address: dict[str, Any]) -> dict[str, Any]:
    """An order's delivery address (name, phone, line1, line2, city, state, postal_code, country) as Stripe's
    `shipping` hash ({name, phone, address: {...}}; stripe-python SessionCreateParamsPaymentIntentDataShipping),
    leaving out what is empty: Stripe refuses an empty string where it wants a value or nothing."""
    postal = {
        key: address[key] for key in ("line1", "line2", "city", "state", "postal_code", "country") if address.get(key)
    }
    shipping: dict[str, Any] = {"name": address.get("name") or "", "address": postal}
    if address.get("phone"):
        shipping["phone"] = address["phone"]
    return shipping


def error_from_stripe(exc: stripe.StripeError) -> GatewayError:
    """Turn the SDK's exception into the matching GatewayError, keeping code, param and status."""
    err = getattr(exc, "error", None)
    kind: type[GatewayError] = GatewayInvalid
    if isinstance(exc, stripe.CardError):
        kind = GatewayDeclined
    elif isinstance(exc, (stripe.APIConnectionError, stripe.RateLimitError)):
        kind = GatewayUnavailable
    elif isinstance(exc, stripe.APIError) or (exc.http_status or 0) >= 500:
        # APIError covers 5xx and 409 (a concurrent request with our key): worth asking again.
        kind = GatewayUnavailable
    return kind(
        exc.user_message or str(exc) or "Stripe refused the request",
        gateway=GATEWAY,
        code=getattr(err, "code", None) or exc.code or type(exc).__name__,
        field=getattr(err, "param", None),
        http_status=exc.http_status,
        reason=getattr(err, "decline_code", None),
        body=exc.json_body,
    )
