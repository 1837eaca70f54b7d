"""Reading a subscription for its buyer: its status in words, the next charge, and where each charge's receipt is."""

from __future__ import annotations

from datetime import datetime

from galla.orders.calendar import shop_time
from galla.store.subscription_charges import Charge
from galla.store.subscriptions import Subscription

STATUS_LABELS = {
    "created": "Waiting for you to authorise the payments",
    "authenticated": "Authorised, starting soon",
    "active": "Active",
    "pending": "A charge failed, being retried",
    "halted": "Stopped after failed charges",
    "paused": "Paused",
    "cancelled": "Cancelled",
    "completed": "Completed",
    "expired": "Expired",
}
# What each status means for the buyer, in a sentence the buyer's page shows under it.
STATUS_DETAILS = {
    "created": "Nothing has been charged. Authorise the recurring payment to start the subscription.",
    "authenticated": "Your mandate is registered; the first charge is taken on the date below.",
    "active": "Each charge is taken automatically on its date; a receipt is emailed after each one.",
    "pending": "The last charge did not go through. It is retried automatically over the next few days; keep "
    "enough money in the account, or the subscription stops.",
    "halted": "Every retry of the last charge failed, so automatic charges have stopped. Contact the shop to "
    "start again with another payment method.",
    "paused": "No charges are taken while it is paused.",
    "cancelled": "No more charges will be taken.",
    "completed": "Every charge of the plan has been taken; nothing more is due.",
    "expired": "The payment was never authorised, so nothing was charged.",
}


def format_shop_date(at: datetime) -> str:
    """A date as the buyer's page shows it, in the shop's time zone (IST): "4 Mar 2026"."""
    t = shop_time(at)
    return f"{t.day} {t:%b %Y}"


def next_charge_at(sub: Subscription) -> datetime | None:
    """When the next charge falls due; None once the subscription ends, is cancelling, or stopped charging."""
    if sub.terminal or sub.status in ("halted", "paused") or sub.cancel_at_period_end:
        return None
    return sub.charge_at


def can_cancel(sub: Subscription) -> bool:
    """Whether the buyer may cancel it at the end of the period: running (active) and not cancelling already."""
    return sub.status == "active" and not sub.cancel_at_period_end


def charge_receipt_path(charge: Charge) -> str | None:
    """The buyer's receipt page for a paid charge; None until it is paid."""
    if charge.status != "paid":
        return None
    return f"/subscriptions/{charge.subscription_id}/charges/{charge.id}"
