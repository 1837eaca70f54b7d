"""Pricing a cart for a buyer: the gateway and currency they pay in, and every line from the database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from galla.orders.context import Shop
from galla.orders.errors import InvalidInput
from galla.orders.inputs import CartRequest
from galla.payments.money import AmountNotChargeable, Money, check_chargeable
from galla.payments.routing import HOME_COUNTRY, HOME_CURRENCY, GatewayOff, NoRoute, Route, choose_route
from galla.store.products import Product, find_inactive_ids, get_products


@dataclass(frozen=True, slots=True)
class Quote:
    """What a cart costs through one route; amounts sent by a browser are never used."""

    route: Route
    lines: list[dict[str, Any]]
    total: Money


async def quote_cart(shop: Shop, request: CartRequest) -> Quote:
    """Choose the route for this buyer and price every line in its currency."""
    quantities = request.quantities()
    products = await get_products(shop.db, list(quantities))
    missing = [product_id for product_id in quantities if product_id not in products]
    # A cart kept in the browser may hold a product the shop has since taken off sale: say so.
    retired = await find_inactive_ids(shop.db, missing) if missing else set()
    for i, item in enumerate(request.items):
        if item.product_id in retired:
            raise InvalidInput(
                f"{item.product_id!r} is no longer on sale", field=f"items[{i}].product_id", code="not_for_sale"
            )
        if item.product_id not in products:
            raise InvalidInput(
                f"no product with id {item.product_id!r}", field=f"items[{i}].product_id", code="unknown_product"
            )
    route = route_for(shop, request, products)
    lines, total = [], Money(0, route.currency)
    for product_id, quantity in quantities.items():
        product = products[product_id]
        unit = Money(product.prices[route.currency], route.currency)
        lines.append(
            {
                "product_id": product.id,
                "name": product.name,
                "quantity": quantity,
                "unit_amount": unit.amount,
                "amount": (unit * quantity).amount,
            }
        )
        total += unit * quantity
    try:
        check_chargeable(route.gateway, total)
    except AmountNotChargeable as exc:
        raise InvalidInput(str(exc), field="items", code="amount_too_small") from None
    return Quote(route=route, lines=lines, total=total)


def route_for(shop: Shop, request: CartRequest, products: dict[str, Product]) -> Route:
    """The route for a cart of known products through the shop's live gateways; what stops it is named."""
    priced_in = set.intersection(*(set(p.prices) for p in products.values()))
    try:
        return choose_route(request.country, priced_in, international_card=request.international_card, live=shop.live)
    except GatewayOff as exc:
        raise InvalidInput(str(exc), field=exc.field, code="gateway_off") from None
    except NoRoute as exc:
        reason = str(exc)
    if request.country == HOME_COUNTRY:
        # Only a line without a rupee price stops a buyer in India; name it.
        for i, item in enumerate(request.items):
            product = products[item.product_id]
            if HOME_CURRENCY not in product.prices:
                raise InvalidInput(
                    f"{product.name} is not sold in {HOME_CURRENCY}",
                    field=f"items[{i}].product_id",
                    code="not_for_sale",
                )
    raise InvalidInput(reason, field="items", code="not_for_sale")
