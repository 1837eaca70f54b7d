"""The buyer's subscription API over HTTP against both sandboxes: POST /api/subscriptions routed like a checkout
(India → Razorpay in rupees, elsewhere → Stripe in the buyer's currency), the plan's version and price locked,
Idempotency-Key replays, bad input named, checkout.js's mandate report verified against the Razorpay subscription id
WE stored (SUBSCRIPTIONS.md §6: HMAC_SHA256(secret, payment_id|subscription_id), razorpay-python
verify_subscription_payment_signature), the buyer's view, cancelling at the period's end, and no failover."""

from __future__ import annotations

import pytest
from support.app import CUSTOMER
from support.subscriptions import authenticate, stored, subscribe, subscribe_body, verify

from galla.store.plans import PlanTerms, find_plan, revise_plan, set_plan_active
from galla.web.state import DATABASE
from sandboxes.razorpay.config import SANDBOX_FAULTS

US_BUYER = {"name": "Jane Doe", "email": "jane@example.com", "phone": "+1 415 555 0100"}


async def test_an_indian_buyer_gets_checkout_js_options_for_a_razorpay_mandate_in_rupees(client):
    status, _, body = await subscribe(client)

    assert status == 201, body
    assert body["subscription_id"].startswith("sbn_")
    assert (body["gateway"], body["currency"], body["amount"], body["status"]) == ("razorpay", "INR", 49900, "created")
    assert body["plan"] == {
        "id": "chai-club",
        "version": 1,
        "name": "Chai club",
        "interval": "month",
        "interval_count": 1,
        "total_count": None,
    }
    options = body["razorpay"]
    assert options["subscription_id"].startswith("sub_") and options["key"]
    assert "order_id" not in options and "amount" not in options  # checkout.js takes the subscription alone (§6)
    assert options["notes"]["subscription_id"] == body["subscription_id"]
    # ₹499 a month: UPI Autopay can carry it, no AFA on each debit, the notice from the bank or UPI app.
    mandate = body["mandate"]
    assert (mandate["max_amount"], mandate["upi_autopay"], mandate["afa_each_debit"]) == (49900, True, False)
    assert mandate["methods"] == ["upi", "card", "emandate"]
    assert mandate["pre_debit_notice_hours"] == 24 and "not this shop" in " ".join(mandate["lines"])

    doc = await stored(client, body["subscription_id"])
    assert (doc["status"], doc["plan_version"], doc["amount"], doc["route"]) == ("created", 1, 49900, "domestic")
    assert doc["razorpay_subscription_id"] == options["subscription_id"]
    assert doc["customer"]["email"] == CUSTOMER["email"].lower()


async def test_a_us_buyer_gets_a_stripe_checkout_session_in_dollars(client):
    status, _, body = await subscribe(client, subscribe_body(country="US", customer=US_BUYER))

    assert status == 201, body
    assert (body["gateway"], body["currency"], body["amount"], body["mandate"]) == ("stripe", "USD", 900, None)
    assert body["stripe"]["session_id"].startswith("cs_test_") and body["stripe"]["url"]
    assert "razorpay" not in body
    doc = await stored(client, body["subscription_id"])
    assert (doc["gateway"], doc["currency"], doc["stripe_session_id"]) == (
        "stripe",
        "USD",
        body["stripe"]["session_id"],
    )


async def test_an_indian_buyer_asking_for_an_international_card_goes_to_stripe_in_rupees(client):
    status, _, body = await subscribe(client, subscribe_body(international_card=True))
    assert status == 201, body
    assert (body["gateway"], body["currency"], body["amount"], body["mandate"]) == ("stripe", "INR", 49900, None)


