"""An order's payment trace: its timeline, the webhook ledger and refused deliveries, merged in time order."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, cast

from galla.admin.refund_notice import status_label
from galla.ops.redact import Redactor
from galla.orders.context import Shop
from galla.orders.errors import NotFound
from galla.payments.labels import gateway_label
from galla.payments.money import format_money
from galla.store.events import find_order_events
from galla.store.orders import Order, get_order_and_timeline
from galla.store.outbox import find_order_messages
from galla.store.rejections import find_order_rejections
from galla.store.subscriptions import Subscription

BROWSER_EVENTS = {
    "checkout.handler": "checkout.js handler: the buyer's payment, with its signature",
    "payment.failed": "checkout.js payment.failed: the attempt did not go through",
    "stripe.return": "the buyer came back from Stripe's page",
}

# How the timeline entries of one kind of payment read as trace steps (the ledger's events by id beside them).
StepsFor = Callable[[dict, "Order | Subscription", dict[str, dict], Redactor], list["TraceStep"]]
# What a browser callback's signature check came to (absent: no signature was checked).
SIGNATURE_WORDS: dict[Any, str] = {True: "signature valid", False: "signature INVALID"}
# The ledger's outcome keeps minor units ("refunded 0 → 79925"; it is also the webhook's JSON answer): shown as money.
REFUNDED_CHANGE = re.compile(r"refunded (\d+) → (\d+)")


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One thing that happened to an order, as the trace page shows it."""

    at: datetime
    kind: str  # call, browser, webhook, duplicate, refused, status, refund, reconcile, note, email
    actor: str  # who spoke to whom: "Galla → Razorpay", "Razorpay → Galla", "Buyer's browser → Galla"
    title: str
    outcome: str  # ok, failed, changed, info
    summary: str = ""
    duration_ms: float | None = None
    details: Any = None
    since_start_ms: float = 0.0
    since_previous_ms: float = 0.0

    @property
    def since_start(self) -> str:
        """When it happened after the order was placed, as people say it (+1 min 43 s)."""
        return "+" + format_duration(self.since_start_ms)

    @property
    def since_previous(self) -> str:
        """How long after the step before it happened (850 ms)."""
        return format_duration(self.since_previous_ms)

    @property
    def took(self) -> str | None:
        """How long the step itself took (a gateway call's round trip), or None when not measured."""
        return None if self.duration_ms is None else format_duration(self.duration_ms)


