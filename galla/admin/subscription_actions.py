"""What the owner can do to a subscription from the admin: cancel it now or at the period's end, pause and resume
it, each through its gateway's provider (which then fetches and syncs, so the state shown is the gateway's), and
refund one of its charges."""

from __future__ import annotations

from dataclasses import dataclass

from galla.orders.context import Shop
from galla.orders.errors import Conflict, InvalidInput, NotFound
from galla.orders.subscription_actions import load_subscription
from galla.orders.subscription_refunds import check_charge_refund, load_charge, refund_charge
from galla.payments.labels import gateway_label
from galla.payments.money import parse_major
from galla.store.orders import timeline_entry
from galla.store.subscription_charges import Charge
from galla.store.subscriptions import Subscription, append_subscription_timeline


@dataclass(frozen=True, slots=True)
class Action:
    """One thing the owner may ask the gateway to do, and the statuses it makes sense in."""

    key: str
    button: str  # the button's words on the subscription page
    question: str  # the confirmation page's heading
    consequence: str  # what happens, said on the confirmation page
    statuses: tuple[str, ...]
    done: str  # the notice after it


# Razorpay cancels a subscription not ended, now or with cancel_at_cycle_end; "Only `active` can pause; pausing an
# `authenticated` one **cancels** it" (SUBSCRIPTIONS.md §4, from api/payments/subscriptions/{cancel,pause,resume}).
# Stripe cancels now (DELETE) or at the period's end (cancel_at_period_end), pauses and resumes (§12).
ACTIONS = {
    action.key: action
    for action in (
        Action(
            "cancel_at_period_end",
            "Cancel at the end of the period…",
            "Cancel at the end of this period?",
            "The subscriber keeps what they paid for until the period ends; nothing more is charged after it.",
            ("active", "pending"),
            "The gateway will end the subscription when this period ends.",
        ),
        Action(
            "cancel_now",
            "Cancel now…",
            "Cancel now?",
            "The subscription ends at once and nothing more is charged. This cannot be undone; charges already "
            "taken are not refunded by it (refund them below if you mean to).",
            ("created", "authenticated", "active", "pending", "halted", "paused"),
            "Subscription cancelled.",
        ),
        Action(
            "pause",
            "Pause…",
            "Pause charging?",
            "No charge is made while it is paused; resume it to charge again.",
            ("active",),
            "Subscription paused.",
        ),
        Action(
            "resume",
            "Resume…",
            "Resume charging?",
            "The gateway charges again from the next due date.",
            ("paused",),
            "Subscription resumed.",
        ),
    )
}


def available_actions(sub: Subscription) -> list[Action]:
    """The actions that make sense for the subscription as it now is."""
    return [action for action in ACTIONS.values() if may_take(sub, action)]


def may_take(sub: Subscription, action: Action) -> bool:
    """Whether the action makes sense now (a cancellation at the period's end is not asked twice)."""
    if action.key == "cancel_at_period_end" and sub.cancel_at_period_end:
        return False
    return sub.status in action.statuses


def read_action(sub: Subscription, key: str) -> Action:
    """The action named in the URL, if the subscription can take it now; else a 4xx naming action."""
    action = ACTIONS.get(key)
    if action is None:
        raise NotFound(f"there is no action {key}", field="action")
    if not may_take(sub, action):
        state = "set to cancel at the period's end" if sub.cancel_at_period_end else sub.status
        raise Conflict(f"a subscription {state} cannot be asked to {key.replace('_', ' ')}", field="action")
    return action


async def take_action(shop: Shop, subscription_id: str, key: str) -> Subscription:
    """Ask the subscription's gateway to do the action, noted on the timeline first; the subscription after."""
    sub = await load_subscription(shop, subscription_id)
    action = read_action(sub, key)
    provider = shop.subscription_provider(sub.gateway)
    note = f"The owner asked {gateway_label(sub.gateway)} to {key.replace('_', ' ')} from the admin"
    await append_subscription_timeline(shop.db, sub.id, [timeline_entry("admin", action=action.key, message=note)])
    if action.key == "pause":
        return await provider.pause_subscription(shop, sub)
    if action.key == "resume":
        return await provider.resume_subscription(shop, sub)
    return await provider.cancel_subscription(shop, sub, at_period_end=action.key == "cancel_at_period_end")


def refundable(charge: Charge) -> int:
    """What is left to refund of a charge (nothing unless it was paid)."""
    return charge.amount - charge.refund_committed if charge.status == "paid" and charge.payment_id else 0


async def check_refund(
    shop: Shop, subscription_id: str, charge_id: str, typed: str
) -> tuple[Subscription, Charge, int]:
    """The refund the admin typed (major units; blank for all that is left), checked; nothing is sent."""
    sub, charge = await load_charge(shop, subscription_id, charge_id)
    amount = refundable(charge)
    if typed.strip():
        try:
            amount = parse_major(typed, charge.currency)
        except ValueError as exc:
            raise InvalidInput(f"amount: {exc}", field="amount") from None
    check_charge_refund(charge, amount)
    return sub, charge, amount


async def refund_confirmed(shop: Shop, subscription_id: str, charge_id: str, amount: str, key: str) -> Charge:
    """Refund the amount confirmed (minor units) under the confirmation page's key."""
    try:
        minor = int(amount)
    except ValueError:
        raise InvalidInput("amount must be the confirmed amount in minor units", field="amount") from None
    _, charge = await refund_charge(shop, subscription_id, charge_id, minor, key)
    return charge
