"""Which gateway serves a buyer, and in which currency: the one place this rule lives."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from babel.numbers import get_territory_currencies

GatewayName = Literal["razorpay", "stripe"]
# Why a checkout took its gateway; "failover" is set by galla/orders/failover.py, never chosen here.
RouteName = Literal["domestic", "international", "international_card", "failover"]

HOME_COUNTRY = "IN"
HOME_CURRENCY = "INR"
# Priced in neither the buyer's own currency nor this one, a foreign buyer pays in any other
# currency the whole cart is priced in, in alphabetical order so the choice is stable.
WORLD_CURRENCY = "USD"


@dataclass(frozen=True, slots=True)
class Route:
    """The gateway and currency one checkout is paid through, and why."""

    gateway: GatewayName
    currency: str
    reason: RouteName


BOTH: frozenset[GatewayName] = frozenset({"razorpay", "stripe"})


class NoRoute(ValueError):
    """No gateway can take this cart from this buyer (nothing priced in a usable currency)."""


class GatewayOff(NoRoute):
    """The gateway this buyer needs is off (the shop has no keys for it); `field` names what decided it."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@lru_cache(maxsize=512)
def local_currencies(country: str) -> tuple[str, ...]:
    """The currencies legal tender in a country today, per CLDR (EUR for DE, JPY for JP)."""
    return tuple(get_territory_currencies(country, tender=True))


def choose_route(
    country: str, priced_in: Collection[str], *, international_card: bool = False, live: Collection[str] = BOTH
) -> Route:
    """Choose the gateway and currency for a buyer in `country` whose cart is priced in `priced_in`.

    Buyers in India pay in rupees through Razorpay (UPI, cards, netbanking), or through Stripe when
    they ask to pay with an international card. Buyers elsewhere pay through Stripe, in their own
    currency when the cart is priced in it, else in US dollars, else in another currency it has.
    Only `live` gateways are chosen: with Razorpay off, buyers in India pay by card through Stripe in
    rupees; with Stripe off, the shop takes payments only in India (GatewayOff names the field).
    """
    currencies = {c.upper() for c in priced_in}
    if country.upper() == HOME_COUNTRY:
        if HOME_CURRENCY not in currencies:
            raise NoRoute(f"these items are not sold in {HOME_CURRENCY}")
        if international_card and "stripe" not in live:
            raise GatewayOff(
                "the shop cannot take international cards for now: please pay with UPI, an Indian card or netbanking",
                field="international_card",
            )
        if international_card:
            return Route("stripe", HOME_CURRENCY, "international_card")
        return Route("razorpay" if "razorpay" in live else "stripe", HOME_CURRENCY, "domestic")
    if "stripe" not in live:
        raise GatewayOff("the shop takes payments only in India for now", field="country")
    for currency in (*local_currencies(country.upper()), WORLD_CURRENCY, *sorted(currencies)):
        if currency in currencies:
            return Route("stripe", currency, "international")
    raise NoRoute("these items have no price the international checkout can charge")
