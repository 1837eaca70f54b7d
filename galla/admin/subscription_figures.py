"""The dashboard's subscription figures: monthly recurring revenue per currency, active subscribers, charges that
failed this week, subscriptions halted.

Monthly recurring revenue (MRR) is each billing (active or pending) subscription's locked amount as a month's worth:
a weekly plan's ×52/12, a yearly plan's ÷12, each divided by its interval count (every 3 months: ÷3); summed
exactly per currency and rounded once, to the nearest minor unit. Never summed across currencies.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction

from galla.admin.figures import sort_currencies
from galla.orders.calendar import day_start, shop_today, week_start
from galla.store.subscription_figures import (
    RecurringRow,
    count_failed_charges,
    count_subscribers,
    count_subscriptions_in_status,
    sum_recurring,
)

# How many of each interval make a month.
PER_MONTH = {"week": Fraction(52, 12), "month": Fraction(1), "year": Fraction(1, 12)}


@dataclass(frozen=True, slots=True)
class Recurring:
    """One currency's monthly recurring revenue and how many billing subscriptions make it."""

    currency: str
    monthly: int
    count: int


@dataclass(frozen=True, slots=True)
class SubscriptionFigures:
    """What the dashboard shows of subscriptions, as of one moment."""

    recurring: tuple[Recurring, ...]
    active: int
    subscribers: int
    failed_charges: int
    halted: int


def monthly_amount(amount: int, interval: str, interval_count: int) -> Fraction:
    """An amount charged every interval_count intervals, as a month's worth (exact)."""
    return Fraction(amount) * PER_MONTH[interval] / interval_count


def sum_monthly(rows: Iterable[RecurringRow]) -> tuple[Recurring, ...]:
    """Each currency's monthly recurring revenue, rupees first, rounded once to a minor unit."""
    sums: dict[str, list] = defaultdict(lambda: [Fraction(0), 0])
    for row in rows:
        if row.interval not in PER_MONTH:
            continue  # no plan is billed by another interval (galla/store/plans.py Interval)
        sums[row.currency][0] += monthly_amount(row.amount, row.interval, row.interval_count)
        sums[row.currency][1] += row.count
    # Half a minor unit rounds up (round() would round it to even).
    return tuple(
        Recurring(currency, int(sums[currency][0] + Fraction(1, 2)), sums[currency][1])
        for currency in sort_currencies(sums)
    )


async def build_subscription_figures(db, *, now: datetime | None = None) -> SubscriptionFigures:
    """Read the subscription figures; this week is the shop's (IST, from Monday), as the rest of the dashboard."""
    now = now or datetime.now(UTC)
    active, subscribers = await count_subscribers(db, "active")
    return SubscriptionFigures(
        recurring=sum_monthly(await sum_recurring(db)),
        active=active,
        subscribers=subscribers,
        failed_charges=await count_failed_charges(db, day_start(week_start(shop_today(now)))),
        halted=await count_subscriptions_in_status(db, "halted"),
    )
