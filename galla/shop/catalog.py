"""The catalog as buyers see it."""

from __future__ import annotations

from galla.api.bodies import describe_product
from galla.orders.context import Shop
from galla.store.products import Product, list_products


async def load_catalog(shop: Shop) -> list[Product]:
    """Every product on sale, in catalog order."""
    return await list_products(shop.db)


async def list_catalog(shop: Shop) -> list[dict]:
    """Every product on sale, as the API shows it, for the pages."""
    return [describe_product(product).model_dump() for product in await load_catalog(shop)]
