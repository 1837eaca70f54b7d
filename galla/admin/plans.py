"""Admin pages: subscription plans, their prices per currency, their versions, and whether each is on sale."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from galla.admin.actions import notice_naming
from galla.admin.plan_form import (
    INTERVALS,
    PlanChanged,
    PlanFormInvalid,
    add_plan,
    edit_plan,
    list_plans_for_admin,
    list_versions,
    load_plan,
    plan_values,
    put_plan_on_sale,
    typed_plan_values,
)
from galla.admin.product_form import MAIN_CURRENCIES, with_blank_rows
from galla.orders.errors import InvalidInput
from galla.payments.labels import interval_label
from galla.store.plans import Plan
from galla.web.body import read_form
from galla.web.state import SHOP

routes = web.RouteTableDef()
LIST_PATH = "/admin/plans"
NOTICES = {
    "added": "Added {name}. It is on sale now.",
    "added_off": "Added {name}, not on sale yet.",
    "saved": "Saved {name} as a new version. New subscribers get it; existing subscribers keep paying what they "
    "signed up for.",
    "on": "{name} is on sale.",
    "off": "{name} is off sale: nobody new can subscribe; existing subscribers keep their subscriptions.",
}


async def render_form(
    request: web.Request, values: dict, *, plan: Plan | None = None, errors: dict | None = None, status: int = 200
) -> web.Response:
    """The add or edit form with its values, each bad field's message beside it, and the plan's versions."""
    context = {
        "plan": plan,
        "values": with_blank_rows(values),
        "errors": errors or {},
        "main_currencies": MAIN_CURRENCIES,
        "intervals": INTERVALS,
        "interval_label": interval_label,
        "versions": await list_versions(request.config_dict[SHOP], plan.id) if plan else [],
    }
    return aiohttp_jinja2.render_template("admin_plan_form.html", request, context, status=status)


@routes.get(LIST_PATH)
async def show_plans(request: web.Request) -> web.Response:
    """Every plan with its period and prices, on sale or not; after a change, a notice saying so."""
    plans = await list_plans_for_admin(request.config_dict[SHOP])
    notice = notice_naming(request.query, plans, NOTICES)
    context = {"plans": plans, "notice": notice, "main_currencies": MAIN_CURRENCIES, "interval_label": interval_label}
    return aiohttp_jinja2.render_template("admin_plans.html", request, context)


@routes.get(LIST_PATH + "/new")
async def show_new_plan(request: web.Request) -> web.Response:
    """An empty form for a new plan."""
    return await render_form(request, plan_values(None))


@routes.post(LIST_PATH)
async def post_new_plan(request: web.Request) -> web.Response:
    """Add a plan; a bad field shows the form again with what was typed."""
    form = await read_form(request)
    try:
        plan = await add_plan(request.config_dict[SHOP], form)
    except PlanFormInvalid as exc:
        return await render_form(request, typed_plan_values(form), errors=exc.errors, status=exc.status)
    raise web.HTTPSeeOther(f"{LIST_PATH}?{'added' if plan.active else 'added_off'}={plan.id}")


@routes.get(LIST_PATH + "/{plan_id}")
async def show_plan(request: web.Request) -> web.Response:
    """The edit form of one plan, carrying the version it was loaded at, and its earlier versions."""
    plan = await load_plan(request.config_dict[SHOP], request.match_info["plan_id"])
    return await render_form(request, plan_values(plan), plan=plan)


@routes.post(LIST_PATH + "/{plan_id}")
async def post_plan(request: web.Request) -> web.Response:
    """Save an edit as a new version; a bad field shows the form again, a save by someone else in between is a 409."""
    shop, plan_id = request.config_dict[SHOP], request.match_info["plan_id"]
    form = await read_form(request)
    try:
        plan = await edit_plan(shop, plan_id, form)
    except PlanFormInvalid as exc:
        current = await load_plan(shop, plan_id)
        return await render_form(request, typed_plan_values(form), plan=current, errors=exc.errors, status=exc.status)
    except PlanChanged as exc:
        errors = {"version": exc.message + "; the form now shows what is saved, make your changes again"}
        return await render_form(request, plan_values(exc.current), plan=exc.current, errors=errors, status=exc.status)
    raise web.HTTPSeeOther(f"{LIST_PATH}?saved={plan.id}")


@routes.post(LIST_PATH + "/{plan_id}/sale")
async def post_plan_sale(request: web.Request) -> web.Response:
    """Put a plan on sale (on_sale=yes) or take it off (on_sale=no)."""
    form = await read_form(request)
    choice = form.get("on_sale", "")
    if choice not in ("yes", "no"):
        raise InvalidInput("on_sale must be yes or no", field="on_sale")
    plan = await put_plan_on_sale(request.config_dict[SHOP], request.match_info["plan_id"], choice == "yes")
    raise web.HTTPSeeOther(f"{LIST_PATH}?{'on' if plan.active else 'off'}={plan.id}")
