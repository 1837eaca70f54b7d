"""Plans of the catalog: recurring terms and prices, each edit kept as a new immutable version.

`plans` holds one document per plan (its id, whether it is on sale, its current version); `plan_versions` holds
every version's terms under "<plan_id>@<version>", never changed once written, so a subscription that names a plan
and a version keeps paying what it signed up for whatever the plan becomes.
"""

from __future__ import annotations

import re
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pymongo.errors import DuplicateKeyError

from galla.payments.money import Money, minimum_charge

PLAN_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
CURRENCY = re.compile(r"[A-Z]{3}")
Interval = Literal["week", "month", "year"]
# Stripe bills at most every 3 years (SUBSCRIPTIONS.md §11, recurring.interval_count). Razorpay's only lower bound,
# daily plans at least every 7 days (§2), does not arise: plans here are weekly at the shortest.
LONGEST = {"week": 156, "month": 36, "year": 3}
GATEWAYS = ("razorpay", "stripe")

DEMO_PLANS: list[dict[str, Any]] = [
    {
        "_id": "chai-club",
        "name": "Chai club",
        "description": "A fresh tin of masala chai every month.",
        "interval": "month",
        "interval_count": 1,
        "prices": {"INR": 49900, "USD": 900},
    },
    {
        "_id": "spice-almanac",
        "name": "Spice almanac",
        "description": "Four seasonal spice boxes, billed once a year.",
        "interval": "year",
        "interval_count": 1,
        "prices": {"INR": 499900, "USD": 8900},
    },
]


class PlanFields(BaseModel):
    """The fields every version of a plan has (read back as stored, whatever today's rules)."""

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=1000)
    interval: Interval
    interval_count: int = Field(default=1, ge=1)
    prices: dict[str, int] = Field(min_length=1)
    # How many charges the subscription makes before it completes; None charges until cancelled.
    total_count: int | None = Field(default=None, ge=1)


class PlanTerms(PlanFields):
    """What a subscriber signs up for: the plan's name, period and price per currency (minor units), checked."""

    @field_validator("interval_count")
    @classmethod
    def check_period(cls, count: int, info: ValidationInfo) -> int:
        """Refuse a period longer than Stripe bills (3 years)."""
        interval = info.data.get("interval")
        if interval in LONGEST and count > LONGEST[interval]:
            raise ValueError(
                f"at most {LONGEST[interval]} for a {interval}ly plan: gateways bill at most every 3 years"
            )
        return count

    @field_validator("name")
    @classmethod
    def check_name(cls, name: str) -> str:
        """Refuse control characters: the name is a charge receipt's email subject, where a line break is refused."""
        if any(c < " " or "\x7f" <= c <= "\x9f" for c in name):
            raise ValueError("must be one line, with no control characters")
        return name

    @field_validator("prices")
    @classmethod
    def check_prices(cls, prices: dict[str, int]) -> dict[str, int]:
        """Refuse a currency code that is not ISO-shaped and an amount below either gateway's smallest charge."""
        for currency, amount in prices.items():
            if not CURRENCY.fullmatch(currency):
                raise ValueError(f"{currency!r} is not an ISO 4217 currency code such as INR")
            floor = smallest_plan_price(currency)
            if amount < floor.amount:
                raise ValueError(f"{currency} {amount} is below the smallest charge, {floor.format()}")
        return prices


def smallest_plan_price(currency: str) -> Money:
    """The least a plan may charge in currency: either gateway may take the buyer (routing, failover), so both minimums."""
    return max((minimum_charge(gateway, currency) for gateway in GATEWAYS), key=lambda m: m.amount)


class Plan(PlanFields):
    """One version of a plan, as the catalog shows it."""

    id: str
    version: int
    active: bool = True
    created_at: datetime | None = None


def version_key(plan_id: str, version: int) -> str:
    """The _id of a plan's version in plan_versions."""
    return f"{plan_id}@{version}"


def check_plan_id(plan_id: str) -> None:
    """Raise ValueError unless the plan id is a slug (lowercase letters, digits and hyphens)."""
    if not PLAN_ID.fullmatch(plan_id):
        raise ValueError(f"plan_id {plan_id!r} must be lowercase letters, digits and hyphens")


def to_plan(pointer: dict, version: dict) -> Plan:
    """A plan from its pointer document and one of its version documents."""
    return Plan.model_validate(
        {**version, "id": pointer["_id"], "active": pointer["active"], "created_at": pointer.get("created_at")}
    )


