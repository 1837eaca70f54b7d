"""The admin's dashboard figures: today's and this week's takings, refunds and net, success rate, reviews, failovers.

Days and weeks are the shop's (IST, weeks from Monday). Money is never added across currencies: every
sum is per currency. Bars carry their share of the largest bar in their chart, so templates only draw.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from galla.admin.refund_notice import REFUND_LABELS
from galla.orders.calendar import day_start, shop_time, shop_today, week_start
from galla.orders.failover import FAILOVER_ROUTE
from galla.orders.states import OrderStatus, RefundStatus, values
from galla.payments.labels import gateway_label, method_label
from galla.store.reports import (
    AttemptsRow,
    RefundsRow,
    TakingsRow,
    count_failed_attempts,
    count_in_status,
    count_routed,
    count_second_payments,
    sum_refunds,
    sum_takings,
)

REFUND_STATUSES = values(*RefundStatus)
# Refunds that take money off the takings: every one not failed (asked for, pending or processed), as the order's
# refund_committed counts them, since that money is the buyer's once asked for.
GIVEN_BACK = frozenset(values(RefundStatus.REQUESTED, RefundStatus.PENDING, RefundStatus.PROCESSED))
# Failed attempts are kept only on pending orders, which expire order_expiry after they are placed; the
# reconciler expires them on its next pass, so look back a day further for orders still pending.
ATTEMPTS_MARGIN = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar of a chart: a labelled amount (or count) and its share of the chart's largest bar."""

    key: str
    label: str
    amount: int
    count: int
    share: float


@dataclass(frozen=True, slots=True)
class Takings:
    """What one currency took in a period: the total, and bars by gateway and by payment method."""

    currency: str
    amount: int
    count: int
    by_gateway: tuple[Bar, ...]
    by_method: tuple[Bar, ...]


@dataclass(frozen=True, slots=True)
class SuccessRate:
    """Paid orders against failed payment attempts in a period."""

    label: str
    paid: int
    failed: int

    @property
    def attempts(self) -> int:
        return self.paid + self.failed

    @property
    def rate(self) -> float | None:
        """The share of attempts that paid, or None when nobody tried to pay."""
        return self.paid / self.attempts if self.attempts else None

    @property
    def percent(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.0f}%"


@dataclass(frozen=True, slots=True)
class RefundLine:
    """Refunds in one currency and status asked for in a period."""

    currency: str
    status: str
    label: str
    amount: int
    count: int


@dataclass(frozen=True, slots=True)
class Net:
    """One currency's gross takings, the refunds given back and what is left, in a period."""

    currency: str
    gross: int
    refunds: int
    refund_count: int

    @property
    def net(self) -> int:
        return self.gross - self.refunds


@dataclass(frozen=True, slots=True)
class Period:
    """The figures of one stretch of shop days (first to last, inclusive)."""

    key: str
    title: str
    first: date
    last: date
    takings: tuple[Takings, ...]
    success: SuccessRate
    success_by_gateway: tuple[SuccessRate, ...]
    refunds: tuple[RefundLine, ...]
    failovers: int
    second_payments: int = 0  # second payments on paid orders, each refunded automatically (issue 24 item 4)
    net: tuple[Net, ...] = ()

    @property
    def paid_count(self) -> int:
        return sum(t.count for t in self.takings)


@dataclass(frozen=True, slots=True)
class DayBar:
    """One day's takings in the week's chart."""

    day: date
    amount: int
    count: int
    share: float
    today: bool
    future: bool


@dataclass(frozen=True, slots=True)
class WeekChart:
    """One currency's takings for each day of the week, Monday first."""

    currency: str
    days: tuple[DayBar, ...]
    amount: int


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Everything the dashboard shows, as of one moment."""

    as_of: datetime
    today: Period
    week: Period
    daily: tuple[WeekChart, ...]
    needs_review: int


async def build_dashboard(db, *, order_expiry: timedelta, now: datetime | None = None) -> Dashboard:
    """Read today's and this week's figures (IST days, weeks from Monday) from the period's orders only."""
    now = now or datetime.now(UTC)
    today = shop_today(now)
    monday = week_start(today)
    # Up to now, not the week's end: the figures are "as of" this moment, whatever a skewed clock wrote.
    since, until = day_start(monday), now
    boundaries = [day_start(monday + timedelta(days=i)) for i in range(1, 7)]
    takings = await sum_takings(db, since, until, boundaries)
    failed = await count_failed_attempts(db, since - order_expiry - ATTEMPTS_MARGIN, since, until, boundaries)
    refunds = await sum_refunds(db, since, until, boundaries)
    failovers = await count_routed(db, FAILOVER_ROUTE, since, until, boundaries)
    seconds = await count_second_payments(db, since, until, boundaries)
    index = (today - monday).days
    return Dashboard(
        as_of=shop_time(now),
        today=summarise_period("today", "Today", today, today, {index}, takings, failed, refunds, failovers, seconds),
        week=summarise_period(
            "week", "This week", monday, today, set(range(7)), takings, failed, refunds, failovers, seconds
        ),
        daily=chart_week(monday, index, takings),
        needs_review=await count_in_status(db, OrderStatus.NEEDS_REVIEW.value),
    )


