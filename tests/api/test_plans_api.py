"""GET /api/plans and GET /api/plans/{plan_id}: the active plans at their current versions, as the OpenAPI document
declares them."""

from __future__ import annotations

from galla.api.openapi import openapi_document
from galla.store.plans import PlanTerms, revise_plan, set_plan_active


async def test_the_demo_plans_are_listed(client):
    resp = await client.get("/api/plans")
    assert resp.status == 200
    plans = {plan["id"]: plan for plan in (await resp.json())["plans"]}
    assert plans["chai-club"] == {
        "id": "chai-club",
        "version": 1,
        "name": "Chai club",
        "description": plans["chai-club"]["description"],
        "interval": "month",
        "interval_count": 1,
        "prices": {"INR": 49900, "USD": 900},
        "total_count": None,
    }


async def test_a_plan_is_fetched_at_its_current_version(client, database):
    chai = await (await client.get("/api/plans/chai-club")).json()
    changed = PlanTerms.model_validate({**chai, "prices": {"INR": 59900, "USD": 1100}})
    await revise_plan(database.db, "chai-club", 1, changed)
    resp = await client.get("/api/plans/chai-club")
    assert resp.status == 200
    body = await resp.json()
    assert (body["version"], body["prices"]) == (2, {"INR": 59900, "USD": 1100})


async def test_an_unknown_or_retired_plan_is_404_naming_plan_id(client, database):
    resp = await client.get("/api/plans/no-such-plan")
    assert resp.status == 404
    assert (await resp.json())["error"]["field"] == "plan_id"
    await set_plan_active(database.db, "chai-club", False)
    assert (await client.get("/api/plans/chai-club")).status == 404
    assert "chai-club" not in {plan["id"] for plan in (await (await client.get("/api/plans")).json())["plans"]}


def test_the_openapi_document_describes_the_plans():
    paths = openapi_document()["paths"]
    assert paths["/api/plans"]["get"]["operationId"] == "listPlans"
    plan = paths["/api/plans/{plan_id}"]["get"]
    assert plan["operationId"] == "getPlan"
    assert "404" in plan["responses"]
    assert [p["name"] for p in plan["parameters"]] == ["plan_id"]
