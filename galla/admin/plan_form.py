"""Adding and revising plans from the admin: the form read into checked terms, prices read as products' are.

A revision is a new immutable version (galla/store/plans.py revise_plan): subscribers keep the version they
signed up for, so an edit changes what new subscribers pay, never what existing ones do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from galla.admin.product_form import (
    MAIN_CURRENCIES,
    MAX_EXTRA_ROWS,
    ProductFormInvalid,
    describe_error,
    price_values,
    read_new_id,
    read_prices,
    typed_price_values,
)
from galla.orders.context import Shop
from galla.orders.errors import Conflict, NotFound
from galla.payments.money import Money
from galla.store.plans import (
    LONGEST,
    Plan,
    PlanTerms,
    find_plan,
    insert_plan,
    list_plan_versions,
    list_plans,
    revise_plan,
    set_plan_active,
    smallest_plan_price,
)

INTERVALS = tuple(LONGEST)
REQUIRED = {
    "name": "give the plan a name",
    "interval": "choose how often it charges: every week, month or year",
}


class PlanFormInvalid(ProductFormInvalid):
    """The plan form has bad fields: each one's message, keyed by the form field's name."""


class PlanChanged(Conflict, code="plan_changed"):
    """Someone saved the plan after this form was loaded; current is what is stored now."""

    def __init__(self, current: Plan) -> None:
        super().__init__(
            f"{current.name} was changed by someone else after you opened it; nothing was saved", field="version"
        )
        self.current = current


def price_fields(form: Mapping[str, str]) -> dict[str, str]:
    """Which form field holds each currency's price (price_INR, or an extra row's price_N)."""
    fields = {code: f"price_{code}" for code in MAIN_CURRENCIES}
    for row in range(MAX_EXTRA_ROWS):
        code = form.get(f"currency_{row}", "").strip().upper()
        fields.setdefault(code, f"price_{row}")
    return fields


def read_count(form: Mapping[str, str], field: str, errors: dict[str, str], *, required: bool) -> int | None:
    """A whole number of at least 1 typed in field; a bad one is added to errors under its name."""
    text = form.get(field, "").strip()
    if not text:
        if required:
            errors[field] = "type a whole number, 1 or more"
        return None
    if not text.isdecimal() or int(text) < 1:
        errors[field] = f"{text!r} is not a whole number of 1 or more"
        return None
    return int(text)


def read_plan_form(form: Mapping[str, str]) -> PlanTerms:
    """Check the posted plan form; raise PlanFormInvalid naming every bad field."""
    errors: dict[str, str] = {}
    prices = read_prices(form, errors)
    fields = price_fields(form)
    for code, amount in list(prices.items()):
        floor = smallest_plan_price(code)
        if amount < floor.amount:
            errors[fields[code]] = (
                f"{Money(amount, code).format()} is below {floor.format()}, the smallest charge both gateways take"
            )
    data: dict[str, Any] = {
        "name": form.get("name", ""),
        "description": form.get("description", ""),
        "interval": form.get("interval", ""),
        "interval_count": read_count(form, "interval_count", errors, required=True),
        "total_count": read_count(form, "total_count", errors, required=False),
        "prices": prices,
    }
    try:
        terms = PlanTerms.model_validate({k: v for k, v in data.items() if v is not None})
    except ValidationError as exc:
        terms = None
        for error in exc.errors():
            field = str(error["loc"][0])
            if field == "prices":
                continue  # each price's own field already says what is wrong with it
            message = REQUIRED.get(field) if error["type"] in ("missing", "string_too_short", "literal_error") else None
            errors.setdefault(field, message or describe_error(field, error))
    if errors or terms is None:
        raise PlanFormInvalid(errors or {"price_INR": "give the plan a price"})
    return terms


async def add_plan(shop: Shop, form: Mapping[str, str]) -> Plan:
    """Add a plan from the admin's form at version 1; its id is fixed from now on."""
    errors: dict[str, str] = {}
    try:
        terms: PlanTerms | None = read_plan_form(form)
    except PlanFormInvalid as exc:
        errors, terms = exc.errors, None
    name, typed_id = form.get("name", "").strip(), form.get("id", "").strip()
    plan_id = ""
    if name or typed_id:  # with neither, the name's own error says what is missing
        try:
            plan_id = read_new_id(form, name)
        except ProductFormInvalid as exc:
            errors.update(exc.errors)
    if errors or terms is None:
        raise PlanFormInvalid(errors)
    try:
        added = await insert_plan(shop.db, plan_id, terms, active=form.get("active") == "on")
    except ValueError as exc:  # an id the plans' own rule refuses (galla/store/plans.py check_plan_id)
        raise PlanFormInvalid({"id": str(exc)}) from None
    if added is None:
        raise PlanFormInvalid({"id": f"a plan with the id {plan_id} already exists; type a different id"})
    return added


async def edit_plan(shop: Shop, plan_id: str, form: Mapping[str, str]) -> Plan:
    """Store the form as the plan's next version, if nobody else saved one since the form was loaded."""
    await load_plan(shop, plan_id)
    try:
        version = int(form.get("version", ""))
    except ValueError:
        raise PlanFormInvalid({"version": "the form has no version; reload the page and try again"}) from None
    saved = await revise_plan(shop.db, plan_id, version, read_plan_form(form))
    if saved is None:
        raise PlanChanged(await load_plan(shop, plan_id))
    return saved


async def put_plan_on_sale(shop: Shop, plan_id: str, active: bool) -> Plan:
    """Put the plan on sale or take it off (its subscribers keep their version either way)."""
    if not await set_plan_active(shop.db, plan_id, active):
        raise NotFound(f"there is no plan {plan_id}", field="plan_id")
    return await load_plan(shop, plan_id)


async def load_plan(shop: Shop, plan_id: str) -> Plan:
    """The plan with this id at its current version, on sale or not; NotFound otherwise."""
    plan = await find_plan(shop.db, plan_id)
    if plan is None:
        raise NotFound(f"there is no plan {plan_id}", field="plan_id")
    return plan


async def list_plans_for_admin(shop: Shop) -> list[Plan]:
    """Every plan, on sale or not, at its current version, in catalog order."""
    return await list_plans(shop.db, off_sale_too=True)


async def list_versions(shop: Shop, plan_id: str) -> list[Plan]:
    """Every version of the plan, newest first."""
    return await list_plan_versions(shop.db, plan_id)


def plan_values(plan: Plan | None) -> dict:
    """The form's fields as text, filled from a stored plan (or blank for a new one: monthly, on sale)."""
    if plan is None:
        return typed_plan_values({"interval": "month", "interval_count": "1", "active": "on"})
    return {
        "id": plan.id,
        "name": plan.name,
        "description": plan.description,
        "interval": plan.interval,
        "interval_count": str(plan.interval_count),
        "total_count": "" if plan.total_count is None else str(plan.total_count),
        "active": plan.active,
        "version": str(plan.version),
        **price_values(plan.prices),
    }


def typed_plan_values(form: Mapping[str, str]) -> dict:
    """The form's fields as the admin typed them, to show again beside what was wrong."""
    return {
        **{k: form.get(k, "") for k in ("id", "name", "description", "interval", "interval_count", "total_count")},
        "active": form.get("active") == "on",
        "version": form.get("version", ""),
        **typed_price_values(form),
    }