async def test_the_same_idempotency_key_and_body_answer_with_the_same_subscription(client):
    first_status, _, first = await subscribe(client, key="sub-key-1")
    again_status, headers, again = await subscribe(client, key="sub-key-1")

    assert (first_status, again_status) == (201, 201)
    assert again["subscription_id"] == first["subscription_id"]
    assert again["razorpay"]["subscription_id"] == first["razorpay"]["subscription_id"]
    assert headers.get("Idempotent-Replayed") == "true"
    assert await client.app[DATABASE].db.subscriptions.count_documents({}) == 1

    status, _, reused = await subscribe(client, subscribe_body(plan_id="spice-almanac"), key="sub-key-1")
    assert status == 422
    assert reused["error"] == {
        "code": "idempotency_key_reused",
        "message": "this Idempotency-Key was used with a different request body",
        "field": "Idempotency-Key",
    }
    assert await client.app[DATABASE].db.subscriptions.count_documents({}) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"plan_id": None}, "plan_id"),
        ({"plan_id": ""}, "plan_id"),
        ({"country": "XX"}, "country"),
        ({"customer": {**CUSTOMER, "phone": "12"}}, "customer.phone"),
        ({"customer": {**CUSTOMER, "email": "not-an-email"}}, "customer.email"),
        ({"customer": {"name": "Asha Rao", "email": "asha@example.in"}}, "customer.phone"),
        ({"international_card": "yes"}, "international_card"),
        ({"shipping_address": {"line1": "x"}}, "shipping_address"),
    ],
)
async def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(client, change, field):
    body = {k: v for k, v in {**subscribe_body(), **change}.items() if v is not None}
    status, _, answer = await subscribe(client, body)

    assert status == 422, answer
    assert answer["error"]["field"] == field
    assert await client.app[DATABASE].db.subscriptions.count_documents({}) == 0


async def test_an_unknown_or_retired_plan_is_not_found_naming_plan_id(client, database):
    status, _, answer = await subscribe(client, subscribe_body(plan_id="no-such-plan"))
    assert (status, answer["error"]["field"], answer["error"]["code"]) == (404, "plan_id", "not_found")

    await set_plan_active(database.db, "chai-club", False)
    status, _, answer = await subscribe(client)
    assert (status, answer["error"]["field"]) == (404, "plan_id")
    assert await client.app[DATABASE].db.subscriptions.count_documents({}) == 0


async def test_a_plan_with_no_rupee_price_is_refused_to_an_indian_buyer_naming_plan_id(client, database):
    plan = await find_plan(database.db, "chai-club")
    await revise_plan(
        database.db, "chai-club", plan.version, PlanTerms.model_validate({**plan.model_dump(), "prices": {"USD": 900}})
    )
    status, _, answer = await subscribe(client)
    assert (status, answer["error"]["code"], answer["error"]["field"]) == (422, "not_for_sale", "plan_id")


async def test_the_price_and_version_subscribed_at_stay_when_the_plan_changes(client, database):
    _, _, body = await subscribe(client)
    plan = await find_plan(database.db, "chai-club")
    raised = PlanTerms.model_validate({**plan.model_dump(), "prices": {"INR": 59900, "USD": 1100}})
    await revise_plan(database.db, "chai-club", plan.version, raised)

    view = await (await client.get(f"/api/subscriptions/{body['subscription_id']}")).json()
    assert (view["amount"], view["plan"]["version"]) == (49900, 1)
    _, _, later = await subscribe(client)
    assert (later["amount"], later["plan"]["version"]) == (59900, 2)


async def test_a_verified_mandate_activates_the_subscription_and_the_view_shows_its_charge(client, razorpay_sandbox):
    _, _, body = await subscribe(client)
    proof = await authenticate(razorpay_sandbox, body["razorpay"]["subscription_id"])

    status, answer = await verify(client, body["subscription_id"], proof)

    assert status == 200, answer
    assert answer == {"subscription_id": body["subscription_id"], "status": "active"}
    view = await (await client.get(f"/api/subscriptions/{body['subscription_id']}")).json()
    assert (view["status"], view["status_label"], view["can_cancel"], view["portal"]) == (
        "active",
        "Active",
        True,
        False,
    )
    assert view["next_charge"]["amount"] == 49900 and view["next_charge"]["at_display"]
    [charge] = view["charges"]
    assert (charge["status"], charge["amount"]) == ("paid", 49900)
    assert charge["receipt_url"] == f"/subscriptions/{body['subscription_id']}/charges/{charge['id']}"
    assert view["mandate"]["upi_autopay"] is True


async def test_a_forged_signature_is_refused_and_nothing_is_stored(client, razorpay_sandbox):
    _, _, body = await subscribe(client)
    proof = await authenticate(razorpay_sandbox, body["razorpay"]["subscription_id"])
    before = await stored(client, body["subscription_id"])

    status, answer = await verify(client, body["subscription_id"], {**proof, "razorpay_signature": "0" * 64})

    assert (status, answer["error"]["code"]) == (400, "signature_invalid")
    assert await stored(client, body["subscription_id"]) == before
    assert await client.app[DATABASE].db.subscription_charges.count_documents({}) == 0


