"""The admin's plans pages: adding, revising (a new version; subscribers keep theirs) and putting plans on and off
sale, each bad field named beside it, two editors of one version safe, and the API showing what was saved."""

from __future__ import annotations

import re

import pytest
from support.admin import field_error, form_fields, sign_in
from support.app import ADMIN
from support.stored_subscriptions import store_subscription

from galla.payments.labels import interval_label
from galla.store.plans import find_plan, find_plan_version, list_plan_versions
from galla.store.subscriptions import get_subscription

CHAI_CLUB = "chai-club"
NEW_PLAN = {
    "name": "Tea of the month, Darjeeling",
    "description": "One garden's first flush each month.",
    "interval": "month",
    "interval_count": "3",
    "total_count": "4",
    "price_INR": "1,299.50",
    "price_USD": "16",
    "currency_0": "eur",
    "price_0": "14.90",
    "active": "on",
}


def form_of(page: str) -> dict[str, str]:
    """The fields a browser would post from the page's plan form, as they are filled in."""
    return form_fields(page, "plan-form")


def row_of(page: str, plan_id: str) -> str:
    """The list's row of one plan."""
    row = page[page.index(f'data-plan-id="{plan_id}"') :]
    return row[: row.index("</tr>")]


async def api_plans(client) -> dict[str, dict]:
    resp = await client.get("/api/plans")
    return {p["id"]: p for p in (await resp.json())["plans"]}


def test_intervals_read_as_people_say_them():
    assert [interval_label(i) for i in ("week", "month", "year")] == ["Weekly", "Monthly", "Yearly"]
    assert interval_label("month", 3) == "Every 3 months"
    assert interval_label("week", 2) == "Every 2 weeks"


async def test_the_list_shows_every_plan_with_its_period_prices_and_state(client):
    resp = await client.get("/admin/plans", headers=ADMIN)
    page = await resp.text()
    assert resp.status == 200 and 'href="/admin/plans" aria-current="page"' in page
    assert re.findall(r'<tr data-plan-id="([^"]+)"', page) == [CHAI_CLUB, "spice-almanac"]
    chai = row_of(page, CHAI_CLUB)
    assert "Chai club" in chai and "Monthly" in chai and "until cancelled" in chai and "version 1" in chai
    assert "₹499.00" in chai and "$9.00" in chai and 'data-testid="active"' in chai
    assert "Yearly" in row_of(page, "spice-almanac")


async def test_a_new_plan_is_listed_and_reaches_the_api(client):
    form = form_of(await (await client.get("/admin/plans/new", headers=ADMIN)).text())
    assert (form["active"], form["interval"], form["interval_count"]) == ("on", "month", "1")
    resp = await client.post("/admin/plans", data=NEW_PLAN, headers=ADMIN, allow_redirects=False)
    assert resp.status == 303, await resp.text()
    new_id = "tea-of-the-month-darjeeling"
    assert resp.headers["Location"] == f"/admin/plans?added={new_id}"
    listing = await (await client.get(resp.headers["Location"], headers=ADMIN)).text()
    assert "Added Tea of the month, Darjeeling. It is on sale now." in listing
    row = row_of(listing, new_id)
    assert "Every 3 months" in row and "4 charges" in row and "€14.90" in row
    plan = (await api_plans(client))[new_id]
    assert plan["prices"] == {"INR": 129950, "USD": 1600, "EUR": 1490}
    assert (plan["interval"], plan["interval_count"], plan["total_count"]) == ("month", 3, 4)


async def test_a_plan_added_off_sale_stays_out_of_the_api_until_put_on_sale(client):
    data = {k: v for k, v in NEW_PLAN.items() if k != "active"} | {"id": "quiet-tea"}
    resp = await client.post("/admin/plans", data=data, headers=ADMIN, allow_redirects=False)
    assert resp.headers["Location"] == "/admin/plans?added_off=quiet-tea"
    assert "quiet-tea" not in await api_plans(client)
    resp = await client.post(
        "/admin/plans/quiet-tea/sale", data={"on_sale": "yes"}, headers=ADMIN, allow_redirects=False
    )
    assert resp.headers["Location"] == "/admin/plans?on=quiet-tea"
    assert "quiet-tea" in await api_plans(client)


