"""The product catalog: names, images and a price per currency, in minor units."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from models.seed_data import DEMO_PRODUCTS


class Product(BaseModel):
    """A product as stored; prices maps a currency code to an integer of minor units."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    id: str = Field(alias="_id")
    name: str
    description: str = ""
    image: str = ""
    prices: dict[str, int]
    active: bool = True

    def to_api(self) -> dict:
        """The product as the public API shows it."""
        return {"id": self.id, "name": self.name, "description": self.description,
                "image": self.image, "prices": dict(self.prices)}


async def list_products(db: Any) -> list[Product]:
    """Return the active products, in catalog order."""
    cursor = db.products.find({"active": True}).sort([("position", 1), ("_id", 1)])
    return [Product.model_validate(doc) async for doc in cursor]


async def get_products(db: Any, product_ids: list[str]) -> dict[str, Product]:
    """Return the active products among the ids, keyed by id."""
    cursor = db.products.find({"_id": {"$in": list(product_ids)}, "active": True})
    return {doc["_id"]: Product.model_validate(doc) async for doc in cursor}


async def seed_products(db: Any) -> int:
    """Fill an empty catalog with the demo products; return how many were added."""
    if await db.products.count_documents({}, limit=1):
        return 0
    docs = [{**p, "position": i, "active": True} for i, p in enumerate(DEMO_PRODUCTS)]
    await db.products.insert_many(docs)
    return len(docs)
