"""Customers, one per normalised email."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError


def normalise_email(email: str) -> str:
    """Return the form of an email used as the customer's key (trimmed, lower case)."""
    return email.strip().lower()


async def upsert_customer(db: Any, *, email: str, name: str, phone: str) -> str:
    """Create the customer or keep their latest name and phone; return their key (the normalised email)."""
    key = normalise_email(email)
    now = datetime.now(UTC)
    update = {
        "$set": {"name": name, "phone": phone, "updated_at": now},
        "$setOnInsert": {"email": key, "created_at": now},
    }
    for _ in range(2):
        try:
            # No read back: a checkout needs only that the customer exists.
            await db.customers.update_one({"_id": key}, update, upsert=True)
            return key
        except DuplicateKeyError:
            # Two first checkouts by one buyer raced to insert; the second now finds the first.
            continue
    raise RuntimeError(f"could not upsert customer {key!r}")


async def get_customer(db: Any, email: str) -> dict | None:
    """Fetch a customer by email (their _id)."""
    return await db.customers.find_one({"_id": normalise_email(email)})


async def remember_stripe_customer(db: Any, email: str, stripe_customer_id: str) -> str:
    """Store the customer's Stripe id unless one is stored already; return the one that is kept."""
    key = normalise_email(email)
    doc = await db.customers.find_one_and_update(
        {"_id": key, "stripe_customer_id": {"$exists": False}},
        {"$set": {"stripe_customer_id": stripe_customer_id}},
        return_document=ReturnDocument.AFTER,
    )
    if doc is None:
        doc = await db.customers.find_one({"_id": key}) or {}
    return doc.get("stripe_customer_id", stripe_customer_id)


async def forget_stripe_customer(db: Any, email: str, stripe_customer_id: str) -> None:
    """Drop the customer's remembered Stripe id if it is still this one (Stripe no longer knows it)."""
    await db.customers.update_one(
        {"_id": normalise_email(email), "stripe_customer_id": stripe_customer_id},
        {"$unset": {"stripe_customer_id": ""}},
    )
