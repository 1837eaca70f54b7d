"""Leases in MongoDB, so a periodic job runs in one process at a time however many share the database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pymongo.errors import DuplicateKeyError

from galla.store.orders import now


async def acquire_lease(db: Any, name: str, holder: str, seconds: float) -> bool:
    """Hold the named lease for `seconds` if it is free, expired or already ours."""
    stamp = now()
    try:
        await db.leases.find_one_and_update(
            {"_id": name, "$or": [{"until": {"$lt": stamp}}, {"holder": holder}]},
            {"$set": {"holder": holder, "until": stamp + timedelta(seconds=seconds), "taken_at": stamp}},
            upsert=True,
        )
    except DuplicateKeyError:
        return False  # the upsert's insert lost to a live lease held by someone else
    return True


async def release_lease(db: Any, name: str, holder: str) -> None:
    """Give the lease up early, if we still hold it."""
    await db.leases.delete_one({"_id": name, "holder": holder})
