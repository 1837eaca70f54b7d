"""The plans a gateway holds for our plan versions: one per version and currency, the first stored kept."""

from __future__ import annotations

import asyncio

from galla.store.gateway_plans import find_gateway_plan, gateway_plan_key, remember_gateway_plan


async def test_the_first_plan_remembered_is_the_one_every_subscriber_gets(database):
    db = database.db
    key = gateway_plan_key("razorpay", "chai-club", 2, "INR")
    assert key == "razorpay:chai-club@2:INR" and await find_gateway_plan(db, key) is None
    # Two subscribers at once each made a Razorpay plan: both are answered with the one stored first.
    kept = await asyncio.gather(
        remember_gateway_plan(db, key, "plan_AAAAAAAAAAAAAA"), remember_gateway_plan(db, key, "plan_BBBBBBBBBBBBBB")
    )
    assert kept[0] == kept[1] == await find_gateway_plan(db, key)
    other = gateway_plan_key("razorpay", "chai-club", 3, "INR")
    assert await remember_gateway_plan(db, other, "plan_CCCCCCCCCCCCCC") == "plan_CCCCCCCCCCCCCC"
    assert await db.gateway_plans.count_documents({}) == 2
