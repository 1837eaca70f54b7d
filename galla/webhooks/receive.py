"""Receiving a gateway's webhook: verify the raw body, store the event once in the ledger, then apply it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from galla.orders.context import Shop
from galla.orders.errors import CheckoutError, SignatureRefused
from galla.orders.states import EventOutcome
from galla.payments.errors import GatewayInvalid, GatewayUnavailable
from galla.payments.gateways import Gateway
from galla.payments.provider import PaymentProvider
from galla.store.events import (
    claim_event,
    event_key,
    find_unapplied_events,
    finish_event,
    note_redelivery,
    release_event,
    store_event,
)
from galla.store.orders import Order, timeline_entry
from galla.store.rejections import record_rejection
from galla.store.subscriptions import Subscription

log = logging.getLogger("galla.webhooks")
# What an event applies to: an order, or a subscription (both have an id and a status).
Subject = Order | Subscription
Apply = Callable[[list[dict]], Awaitable[tuple[Subject | None, Subject | None]]]

# Razorpay waits 5 s for an answer, then counts the delivery as timed out and sends it again
# (razorpay/markdown-docs webhooks/best-practices.md: "fails to respond in 5 seconds ... the session is marked
# timeout"). An event is stored before anything else, so after this long it is acknowledged, applied or not.
ANSWER_SECONDS = 2.0
STILL_APPLYING = "stored; still being applied after this answer"
DEFERRED = "stored, not applied yet"
NOT_APPLIED = "not applied"
IGNORED = "ignored: no order of ours, or not an event Galla acts on"
# How each outcome's wording begins (describe_outcome, STILL_APPLYING and DEFERRED say "stored" first).
OUTCOME_PREFIXES = (
    (NOT_APPLIED, EventOutcome.NOT_APPLIED),
    ("ignored", EventOutcome.IGNORED),
    ("stored", EventOutcome.DEFERRED),
)
_applying: set[asyncio.Future] = set()  # applies that outlived their delivery's answer, held until they end


class EventInProgress(CheckoutError, status=503, code="event_in_progress"):
    """Another delivery of the same event is being applied right now; the gateway should try again."""


@dataclass(frozen=True, slots=True)
class WebhookReceipt:
    """What became of one delivery: the event, whether it was a repeat, and what it did."""

    gateway: str
    event_id: str
    type: str
    duplicate: bool
    outcome: str
    order_id: str | None

    @property
    def kind(self) -> EventOutcome:
        """The outcome in a word: duplicate, not applied, ignored, deferred (stored, applied later) or applied."""
        if self.duplicate:
            return EventOutcome.DUPLICATE
        return next(
            (kind for prefix, kind in OUTCOME_PREFIXES if self.outcome.startswith(prefix)), EventOutcome.APPLIED
        )


async def receive_webhook(
    shop: Shop, gateway: str, body: bytes, signature: str | None, event_id: str | None = None
) -> WebhookReceipt:
    """Have the gateway's provider verify the signature over the raw body, then ingest the event."""
    # A refused delivery is kept (galla/store/rejections.py) with what it claimed.
    provider = shop.provider(gateway)
    try:
        event = provider.read_webhook(shop, body, signature, event_id)
    except SignatureRefused as exc:
        await keep_rejection(shop, provider, body, exc.event_id, exc.reason)
        raise
    return await ingest(
        shop,
        gateway,
        event.event_id,
        event.type,
        event.created,
        event.payload,
        lambda entries: provider.apply_event(shop, event.event, entries),
    )


async def receive_razorpay_webhook(
    shop: Shop, body: bytes, signature: str | None, event_id: str | None
) -> WebhookReceipt:
    """A delivery to /webhooks/razorpay: X-Razorpay-Signature over the body, its id in X-Razorpay-Event-Id."""
    return await receive_webhook(shop, Gateway.RAZORPAY.value, body, signature, event_id)


async def receive_stripe_webhook(shop: Shop, body: bytes, signature: str | None) -> WebhookReceipt:
    """A delivery to /webhooks/stripe: Stripe-Signature (300 s tolerance) over the body, its id inside it."""
    return await receive_webhook(shop, Gateway.STRIPE.value, body, signature)


async def keep_rejection(shop: Shop, provider: PaymentProvider, body: bytes, event_id: str | None, reason: str) -> None:
    """Record a refused delivery and what it claimed; a failure to record never changes the 400."""
    gateway = provider.gateway.value
    try:
        await record_rejection(shop.db, gateway=gateway, reason=reason, claimed=read_claims(provider, body, event_id))
    except Exception:
        log.warning("could not record a refused %s webhook delivery", gateway, exc_info=True)


def read_claims(provider: PaymentProvider, body: bytes, event_id: str | None) -> dict[str, Any]:
    """What an unverified body says it is (event id, type, our order id), read defensively."""
    try:
        event = json.loads(body)
    except ValueError:
        return {"event_id": event_id}
    if not isinstance(event, dict):
        return {"event_id": event_id}
    return provider.read_claims(event, event_id)


