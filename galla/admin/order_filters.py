"""The admin's order list: reading its filters and search from a query string, fetching one page or every batch."""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass
from datetime import timedelta

from galla.orders.calendar import day_start, parse_day
from galla.orders.context import Shop
from galla.orders.errors import InvalidInput
from galla.orders.inputs import phone_in_e164
from galla.store.order_list import OrderFilter, PageMark, list_orders, stream_orders
from galla.store.orders import (
    STATUSES,
    Order,
    OrderMatch,
    match_email,
    match_name,
    match_order_id,
    match_payment,
    match_phone,
    match_razorpay_order,
    match_stripe_session,
)

GATEWAYS = ("razorpay", "stripe")
# Razorpay's methods plus Stripe's; a method not listed still filters, if it looks like one.
METHODS = ("upi", "card", "netbanking", "wallet", "emi", "paylater")
METHOD_PATTERN = re.compile(r"[a-z_]{1,30}")
PAGE_SIZE = 50
EXPORT_BATCH = 500
MAX_QUERY = 100
# What an id looks like, and what it finds. Ours: "ord_" and 120 random bits (galla/orders/view.py new_order_id).
# Razorpay's: a prefix and 14 letters or digits (galla/orders/inputs.py razorpay_id). Stripe's Checkout Sessions:
# cs_test_/cs_live_ (galla/payments/stripe/confirm.py SESSION_ID); its PaymentIntents and Charges: pi_ or ch_ and
# letters or digits ("pi_3MtwBwLkdIwHu7ix28a3tqPa", docs.stripe.com/api/payment_intents/object;
# "ch_3MmlLrLkdIwHu7ix0snN0B15", docs.stripe.com/api/charges/object). A declined card's attempt keeps its charge's id.
ID_SHAPES = (
    (re.compile(r"ord_[A-Za-z0-9_-]{1,40}"), match_order_id),
    (re.compile(r"order_[A-Za-z0-9]{14}"), match_razorpay_order),
    (re.compile(r"pay_[A-Za-z0-9]{14}|(?:pi|ch)_[A-Za-z0-9]{1,250}"), match_payment),
    (re.compile(r"cs_(?:test|live)_[A-Za-z0-9]{1,250}"), match_stripe_session),
)
# Digits with the separators people type in a phone number, and enough digits to be one.
PHONE_SHAPE = re.compile(r"\+?[\d\s().-]{7,24}")


@dataclass(frozen=True, slots=True)
class OrderPage:
    """One page of the list, the filters it was read with, and the token for the next page."""

    orders: list[Order]
    filters: dict[str, str]
    next_token: str | None


def read_given(query: Mapping[str, str], names: tuple[str, ...], statuses: tuple[str, ...]) -> dict[str, str]:
    """The non-empty fields of a list's query string, its status (one of statuses), gateway and search box's length
    checked; InvalidInput naming a bad one. The orders list's and the subscriptions list's filters share them."""
    given = {k: query.get(k, "").strip() for k in names}
    given = {k: v for k, v in given.items() if v}
    if "status" in given and given["status"] not in statuses:
        raise InvalidInput(f"status must be one of {', '.join(statuses)}", field="status")
    if "gateway" in given and given["gateway"] not in GATEWAYS:
        raise InvalidInput("gateway must be razorpay or stripe", field="gateway")
    if len(given.get("q", "")) > MAX_QUERY:
        raise InvalidInput(f"q: type at most {MAX_QUERY} characters", field="q")
    return given


def read_filters(query: Mapping[str, str]) -> tuple[OrderFilter, dict[str, str]]:
    """The filter a query string asks for, and its non-empty fields; InvalidInput naming a bad one."""
    given = read_given(query, ("q", "status", "gateway", "method", "from", "to"), STATUSES)
    if not METHOD_PATTERN.fullmatch(given.get("method", "upi")):
        raise InvalidInput("method must be a payment method such as upi, card or netbanking", field="method")
    since = day_start(parse_day(given["from"], "from")) if "from" in given else None
    # "to" is a whole day in IST: orders before the next day begins.
    before = day_start(parse_day(given["to"], "to") + timedelta(days=1)) if "to" in given else None
    if since and before and since >= before:
        raise InvalidInput("from must be on or before to", field="from")
    search = read_search(given["q"]) if "q" in given else None
    return OrderFilter(
        status=given.get("status"),
        gateway=given.get("gateway"),
        method=given.get("method"),
        since=since,
        before=before,
        search=search,
    ), given


def read_search(text: str) -> OrderMatch:
    """What the search box asks for, by its shape: an id, an email, a phone number, or else a name."""
    if len(text) > MAX_QUERY:
        raise InvalidInput(f"q: type at most {MAX_QUERY} characters", field="q")
    for shape, match in ID_SHAPES:
        if shape.fullmatch(text):
            return match(text)
    if "@" in text:
        return match_email(text)
    if PHONE_SHAPE.fullmatch(text):
        try:
            # The shop is in India: a number without a country code is read as Indian, as checkout reads it.
            return match_phone(phone_in_e164(text, "IN", "q"))
        except ValueError:
            raise InvalidInput(
                "q: that is not a whole phone number; type it like 98765 43210 or +91 98765 43210", field="q"
            ) from None
    try:
        return match_name(text)
    except ValueError:
        raise InvalidInput("q: type an order id, an email, a phone number or a name", field="q") from None


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


def read_batches(shop: Shop, filters: OrderFilter) -> AsyncGenerator[list[Order], None]:
    """Every order the filters find, newest first, in batches as the database sends them."""
    return stream_orders(shop.db, filters, EXPORT_BATCH)
