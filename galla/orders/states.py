"""The domain's states as enums: an order's status, a refund's status, what a webhook event did."""

# StrEnums, so each compares equal to the string stored in MongoDB and shown in JSON. The store is given plain str
# values (`values`, `.value`): the embedded store's fast paths and copies take exactly str (galla/store/embedded), and a
# str subclass would take the slow path and be kept as an enum object. Here, not in galla/store/, because these are
# the order flows' rules (which status may follow which); the gateway's name is galla/payments/gateways.py's Gateway.

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    """Where an order stands (DESIGN.md, "Order statuses"): forward only, one conditional update per move."""

    PENDING = "pending"  # waiting for payment; failed attempts are recorded, the buyer may retry
    AUTHORIZED = "authorized"  # manual capture only
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    EXPIRED = "expired"  # given up unpaid
    NEEDS_REVIEW = "needs_review"  # money that does not match the order, or came after it expired
    DISPUTED = "disputed"


class RefundStatus(StrEnum):
    """Where a refund stands: requested (asked, no answer yet), then what the gateway reports."""

    REQUESTED = "requested"
    PENDING = "pending"
    PROCESSED = "processed"
    FAILED = "failed"


class EventOutcome(StrEnum):
    """What became of an acknowledged webhook delivery, in a word (the metric's label)."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"  # no order of ours, or not an event Galla acts on
    NOT_APPLIED = "not_applied"  # kept with the reason it cannot be applied (retrying cannot help)
    DEFERRED = "deferred"  # stored, applied later (a gateway call failed, or the answer's budget ran out)


def values(*members: StrEnum) -> tuple[str, ...]:
    """The members' values as plain str, for the store."""
    return tuple(member.value for member in members)
