"""What a gateway reports of a subscription and its charges, in one shape for every gateway."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from galla.payments.money import Money

ChargeStatus = Literal["open", "failed", "paid"]


@dataclass(frozen=True, slots=True)
class SubscriptionReport:
    """A subscription as a gateway fetch found it, its status in our words (galla/store/subscriptions.py STATUSES)."""

    gateway_id: str
    status: str
    current_start: datetime | None = None
    current_end: datetime | None = None
    charge_at: datetime | None = None
    ended_at: datetime | None = None
    cancel_at_period_end: bool = False
    paid_count: int = 0
    customer_id: str | None = None
    payment_method: str | None = None

    def fields(self) -> dict[str, Any]:
        """The subscription's fields this report sets."""
        return {
            "status": self.status,
            "current_start": self.current_start,
            "current_end": self.current_end,
            "charge_at": self.charge_at,
            "ended_at": self.ended_at,
            "cancel_at_period_end": self.cancel_at_period_end,
            "paid_count": self.paid_count,
            **({"payment_method": self.payment_method} if self.payment_method else {}),
        }


@dataclass(frozen=True, slots=True)
class ChargeReport:
    """One billing cycle's invoice as a gateway reports it: paid, failed (retries may follow) or still open."""

    invoice_id: str
    money: Money
    status: ChargeStatus
    payment_id: str | None = None
    period_start: datetime | None = None
    period_end: datetime | None = None
    paid_at: datetime | None = None
    attempts: int = 0