def summarise_period(
    key: str,
    title: str,
    first: date,
    last: date,
    days: set[int],
    takings: list[TakingsRow],
    failed: list[AttemptsRow],
    refunds: list[RefundsRow],
    failovers: dict[int, int],
    second_payments: dict[int, int] | None = None,
) -> Period:
    """The figures of the rows whose day is one of days."""
    takings = [r for r in takings if r.day in days]
    failed = [r for r in failed if r.day in days]
    refunds = [r for r in refunds if r.day in days]
    return Period(
        key=key,
        title=title,
        first=first,
        last=last,
        takings=tuple(
            sum_currency(currency, [r for r in takings if r.currency == currency])
            for currency in sort_currencies(r.currency for r in takings)
        ),
        success=SuccessRate("All gateways", sum(r.count for r in takings), sum(r.count for r in failed)),
        success_by_gateway=rates_by_gateway(takings, failed),
        refunds=list_refunds(refunds),
        failovers=sum(count for day, count in failovers.items() if day in days),
        second_payments=sum(count for day, count in (second_payments or {}).items() if day in days),
        net=sum_net(takings, refunds),
    )


def sum_net(takings: list[TakingsRow], refunds: list[RefundsRow]) -> tuple[Net, ...]:
    """Each currency's gross takings, refunds not failed, and net, side by side; never summed across currencies."""
    gross = sum_by(takings, lambda row: row.currency)
    given = sum_by((r for r in refunds if r.status in GIVEN_BACK), lambda row: row.currency)
    return tuple(
        Net(
            currency=currency,
            gross=gross.get(currency, [0, 0])[0],
            refunds=given.get(currency, [0, 0])[0],
            refund_count=given.get(currency, [0, 0])[1],
        )
        for currency in sort_currencies([*gross, *given])
    )


def rates_by_gateway(takings: list[TakingsRow], failed: list[AttemptsRow]) -> tuple[SuccessRate, ...]:
    """Each gateway's success rate: its payments taken against its failed attempts."""
    paid: Counter[str] = Counter()
    lost: Counter[str] = Counter()
    for row in takings:
        paid[row.gateway] += row.count
    for attempt in failed:
        lost[attempt.gateway] += attempt.count
    return tuple(SuccessRate(gateway_label(name), paid[name], lost[name]) for name in sorted(paid.keys() | lost.keys()))


def sum_currency(currency: str, rows: list[TakingsRow]) -> Takings:
    """One currency's takings, with bars by gateway and by method."""
    return Takings(
        currency=currency,
        amount=sum(r.amount for r in rows),
        count=sum(r.count for r in rows),
        by_gateway=make_bars(rows, "gateway", gateway_label),
        by_method=make_bars(rows, "method", method_label),
    )


def sum_by(rows: Iterable[TakingsRow | RefundsRow], key: Callable[[Any], Hashable]) -> dict[Any, list[int]]:
    """Rows' amounts and counts summed by key: {key: [amount, count]}."""
    sums: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        totals = sums[key(row)]
        totals[0] += row.amount
        totals[1] += row.count
    return sums


def make_bars(rows: list[TakingsRow], field: str, label: Callable[[str], str]) -> tuple[Bar, ...]:
    """Rows summed by one field, largest first, each with its share of the largest."""
    amounts = sum_by(rows, lambda row: getattr(row, field))
    top = max((amount for amount, _ in amounts.values()), default=0)
    ordered = sorted(amounts.items(), key=lambda item: (-item[1][0], item[0]))
    return tuple(
        Bar(key=key, label=label(key), amount=amount, count=count, share=amount / top if top else 0.0)
        for key, (amount, count) in ordered
    )


def list_refunds(rows: list[RefundsRow]) -> tuple[RefundLine, ...]:
    """Refund rows summed by currency and status, in the order a refund moves."""
    sums = sum_by(rows, lambda row: (row.currency, row.status))
    rank = {status: i for i, status in enumerate(REFUND_STATUSES)}
    order = {currency: i for i, currency in enumerate(sort_currencies(c for c, _ in sums))}
    return tuple(
        RefundLine(
            currency=currency, status=status, label=REFUND_LABELS.get(status, status), amount=amount, count=count
        )
        for (currency, status), (amount, count) in sorted(
            sums.items(), key=lambda item: (order[item[0][0]], rank.get(item[0][1], 9))
        )
    )


def chart_week(monday: date, today_index: int, takings: list[TakingsRow]) -> tuple[WeekChart, ...]:
    """A chart of daily takings per currency (rupees when nothing was taken, so the week still shows)."""
    currencies = sort_currencies(r.currency for r in takings) or ["INR"]
    charts = []
    for currency in currencies:
        by_day = sum_by((row for row in takings if row.currency == currency), lambda row: row.day)
        per_day = [by_day.get(day, [0, 0]) for day in range(7)]
        top = max(amount for amount, _ in per_day)
        charts.append(
            WeekChart(
                currency=currency,
                amount=sum(amount for amount, _ in per_day),
                days=tuple(
                    DayBar(
                        day=monday + timedelta(days=i),
                        amount=amount,
                        count=count,
                        share=amount / top if top else 0.0,
                        today=i == today_index,
                        future=i > today_index,
                    )
                    for i, (amount, count) in enumerate(per_day)
                ),
            )
        )
    return tuple(charts)


def sort_currencies(currencies: Iterable[str]) -> list[str]:
    """Distinct currencies, the rupee first (the shop's own), then alphabetically."""
    return sorted(set(currencies), key=lambda code: (code != "INR", code))
