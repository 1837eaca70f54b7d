"""Plans in the catalog: an edit stores a new immutable version and moves the plan's pointer to it, so what an
existing subscriber signed up for (plan id + version) stays readable; bad terms are refused naming the field."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from galla.store.db import INDEXES, ensure_indexes
from galla.store.plans import (
    PlanTerms,
    find_plan,
    find_plan_version,
    insert_plan,
    list_plan_versions,
    list_plans,
    revise_plan,
    seed_plans,
    set_plan_active,
)

CHAI = {
    "name": "Chai club",
    "description": "A tin a month.",
    "interval": "month",
    "interval_count": 1,
    "prices": {"INR": 49900, "USD": 900},
}


def terms(**changes) -> PlanTerms:
    """The Chai club's terms, with some changed."""
    return PlanTerms.model_validate({**CHAI, **changes})


async def test_an_edit_is_a_new_version_and_the_old_one_stays_readable(database):
    db = database.db
    await ensure_indexes(db)
    first = await insert_plan(db, "chai-club", terms())
    assert (first.version, first.prices) == (1, {"INR": 49900, "USD": 900})
    second = await revise_plan(db, "chai-club", 1, terms(prices={"INR": 59900, "USD": 1100}))
    assert second.version == 2
    assert (await find_plan(db, "chai-club")).prices == {"INR": 59900, "USD": 1100}
    old = await find_plan_version(db, "chai-club", 1)
    assert (old.version, old.prices) == (1, {"INR": 49900, "USD": 900})
    assert [p.version for p in await list_plan_versions(db, "chai-club")] == [2, 1]
    assert [(p.id, p.version) for p in await list_plans(db)] == [("chai-club", 2)]


async def test_an_edit_from_a_stale_version_is_refused(database):
    db = database.db
    await ensure_indexes(db)
    await insert_plan(db, "chai-club", terms())
    assert await revise_plan(db, "chai-club", 1, terms(name="Chai club+")) is not None
    assert await revise_plan(db, "chai-club", 1, terms(name="Lost edit")) is None
    assert (await find_plan(db, "chai-club")).name == "Chai club+"
    assert await revise_plan(db, "no-such-plan", 1, terms()) is None


async def test_a_version_stored_without_its_pointer_moved_does_not_block_later_edits(database):
    db = database.db
    await insert_plan(db, "chai-club", terms())
    # As if the editor of version 2 stopped between writing the version and moving the pointer.
    await db.plan_versions.insert_one({**terms(name="Half saved").model_dump(), "_id": "chai-club@2", "version": 2})
    assert await revise_plan(db, "chai-club", 1, terms(name="Stale")) is None
    assert (await find_plan(db, "chai-club")).name == "Half saved"
    assert (await revise_plan(db, "chai-club", 2, terms(name="Next"))).version == 3


async def test_a_plan_id_is_taken_once(database):
    await ensure_indexes(database.db)
    assert await insert_plan(database.db, "chai-club", terms()) is not None
    assert await insert_plan(database.db, "chai-club", terms(name="Other")) is None


async def test_a_version_1_stored_without_its_plan_still_becomes_the_plan(database):
    db = database.db
    await db.plan_versions.insert_one({**terms(name="Half made").model_dump(), "_id": "chai-club@1", "version": 1})
    assert await insert_plan(db, "chai-club", terms(name="Second try")) is None
    assert (await find_plan(db, "chai-club")).name == "Half made"


async def test_a_plan_taken_off_sale_is_not_listed_but_still_found(database):
    db = database.db
    await insert_plan(db, "chai-club", terms())
    assert await set_plan_active(db, "chai-club", False)
    assert await list_plans(db) == []
    assert (await find_plan(db, "chai-club")).active is False


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"interval": "day"}, "interval"),
        ({"interval_count": 0}, "interval_count"),
        # Stripe bills at most every 3 years (SUBSCRIPTIONS.md §11).
        ({"interval": "year", "interval_count": 4}, "interval_count"),
        ({"interval": "month", "interval_count": 37}, "interval_count"),
        ({"interval": "week", "interval_count": 157}, "interval_count"),
        ({"prices": {}}, "prices"),
        ({"prices": {"inr": 49900}}, "prices"),
        # Below the gateways' smallest charge (galla/payments/money.py minimum_charge): ₹1 and $0.50.
        ({"prices": {"INR": 99}}, "prices"),
        ({"prices": {"USD": 49}}, "prices"),
        ({"total_count": 0}, "total_count"),
        ({"name": " "}, "name"),
    ],
)
def test_bad_terms_name_the_field(changes, field):
    with pytest.raises(ValidationError) as refused:
        terms(**changes)
    assert [error["loc"][0] for error in refused.value.errors()] == [field]


def test_the_longest_periods_both_gateways_take_are_accepted():
    assert terms(interval="year", interval_count=3).interval_count == 3
    assert terms(interval="week", interval_count=156, total_count=12).total_count == 12


async def test_a_bad_plan_id_is_refused(database):
    with pytest.raises(ValueError, match="plan_id"):
        await insert_plan(database.db, "Chai Club!", terms())


async def test_demo_plans_are_seeded_once(database):
    assert await seed_plans(database.db) >= 2
    assert await seed_plans(database.db) == 0
    plans = {p.id: p for p in await list_plans(database.db)}
    assert plans["chai-club"].prices == {"INR": 49900, "USD": 900}
    assert any(p.interval == "year" for p in plans.values())


def test_the_plan_indexes_are_declared():
    assert {index.document["name"] for index in INDEXES["plans"]} == {"active_position"}
    assert {index.document["name"] for index in INDEXES["plan_versions"]} == {"plan_versions"}


@pytest.mark.parametrize("name", ["Chai\r\nBcc: all@example.com", "Chai\x00club", "Chai\x85club"])
def test_a_plan_name_is_one_line_of_text(name):
    """The name is the subject of each charge's receipt email: a line break there is refused by the mail package,
    so the plan is refused instead, naming the field (the attacker review)."""
    with pytest.raises(ValidationError) as refused:
        terms(name=name)
    assert refused.value.errors()[0]["loc"] == ("name",)
