"""Issue 26, item 3: the checkout form's rules (galla/orders/checkout_rules.py) are what POST /api/checkout refuses,
in words a person reads, and what the checkout page is given to check before it asks.

Phone rules follow libphonenumber's metadata (the `phonenumbers` package); tests/browser/test_checkout_errors_in_browser.py
tries the same table in Chromium."""

from __future__ import annotations

import json
import re

import pytest
from support.addresses import shipping_address
from support.app import CUSTOMER, checkout_body
from support.checkout_inputs import BAD, GOOD, checkout_with

from galla.orders.checkout_rules import phone_rule, rules_for_page


@pytest.mark.parametrize("country,field,value,words", BAD, ids=[f"{c}-{f}={v!r}" for c, f, v, _ in BAD])
async def test_item3_a_bad_input_is_refused_in_words_a_person_reads(client, country, field, value, words):
    resp = await client.post("/api/checkout", json=checkout_with(country, field, value))
    assert (resp.status, (await resp.json())["error"]) == (
        422,
        {"code": "invalid_input", "field": field, "message": words},
    )


@pytest.mark.parametrize("country,field,value", GOOD, ids=[f"{c}-{f}={v!r}" for c, f, v in GOOD])
async def test_item3_a_good_input_is_taken(client, razorpay_sandbox, stripe_sandbox, country, field, value):
    resp = await client.post("/api/checkout", json=checkout_with(country, field, value))
    assert resp.status == 201, await resp.json()


async def test_item3_the_checkout_page_carries_indias_rules(client):
    page = await (await client.get("/checkout")).text()
    blob = re.search(r'<script type="application/json" id="field-rules">(.*?)</script>', page, re.S)
    assert blob and json.loads(blob.group(1)) == {"country": "IN", "rules": rules_for_page("IN")}


async def test_item3_another_countrys_rules_are_asked_for_when_it_is_chosen(client):
    resp = await client.get("/checkout/rules/us")
    rules = (await resp.json())["rules"]
    assert (resp.status, rules["shipping_address.postal_code"]["missing"]) == (200, "Enter your ZIP code, like 94043")


async def test_item3_no_rules_for_a_country_that_is_not_one(client):
    assert (await client.get("/checkout/rules/XX")).status == 404


def test_item3_a_number_from_abroad_is_taken_in_e164_but_not_a_bad_one_of_the_countrys_own():
    india = re.compile(phone_rule("IN").pattern or "")
    assert india.fullmatch("+447400123456") and india.fullmatch("+919876543210")
    assert not india.fullmatch("+911234567890")  # +91 numbers must be Indian mobile numbers


@pytest.mark.parametrize(
    "change,field,words",
    [
        ({"country": "XX"}, "country", "Choose your country from the list"),
        ({"customer": {**CUSTOMER, "name": "A" * 101}}, "customer.name", "Use at most 100 characters here"),
        (
            {"shipping_address": shipping_address(line2="x" * 201)},
            "shipping_address.line2",
            "Use at most 200 characters here",
        ),
        (
            {"shipping_address": shipping_address(line1="Flat 4B\nMG Road")},
            "shipping_address.line1",
            "Write this on one line, without tabs or line breaks",
        ),
    ],
    ids=["country", "long-name", "long-line2", "two-lines"],
)
async def test_item3_what_only_a_program_can_send_is_refused_in_words_too(client, change, field, words):
    """The page's select and maxlength keep a person from these; a program sending them is answered as plainly."""
    resp = await client.post("/api/checkout", json=checkout_body(**change))
    error = (await resp.json())["error"]
    assert (resp.status, error["field"], error["message"]) == (422, field, words)
