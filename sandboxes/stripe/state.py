"""The sandbox's in-memory store; its mutating methods are the only place state changes, and each raises events."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..common.listeners import tell_listeners
from .billing import TEST_PAYMENT_METHODS
from .cards import CardInput, Decline, describe
from .errors import StripeError, no_such
from .idempotency import IdempotencyStore
from .ids import new_id
from .listing import created_matches, newest_first
from .money import check_whole_units, format_amount
from .objects import (
    build_charge,
    build_customer,
    build_customer_details,
    build_dispute,
    build_event,
    build_line_item,
    build_payment_error,
    build_payment_intent,
    build_price,
    build_product,
    build_refund,
    build_session,
    list_object,
)
from .subscriptions import Subscriptions
from .validation import RefundRequest, SessionRequest

log = logging.getLogger("sandboxes.stripe")

KINDS = {
    "sessions": "checkout.session",
    "payment_intents": "payment_intent",
    "charges": "charge",
    "refunds": "refund",
    "customers": "customer",
    "products": "product",
    "events": "event",
    "disputes": "dispute",
    "subscriptions": "subscription",
    "invoices": "invoice",
    "test_clocks": "test_helpers.test_clock",
}
REFUND_OUTCOMES = ("succeeded", "pending", "failed")
EVIDENCE_WINDOW = 7 * 24 * 3600  # seconds until a dispute's evidence is due (Stripe gives 7 to 21 days)


@dataclass(frozen=True)
class StripeEvent:
    """Something that happened, as the webhook Stripe would send: its id, type and full Event envelope."""

    id: str
    type: str
    envelope: dict[str, Any]


@dataclass(frozen=True)
class RequestRef:
    """The API request behind a change, for an event's `request` field (None for the buyer's own clicks)."""

    id: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class PaymentResult:
    """What one confirmation on the hosted page did."""

    session: dict[str, Any]
    intent: dict[str, Any]
    charge: dict[str, Any]
    decline: Decline | None


@dataclass(frozen=True)
class CardPayment:
    """What the buyer entered on the hosted page to pay: the card, who pays, the amount knob and the addresses."""

    card_input: CardInput
    email: str
    name: str
    amount: int | None = None
    address: dict[str, Any] | None = None
    shipping: dict[str, Any] | None = None


# support.stripe.com and Stripe's fixtures: the PaymentIntent's error when the buyer fails 3D Secure.
AUTHENTICATION_FAILED = (
    "The provided PaymentMethod has failed authentication. You can provide payment_method_data "
    "or a new PaymentMethod to attempt to fulfill this PaymentIntent again."
)


@dataclass
class StripeSandboxState:
    """Sessions, PaymentIntents, charges, refunds and customers as wire-format dicts keyed by id, plus events."""

    clock: Callable[[], float] = time.time
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    payment_intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    charges: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    disputes: dict[str, dict[str, Any]] = field(default_factory=dict)
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    line_items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by session id
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)
    invoice_items: dict[str, dict[str, Any]] = field(default_factory=dict)  # a pause's credits, pending or billed
    test_clocks: dict[str, dict[str, Any]] = field(default_factory=dict)
    portal_sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Each invoice's InvoicePayments, shown on the invoice only when expanded (`payments` is includable).
    invoice_payments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # The card behind each saved PaymentMethod id, charged again at each renewal (never on an object).
    saved_cards: dict[str, CardInput] = field(default_factory=dict)
    # Billing's setting for a subscription whose retries all failed: "cancel" it or mark it "unpaid" (§15).
    after_retries: str = "cancel"
    events: list[StripeEvent] = field(default_factory=list)
    # Called with each new StripeEvent; the webhook sender is one of them.
    listeners: list[Callable[[StripeEvent], None]] = field(default_factory=list)
    idempotency: IdempotencyStore = field(default_factory=IdempotencyStore)
    # payment_intent_data per session: Stripe copies it onto the PaymentIntent but never shows it on the session.
    _intent_data: dict[str, dict[str, Any]] = field(default_factory=dict)
    # subscription_data per session, likewise copied onto the Subscription.
    _subscription_data: dict[str, dict[str, Any]] = field(default_factory=dict)
    # 3D Secure challenges shown and not yet answered, by session id (test cards only, never on an object).
    _challenges: dict[str, CardPayment] = field(default_factory=dict)

    def now(self) -> int:
        """Return the current Unix time in seconds, as Stripe's timestamps are."""
        return int(self.clock())

    # -- lookups ---------------------------------------------------------------------------------

    def get(self, table: str, object_id: str | None, param: str = "id") -> dict[str, Any]:
        """Return the object with this id from a table ("sessions", "charges", …) or raise resource_missing (for None
        too: a refund names a charge or a payment_intent)."""
        found = getattr(self, table).get(object_id)
        if found is None:
            raise no_such(KINDS[table], object_id, param)
        return found

    def get_session(self, session_id: str) -> dict[str, Any]:
        """Return a Checkout Session, expiring it first if its time has passed."""
        session = self.get("sessions", session_id)
        self.expire_if_due(session)
        return session

    def get_event(self, event_id: str) -> StripeEvent:
        """Return an event by id."""
        for event in self.events:
            if event.id == event_id:
                return event
        raise no_such("event", event_id)

    def session_line_items(self, session_id: str) -> list[dict[str, Any]]:
        """Return a session's line items in the order they were given."""
        self.get("sessions", session_id)
        return self.line_items[session_id]

    def lookup(self, table: str, parent: dict[str, Any], field_name: str) -> Any:
        """Expand one field of parent (see listing.expand); a null field stays null."""
        if table == "line_items":
            items = self.line_items[parent["id"]]
            return list_object(items[:10], f"/v1/checkout/sessions/{parent['id']}/line_items", has_more=len(items) > 10)
        if table == "invoice_payments":
            paid = self.invoice_payments.get(parent["id"], [])
            return list_object(list(paid), f"/v1/invoice_payments?invoice={parent['id']}")
        object_id = parent.get(field_name)
        return None if object_id is None else getattr(self, table)[object_id]

    def find_sessions(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        """Return sessions newest first, filtered as GET /v1/checkout/sessions filters them."""
        self.expire_due_sessions()
        email = filters.get("customer_details", {}).get("email")
        return [
            session
            for session in newest_first(self.sessions.values())
            if all(
                session[name] == filters[name] for name in ("payment_intent", "customer", "status") if name in filters
            )
            and (email is None or (session["customer_details"] or {}).get("email") == email)
            and created_matches(session, filters.get("created"))
        ]

    def find_refunds(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        """Return refunds newest first, filtered by charge, payment_intent and created."""
        return [
            refund
            for refund in newest_first(self.refunds.values())
            if all(refund[name] == filters[name] for name in ("charge", "payment_intent") if name in filters)
            and created_matches(refund, filters.get("created"))
        ]

    def find_customers(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        """Return customers newest first, filtered by exact (case-sensitive) email and created."""
        return [
            customer
            for customer in newest_first(self.customers.values())
            if ("email" not in filters or customer["email"] == filters["email"])
            and created_matches(customer, filters.get("created"))
        ]

    def find_events(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        """Return event envelopes newest first, filtered by type (a trailing * matches a prefix) and created."""
        wanted = filters.get("types") or ([filters["type"]] if "type" in filters else [])

        def type_ok(event_type: str) -> bool:
            return not wanted or any(
                event_type == pattern or (pattern.endswith("*") and event_type.startswith(pattern[:-1]))
                for pattern in wanted
            )

        return [
            event.envelope
            for event in reversed(self.events)
            if type_ok(event.type) and created_matches(event.envelope, filters.get("created"))
        ]

    def find_subscriptions(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        """Return subscriptions newest first, by customer, price, test_clock and status (default: all but
        canceled; "all" and "ended" as GET /v1/subscriptions takes them, SUBSCRIPTIONS.md §12)."""
        Subscriptions(self).bill_due_without_clock()
        status = filters.get("status")

        def status_ok(found: str) -> bool:
            if status is None:
                return found not in ("canceled", "incomplete_expired")
            if status == "ended":
                return found in ("canceled", "incomplete_expired")
            return status in ("all", found)

        return [
            sub
            for sub in newest_first(self.subscriptions.values())
            if status_ok(sub["status"])
            and all(sub[name] == filters[name] for name in ("customer", "test_clock") if name in filters)
            and (
                "price" not in filters or any(item["price"]["id"] == filters["price"] for item in sub["items"]["data"])
            )
            and created_matches(sub, filters.get("created"))
        ]

    def find_invoices(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        """Return invoices newest first, by subscription, customer, status and created."""
        Subscriptions(self).bill_due_without_clock()
        return [
            invoice
            for invoice in newest_first(self.invoices.values())
            if ("subscription" not in filters
                or invoice["parent"]["subscription_details"]["subscription"] == filters["subscription"])
            and all(invoice[name] == filters[name] for name in ("customer", "status") if name in filters)
            and created_matches(invoice, filters.get("created"))
        ]  # fmt: skip

    def find_test_clocks(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        """Return test clocks newest first."""
        return newest_first(self.test_clocks.values())

    # -- customers -------------------------------------------------------------------------------

    def create_customer(self, fields: dict[str, Any], via: RequestRef | None = None) -> dict[str, Any]:
        """Store a new customer and return it."""
        customer = build_customer(
            email=fields.get("email"),
            name=fields.get("name"),
            phone=fields.get("phone"),
            description=fields.get("description"),
            metadata=fields.get("metadata", {}),
            address=fields.get("address"),
            created=self.now(),
        )
        customer["preferred_locales"] = fields.get("preferred_locales", [])
        if "test_clock" in fields:
            customer["test_clock"] = self.get("test_clocks", fields["test_clock"], param="test_clock")["id"]
        self.customers[customer["id"]] = customer
        self.record("customer.created", customer, via)
        return customer

    # -- checkout sessions -----------------------------------------------------------------------

    def create_session(self, request: SessionRequest, base_url: str, via: RequestRef | None = None) -> dict[str, Any]:
        """Store a new open session with its line items; the hosted page is at {base_url}/c/pay/{id}."""
        customer_id = request.fields.get("customer")
        if customer_id is not None:
            self.get("customers", customer_id, param="customer")
        now = self.now()
        session_id = new_id("cs_test_")
        items = []
        for line in request.lines:
            product = build_product(line.product_data, now)
            self.products[product["id"]] = product
            price = build_price(
                currency=line.currency,
                unit_amount=line.unit_amount,
                unit_amount_decimal=str(line.unit_amount_decimal),
                product_id=product["id"],
                tax_behavior=line.tax_behavior,
                created=now,
                recurring=line.recurring,
            )
            items.append(
                build_line_item(
                    price=price,
                    description=product["name"],
                    quantity=line.quantity,
                    amount=line.amount,
                    metadata=line.metadata,
                )
            )
        session = build_session(
            session_id=session_id,
            url=f"{base_url}/c/pay/{session_id}",
            amount=request.amount,
            currency=request.currency,
            fields=request.fields,
            expires_at=request.expires_at,
            created=now,
        )
        self.sessions[session_id] = session
        self.line_items[session_id] = items
        self._intent_data[session_id] = request.intent_data
        self._subscription_data[session_id] = request.fields.get("subscription_data", {})
        return session

    def expire_session(self, session_id: str, via: RequestRef | None = None) -> dict[str, Any]:
        """Expire an open session at the shop's request; any other status is a 400."""
        session = self.get_session(session_id)
        if session["status"] != "open":
            raise StripeError(
                f'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout '
                f'Session has a status of "{session["status"]}".',
                param="session",
            )
        self.close_expired(session, via)
        return session

    def expire_if_due(self, session: dict[str, Any]) -> None:
        """Expire an open session whose expires_at has passed (lazily: whenever it is touched)."""
        if session["status"] == "open" and self.now() >= session["expires_at"]:
            self.close_expired(session, None)

    def expire_due_sessions(self) -> None:
        """Expire every open session whose time has passed."""
        for session in list(self.sessions.values()):
            self.expire_if_due(session)

    def close_expired(self, session: dict[str, Any], via: RequestRef | None) -> None:
        """Mark a session expired; its PaymentIntent, if a buyer got that far, is canceled with it."""
        session.update(status="expired", url=None)
        self._challenges.pop(session["id"], None)
        intent = self.payment_intents.get(session["payment_intent"] or "")
        if intent is not None and intent["status"] in ("requires_payment_method", "requires_action"):
            intent.update(status="canceled", canceled_at=self.now(), cancellation_reason="abandoned")
            self.record("payment_intent.canceled", intent, via)
        self.record("checkout.session.expired", session, via)

    # -- paying on the hosted page ---------------------------------------------------------------

    def start_payment_intent(self, session: dict[str, Any]) -> dict[str, Any]:
        """Return the session's PaymentIntent, creating it on the buyer's first confirmation."""
        if session["payment_intent"] is not None:
            return self.payment_intents[session["payment_intent"]]
        intent = build_payment_intent(
            amount=session["amount_total"],
            currency=session["currency"],
            customer=session["customer"],
            intent_data=self._intent_data[session["id"]],
            created=self.now(),
        )
        self.payment_intents[intent["id"]] = intent
        session["payment_intent"] = intent["id"]
        self.record("payment_intent.created", intent)
        return intent

    def subscription_data(self, session_id: str) -> dict[str, Any]:
        """Return the subscription_data a session was created with."""
        return self._subscription_data[session_id]

    def payment_method_for(self, payment_method: str) -> str:
        """Return a PaymentMethod id a subscription can be charged with: a saved one, or one of Stripe's test
        PaymentMethods (pm_card_visa, pm_card_chargeCustomerFail), saved on first use."""
        if payment_method not in self.saved_cards:
            number = TEST_PAYMENT_METHODS.get(payment_method)
            if number is None:
                raise no_such("PaymentMethod", payment_method, param="default_payment_method")
            self.saved_cards[payment_method] = CardInput(number=number, exp_month=12, exp_year=2034, cvc="123")
        return payment_method

    def intent_data(self, session_id: str) -> dict[str, Any]:
        """Return the payment_intent_data a session was created with (never shown on the session itself)."""
        return self._intent_data[session_id]

    def refuse_confirmation(self, session_id: str, message: str) -> dict[str, Any]:
        """Record a confirmation Stripe refused before any charge (an India export rule): the intent keeps
        waiting for a payment method, with the refusal as its last_payment_error."""
        session = self.get_session(session_id)
        intent = self.start_payment_intent(session)
        intent.update(
            status="requires_payment_method",
            payment_method=None,
            last_payment_error={"message": message, "type": "invalid_request_error"},
        )
        self.record("payment_intent.payment_failed", intent)
        return intent

    def ask_for_authentication(self, session_id: str, challenge: CardPayment) -> dict[str, Any]:
        """The issuer wants 3D Secure: the intent waits in requires_action until the buyer answers the challenge."""
        session = self.get_session(session_id)
        intent = self.start_payment_intent(session)
        intent.update(
            status="requires_action",
            last_payment_error=None,
            next_action={"type": "use_stripe_sdk", "use_stripe_sdk": {"type": "three_d_secure_redirect"}},
        )
        self._challenges[session_id] = challenge
        self.record("payment_intent.requires_action", intent)
        return intent

    def pending_challenge(self, session_id: str) -> CardPayment | None:
        """The 3D Secure challenge the buyer has been shown and not answered, if any."""
        return self._challenges.get(session_id)

    def answer_challenge(self, session_id: str, passed: bool) -> PaymentResult | None:
        """Finish 3D Secure: authenticated, the card is charged (and may still be declined); failed, the intent
        waits for another payment method with payment_intent_authentication_failure (None is returned)."""
        challenge = self._challenges.pop(session_id, None)
        session = self.get_session(session_id)
        if challenge is None or session["status"] != "open":
            raise StripeError("There is no 3D Secure authentication in progress for this Checkout Session.")
        intent = self.payment_intents[session["payment_intent"]]
        intent["next_action"] = None
        if not passed:
            intent.update(
                status="requires_payment_method",
                payment_method=None,
                last_payment_error={
                    "code": "payment_intent_authentication_failure",
                    "message": AUTHENTICATION_FAILED,
                    "doc_url": "https://stripe.com/docs/error-codes/payment-intent-authentication-failure",
                    "type": "invalid_request_error",
                },
            )
            self.record("payment_intent.payment_failed", intent)
            return None
        return self.pay_with_card(session_id, challenge, authenticated=True)

    def pay_session(
        self,
        session_id: str,
        card_input: CardInput,
        *,
        email: str,
        name: str,
        amount: int | None = None,
        address: dict[str, Any] | None = None,
        shipping: dict[str, Any] | None = None,
    ) -> PaymentResult:
        """Confirm an open session's payment with a card; `amount` (sandbox knob) charges that instead of the total."""
        return self.pay_with_card(session_id, CardPayment(card_input, email, name, amount, address, shipping))

    def pay_with_card(self, session_id: str, payment: CardPayment, *, authenticated: bool = False) -> PaymentResult:
        """Confirm an open session's payment with what the buyer entered (after 3D Secure, when authenticated)."""
        session = self.get_session(session_id)
        if session["status"] != "open":
            raise StripeError(f"This Checkout Session is {session['status']} and can no longer be paid.")
        self._challenges.pop(session_id, None)  # paying with another card abandons an unanswered challenge
        intent = self.start_payment_intent(session)
        intent["amount"] = session["amount_total"] if payment.amount is None else payment.amount
        shipping = payment.shipping
        if shipping is not None:  # collected on the page (shipping_address_collection): Checkout sets it here
            intent["shipping"] = shipping
            session["collected_information"] = {
                "shipping_details": {"name": shipping["name"], "address": shipping["address"]}
            }
        card, decline = describe(payment.card_input)
        payment_method = new_id("pm_")
        charge = build_charge(
            intent=intent,
            card=card,
            payment_method=payment_method,
            email=payment.email,
            name=payment.name,
            decline=decline,
            created=self.now(),
            address=payment.address,
        )
        if authenticated:  # what a charge after a 3D Secure challenge records
            charge["payment_method_details"]["card"]["three_d_secure"] = {
                "authentication_flow": "challenge",
                "result": "authenticated",
                "version": "2.2.0",
            }
        self.charges[charge["id"]] = charge
        intent["latest_charge"] = charge["id"]
        if decline is not None:
            # Stripe detaches a failed payment method: the buyer must give another one.
            intent.update(
                status="requires_payment_method",
                payment_method=None,
                last_payment_error=build_payment_error(decline=decline, charge=charge, intent=intent),
            )
            self.record("charge.failed", charge)
            self.record("payment_intent.payment_failed", intent)
            return PaymentResult(session=session, intent=intent, charge=charge, decline=decline)
        self.complete_session(
            session, intent, charge, payment_method, email=payment.email, name=payment.name, address=payment.address
        )
        if session["mode"] == "subscription":
            Subscriptions(self).start_from_checkout(
                session, self.line_items[session_id], payment_method, payment.card_input
            )
            session["payment_intent"] = None  # "for Checkout Sessions in payment mode" only (checkout/_session.py)
        self.record("checkout.session.completed", session)
        return PaymentResult(session=session, intent=intent, charge=charge, decline=None)

    def complete_session(
        self,
        session: dict[str, Any],
        intent: dict[str, Any],
        charge: dict[str, Any],
        payment_method: str,
        *,
        email: str,
        name: str,
        address: dict[str, Any] | None = None,
    ) -> None:
        """Record a successful charge: the intent succeeds and the session completes, paid (the caller sends
        checkout.session.completed). Subscription mode always makes a customer (SUBSCRIPTIONS.md §11)."""
        if session["customer"] is None and (
            session["customer_creation"] == "always" or session["mode"] == "subscription"
        ):
            customer = self.create_customer({"email": email, "name": name})
            session["customer"] = intent["customer"] = charge["customer"] = customer["id"]
        intent.update(
            status="succeeded", amount_received=intent["amount"], payment_method=payment_method, last_payment_error=None
        )
        session.update(
            status="complete",
            payment_status="paid",
            url=None,
            amount_total=intent["amount"],
            customer_details=build_customer_details(email=email, name=name, address=address),
        )
        self.record("charge.succeeded", charge)
        self.record("payment_intent.succeeded", intent)

    # -- refunds ---------------------------------------------------------------------------------

    def refundable_charge(self, request: RefundRequest) -> dict[str, Any]:
        """Return the succeeded charge a refund request points at, by charge or by payment_intent."""
        if request.charge is not None:
            charge = self.get("charges", request.charge, param="charge")
            if request.payment_intent is not None and charge["payment_intent"] != request.payment_intent:
                raise StripeError(
                    f"The charge {charge['id']} does not belong to the PaymentIntent {request.payment_intent}.",
                    param="charge",
                )
            if charge["status"] != "succeeded":
                raise StripeError(f"Charge {charge['id']} has not succeeded, so it cannot be refunded.", param="charge")
            return charge
        intent = self.get("payment_intents", request.payment_intent, param="payment_intent")
        if intent["status"] != "succeeded":
            raise StripeError(
                f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",
                param="payment_intent",
            )
        return self.charges[intent["latest_charge"]]

    def create_refund(
        self, request: RefundRequest, via: RequestRef | None = None, outcome: str = "succeeded"
    ) -> dict[str, Any]:
        """Refund all or part of what remains of a charge; it succeeds at once, as card refunds do in test mode.

        outcome (Faults.refund_outcome) can instead keep it "pending" until settle_refund(), or make it
        "failed" at once (the amount goes back onto the charge).
        """
        if outcome not in REFUND_OUTCOMES:
            raise ValueError(f"refund outcome must be one of {REFUND_OUTCOMES}, not {outcome!r}")
        charge = self.refundable_charge(request)
        if charge["refunded"]:
            raise StripeError(
                f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded", charge=charge["id"]
            )
        remaining = charge["amount"] - charge["amount_refunded"]
        amount = remaining if request.amount is None else request.amount
        check_whole_units(amount, charge["currency"], "amount")  # refunds too, by the same support article
        if amount > remaining:
            raise StripeError(
                f"Refund amount ({format_amount(amount, charge['currency'])}) is greater than "
                f"unrefunded amount on charge ({format_amount(remaining, charge['currency'])})",
                code="amount_too_large",
                param="amount",
            )
        refund = build_refund(
            charge=charge,
            amount=amount,
            reason=request.reason,
            metadata=request.metadata,
            created=self.now(),
            status="succeeded" if outcome == "succeeded" else "pending",
        )
        self.refunds[refund["id"]] = refund
        # A pending refund already counts against the charge, so nobody can refund the same money twice.
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        self.record("refund.created", refund, via)
        if outcome == "succeeded":
            self.record("charge.refunded", charge, via)
        elif outcome == "failed":
            self.settle_refund(refund["id"], "failed", via)
        return refund

    def settle_refund(self, refund_id: str, outcome: str, via: RequestRef | None = None) -> dict[str, Any]:
        """Finish a pending refund: "succeeded" (refund.updated, charge.refunded) or "failed" (refund.failed,
        with failure_reason "declined"; the amount goes back onto the charge)."""
        if outcome not in ("succeeded", "failed"):
            raise ValueError(f'a refund settles as "succeeded" or "failed", not {outcome!r}')
        refund = self.get("refunds", refund_id, param="refund")
        if refund["status"] != "pending":
            raise StripeError(f"Refund {refund_id} is {refund['status']}, not pending.", param="refund")
        charge = self.charges[refund["charge"]]
        refund.pop("pending_reason", None)
        refund["status"] = outcome
        if outcome == "succeeded":
            self.record("refund.updated", refund, via, previous={"status": "pending"})
            self.record("charge.refunded", charge, via)
            return refund
        refund.update(failure_reason="declined", failure_balance_transaction=new_id("txn_"))
        charge["amount_refunded"] -= refund["amount"]
        charge["refunded"] = False
        self.record("refund.failed", refund, via)
        return refund

    # -- disputes --------------------------------------------------------------------------------

    def open_dispute(self, charge_id: str, reason: str = "fraudulent", amount: int | None = None) -> dict[str, Any]:
        """Open a dispute on a succeeded charge (its whole amount unless told) and raise charge.dispute.created."""
        charge = self.get("charges", charge_id, param="charge")
        if charge["status"] != "succeeded":
            raise StripeError(f"Charge {charge_id} has not succeeded, so it cannot be disputed.", param="charge")
        now = self.now()
        dispute = build_dispute(
            charge=charge,
            amount=charge["amount"] if amount is None else amount,
            reason=reason,
            created=now,
            due_by=now + EVIDENCE_WINDOW,
        )
        self.disputes[dispute["id"]] = dispute
        charge["disputed"] = True
        self.record("charge.dispute.created", dispute)
        return dispute

    # -- events ----------------------------------------------------------------------------------

    def record(
        self,
        event_type: str,
        obj: dict[str, Any],
        via: RequestRef | None = None,
        previous: dict[str, Any] | None = None,
    ) -> StripeEvent:
        """Append an event with a snapshot of obj, and tell the listeners (a failing listener is only logged)."""
        via = via or RequestRef()
        event_id = new_id("evt_")
        event = StripeEvent(
            id=event_id,
            type=event_type,
            envelope=build_event(
                event_type=event_type,
                obj=obj,
                created=self.now(),
                request_id=via.id,
                idempotency_key=via.idempotency_key,
                event_id=event_id,
                previous=previous,
            ),
        )
        self.events.append(event)
        tell_listeners(self.listeners, event, event.type, log)
        return event
