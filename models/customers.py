"""Customers, one per normalised email."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError


def normalise_email(email: str) -> str:
    """Return the form of an email used as the customer's key (trimmed, lower case)."""
    return email.strip().lower()


async def upsert_customer(db: Any, *, email: str, name: str, phone: str) -> dict:
    """Find the customer by email or create them; keep their latest name and phone."""
    key = normalise_email(email)
    now = datetime.now(timezone.utc)
    update = {
        "$set": {"name": name, "phone": phone, "updated_at": now},
        "$setOnInsert": {"email": key, "created_at": now},
    }
    for _ in range(2):
        try:
            return await db.customers.find_one_and_update(
                {"_id": key}, update, upsert=True, return_document=ReturnDocument.AFTER
            )
        except DuplicateKeyError:
            # Two first checkouts by one buyer raced to insert; the second now finds the first.
            continue
    raise RuntimeError(f"could not upsert customer {key!r}")
