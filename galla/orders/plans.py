"""The plans buyers may subscribe to, as the API shows them."""

from __future__ import annotations

from galla.orders.context import Shop
from galla.orders.errors import NotFound
from galla.store.plans import Plan, find_plan, list_plans


async def load_plans(shop: Shop) -> list[Plan]:
    """Every plan on sale at its current version, in catalog order."""
    return await list_plans(shop.db)


async def load_plan(shop: Shop, plan_id: str) -> Plan:
    """The plan on sale with this id at its current version; NotFound names plan_id otherwise."""
    plan = await find_plan(shop.db, plan_id)
    if plan is None or not plan.active:
        raise NotFound(f"there is no plan {plan_id} on sale", field="plan_id")
    return plan
