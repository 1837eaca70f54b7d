"""Razorpay Subscriptions played offline: plans, subscriptions, their invoices, and the charges the clock brings due.

States and webhooks as https://razorpay.com/docs/webhooks/subscriptions and payments/subscriptions/states.md say
(SUBSCRIPTIONS.md §5, §8); every charge is a payment on the invoice's order, so the payment events fire too.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from .entities import build_order
from .errors import RazorpayError, invalid_field
from .ids import new_id
from .instruments import read_failure
from .state import PaymentFailure, SandboxState, lookup, newest_first
from .subscription_entities import DAY, add_period, build_invoice, build_plan, build_subscription
from .subscription_requests import MAX_END, PlanRequest, SubscriptionRequest

# "Cards and UPI retry T+1, T+2, T+3 after failing on T, then halted" (payments/subscriptions/payment-retries.md;
# the halted webhook sample carries auth_attempts 4; the test page: "4 failures in a row → halted").
RETRY_AFTER = DAY
ATTEMPTS_BEFORE_HALT = 4
CHARGEABLE = ("authenticated", "active", "pending")
TERMINAL = ("cancelled", "completed", "expired")
CHARGE_DESCRIPTION = "Recurring Payment via Subscription"  # the charged webhook sample's payment description
# "If the start_at is in the future, ... a token amount of ₹5 is charged and auto-refunded" (SUBSCRIPTIONS.md §3).
TOKEN_AMOUNT = 500
NOT_CHARGEABLE_NOW = "Customer payment is not allowed for the Subscription at this stage."
METHODS = ("upi", "card", "emandate")
SHORTEST_CYCLE_DAYS = {"daily": 1, "weekly": 7, "monthly": 28, "yearly": 365}
OUTCOMES = ("success", "failure")


@dataclass
class Mandate:
    """What the authentication payment left behind: how later charges are taken, and how the test wants them to go."""

    method: str
    instrument: dict[str, Any]
    outcomes: deque[str] = field(default_factory=deque)  # the next charge attempts' outcomes, first first
    then: str = "success"  # every attempt after those


@dataclass
class SubscriptionBook:
    """The sandbox's plans, subscriptions and invoices; it makes payments and events through the SandboxState."""

    state: SandboxState
    plans: dict[str, dict[str, Any]] = field(default_factory=dict)
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)
    mandates: dict[str, Mandate] = field(default_factory=dict)
    # Subscriptions told to cancel when the cycle ends (cancel_at_cycle_end), and their unpaid invoice if retrying.
    cancel_at_end: set[str] = field(default_factory=set)
    open_invoices: dict[str, str] = field(default_factory=dict)
    # Outcomes asked for before authentication, applied to the mandate it makes.
    planned: dict[str, tuple[list[str], str]] = field(default_factory=dict)
    # The customer and the token the first authentication attempt made, which every later payment carries.
    customers: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    # -- plans and subscriptions ------------------------------------------------------------------------

    def create_plan(self, request: PlanRequest) -> dict[str, Any]:
        """Store a new plan and return it."""
        plan = build_plan(request, self.state.now())
        self.plans[plan["id"]] = plan
        return plan

    def get_plan(self, plan_id: str) -> dict[str, Any]:
        """Return the plan, or Razorpay's unknown-id error."""
        return lookup(self.plans, plan_id)

    def list_plans(self) -> list[dict[str, Any]]:
        """Every plan, newest first."""
        return newest_first(self.plans.values())

    def create_subscription(self, request: SubscriptionRequest, link: Callable[[str], str]) -> dict[str, Any]:
        """Store a new subscription (status created) on an existing plan and return it; link(id) is its short_url."""
        if request.plan_id not in self.plans:
            raise invalid_field("plan_id", "The id provided does not exist")
        check_end(request, self.plans[request.plan_id], self.state.now())
        subscription = build_subscription(request, self.plans[request.plan_id], self.state.now())
        subscription["short_url"] = link(subscription["id"])
        self.subscriptions[subscription["id"]] = subscription
        return subscription

    def get_subscription(self, subscription_id: str) -> dict[str, Any]:
        """Return the subscription, or Razorpay's unknown-id error."""
        return lookup(self.subscriptions, subscription_id)

    def list_subscriptions(self, plan_id: str | None = None) -> list[dict[str, Any]]:
        """Every subscription (of one plan if given), newest first."""
        found = (sub for sub in self.subscriptions.values() if plan_id is None or sub["plan_id"] == plan_id)
        return newest_first(found)

    def get_invoice(self, invoice_id: str) -> dict[str, Any]:
        """Return the invoice, or Razorpay's unknown-id error."""
        return lookup(self.invoices, invoice_id)

    def list_invoices(self, subscription_id: str | None = None) -> list[dict[str, Any]]:
        """Every invoice (of one subscription if given), newest first."""
        found = (inv for inv in self.invoices.values() if subscription_id in (None, inv["subscription_id"]))
        return newest_first(found)

    def plan_outcomes(self, subscription_id: str, outcomes: list[str], then: str) -> None:
        """The sandbox knob: the next charge attempts succeed or fail in this order, then all go `then`."""
        self.get_subscription(subscription_id)
        if subscription_id in self.mandates:
            mandate = self.mandates[subscription_id]
            mandate.outcomes, mandate.then = deque(outcomes), then
        else:
            self.planned[subscription_id] = (list(outcomes), then)

    # -- the authentication payment ---------------------------------------------------------------------

    def authentication_due(self, subscription_id: str) -> tuple[dict[str, Any], int, str]:
        """Return the subscription awaiting authentication, the amount and currency that payment takes (§3)."""
        sub = self.get_subscription(subscription_id)
        if sub["status"] != "created":
            raise RazorpayError(NOT_CHARGEABLE_NOW, field="subscription_id")
        item = self.plans[sub["plan_id"]]["item"]
        amount = item["amount"] * sub["quantity"] if sub["start_at"] is None else TOKEN_AMOUNT
        return sub, amount, item["currency"]

    def authenticate(
        self,
        subscription_id: str,
        method: str,
        instrument: dict[str, Any],
        failure: PaymentFailure | None,
        **buyer: Any,
    ) -> dict[str, Any]:
        """The buyer's authentication payment in checkout: return the payment (failed when `failure` is given).

        Immediate start: the payment is the first cycle's charge (authenticated, activated, charged); a future start
        takes ₹5 and gives it back at once (authenticated only), the first charge falling due at start_at.
        """
        sub, _, _ = self.authentication_due(subscription_id)
        plan = self.plans[sub["plan_id"]]
        immediate = sub["start_at"] is None
        invoice: dict[str, Any] | None
        if immediate:
            # A failed attempt leaves the first invoice issued; the next attempt pays that one.
            open_id = self.open_invoices.get(subscription_id)
            invoice = self.invoices[open_id] if open_id else self.issue_invoice(sub, self.state.now())
            self.open_invoices[subscription_id] = invoice["id"]
            order_id, amount = invoice["order_id"], invoice["amount"]
        else:
            invoice = None
            order_id = self.new_order(TOKEN_AMOUNT, plan["item"]["currency"])["id"]
            amount = TOKEN_AMOUNT
        payment = self.start_charge(sub, order_id, amount, method, instrument, **buyer)
        if failure is not None:
            sub["auth_attempts"] += 1
            return self.state.fail_payment(payment["id"], failure)
        self.state.authorize_payment(payment["id"])
        sub.update(status="authenticated", customer_id=payment["customer_id"], payment_method=method, auth_attempts=0)
        outcomes, then = self.planned.pop(subscription_id, ([], "success"))
        self.mandates[subscription_id] = Mandate(method, instrument, deque(outcomes), then)
        if invoice is None:
            self.state.refund_uncaptured(payment)
            self.state.record("subscription.authenticated", subscription=sub)
            return payment
        self.state.capture_payment(payment["id"], amount, payment["currency"])
        sub["end_at"] = add_period(self.state.now(), plan["period"], plan["interval"], sub["total_count"])
        self.state.record("subscription.authenticated", subscription=sub, payment=payment)
        self.settle_paid(sub, invoice, payment)
        return payment

    # -- charges ------------------------------------------------------------------------------------------

    def run_due(self) -> list[str]:
        """Do everything the clock has brought due, each at its own due time and in time order; return the events."""
        before = len(self.state.events)
        now = self.state.now()
        while (due := self.next_due(now)) is not None:
            moment, subscription_id = due
            with self.at(moment):
                self.act_on(self.subscriptions[subscription_id])
        return [event.id for event in self.state.events[before:]]

    def next_due(self, now: int) -> tuple[int, str] | None:
        """The earliest (time, subscription id) with something due by now: a charge, a cancel, an expiry."""
        due = []
        # Ties go to the older subscription (dicts keep creation order), so any way of moving the clock agrees.
        for order, sub in enumerate(self.subscriptions.values()):
            if sub["status"] in (*CHARGEABLE, "halted") and sub["charge_at"] is not None:
                due.append((sub["charge_at"], order, sub["id"]))
            elif sub["status"] == "created" and (deadline := self.expiry_of(sub)) is not None:
                due.append((deadline, order, sub["id"]))
        first = min((item for item in due if item[0] <= now), default=None)
        return None if first is None else (first[0], first[2])

    def expiry_of(self, sub: dict[str, Any]) -> int | None:
        """When an unauthenticated subscription expires: its expire_by, or its start_at (states.md `expired`)."""
        times = [moment for moment in (sub["expire_by"], sub["start_at"]) if moment is not None]
        return min(times, default=None)

    @contextmanager
    def at(self, moment: int) -> Iterator[None]:
        """Stamp whatever happens inside with `moment` rather than the clock's now."""
        self.state.moment = moment
        try:
            yield
        finally:
            self.state.moment = None

    def act_on(self, sub: dict[str, Any]) -> None:
        """Do the one thing due on a subscription: expire it, cancel it at its cycle's end, or charge it."""
        if sub["status"] == "created":
            sub.update(status="expired", ended_at=self.state.now())
            return
        if sub["id"] in self.cancel_at_end and sub["id"] not in self.open_invoices:
            self.cancel_now(sub)
            return
        if sub["status"] == "halted":
            self.invoice_halted(sub)
            return
        self.charge(sub)

    def invoice_halted(self, sub: dict[str, Any]) -> None:
        """A halted subscription's cycle: "invoices are still issued but not charged automatically"
        (payments/subscriptions/states.md); they stay issued, and stop once every cycle has one."""
        invoice = self.issue_invoice(sub, sub["charge_at"])
        invoiced = sum(1 for inv in self.invoices.values() if inv["subscription_id"] == sub["id"])
        sub["charge_at"] = invoice["billing_end"] if invoiced < sub["total_count"] else None

    def charge(self, sub: dict[str, Any]) -> None:
        """Attempt the due charge (a new cycle's invoice, or the unpaid one again) as the test's outcome says."""
        invoice_id = self.open_invoices.get(sub["id"])
        invoice = self.invoices[invoice_id] if invoice_id else self.issue_invoice(sub, sub["charge_at"])
        mandate = self.mandates[sub["id"]]
        outcome = mandate.outcomes.popleft() if mandate.outcomes else mandate.then
        payment = self.start_charge(sub, invoice["order_id"], invoice["amount"], mandate.method, mandate.instrument)
        if outcome == "success":
            self.state.authorize_payment(payment["id"])
            self.state.capture_payment(payment["id"], payment["amount"], payment["currency"])
            self.settle_paid(sub, invoice, payment)
            return
        self.state.fail_payment(payment["id"], read_failure(mandate_rail(mandate.method), None))
        self.open_invoices[sub["id"]] = invoice["id"]
        sub["auth_attempts"] += 1
        if sub["auth_attempts"] >= ATTEMPTS_BEFORE_HALT:
            # Halted: no more automatic charges; later cycles keep their dates and are invoiced (payment-retries.md).
            sub.update(status="halted", charge_at=invoice["billing_end"])
            self.state.record("subscription.halted", subscription=sub, payment=payment)
        else:
            sub.update(status="pending", charge_at=self.state.now() + RETRY_AFTER)
            self.state.record("subscription.pending", subscription=sub, payment=payment)

    def settle_paid(self, sub: dict[str, Any], invoice: dict[str, Any], payment: dict[str, Any]) -> None:
        """A cycle was paid: move the subscription on, raising activated (if it was not active), charged, completed."""
        invoice.update(
            status="paid",
            payment_id=payment["id"],
            amount_paid=invoice["amount"],
            amount_due=0,
            paid_at=self.state.now(),
            customer_id=sub["customer_id"],
        )
        self.open_invoices.pop(sub["id"], None)
        paid = sub["paid_count"] + 1
        remaining = sub["total_count"] - paid
        was_active = sub["status"] == "active"
        sub.update(
            status="active",
            paid_count=paid,
            remaining_count=remaining,
            auth_attempts=0,
            current_start=invoice["billing_start"],
            current_end=invoice["billing_end"],
            charge_at=invoice["billing_end"] if remaining > 0 else None,
        )
        if not was_active:
            self.state.record("subscription.activated", subscription=sub, payment=payment)
        self.state.record("subscription.charged", subscription=sub, payment=payment)
        if remaining == 0:
            sub.update(status="completed", ended_at=self.state.now())
            self.state.record("subscription.completed", subscription=sub, payment=payment)

    def issue_invoice(self, sub: dict[str, Any], start: int) -> dict[str, Any]:
        """Issue the invoice (and its order) for the cycle starting at `start`."""
        plan = self.plans[sub["plan_id"]]
        order = self.new_order(plan["item"]["amount"] * sub["quantity"], plan["item"]["currency"])
        invoice = build_invoice(sub, plan, order["id"], start)
        self.invoices[invoice["id"]] = invoice
        return invoice

    def new_order(self, amount: int, currency: str) -> dict[str, Any]:
        """An order Razorpay makes for a subscription payment; it captures it itself, so no capture mode is kept."""
        order = build_order(amount=amount, currency=currency, receipt=None, notes={}, created_at=self.state.now())
        self.state.orders[order["id"]] = order
        self.state._order_payments[order["id"]] = []
        return order

    def start_charge(
        self, sub: dict[str, Any], order_id: str, amount: int, method: str, instrument: dict[str, Any], **buyer: Any
    ) -> dict[str, Any]:
        """Start a payment on the subscription's order, carrying its invoice, customer and token."""
        buyer["description"] = buyer.get("description") or CHARGE_DESCRIPTION
        payment = self.state.start_payment(order_id, amount=amount, method=method, instrument=instrument, **buyer)
        invoice = next((inv for inv in self.invoices.values() if inv["order_id"] == order_id), None)
        payment.update(
            invoice_id=invoice["id"] if invoice else None,
            customer_id=self.customers.setdefault(sub["id"], new_id("cust_")),
            token_id=self.tokens.setdefault(sub["id"], new_id("token_")),
        )
        return payment

    # -- changes --------------------------------------------------------------------------------------------

    def cancel(self, subscription_id: str, at_cycle_end: bool) -> dict[str, Any]:
        """Cancel now, or (an active one) when its current cycle ends; cancelled/completed/expired ones refuse."""
        sub = self.get_subscription(subscription_id)
        if sub["status"] in TERMINAL:
            raise RazorpayError(f"Subscription is not cancellable in {sub['status']} status.")
        if at_cycle_end and sub["status"] == "active":
            self.cancel_at_end.add(subscription_id)
            return sub
        return self.cancel_now(sub)

    def cancel_now(self, sub: dict[str, Any]) -> dict[str, Any]:
        """Cancel a subscription at once: no more charges, subscription.cancelled."""
        sub.update(status="cancelled", ended_at=self.state.now(), charge_at=None)
        self.cancel_at_end.discard(sub["id"])
        self.state.record("subscription.cancelled", subscription=sub)
        return sub

    def pause(self, subscription_id: str) -> dict[str, Any]:
        """Pause an active subscription now (charge_at null); pausing an authenticated one cancels it (§4)."""
        sub = self.get_subscription(subscription_id)
        if sub["status"] == "authenticated":
            return self.cancel_now(sub)
        if sub["status"] != "active":
            raise RazorpayError(f"Subscription cannot be paused in {sub['status']} status.")
        sub.update(status="paused", charge_at=None, paused_at=self.state.now(), pause_initiated_by="self")
        self.state.record("subscription.paused", subscription=sub)
        return sub

    def resume(self, subscription_id: str) -> dict[str, Any]:
        """Resume a paused subscription now; the next charge falls on the first cycle date from now on."""
        sub = self.get_subscription(subscription_id)
        if sub["status"] != "paused":
            raise RazorpayError(f"Subscription cannot be resumed in {sub['status']} status.")
        plan, now = self.plans[sub["plan_id"]], self.state.now()
        charge_at = sub["current_end"]
        while charge_at < now:
            charge_at = add_period(charge_at, plan["period"], plan["interval"])
        sub.update(status="active", charge_at=charge_at, paused_at=None, pause_initiated_by=None)
        self.state.record("subscription.resumed", subscription=sub)
        return sub


def check_end(request: SubscriptionRequest, plan: dict[str, Any], now: int) -> None:
    """Refuse a subscription whose last cycle would end past Razorpay's range: "end_time must be between 946684800
    and 4765046400" (the integration guide's error, SUBSCRIPTIONS.md §3), a duration of at most 100 years
    (api/payments/subscriptions/fetch-subscription-id, total_count)."""
    start = request.start_at or now
    # Cycles counted at their shortest: a count past the range even so cannot end in it (nor overflow the calendar).
    shortest = SHORTEST_CYCLE_DAYS[plan["period"]] * plan["interval"] * DAY
    too_many = request.total_count * shortest > MAX_END - start
    if too_many or add_period(start, plan["period"], plan["interval"], request.total_count) > MAX_END:
        raise invalid_field("total_count", f"end_time must be between 946684800 and {MAX_END}")


def mandate_rail(method: str) -> str:
    """The rail whose failures a mandate's charge fails with (an e-mandate debit fails as a bank's would)."""
    return "netbanking" if method == "emandate" else method
