"""The product catalog: names, images and a price per currency, in minor units."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from galla.store.plans import seed_plans
from galla.store.seed_data import DEMO_PRODUCTS

# What the public API shows of a product (in the order the model declares them).
API_FIELDS = {"id", "name", "description", "image", "prices"}


class Product(BaseModel):
    """A product as stored; prices maps a currency code to an integer of minor units."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    id: str = Field(alias="_id")
    name: str
    description: str = ""
    image: str = ""
    prices: dict[str, int]
    active: bool = True
    # Bumped by every admin edit, so two admins saving the same form cannot overwrite each other unseen.
    version: int = 0
    updated_at: datetime | None = None

    def to_api(self) -> dict:
        """The product as the public API shows it (its prices a copy)."""
        return self.model_dump(include=API_FIELDS)


async def list_products(db: Any) -> list[Product]:
    """Return the active products, in catalog order."""
    cursor = db.products.find({"active": True}).sort([("position", 1), ("_id", 1)])
    return [Product.model_validate(doc) async for doc in cursor]


async def get_products(db: Any, product_ids: list[str]) -> dict[str, Product]:
    """Return the active products among the ids, keyed by id."""
    cursor = db.products.find({"_id": {"$in": list(product_ids)}, "active": True})
    return {doc["_id"]: Product.model_validate(doc) async for doc in cursor}


async def list_all_products(db: Any) -> list[Product]:
    """Return every product, on sale or not, in catalog order (the admin's list)."""
    cursor = db.products.find({}).sort([("position", 1), ("_id", 1)])
    return [Product.model_validate(doc) async for doc in cursor]


async def find_product(db: Any, product_id: str) -> Product | None:
    """Return the product with this id, on sale or not, or None."""
    doc = await db.products.find_one({"_id": product_id})
    return Product.model_validate(doc) if doc else None


async def find_inactive_ids(db: Any, product_ids: list[str]) -> set[str]:
    """Return which of the ids belong to products taken off sale (kept because orders refer to them)."""
    cursor = db.products.find({"_id": {"$in": list(product_ids)}, "active": False}, {"_id": 1})
    return {doc["_id"] async for doc in cursor}


async def insert_product(db: Any, product_id: str, fields: dict) -> Product | None:
    """Add a product at the end of the catalog; None if the id is taken."""
    last = await db.products.find_one({}, {"position": 1}, sort=[("position", -1)])
    stamp = datetime.now(UTC)
    doc = {
        "_id": product_id,
        **fields,
        "position": (last or {}).get("position", -1) + 1,
        "version": 1,
        "created_at": stamp,
        "updated_at": stamp,
    }
    try:
        await db.products.insert_one(doc)
    except DuplicateKeyError:
        return None
    return Product.model_validate(doc)


async def update_product(db: Any, product_id: str, version: int, fields: dict) -> Product | None:
    """Change a product only if it is still at the version the editor loaded; None if it is not (or is gone)."""
    # Seeded products predate versions; a missing field counts as version 0 ({"version": None} matches it).
    expected = {"$in": [0, None]} if version == 0 else version
    doc = await db.products.find_one_and_update(
        {"_id": product_id, "version": expected},
        {"$set": {**fields, "updated_at": datetime.now(UTC)}, "$inc": {"version": 1}},
        return_document=ReturnDocument.AFTER,
    )
    return Product.model_validate(doc) if doc else None


async def seed_products(db: Any) -> int:
    """Fill an empty catalog with the demo products and plans; return how many products were added."""
    if await db.products.count_documents({}, limit=1):
        return 0
    docs = [{**p, "position": i, "active": True} for i, p in enumerate(DEMO_PRODUCTS)]
    await db.products.insert_many(docs)
    # Only beside a fresh catalog: a running shop without plans is left without them.
    await seed_plans(db)
    return len(docs)