# Bad forms, and the field each one's message is shown beside.
BAD_FORMS = [
    ({"name": ""}, "name", "give the plan a name"),
    ({"interval": "fortnight"}, "interval", "choose how often it charges"),
    ({"interval_count": "0"}, "interval_count", "not a whole number of 1 or more"),
    ({"interval_count": "two"}, "interval_count", "not a whole number of 1 or more"),
    ({"interval_count": ""}, "interval_count", "type a whole number"),
    ({"interval_count": "37"}, "interval_count", "at most 36 for a monthly plan"),
    ({"total_count": "-1"}, "total_count", "not a whole number of 1 or more"),
    ({"price_INR": ""}, "price_INR", "a price in INR is required"),
    ({"price_INR": "499,50"}, "price_INR", "as a number"),
    # Razorpay takes at least $1.00 and a subscriber may be routed there on failover: both minimums hold.
    ({"price_USD": "0.75"}, "price_USD", "$0.75 is below $1.00, the smallest charge both gateways take"),
    ({"currency_0": "XYZ"}, "currency_0", "XYZ is not a currency code in use"),
    ({"id": "Not A Slug!"}, "id", "lowercase letters, digits and single hyphens"),
    ({"id": CHAI_CLUB}, "id", f"a plan with the id {CHAI_CLUB} already exists"),
]


@pytest.mark.parametrize("change, field, says", BAD_FORMS)
async def test_a_bad_field_is_named_beside_it_and_nothing_is_saved(client, database, change, field, says):
    resp = await client.post("/admin/plans", data={**NEW_PLAN, **change}, headers=ADMIN)
    page = await resp.text()
    assert resp.status == 422
    assert says.lower() in (field_error(page, field) or "").lower(), field_error(page, field)
    assert f'id="{field}"' in page and 'aria-invalid="true"' in page
    assert form_of(page)["description"] == NEW_PLAN["description"]  # what was typed is kept
    assert await database.db.plans.count_documents({}) == 2


async def test_an_edit_is_a_new_version_and_a_subscription_keeps_its_locked_amount(client, database):
    db = database.db
    # A subscriber signed up to version 1 at ₹499 (the subscription locks its plan version and amount).
    locked = await store_subscription(db, plan_id=CHAI_CLUB, plan_version=1, amount=49900)
    page = await (await client.get(f"/admin/plans/{CHAI_CLUB}", headers=ADMIN)).text()
    assert "Existing subscribers keep paying what they signed up for" in page
    form = form_of(page)
    assert (form["version"], form["price_INR"], form["interval"]) == ("1", "499.00", "month")
    resp = await client.post(
        f"/admin/plans/{CHAI_CLUB}", data={**form, "price_INR": "599"}, headers=ADMIN, allow_redirects=False
    )
    assert resp.headers["Location"] == f"/admin/plans?saved={CHAI_CLUB}", await resp.text()

    assert (await find_plan(db, CHAI_CLUB)).prices["INR"] == 59900
    assert (await find_plan_version(db, CHAI_CLUB, 1)).prices["INR"] == 49900
    assert [v.version for v in await list_plan_versions(db, CHAI_CLUB)] == [2, 1]
    after = await get_subscription(db, locked.id)
    assert (after.plan_version, after.amount) == (1, 49900)
    page = await (await client.get(f"/admin/subscriptions/{locked.id}", headers=ADMIN)).text()
    assert "(version 1)" in page and "₹499.00 each charge, locked when the buyer subscribed" in page
    assert (await api_plans(client))[CHAI_CLUB]["prices"]["INR"] == 59900
    edited = await (await client.get(f"/admin/plans/{CHAI_CLUB}", headers=ADMIN)).text()
    assert re.findall(r'<tr data-version="(\d+)"', edited) == ["2", "1"]