def format_duration(ms: float) -> str:
    """A duration as people say it: 0.4 ms, 850 ms, 2.4 s, 43 s, 1 min 43 s, 2 h 5 min, 3 d 4 h."""
    # Each unit's threshold is checked after rounding, so 999.6 ms reads 1 s, never 1000 ms.
    if round(ms, 1) < 10:
        return f"{ms:.1f} ms".replace(".0 ms", " ms")
    if round(ms) < 1000:
        return f"{ms:.0f} ms"
    if round(ms, -2) < 10_000:
        return f"{ms / 1000:.1f} s".replace(".0 s", " s")
    seconds = round(ms / 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    # The two largest units that are there, as a clock would be read aloud; a zero second part is left out.
    units = [(days, "d"), (hours, "h"), (minutes, "min"), (seconds, "s")]
    first = next(i for i, (value, _) in enumerate(units) if value)
    return " ".join(f"{value} {unit}" for value, unit in units[first : first + 2] if value)


async def trace_order(shop: Shop, order_id: str, redactor: Redactor) -> tuple[Order, list[TraceStep]]:
    """The order as it is now and its trace, both from one read of it (a webhook landing between two reads showed
    a Paid badge above a trace that ended Status → Refunded); NotFound naming order_id."""
    found = await get_order_and_timeline(shop.db, order_id)
    if found is None:
        raise NotFound("no order with this id", field="order_id")
    order, timeline = found
    return order, await build_trace(shop, order, timeline, redactor)


async def build_trace(
    shop: Shop,
    order: Order | Subscription,
    timeline: list[dict],
    redactor: Redactor,
    steps_for: StepsFor | None = None,
) -> list[TraceStep]:
    """Every step of the order's (or subscription's) payments, oldest first, with times relative to its placing;
    steps_for reads the timeline entries of its own kinds (a subscription's charges), steps_for_entry the rest."""
    events = {event["event_id"]: event for event in await find_order_events(shop.db, order.id)}
    steps = [step for entry in timeline for step in (steps_for or steps_for_entry)(entry, order, events, redactor)]
    seen = {entry.get("event_id") for entry in timeline if entry.get("kind") == "webhook"}
    # Ledger events that named this order but never reached its timeline (a crash between the two writes).
    steps += [webhook_step(event, None, order.currency) for event_id, event in events.items() if event_id not in seen]
    steps += [refused_step(rejection) for rejection in await find_order_rejections(shop.db, order.id)]
    steps += [email_step(message) for message in await find_order_messages(shop.db, order.id)]
    return with_offsets(sorted(steps, key=lambda step: utc(step.at)), order.created_at)


def steps_for_entry(
    entry: dict, order: Order | Subscription, events: dict[str, dict], redactor: Redactor
) -> list[TraceStep]:
    """The steps one timeline entry stands for (a webhook brings its redeliveries along)."""
    kind, at = entry.get("kind"), entry["at"]
    rest = {k: v for k, v in entry.items() if k not in ("at", "kind")}
    if kind == "gateway_call":
        return [call_step(entry, redactor)]
    if kind == "webhook":
        event = events.get(str(entry.get("event_id")), {})
        return [webhook_step(event, entry, order.currency), *duplicate_steps(event)]
    if kind == "status":
        return [
            TraceStep(
                at,
                "status",
                "Galla",
                f"Status → {status_label(entry.get('to') or '')}",
                "changed",
                entry.get("reason", ""),
            )
        ]
    if kind == "browser":
        event = entry.get("event", "")
        summary = describe_browser(rest)
        outcome = "failed" if event == "payment.failed" or rest.get("signature_valid") is False else "ok"
        return [
            TraceStep(
                at,
                "browser",
                "Buyer's browser → Galla",
                BROWSER_EVENTS.get(event, event),
                outcome,
                summary,
                details=redactor.value(rest),
            )
        ]
    if kind == "refund_requested":
        amount = format_money(int(entry.get("amount") or 0), order.currency)
        return [
            refund_step(
                at, "Admin → Galla", f"Refund of {amount} asked for", "info", f"idempotency key {entry.get('key')}"
            )
        ]
    if kind == "refund_ignored":
        amount = format_money(int(entry.get("amount") or 0), entry.get("currency") or order.currency)
        summary = f"{amount} ({entry.get('status')}): {entry.get('reason')}"
        return [refund_step(at, "Galla", f"Refund {entry.get('refund_id')} ignored", "info", summary)]
    if kind == "second_payment":
        amount = format_money(int(entry.get("amount") or 0), entry.get("currency") or order.currency)
        title = f"Second payment {entry.get('payment_id')} of {amount} refunded automatically"
        return [refund_step(at, "Galla", title, "changed", entry.get("message", ""))]
    if kind == "reconcile":
        gateway = gateway_label(entry.get("gateway"))
        return [TraceStep(at, "reconcile", "Reconciler", f"Reconciler checked the order with {gateway}", "info")]
    return [
        TraceStep(
            at,
            "note",
            "Galla",
            entry.get("message") or str(kind),
            "info",
            details=redactor.value(rest) if set(rest) - {"message"} else None,
        )
    ]


def refund_step(at: datetime, actor: str, title: str, outcome: str, summary: str) -> TraceStep:
    """A step about money going back: a refund asked for, ignored, or a second payment given back."""
    return TraceStep(at, "refund", actor, title, outcome, summary)


def call_step(entry: dict, redactor: Redactor) -> TraceStep:
    """A request Galla made to a gateway and what came back (credentials are never stored; the rest redacted)."""
    gateway = gateway_label(entry.get("gateway"))
    status, error = entry.get("status"), entry.get("error")
    answer = f"HTTP {status}" if status is not None else "no answer"
    if error:
        answer += f": {error.get('description') or error.get('code')}"
    if entry.get("of"):
        answer += f" (attempt {entry['attempt']} of {entry['of']})"
    details = {
        "request": entry.get("request"),
        "response": entry.get("response"),
        "error": error,
        "request_id": entry.get("request_id"),
    }
    return TraceStep(
        entry["at"],
        "call",
        f"Galla → {gateway}",
        f"{entry.get('method')} {entry.get('path')}",
        "failed" if error else "ok",
        answer,
        duration_ms=entry.get("duration_ms"),
        details=redactor.value({k: v for k, v in details.items() if v is not None}),
    )


def webhook_step(event: dict, entry: dict | None, currency: str) -> TraceStep:
    """A verified webhook delivery: its first arrival, and what applying it did (refunded amounts in currency)."""
    gateway = event.get("gateway") or (entry or {}).get("gateway")
    received, applied = event.get("received_at"), event.get("applied_at")
    duration = (utc(applied) - utc(received)).total_seconds() * 1000 if received and applied else None
    if event.get("status") == "applied":
        outcome = money_in_outcome(str(event.get("outcome")), currency)
        summary = f"signature verified; stored once in the ledger; applied: {outcome}"
    else:
        summary = "signature verified; stored in the ledger; not applied yet"
    deliveries = event.get("deliveries", 1)
    if deliveries > 1:
        summary += f"; delivered {deliveries} times"
    event_type = event.get("type") or (entry or {}).get("type")
    return TraceStep(
        received or cast(dict, entry)["at"],  # a delivery never stored as an event has its timeline entry
        "webhook",
        f"{gateway_label(gateway)} → Galla",
        f"Webhook {event_type}",
        "ok",
        summary,
        duration_ms=duration,
        details={"event_id": event.get("event_id") or (entry or {}).get("event_id")},
    )


def duplicate_steps(event: dict) -> list[TraceStep]:
    """Each later delivery of an event already in the ledger: acknowledged, never applied twice."""
    gateway = gateway_label(event.get("gateway"))
    return [
        TraceStep(
            at,
            "duplicate",
            f"{gateway} → Galla",
            f"Webhook {event.get('type')} again",
            "info",
            "duplicate: signature verified, acknowledged with 200, not applied again",
            details={"event_id": event.get("event_id")},
        )
        for at in event.get("redelivered_at", [])
    ]


def refused_step(rejection: dict) -> TraceStep:
    """A delivery naming this order whose signature did not verify: refused with 400, nothing applied."""
    gateway = gateway_label(rejection.get("gateway"))
    claimed = rejection.get("type") or "an event"
    return TraceStep(
        rejection["received_at"],
        "refused",
        f"? claiming to be {gateway} → Galla",
        f"Webhook refused: claimed {claimed}",
        "failed",
        f"signature not verified ({rejection.get('reason')}); answered 400, nothing applied",
        details={k: rejection.get(k) for k in ("event_id", "type", "order_id") if rejection.get(k)},
    )


def email_step(message: dict) -> TraceStep:
    """A message about the order in the outbox (a receipt, a refund made or processed), and where it is."""
    status = message.get("status", "queued")
    at = cast(datetime, message.get("sent_at") or message.get("created_at"))
    return TraceStep(
        at,
        "email",
        "Galla → buyer",
        f"{str(message.get('kind', 'email')).replace('_', ' ').capitalize()} email {status}",
        "failed" if status == "failed" else "ok",
        f"to {message.get('to')}" + (f"; {message['last_error']}" if message.get("last_error") else ""),
    )


def money_in_outcome(outcome: str, currency: str) -> str:
    """A ledger outcome with its refunded amounts written as money (refunded ₹0.00 → ₹799.25)."""
    return REFUNDED_CHANGE.sub(
        lambda m: f"refunded {format_money(int(m[1]), currency)} → {format_money(int(m[2]), currency)}", outcome
    )


def describe_browser(fields: dict) -> str:
    """A browser callback's facts in a line."""
    parts = [
        f"payment {fields['payment_id']}" if fields.get("payment_id") else "",
        SIGNATURE_WORDS.get(fields.get("signature_valid"), ""),
        f"{fields.get('code')}: {fields.get('description')}" if fields.get("code") else "",
        f"session {fields['session_id'][:24]}…" if fields.get("session_id") else "",
    ]
    return "; ".join(p for p in parts if p)


def with_offsets(steps: list[TraceStep], start: datetime) -> list[TraceStep]:
    """The steps with their time since the order was placed and since the step before."""
    out, previous = [], utc(start)
    for step in steps:
        at = utc(step.at)
        out.append(
            replace(
                step,
                since_start_ms=(at - utc(start)).total_seconds() * 1000,
                since_previous_ms=max(0.0, (at - previous).total_seconds() * 1000),
            )
        )
        previous = max(previous, at)
    return out


def utc(at: datetime) -> datetime:
    """An aware UTC time (stores may hand back naive UTC)."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)
