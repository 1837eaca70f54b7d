"""What a gateway reports about a payment, a refund or a dispute, in one shape the order flows settle."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from galla.payments.money import Money

# What a gateway's refund came to; an order's refund entry is also "requested" before the gateway answers
# (galla/orders/states.py's RefundStatus). A Literal, not the enum: these strings are stored as they are.
ReportedRefundStatus = Literal["pending", "processed", "failed"]


@dataclass(frozen=True, slots=True)
class PaymentReport:
    """A payment a gateway took (or tried to) for an order: what the order keeps of it, and the money."""

    gateway: str
    id: str | None
    amount: int | None  # what it took, in our minor units
    currency: str | None
    method: str | None
    captured: bool | None  # False: authorised, or given back, never captured; None: the gateway does not say
    summary: dict[str, Any]  # the fields the order keeps (no card data, no contact details)

    @classmethod
    def of(cls, gateway: str, summary: dict[str, Any]) -> PaymentReport:
        """A payment from the summary its gateway's model gives (id, amount, currency, method; captured if said)."""
        return cls(
            gateway,
            summary["id"],
            summary["amount"],
            summary["currency"],
            summary["method"],
            summary.get("captured"),
            summary,
        )

    def stored(self) -> dict[str, Any]:
        """The order's `payment` field: the summary, and the gateway that took it."""
        return {**self.summary, "gateway": self.gateway}

    def brief(self) -> dict[str, Any]:
        """What a second payment's record starts with: which payment, where, how much, how."""
        return {name: getattr(self, name) for name in ("id", "gateway", "amount", "currency", "method")}


@dataclass(frozen=True, slots=True)
class RefundReport:
    """What a gateway says about one refund: its id, money, status, and the key and order we gave it."""

    gateway: str
    refund_id: str
    payment_id: str | None
    amount: Money
    status: ReportedRefundStatus
    key: str | None = None  # our refund key, from the notes/metadata we sent; None for dashboard refunds
    order_id: str | None = None


@dataclass(frozen=True, slots=True)
class DisputeReport:
    """A dispute (chargeback) opened against a payment, in the words both gateways share (our minor units)."""

    id: str
    gateway: str
    amount: int
    currency: str
    reason: str | None
    status: str | None
    payment_id: str | None

    def stored(self) -> dict[str, Any]:
        """The order's (or its second payment's) `dispute` field: every field, in this order."""
        return asdict(self)
