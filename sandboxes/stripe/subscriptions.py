"""A subscription's life: started by Checkout, renewed when its period ends, dunned when a charge fails, ended.

Time is the subscription's own: its customer's test clock when it has one (SUBSCRIPTIONS.md §18: advancing the
clock "produces the real invoices, retries and webhooks"), else the sandbox's clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .billing import (
    DAY,
    RETRY_DAYS,
    Charger,
    add_interval,
    build_credit_item,
    build_invoice,
    build_subscription,
    build_test_clock,
    check_advance,
    interval_seconds,
    unused_time_credit,
)
from .cards import CardInput
from .errors import StripeError

if TYPE_CHECKING:
    from .state import RequestRef, StripeSandboxState

LIVE = ("active", "past_due", "unpaid")  # statuses whose periods still roll over


@dataclass
class Subscriptions:
    """The operations on subscriptions, invoices and test clocks, over the sandbox's store."""

    state: StripeSandboxState

    # -- time ----------------------------------------------------------------------------------------

    def time_of(self, customer_id: str) -> int:
        """Return now for a customer: its test clock's frozen time, or the sandbox's clock."""
        clock_id = self.state.customers[customer_id]["test_clock"]
        return self.state.now() if clock_id is None else int(self.state.test_clocks[clock_id]["frozen_time"])

    def create_clock(self, fields: dict[str, Any], via: RequestRef | None = None) -> dict[str, Any]:
        """Create a test clock frozen at fields["frozen_time"] (POST /v1/test_helpers/test_clocks)."""
        clock = build_test_clock(frozen_time=fields["frozen_time"], name=fields.get("name"), created=self.state.now())
        self.state.test_clocks[clock["id"]] = clock
        self.state.record("test_helpers.test_clock.created", clock, via)
        return clock

    def advance_clock(self, clock_id: str, frozen_time: int, via: RequestRef | None = None) -> dict[str, Any]:
        """Move a test clock forward, running every renewal and retry that falls due on the way, in time order.

        Stripe answers `advancing` and turns `ready` later; the sandbox does the work before answering, so the
        stored clock (GET) is already `ready` and test_helpers.test_clock.ready has been sent."""
        clock = self.state.get("test_clocks", clock_id)
        on_clock = [sub for sub in self.state.subscriptions.values() if sub["test_clock"] == clock_id]
        live = [interval_seconds(sub) for sub in on_clock if sub["status"] in LIVE]
        check_advance(clock, frozen_time, min(live) if live else None)
        self.run_due(clock_id, frozen_time)
        clock["frozen_time"] = frozen_time
        self.state.record("test_helpers.test_clock.ready", clock, via)
        return {**clock, "status": "advancing"}

    def bill_due_without_clock(self) -> None:
        """Run what has fallen due on the sandbox's own clock, for subscriptions not on a test clock."""
        self.run_due(None, self.state.now())

    def run_due(self, clock_id: str | None, until: int) -> None:
        """Do each due step (a period end or a retry) of the clock's subscriptions, earliest first, up to until."""
        while True:
            steps = [step for sub in self.state.subscriptions.values() if sub["test_clock"] == clock_id
                     for step in [self.next_step(sub)] if step is not None and step[0] <= until]  # fmt: skip
            if not steps:
                return
            when, subscription, action = min(steps, key=lambda step: step[0])
            if clock_id is not None:  # objects on a clock are stamped with the clock's time as it passes
                self.state.test_clocks[clock_id]["frozen_time"] = when
            action(subscription, when)

    def next_step(self, subscription: dict[str, Any]) -> tuple[int, dict[str, Any], Any] | None:
        """Return the subscription's next scheduled step: a retry of its open invoice, or its period's end."""
        if subscription["status"] not in LIVE:
            return None
        invoice = self.state.invoices.get(subscription["latest_invoice"] or "")
        if invoice is not None and invoice["status"] == "open" and invoice["next_payment_attempt"] is not None:
            return invoice["next_payment_attempt"], subscription, self.retry
        return subscription["items"]["data"][0]["current_period_end"], subscription, self.end_period

    # -- starting ------------------------------------------------------------------------------------

    def start_from_checkout(
        self, session: dict[str, Any], items: list[dict[str, Any]], payment_method: str, card_input: CardInput
    ) -> dict[str, Any]:
        """Create the subscription a paid Checkout Session in subscription mode stands for, and its first
        invoice, paid by the session's charge (the card is saved as the default payment method, §11/§15)."""
        customer = self.state.customers[session["customer"]]
        now = self.time_of(customer["id"])
        self.state.saved_cards[payment_method] = card_input
        prices = [(item["price"], item["quantity"]) for item in items]
        subscription = build_subscription(
            customer=customer, prices=prices, payment_method=payment_method, now=now,
            fields=self.state.subscription_data(session["id"]),
        )  # fmt: skip
        self.state.subscriptions[subscription["id"]] = subscription
        invoice = self.open_invoice(subscription, "subscription_create", (now, now), now)
        invoice.update(attempted=True, attempt_count=1)
        self.state.record("customer.subscription.created", subscription)
        Charger(self.state).mark_paid(invoice, session["payment_intent"], now)
        session.update(subscription=subscription["id"], invoice=invoice["id"])
        return subscription

    def open_invoice(
        self, subscription: dict[str, Any], reason: str, period: tuple[int, int], now: int
    ) -> dict[str, Any]:
        """Create and finalize the subscription's next invoice (invoice.created, invoice.finalized)."""
        customer = self.state.customers[subscription["customer"]]
        number = f"{customer['invoice_prefix']}-{customer['next_invoice_sequence']:04d}"
        customer["next_invoice_sequence"] += 1
        credits = [credit for credit in self.state.invoice_items.values() if credit["invoice"] is None
                   and credit["parent"]["subscription_details"]["subscription"] == subscription["id"]]  # fmt: skip
        invoice = build_invoice(
            subscription=subscription, billing_reason=reason, period=period, number=number, now=now, credits=credits
        )
        for credit in credits:
            credit["invoice"] = invoice["id"]
        for line, item in zip(invoice["lines"]["data"], subscription["items"]["data"], strict=False):  # credits after
            line["description"] = f"{item['quantity']} × {self.state.products[item['price']['product']]['name']}"
        self.state.invoices[invoice["id"]] = invoice
        subscription["latest_invoice"] = invoice["id"]
        self.state.record("invoice.created", invoice)
        self.state.record("invoice.finalized", invoice)
        return invoice

    # -- renewing and dunning ------------------------------------------------------------------------

    def end_period(self, subscription: dict[str, Any], now: int) -> None:
        """At a period's end: cancel if asked to at period end; else roll the period and bill the next one."""
        if subscription["cancel_at_period_end"]:
            self.end(subscription, now, reason="cancellation_requested")
            return
        previous_items = [dict(item) for item in subscription["items"]["data"]]
        for item in subscription["items"]["data"]:
            recurring = item["price"]["recurring"]
            start = item["current_period_end"]
            anchor_day = self.anchor_day(subscription)
            item.update(
                current_period_start=start,
                current_period_end=add_interval(start, recurring["interval"], recurring["interval_count"], anchor_day),
            )
        old = previous_items[0]
        previous_invoice = subscription["latest_invoice"]
        invoice = self.open_invoice(
            subscription, "subscription_cycle", (old["current_period_start"], old["current_period_end"]), now
        )
        self.state.record(
            "customer.subscription.updated",
            subscription,
            previous={"items": {"data": previous_items}, "latest_invoice": previous_invoice},
        )
        if subscription["status"] == "unpaid":
            # stripe-python _subscription.py, status: "no subsequent invoices will be attempted (invoices will be
            # created, but then immediately automatically closed)".
            invoice.update(next_payment_attempt=None, auto_advance=False)
            return
        self.attempt(subscription, invoice, now)

    def anchor_day(self, subscription: dict[str, Any]) -> int:
        """Return the day of the month the subscription's billing cycle is anchored on."""
        return datetime.fromtimestamp(subscription["billing_cycle_anchor"], UTC).day

    def retry(self, subscription: dict[str, Any], now: int) -> None:
        """Retry the open invoice on its schedule."""
        self.attempt(subscription, self.state.invoices[subscription["latest_invoice"]], now)

    def attempt(self, subscription: dict[str, Any], invoice: dict[str, Any], now: int) -> None:
        """Charge the invoice; on failure schedule the next retry or, retries spent, cancel or mark unpaid (§15)."""
        if Charger(self.state).pay_invoice(invoice, subscription, now):
            if subscription["status"] != "active":
                self.set_status(subscription, "active")
            return
        retries_done = invoice["attempt_count"] - 1
        spent = retries_done >= len(RETRY_DAYS)
        invoice["next_payment_attempt"] = None if spent else now + RETRY_DAYS[retries_done] * DAY
        self.state.record("invoice.payment_failed", invoice)
        if not spent:
            if subscription["status"] != "past_due":
                self.set_status(subscription, "past_due")
        elif self.state.after_retries == "unpaid":
            self.set_status(subscription, "unpaid")
        else:
            self.end(subscription, now, reason="payment_failed")

    def set_status(self, subscription: dict[str, Any], status: str, via: RequestRef | None = None) -> None:
        """Change the status and send customer.subscription.updated with the old one."""
        previous = subscription["status"]
        subscription["status"] = status
        self.state.record("customer.subscription.updated", subscription, via, previous={"status": previous})

    # -- changing and ending -------------------------------------------------------------------------

    def update(self, subscription_id: str, fields: dict[str, Any], via: RequestRef | None = None) -> dict[str, Any]:
        """POST /v1/subscriptions/{id}: cancel_at_period_end, metadata, default_payment_method (§12)."""
        subscription = self.get(subscription_id)
        if subscription["status"] in ("canceled", "incomplete_expired"):
            raise StripeError(
                "A canceled subscription can only update its cancellation_details and metadata.", param="id"
            )
        previous: dict[str, Any] = {}
        if "cancel_at_period_end" in fields and fields["cancel_at_period_end"] != subscription["cancel_at_period_end"]:
            previous["cancel_at_period_end"] = subscription["cancel_at_period_end"]
            previous["cancel_at"] = subscription["cancel_at"]
            previous["canceled_at"] = subscription["canceled_at"]
            asked = fields["cancel_at_period_end"]
            end = subscription["items"]["data"][0]["current_period_end"]
            subscription.update(
                cancel_at_period_end=asked,
                cancel_at=end if asked else None,
                # _subscription.py canceled_at: "the time of the most recent update request" at period end.
                canceled_at=self.time_of(subscription["customer"]) if asked else None,
            )
        if "default_payment_method" in fields:
            previous["default_payment_method"] = subscription["default_payment_method"]
            subscription["default_payment_method"] = self.state.payment_method_for(fields["default_payment_method"])
        if "metadata" in fields:
            previous["metadata"] = dict(subscription["metadata"])
            subscription["metadata"].update(fields["metadata"])
            subscription["metadata"] = {key: value for key, value in subscription["metadata"].items() if value != ""}
        if previous:
            self.state.record("customer.subscription.updated", subscription, via, previous=previous)
        return subscription

    def pause(self, subscription_id: str, fields: dict[str, Any], via: RequestRef | None = None) -> dict[str, Any]:
        """POST /v1/subscriptions/{id}/pause: "A paused subscription does not generate invoices and will not advance
        to new billing periods" (stripe-python _subscription_service.py pause); only an active one pauses here.

        Unless told otherwise, Stripe credits the paid time not used (bill_for.unused_time_from defaults to
        {type: now}) as a pending invoice item (invoicing_behavior defaults to pending_invoice_item) that the next
        invoice deducts (params/_subscription_pause_params.py, 16.1.0)."""
        subscription = self.get(subscription_id)
        if subscription["status"] != "active":
            raise StripeError(f"Only an active subscription can be paused; this one is {subscription['status']}.")
        self.credit_unused_time(subscription, fields, via)
        self.set_status(subscription, "paused", via)
        self.state.record("customer.subscription.paused", subscription, via)
        return subscription

    def credit_unused_time(self, subscription: dict[str, Any], fields: dict[str, Any], via: RequestRef | None) -> None:
        """Make the pause's credit for each item's unused time a pending InvoiceItem (invoiceitem.created)."""
        credit_from = fields.get("bill_for", {}).get("unused_time_from", {"type": "now"})["type"]
        now = self.time_of(subscription["customer"])
        for item in subscription["items"]["data"]:
            amount = unused_time_credit(item, credit_from, now)
            if amount == 0:
                continue
            if fields.get("invoicing_behavior", "pending_invoice_item") != "pending_invoice_item":
                raise StripeError(
                    "The Stripe sandbox makes a pause's credit only as a pending invoice item "
                    "(invoicing_behavior=pending_invoice_item, Stripe's default).",
                    param="invoicing_behavior",
                )
            start = item["current_period_start"] if credit_from == "item_current_period_start" else now
            credit = build_credit_item(subscription=subscription, item=item, amount=amount, start=start, now=now)
            self.state.invoice_items[credit["id"]] = credit
            self.state.record("invoiceitem.created", credit, via)

    def resume(self, subscription_id: str, anchor: str, via: RequestRef | None = None) -> dict[str, Any]:
        """POST /v1/subscriptions/{id}/resume with billing_cycle_anchor=unchanged: active again, and the period
        that ended while paused is billed as the next renewal (the clock runs it). Stripe's default, `now`, starts a
        new period with a resumption invoice, which the sandbox does not play."""
        subscription = self.get(subscription_id)
        if subscription["status"] != "paused":
            raise StripeError(f"Only a paused subscription can be resumed; this one is {subscription['status']}.")
        if anchor != "unchanged":
            raise StripeError(
                "The Stripe sandbox resumes only with billing_cycle_anchor=unchanged (Stripe's default is now).",
                param="billing_cycle_anchor",
            )
        self.skip_paused_periods(subscription, self.time_of(subscription["customer"]))
        self.set_status(subscription, "active", via)
        self.state.record("customer.subscription.resumed", subscription, via)
        return subscription

    def skip_paused_periods(self, subscription: dict[str, Any], now: int) -> None:
        """Move the items' period on, along the unchanged anchor, to the one now falls in: "A paused subscription
        ... will not advance to new billing periods" (_subscription_service.py pause), and with proration_behavior
        none nothing is billed for the paused time; the next charge is at the period's end."""
        for item in subscription["items"]["data"]:
            recurring = item["price"]["recurring"]
            while item["current_period_end"] <= now:
                start = item["current_period_end"]
                end = add_interval(
                    start, recurring["interval"], recurring["interval_count"], self.anchor_day(subscription)
                )
                item.update(current_period_start=start, current_period_end=end)

    def cancel(self, subscription_id: str, via: RequestRef | None = None) -> dict[str, Any]:
        """DELETE /v1/subscriptions/{id}: end it now (§12); ending one already canceled is a 400."""
        subscription = self.get(subscription_id)
        if subscription["status"] == "canceled":
            raise StripeError(f"Subscription {subscription_id} is already canceled.", param="id")
        self.end(subscription, self.time_of(subscription["customer"]), reason="cancellation_requested", via=via)
        return subscription

    def end(self, subscription: dict[str, Any], now: int, *, reason: str, via: RequestRef | None = None) -> None:
        """Mark the subscription canceled and ended now (customer.subscription.deleted)."""
        subscription.update(status="canceled", ended_at=now, canceled_at=subscription["canceled_at"] or now)
        subscription["cancellation_details"]["reason"] = reason
        self.state.record("customer.subscription.deleted", subscription, via)

    def get(self, subscription_id: str) -> dict[str, Any]:
        """Return a subscription by id, after running what its clock has made due."""
        self.bill_due_without_clock()
        return self.state.get("subscriptions", subscription_id)