async def ingest(
    shop: Shop, gateway: str, event_id: str, event_type: str, created: int | None, payload: dict, apply: Apply
) -> WebhookReceipt:
    """Store the event, then apply it once, answering within ANSWER_SECONDS; a repeat of an applied event is
    acknowledged and skipped."""
    key = event_key(gateway, event_id)
    if not await store_event(
        shop.db, gateway=gateway, event_id=event_id, event_type=event_type, created=created, payload=payload
    ):
        stored = await note_redelivery(shop.db, key) or {}
        if stored.get("status") == "applied":
            return WebhookReceipt(
                gateway, event_id, event_type, True, stored.get("outcome", ""), stored.get("order_id")
            )
        # Stored before but never applied (the first delivery failed midway): apply it now, unless a
        # delivery is applying it this very moment.
        if not await claim_event(shop.db, key):
            raise EventInProgress(
                "this event is being applied by another delivery; send it again later", headers={"Retry-After": "5"}
            )
    applying = asyncio.ensure_future(apply_event(shop, key, gateway, event_id, event_type, apply))
    try:
        # Shielded: at the budget we answer and the apply runs on to its end. Cancelling it midway could
        # leave a capture made at the gateway but not written here; its calls are bounded, so it ends soon,
        # and if this process dies first the claim runs out and the ledger job applies the event again.
        return await asyncio.wait_for(asyncio.shield(applying), ANSWER_SECONDS)
    except (TimeoutError, asyncio.CancelledError) as exc:
        keep_running(applying)
        if isinstance(exc, asyncio.CancelledError):
            raise
        return WebhookReceipt(gateway, event_id, event_type, False, STILL_APPLYING, None)


async def apply_event(
    shop: Shop, key: str, gateway: str, event_id: str, event_type: str, apply: Apply
) -> WebhookReceipt:
    """Apply a stored, claimed event and mark it applied; a gateway that is slow or down leaves it for later."""
    entry = timeline_entry("webhook", gateway=gateway, event_id=event_id, type=event_type)
    error: str | None
    try:
        before, after = await apply([entry])
    except GatewayInvalid as exc:
        # The gateway refused a follow-up call (a capture, a lookup): retrying the event cannot help,
        # and a webhook that keeps failing gets disabled. Keep it applied with the reason; reconcile follows up.
        before, after, error = None, None, exc.description
    except ValidationError as exc:
        # A signed event whose entity (payment, refund, dispute, session) does not read as Galla expects: no retry
        # makes it readable, and an endpoint answering 500 on every retry gets disabled. Kept, with the reason.
        before, after, error = None, None, f"the event's {exc.title} is not what Galla reads: {exc.errors()[0]['msg']}"
        log.warning("%s not applied: %s", key, error, exc_info=True)
    except GatewayUnavailable as exc:
        # A follow-up call timed out or the gateway is down. The event is stored, so it is acknowledged; the
        # ledger job (galla/workers/reconciler.py) applies it again, as would the gateway's next delivery.
        await release_quietly(shop, key, exc)
        return WebhookReceipt(gateway, event_id, event_type, False, f"{DEFERRED}: {exc.description}", None)
    except BaseException as exc:
        await release_quietly(shop, key, exc)
        raise
    else:
        error = None
    outcome = describe_outcome(before, after, error)
    await finish_event(shop.db, key, outcome=outcome, order_id=after.id if after else None)
    return WebhookReceipt(gateway, event_id, event_type, False, outcome, after.id if after else None)


def keep_running(applying: asyncio.Future) -> None:
    """Hold an apply that outlived its delivery's answer until it ends, and log how it ended."""
    _applying.add(applying)

    def ended(task: asyncio.Future) -> None:
        _applying.discard(task)
        if task.cancelled():
            return
        if task.exception() is not None:
            log.warning(
                "an event applied after its answer failed; the ledger job tries again", exc_info=task.exception()
            )

    applying.add_done_callback(ended)


async def finish_applying(timeout: float) -> None:
    """Wait (at most `timeout` s) for applies that outlived their answers, so a clean stop leaves none half-way."""
    if _applying:
        await asyncio.wait(set(_applying), timeout=timeout)


async def apply_stored_events(shop: Shop, limit: int = 100) -> list[WebhookReceipt]:
    """The ledger job: apply each stored event no delivery applied (answered at its budget, its gateway down,
    or its process stopped midway), oldest first; one that fails is left for the next pass."""
    receipts = []
    for stored in await find_unapplied_events(shop.db, limit):
        if not await claim_event(shop.db, stored["_id"]):
            continue  # a redelivery is applying it right now
        try:
            receipts.append(
                await apply_event(
                    shop,
                    stored["_id"],
                    stored["gateway"],
                    stored["event_id"],
                    stored["type"],
                    stored_apply(shop, stored),
                )
            )
        except Exception:
            log.warning("the ledger job could not apply %s; the next pass tries again", stored["_id"], exc_info=True)
    return receipts


def stored_apply(shop: Shop, stored: dict) -> Apply:
    """How to apply an event from the ledger: its payload read as the gateway's event, as on delivery."""
    provider = shop.provider(stored["gateway"])
    event = provider.read_stored_event(stored["payload"])
    return lambda entries: provider.apply_event(shop, event, entries)


async def release_quietly(shop: Shop, key: str, exc: BaseException) -> None:
    """Free the event for the next delivery; if the database is what failed, the claim simply runs out."""
    with contextlib.suppress(Exception):
        await release_event(shop.db, key, f"{type(exc).__name__}: {exc}")


def describe_outcome(before: Subject | None, after: Subject | None, error: str | None = None) -> str:
    """What an event did, in a few words, for the ledger."""
    if error is not None:
        return f"{NOT_APPLIED}: {error}"
    if after is None:
        return IGNORED
    changes = []
    if before is not None and before.status != after.status:
        changes.append(f"{before.status} → {after.status}")
    if isinstance(before, Subscription) and isinstance(after, Subscription) and before.paid_count != after.paid_count:
        changes.append(f"charges paid {before.paid_count} → {after.paid_count}")
    if isinstance(before, Order) and isinstance(after, Order) and before.refunded_amount != after.refunded_amount:
        changes.append(f"refunded {before.refunded_amount} → {after.refunded_amount}")
    return ", ".join(changes) or f"no change ({after.status})"
