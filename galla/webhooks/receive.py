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
from galla.orders.errors import CheckoutError, SignatureInvalid
from galla.payments.errors import GatewayInvalid, GatewayUnavailable
from galla.payments.razorpay import client as razorpay_gateway
from galla.payments.razorpay.events import apply_razorpay_event
from galla.payments.stripe.client import StripeWebhookEvent, WebhookSignatureInvalid
from galla.payments.stripe.events import apply_stripe_event
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

log = logging.getLogger("galla.webhooks")
Apply = Callable[[list[dict]], Awaitable[tuple[Order | None, Order | None]]]

# Razorpay waits 5 s for an answer, then counts the delivery as timed out and sends it again
# (razorpay/markdown-docs webhooks/best-practices.md: "fails to respond in 5 seconds ... the session is marked
# timeout"). An event is stored before anything else, so after this long it is acknowledged, applied or not.
ANSWER_SECONDS = 2.0
STILL_APPLYING = "stored; still being applied after this answer"
DEFERRED = "stored, not applied yet"
_applying: set[asyncio.Future] = set()  # applies that outlived their delivery's answer, held until they end


class MalformedWebhook(CheckoutError):
    """A correctly signed delivery we cannot read: no event id, or not an event at all."""

    status = 400
    code = "malformed_webhook"


class EventInProgress(CheckoutError):
    """Another delivery of the same event is being applied right now; the gateway should try again."""

    status = 503
    code = "event_in_progress"


@dataclass(frozen=True, slots=True)
class WebhookReceipt:
    """What became of one delivery: the event, whether it was a repeat, and what it did."""

    gateway: str
    event_id: str
    type: str
    duplicate: bool
    outcome: str
    order_id: str | None


async def receive_razorpay_webhook(
    shop: Shop, body: bytes, signature: str | None, event_id: str | None
) -> WebhookReceipt:
    """Verify X-Razorpay-Signature over the raw body before reading it, then ingest the event."""
    if not shop.razorpay.verify_webhook(body, signature or ""):
        await keep_rejection(shop, "razorpay", body, event_id, "the signature does not match")
        raise SignatureInvalid("the webhook signature does not match", field="X-Razorpay-Signature")
    if not event_id or len(event_id) > 100:
        raise MalformedWebhook("the X-Razorpay-Event-Id header is missing", field="X-Razorpay-Event-Id")
    try:
        event, received = razorpay_gateway.parse_webhook(body)
    except (ValueError, ValidationError) as exc:
        raise MalformedWebhook("the webhook body is not a Razorpay event", field="body") from exc
    # The ledger keeps the body as Razorpay sent it (a dump of the model would add its defaults, and cost a
    # copy of the whole payload on every delivery).
    return await ingest(
        shop,
        "razorpay",
        event_id,
        event.event,
        event.created_at,
        received,
        lambda entries: apply_razorpay_event(shop, event, entries),
    )


async def receive_stripe_webhook(shop: Shop, body: bytes, signature: str | None) -> WebhookReceipt:
    """Verify Stripe-Signature (300 s tolerance) over the raw body, then ingest the event."""
    try:
        event = shop.stripe.parse_webhook(body, signature or "")
    except WebhookSignatureInvalid as exc:
        await keep_rejection(shop, "stripe", body, None, str(exc))
        raise SignatureInvalid(f"the webhook signature does not match: {exc}", field="Stripe-Signature") from exc
    except (ValueError, ValidationError) as exc:
        raise MalformedWebhook("the webhook body is not a Stripe event", field="body") from exc
    return await ingest(
        shop,
        "stripe",
        event.id,
        event.type,
        event.created,
        event.model_dump(),
        lambda entries: apply_stripe_event(shop, event, entries),
    )


async def keep_rejection(shop: Shop, gateway: str, body: bytes, event_id: str | None, reason: str) -> None:
    """Record a refused delivery and what it claimed; a failure to record never changes the 400."""
    try:
        await record_rejection(shop.db, gateway=gateway, reason=reason, claimed=read_claims(gateway, body, event_id))
    except Exception:
        log.warning("could not record a refused %s webhook delivery", gateway, exc_info=True)


def read_claims(gateway: str, body: bytes, event_id: str | None) -> dict[str, Any]:
    """What an unverified body says it is (event id, type, our order id), read defensively."""
    try:
        event = json.loads(body)
    except ValueError:
        return {"event_id": event_id}
    if not isinstance(event, dict):
        return {"event_id": event_id}
    if gateway == "stripe":
        resource = dig(event, "data", "object")
        order_id = resource.get("client_reference_id") or dig(resource, "metadata").get("order_id")
        return {"event_id": short(event.get("id")), "type": short(event.get("type")), "order_id": short(order_id)}
    entities = [dig(entity, "entity") for entity in dig(event, "payload").values() if isinstance(entity, dict)]
    order_ids = [dig(e, "notes").get("order_id") or e.get("receipt") for e in entities]
    return {
        "event_id": short(event_id),
        "type": short(event.get("event")),
        "order_id": short(next((o for o in order_ids if o), None)),
    }


def dig(value: Any, *keys: str) -> dict:
    """value[k1][k2]… when each step is a dict, else {} (Razorpay sends empty notes as [])."""
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, dict) else {}


def short(value: Any) -> str | None:
    """A claimed string, cut short; anything else dropped."""
    return value[:100] if isinstance(value, str) else None


async def ingest(
    shop: Shop, gateway: str, event_id: str, event_type: str, created: int | None, payload: dict, apply: Apply
) -> WebhookReceipt:
    """Store the event, then apply it once, answering within ANSWER_SECONDS; a repeat of an applied event is
    acknowledged and skipped."""
    key = event_key(gateway, event_id)
    if not await store_event(
        shop.db, gateway=gateway, event_id=event_id, event_type=event_type, created=created, payload=payload
    ):
        stored = await note_redelivery(shop.db, key)
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
    if stored["gateway"] == "stripe":
        stripe_event = StripeWebhookEvent.model_validate(stored["payload"])
        return lambda entries: apply_stripe_event(shop, stripe_event, entries)
    razorpay_event = razorpay_gateway.RazorpayEvent.model_validate(stored["payload"])
    return lambda entries: apply_razorpay_event(shop, razorpay_event, entries)


async def release_quietly(shop: Shop, key: str, exc: BaseException) -> None:
    """Free the event for the next delivery; if the database is what failed, the claim simply runs out."""
    with contextlib.suppress(Exception):
        await release_event(shop.db, key, f"{type(exc).__name__}: {exc}")


def describe_outcome(before: Order | None, after: Order | None, error: str | None = None) -> str:
    """What an event did, in a few words, for the ledger."""
    if error is not None:
        return f"not applied: {error}"
    if after is None:
        return "ignored: no order of ours, or not an event Galla acts on"
    changes = []
    if before is not None and before.status != after.status:
        changes.append(f"{before.status} → {after.status}")
    if before is not None and before.refunded_amount != after.refunded_amount:
        changes.append(f"refunded {before.refunded_amount} → {after.refunded_amount}")
    return ", ".join(changes) or f"no change ({after.status})"
