"""The provider interface: what every gateway does for an order, so the order flows never test a gateway's name."""

# A gateway's provider (galla/payments/<gateway>/provider.py) wraps its flows; galla/payments/registry.py maps each
# gateway's name to its provider, and Shop.provider(gateway) is how a flow finds it.

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from galla.payments.calls import CallRecord
from galla.payments.gateways import Gateway
from galla.payments.money import Money
from galla.payments.reports import RefundReport

if TYPE_CHECKING:
    from galla.orders.context import Shop
    from galla.store.orders import Order
    from galla.store.subscriptions import Subscription

# Timeline entries, as the store appends them.
Entries = list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class VerifiedEvent:
    """A webhook delivery whose signature checked out: what the ledger stores, and the gateway's event to apply."""

    event_id: str
    type: str
    created: int | None
    payload: dict[str, Any]
    event: Any  # the gateway's own event model, handed back to its provider's apply_event


class Reportable(Protocol):
    """A gateway's refund model: it says itself in the words every gateway shares."""

    def report(self) -> RefundReport: ...


def reported(answer: tuple[Reportable, CallRecord]) -> tuple[RefundReport, CallRecord]:
    """A client's (refund, call) answer as (report, call)."""
    refund, call = answer
    return refund.report(), call


def all_reported(answer: tuple[Sequence[Reportable], CallRecord]) -> tuple[list[RefundReport], CallRecord]:
    """A client's (refunds, call) answer as (reports, call)."""
    refunds, call = answer
    return [refund.report() for refund in refunds], call


class PaymentProvider(Protocol):
    """What a gateway does for the order flows: open, confirm, capture, refund, reconcile, and its webhooks."""

    gateway: Gateway
    # Where an order of this gateway goes when the gateway is down (None: it waits for the buyer to retry).
    fails_over_to: Gateway | None
    # Whether an authorized payment waits for the shop to capture it (manual capture).
    captures_by_hand: bool

    async def open_payment(self, shop: Shop, order: Order, *, switch: dict[str, Any] | None = None) -> Order:
        """Create (or reuse) what the buyer pays the order with; `switch` holds a failover's fields."""
        ...

    def checkout_options(self, shop: Shop, order: Order) -> dict[str, Any]:
        """What the browser needs to pay the order, under the gateway's key in the checkout answer."""
        ...

    async def confirm(self, shop: Shop, order_id: str, proof: Mapping[str, str]) -> Order:
        """Check with the gateway what the buyer's browser says was paid, and apply it."""
        ...

    async def capture(self, shop: Shop, order: Order, payment_id: str) -> Order:
        """Capture an authorized payment of exactly the order's amount, then apply what it became."""
        ...

    async def refund(
        self, shop: Shop, payment_id: str, money: Money, *, key: str, notes: dict[str, str]
    ) -> tuple[RefundReport, CallRecord]:
        """Refund a payment under our key (a retry under the same key is the same refund)."""
        ...

    async def fetch_refund(self, shop: Shop, refund_id: str) -> tuple[RefundReport, CallRecord]:
        """What the gateway says about one refund now."""
        ...

    async def list_refunds(self, shop: Shop, payment_id: str) -> tuple[list[RefundReport], CallRecord]:
        """Every refund of one payment, newest first."""
        ...

    async def reconcile_order(self, shop: Shop, order: Order, expire_before: datetime) -> Order:
        """Bring a pending or authorized order to what the gateway knows; give it up if unpaid past its expiry."""
        ...

    async def apply_best_payment(self, shop: Shop, order: Order, entries: Entries) -> Order | None:
        """Apply the payment this gateway holds that decides the order (a failed-over order's late one), if any."""
        # `entries` are the pass's timeline entries so far; the calls made are appended to it.
        ...

    def late_capture_window(self, shop: Shop) -> timedelta | None:
        """How long after an order expires this gateway may still capture a payment for it (None: never)."""
        ...

    async def apply_late_payments(self, shop: Shop, order: Order, entries: Entries) -> tuple[Order, Entries]:
        """Give back each captured payment this gateway took for a paid order that is not the order's own."""
        ...

    def read_webhook(self, shop: Shop, body: bytes, signature: str | None, event_id: str | None) -> VerifiedEvent:
        """Verify a delivery's signature over the raw body, then read it; SignatureRefused or MalformedWebhook."""
        ...

    def read_stored_event(self, payload: dict[str, Any]) -> Any:
        """The gateway's event from the ledger's stored payload, as read_webhook gave it."""
        ...

    async def apply_event(
        self, shop: Shop, event: Any, entries: Entries
    ) -> tuple[Order | Subscription | None, Order | Subscription | None]:
        """Apply one verified event; the order or subscription before and after (None, None when it concerns
        none)."""
        ...

    def read_claims(self, event: dict[str, Any], event_id: str | None) -> dict[str, Any]:
        """What an unverified event (a JSON object) says it is: event id, type, our order id, read defensively."""
        ...