async def test_two_editors_of_one_version_save_once_and_the_second_is_told(client, database):
    form = form_of(await (await client.get(f"/admin/plans/{CHAI_CLUB}", headers=ADMIN)).text())
    first = await client.post(
        f"/admin/plans/{CHAI_CLUB}", data={**form, "price_INR": "599"}, headers=ADMIN, allow_redirects=False
    )
    assert first.status == 303
    second = await client.post(f"/admin/plans/{CHAI_CLUB}", data={**form, "price_INR": "650"}, headers=ADMIN)
    page = await second.text()
    assert second.status == 409 and "changed by someone else" in (field_error(page, "version") or "")
    assert form_of(page)["version"] == "2" and form_of(page)["price_INR"] == "599.00"
    assert (await find_plan(database.db, CHAI_CLUB)).prices["INR"] == 59900


async def test_a_bad_edit_is_refused_naming_the_field_and_changes_nothing(client, database):
    form = form_of(await (await client.get(f"/admin/plans/{CHAI_CLUB}", headers=ADMIN)).text())
    resp = await client.post(f"/admin/plans/{CHAI_CLUB}", data={**form, "interval_count": "0"}, headers=ADMIN)
    assert resp.status == 422 and "not a whole number" in field_error(await resp.text(), "interval_count")
    resp = await client.post(f"/admin/plans/{CHAI_CLUB}", data={**form, "version": ""}, headers=ADMIN)
    assert resp.status == 422 and "The form has no version" in field_error(await resp.text(), "version")
    assert (await find_plan(database.db, CHAI_CLUB)).version == 1


async def test_taking_a_plan_off_sale_hides_it_from_buyers_not_from_the_admin(client):
    resp = await client.post(
        f"/admin/plans/{CHAI_CLUB}/sale", data={"on_sale": "no"}, headers=ADMIN, allow_redirects=False
    )
    assert resp.headers["Location"] == f"/admin/plans?off={CHAI_CLUB}"
    listing = await (await client.get(resp.headers["Location"], headers=ADMIN)).text()
    assert "Chai club is off sale" in listing and 'data-testid="inactive"' in row_of(listing, CHAI_CLUB)
    assert CHAI_CLUB not in await api_plans(client)
    resp = await client.post(f"/admin/plans/{CHAI_CLUB}/sale", data={"on_sale": "maybe"}, headers=ADMIN)
    assert resp.status == 422 and "On_sale must be yes or no" in await resp.text()
    resp = await client.post("/admin/plans/no-such-plan/sale", data={"on_sale": "no"}, headers=ADMIN)
    assert resp.status == 404


async def test_a_signed_in_admin_needs_the_forms_csrf_token(client, database):
    csrf = await sign_in(client)
    form = form_of(await (await client.get(f"/admin/plans/{CHAI_CLUB}")).text())
    assert form["csrf_token"] == csrf
    forged = {k: v for k, v in form.items() if k != "csrf_token"}
    for path, data in ((f"/admin/plans/{CHAI_CLUB}", forged), (f"/admin/plans/{CHAI_CLUB}/sale", {"on_sale": "no"})):
        resp = await client.post(path, data=data, allow_redirects=False)
        assert resp.status == 403, await resp.text()
    assert (await find_plan(database.db, CHAI_CLUB)).active
    resp = await client.post(f"/admin/plans/{CHAI_CLUB}", data={**form, "price_INR": "555"}, allow_redirects=False)
    assert resp.status == 303
    assert (await find_plan(database.db, CHAI_CLUB)).prices["INR"] == 55500


async def test_the_pages_need_the_admin(client):
    for path in ("/admin/plans", "/admin/plans/new", f"/admin/plans/{CHAI_CLUB}"):
        resp = await client.get(path, allow_redirects=False)
        assert (resp.status, resp.headers["Location"]) == (303, "/admin/login")
    resp = await client.post("/admin/plans", data=NEW_PLAN, allow_redirects=False)
    assert resp.status == 401
