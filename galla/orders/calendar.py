"""The shop's calendar: days and weeks in India Standard Time, as shop owners count their takings."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

from galla.orders.errors import InvalidInput

# India has one time zone and no daylight saving, so a fixed offset is exact and needs no tz database.
SHOP_TZ = timezone(timedelta(hours=5, minutes=30), "IST")


def shop_today(now: datetime | None = None) -> date:
    """Today's date in the shop's time zone."""
    return (now or datetime.now(UTC)).astimezone(SHOP_TZ).date()


def day_start(day: date) -> datetime:
    """The UTC instant a shop day begins."""
    return datetime.combine(day, time.min, SHOP_TZ).astimezone(UTC)


def week_start(day: date) -> date:
    """The Monday of the week holding day."""
    return day - timedelta(days=day.weekday())


def parse_day(text: str, field: str) -> date:
    """A YYYY-MM-DD date from a form or query string, or InvalidInput naming the field."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{field} must be a date written YYYY-MM-DD", field=field) from None


def shop_time(at: datetime) -> datetime:
    """An instant in the shop's time zone (stored times are UTC; naive ones are read as UTC)."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(SHOP_TZ)