async def store_version(db: Any, plan_id: str, version: int, terms: PlanTerms) -> bool:
    """Write a version's terms once; False if that version exists already (another editor got there first)."""
    doc = {
        "_id": version_key(plan_id, version),
        "plan_id": plan_id,
        "version": version,
        **terms.model_dump(),
        "created_at": datetime.now(UTC),
    }
    try:
        await db.plan_versions.insert_one(doc)
    except DuplicateKeyError:
        return False
    return True


async def insert_plan(db: Any, plan_id: str, terms: PlanTerms, *, active: bool = True) -> Plan | None:
    """Add a plan at version 1, at the end of the catalog; None if the id is taken."""
    check_plan_id(plan_id)
    stored = await store_version(db, plan_id, 1, terms)
    last = await db.plans.find_one({}, {"position": 1}, sort=[("position", -1)])
    pointer = {
        "_id": plan_id,
        "version": 1,
        "active": active,
        "position": (last or {}).get("position", -1) + 1,
        "created_at": datetime.now(UTC),
    }
    # Written by the loser too, so a version 1 whose creator stopped before this line still becomes a plan
    # instead of holding its id forever; the plan is the creator's whose version 1 was stored.
    with suppress(DuplicateKeyError):
        await db.plans.insert_one(pointer)
    return await find_plan(db, plan_id) if stored else None


async def revise_plan(db: Any, plan_id: str, version: int, terms: PlanTerms) -> Plan | None:
    """Store new terms as the version after the one the editor loaded; None if that is not current (or no plan)."""
    pointer = await db.plans.find_one({"_id": plan_id}, {"version": 1})
    if not pointer or pointer["version"] != version:
        return None
    # The version's unique _id is the lock: of two editors of the same version, one writes it.
    stored = await store_version(db, plan_id, version + 1, terms)
    # Forward only, so a slow pointer update never moves the plan back; run by the loser too, so a version whose
    # writer stopped before moving the pointer still becomes current instead of blocking every later edit.
    await db.plans.update_one(
        {"_id": plan_id, "version": {"$lt": version + 1}},
        {"$set": {"version": version + 1, "updated_at": datetime.now(UTC)}},
    )
    return await find_plan_version(db, plan_id, version + 1) if stored else None


async def set_plan_active(db: Any, plan_id: str, active: bool) -> bool:
    """Put a plan on sale or take it off (subscribers keep their version); False if there is no such plan."""
    result = await db.plans.update_one({"_id": plan_id}, {"$set": {"active": active}})
    return bool(result.matched_count)


async def find_plan(db: Any, plan_id: str) -> Plan | None:
    """Return the plan at its current version, on sale or not, or None."""
    pointer = await db.plans.find_one({"_id": plan_id})
    if not pointer:
        return None
    version = await db.plan_versions.find_one({"_id": version_key(plan_id, pointer["version"])})
    return to_plan(pointer, version) if version else None


async def find_plan_version(db: Any, plan_id: str, version: int) -> Plan | None:
    """Return one version of a plan, current or earlier, or None."""
    pointer = await db.plans.find_one({"_id": plan_id})
    doc = await db.plan_versions.find_one({"_id": version_key(plan_id, version)})
    return to_plan(pointer, doc) if pointer and doc else None


async def list_plan_versions(db: Any, plan_id: str) -> list[Plan]:
    """Return every version of a plan, newest first."""
    pointer = await db.plans.find_one({"_id": plan_id})
    if not pointer:
        return []
    cursor = db.plan_versions.find({"plan_id": plan_id}).sort([("version", -1)])
    return [to_plan(pointer, doc) async for doc in cursor]


async def list_plans(db: Any, *, off_sale_too: bool = False) -> list[Plan]:
    """Return the plans on sale (with off_sale_too, every plan) at their current versions, in catalog order."""
    query = {} if off_sale_too else {"active": True}
    pointers = [doc async for doc in db.plans.find(query).sort([("position", 1), ("_id", 1)])]
    keys = [version_key(p["_id"], p["version"]) for p in pointers]
    versions = {doc["_id"]: doc async for doc in db.plan_versions.find({"_id": {"$in": keys}})}
    return [to_plan(p, versions[key]) for p, key in zip(pointers, keys, strict=True) if key in versions]


async def seed_plans(db: Any) -> int:
    """Add the demo plans to a shop that has none; return how many were added."""
    if await db.plans.count_documents({}, limit=1):
        return 0
    added = 0
    for demo in DEMO_PLANS:
        if await insert_plan(db, demo["_id"], PlanTerms.model_validate(demo)):
            added += 1
    return added
