"""The admin's subscriptions list: its filters (status, plan, gateway) and search box read from a query string, each
backed by an index (galla/store/db.py subscriptions: status_newest, plan_newest, gateway_newest, customer_email,
name_words, and the gateway ids' unique indexes; our sbn_ id is _id)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from galla.admin.order_filters import read_given
from galla.orders.context import Shop
from galla.orders.errors import InvalidInput
from galla.store.plans import PLAN_ID
from galla.store.subscriptions import STATUSES, Subscription, list_subscriptions

LIMIT = 100


@dataclass(frozen=True, slots=True)
class SubscriptionPage:
    """The subscriptions found (newest first, at most LIMIT) and the filters they were found with."""

    subscriptions: list[Subscription]
    filters: dict[str, str]

    @property
    def more(self) -> bool:
        """Whether the list was cut at LIMIT."""
        return len(self.subscriptions) >= LIMIT


def read_filters(query: Mapping[str, str]) -> dict[str, str]:
    """The non-empty filters a query string asks for; InvalidInput naming a bad one."""
    given = read_given(query, ("q", "status", "plan", "gateway"), STATUSES)
    if not PLAN_ID.fullmatch(given.get("plan", "chai-club")):
        raise InvalidInput("plan must be a plan's id, like chai-club", field="plan")
    return given


async def read_page(shop: Shop, query: Mapping[str, str]) -> SubscriptionPage:
    """The subscriptions the query string asks for."""
    filters = read_filters(query)
    found = await list_subscriptions(
        shop.db,
        status=filters.get("status"),
        plan_id=filters.get("plan"),
        gateway=filters.get("gateway"),
        text=filters.get("q"),
        limit=LIMIT,
    )
    return SubscriptionPage(found, filters)