async def test_a_proof_swapped_from_another_subscription_is_refused_and_nothing_is_stored(client, razorpay_sandbox):
    _, _, mine = await subscribe(client)
    _, _, other = await subscribe(client, subscribe_body(customer={**CUSTOMER, "email": "other@example.in"}))
    theirs = await authenticate(razorpay_sandbox, other["razorpay"]["subscription_id"])
    before = await stored(client, mine["subscription_id"])

    # Their whole proof under my id, and their payment and signature under my Razorpay subscription id.
    swapped = {**theirs, "razorpay_subscription_id": mine["razorpay"]["subscription_id"]}
    for proof in (theirs, swapped):
        status, answer = await verify(client, mine["subscription_id"], proof)
        assert (status, answer["error"]["code"]) == (400, "signature_invalid"), answer

    assert await stored(client, mine["subscription_id"]) == before
    assert await client.app[DATABASE].db.subscription_charges.count_documents({}) == 0


async def test_verify_names_a_malformed_razorpay_id(client):
    status, answer = await verify(
        client,
        "sbn_x",
        {"razorpay_payment_id": "pay_Nz1ZfK2qXo9sRa", "razorpay_subscription_id": "sub_1", "razorpay_signature": "ab"},
    )
    assert (status, answer["error"]["field"]) == (422, "razorpay_subscription_id")


async def test_the_buyer_cancels_at_the_end_of_the_period_only_once_it_started(client, razorpay_sandbox):
    _, _, body = await subscribe(client)
    sub_id = body["subscription_id"]
    resp = await client.post(f"/api/subscriptions/{sub_id}/cancel", json={"at_period_end": True})
    assert (resp.status, (await resp.json())["error"]["code"]) == (409, "subscription_not_active")

    resp = await client.post(f"/api/subscriptions/{sub_id}/cancel", json={"at_period_end": False})
    assert (resp.status, (await resp.json())["error"]["field"]) == (422, "at_period_end")

    await verify(client, sub_id, await authenticate(razorpay_sandbox, body["razorpay"]["subscription_id"]))
    resp = await client.post(f"/api/subscriptions/{sub_id}/cancel", json={"at_period_end": True})
    assert resp.status == 200, await resp.text()

    view = await (await client.get(f"/api/subscriptions/{sub_id}")).json()
    assert (view["status"], view["cancel_at_period_end"], view["can_cancel"], view["next_charge"]) == (
        "active",
        True,
        False,
        None,
    )
    again = await client.post(f"/api/subscriptions/{sub_id}/cancel")
    assert again.status == 200


async def test_only_a_started_stripe_subscription_has_a_portal(client):
    _, _, body = await subscribe(client)
    resp = await client.post(f"/api/subscriptions/{body['subscription_id']}/portal")
    assert (resp.status, (await resp.json())["error"]["code"]) == (409, "no_portal")


async def test_an_unknown_subscription_is_not_found(client):
    resp = await client.get("/api/subscriptions/sbn_nope")
    assert (resp.status, (await resp.json())["error"]["field"]) == (404, "subscription_id")


async def test_razorpay_down_answers_503_with_the_kept_subscription_and_never_fails_over(make_client, razorpay_sandbox):
    client = await make_client(razorpay_timeout=0.4, circuit_cooldown=60)
    razorpay_sandbox.server.app[SANDBOX_FAULTS].failures.set(1, "500")

    status, headers, answer = await subscribe(client, key="down-1")

    assert status == 503, answer
    assert answer["error"]["code"] == "gateway_unavailable"
    assert "registered with one gateway" in answer["error"]["message"]
    assert headers["Retry-After"] == "30"
    doc = await stored(client, answer["subscription_id"])
    assert (doc["gateway"], doc["status"], doc.get("stripe_session_id")) == ("razorpay", "created", None)

    # Razorpay back: the buyer's retry with the same key opens the same subscription there.
    razorpay_sandbox.server.app[SANDBOX_FAULTS].failures.set(0, "500")
    status, _, body = await subscribe(client, key="down-1")
    assert (status, body["subscription_id"], body["gateway"]) == (201, answer["subscription_id"], "razorpay")
