"""A refund as every gateway reports it, in one shape the flows can settle."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from galla.payments.money import Money

RefundStatus = Literal["pending", "processed", "failed"]


@dataclass(frozen=True, slots=True)
class RefundReport:
    """What a gateway says about one refund: its id, money, status, and the key and order we gave it."""

    gateway: str
    refund_id: str
    payment_id: str | None
    amount: Money
    status: RefundStatus
    key: str | None = None  # our refund key, from the notes/metadata we sent; None for dashboard refunds
    order_id: str | None = None
