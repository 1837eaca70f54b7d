"""The plans a gateway holds for our plan versions: made once per version and currency, then remembered.

`gateway_plans` holds one document per (gateway, plan version, currency) under "<gateway>:<plan_id>@<version>:<currency>"
with the gateway's own plan id. A plan version's terms never change (galla/store/plans.py), and neither can a plan at
Razorpay (SUBSCRIPTIONS.md §1: neither SDK can update or delete one), so the pair is fixed for good. Looked up by _id.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo.errors import DuplicateKeyError


def gateway_plan_key(gateway: str, plan_id: str, version: int, currency: str) -> str:
    """The _id of the gateway's plan for one version of ours, in one currency."""
    return f"{gateway}:{plan_id}@{version}:{currency}"


async def find_gateway_plan(db: Any, key: str) -> str | None:
    """The gateway's plan id remembered under key, or None."""
    doc = await db.gateway_plans.find_one({"_id": key}, {"gateway_plan_id": 1})
    return None if doc is None else str(doc["gateway_plan_id"])


async def remember_gateway_plan(db: Any, key: str, gateway_plan_id: str) -> str:
    """Remember the gateway's plan under key and return the one kept: when two subscribers made one at once, the
    first stored wins and the other plan is left unused at the gateway (harmless: no subscription names it)."""
    try:
        await db.gateway_plans.insert_one(
            {"_id": key, "gateway_plan_id": gateway_plan_id, "created_at": datetime.now(UTC)}
        )
    except DuplicateKeyError:
        kept = await find_gateway_plan(db, key)
        if kept is None:  # a unique _id that is taken yet not found: the store is broken, say so
            raise
        return kept
    return gateway_plan_id
