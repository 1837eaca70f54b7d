"""The admin's order list: reading its filters from a query string and fetching one page."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from galla.orders.calendar import day_start, parse_day
from galla.orders.context import Shop
from galla.orders.errors import InvalidInput
from galla.store.order_list import OrderFilter, PageMark, list_orders
from galla.store.orders import STATUSES, Order

GATEWAYS = ("razorpay", "stripe")
# Razorpay's methods plus Stripe's; a method not listed still filters, if it looks like one.
METHODS = ("upi", "card", "netbanking", "wallet", "emi", "paylater")
METHOD_PATTERN = re.compile(r"[a-z_]{1,30}")
PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class OrderPage:
    """One page of the list, the filters it was read with, and the token for the next page."""

    orders: list[Order]
    filters: dict[str, str]
    next_token: str | None


def read_filters(query: Mapping[str, str]) -> tuple[OrderFilter, dict[str, str]]:
    """The filter a query string asks for, and its non-empty fields; InvalidInput naming a bad one."""
    given = {k: query.get(k, "").strip() for k in ("status", "gateway", "method", "from", "to")}
    given = {k: v for k, v in given.items() if v}
    if given.get("status", "pending") not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}", field="status")
    if given.get("gateway", "stripe") not in GATEWAYS:
        raise InvalidInput("gateway must be razorpay or stripe", field="gateway")
    if not METHOD_PATTERN.fullmatch(given.get("method", "upi")):
        raise InvalidInput("method must be a payment method such as upi, card or netbanking", field="method")
    since = day_start(parse_day(given["from"], "from")) if "from" in given else None
    # "to" is a whole day in IST: orders before the next day begins.
    before = day_start(parse_day(given["to"], "to") + timedelta(days=1)) if "to" in given else None
    if since and before and since >= before:
        raise InvalidInput("from must be on or before to", field="from")
    return OrderFilter(
        status=given.get("status"), gateway=given.get("gateway"), method=given.get("method"), since=since, before=before
    ), given


async def read_page(shop: Shop, query: Mapping[str, str]) -> OrderPage:
    """The page of orders the query string asks for."""
    filters, given = read_filters(query)
    after = None
    if query.get("after"):
        after = PageMark.decode(query["after"])
        if after is None:
            raise InvalidInput("after is not a page token from this list", field="after")
    orders, mark = await list_orders(shop.db, filters, after, PAGE_SIZE)
    return OrderPage(orders, given, mark.encode() if mark else None)
