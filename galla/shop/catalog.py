"""The catalog as buyers see it."""

from __future__ import annotations

from galla.orders.context import Shop
from galla.store.products import list_products


async def list_catalog(shop: Shop) -> list[dict]:
    """Every product on sale, as the API and the pages show it."""
    return [product.to_api() for product in await list_products(shop.db)]
