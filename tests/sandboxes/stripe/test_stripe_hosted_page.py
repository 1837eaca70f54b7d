"""The hosted payment page at /c/pay/{id}: what it shows, and what paying with each test card does."""

from __future__ import annotations

import pytest
from support.clock import NOW
from support.stripe_sandbox import line

DECLINES = [
    ("4000 0000 0000 0002", "card_declined", "generic_decline", "Your card was declined."),
    ("4000 0000 0000 9995", "card_declined", "insufficient_funds", "Your card has insufficient funds."),
    ("4000 0000 0000 0069", "expired_card", "expired_card", "Your card has expired."),
    ("4000 0000 0000 0127", "incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect."),
    (
        "4000 0000 0000 0119",
        "processing_error",
        "processing_error",
        "An error occurred while processing your card. Try again in a little bit.",
    ),
]


async def test_the_page_shows_the_banner_the_lines_the_total_and_the_card_form(sandbox):
    session = await sandbox.create_session()
    page = await sandbox.open_page(session.id)
    assert page.status == 200
    assert page.headers["Content-Type"].startswith("text/html")
    elements = page.elements
    for testid in (
        "stripe-sandbox-banner",
        "pay-form",
        "email",
        "card-number",
        "card-expiry",
        "card-cvc",
        "card-name",
        "pay-button",
        "cancel-link",
        "total",
    ):
        assert testid in elements.testids(), testid
    assert "SANDBOX" in elements.text("stripe-sandbox-banner")
    assert elements.texts("line-item") == ["Masala chai $20.00 Qty 2 · $10.00 each", "Brass diya $5.00 Qty 1"]
    assert elements.text("total") == "$25.00"
    assert elements.text("pay-button") == "Pay $25.00"
    assert elements.attrs("cancel-link")["href"] == "https://shop.example/cart"
    # The form's field names are the POST contract (tests and the app's own tests post them directly).
    names = {
        testid: elements.attrs(testid)["name"]
        for testid in ("email", "card-number", "card-expiry", "card-cvc", "card-name")
    }
    assert names == {
        "email": "email",
        "card-number": "card_number",
        "card-expiry": "card_expiry",
        "card-cvc": "card_cvc",
        "card-name": "card_name",
    }
    assert elements.attrs("pay-form")["method"] == "post"
    assert elements.attrs("pay-form")["action"] == f"/c/pay/{session.id}"
    assert "card-error" not in elements.testids()


async def test_the_page_is_locked_down(sandbox):
    session = await sandbox.create_session()
    page = await sandbox.open_page(session.id)
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "form-action 'self' https://shop.example" in csp
    assert page.headers["Cache-Control"] == "no-store" and page.headers["X-Frame-Options"] == "DENY"
    for asset in ("pay.css", "pay.js", "banner.css"):  # banner.css: shared with the Razorpay sandbox
        async with sandbox.http.get(f"{sandbox.url}/c/assets/{asset}") as resp:
            assert resp.status == 200 and await resp.read()
    async with sandbox.http.get(f"{sandbox.url}/c/assets/other.js") as resp:
        assert resp.status == 404


async def test_customer_email_is_shown_fixed_and_used_whatever_is_posted(sandbox):
    session = await sandbox.create_session(customer_email="fixed@example.in")
    elements = (await sandbox.open_page(session.id)).elements
    assert elements.attrs("email")["value"] == "fixed@example.in" and "readonly" in elements.attrs("email")
    assert (await sandbox.pay(session.id, email="other@example.in")).status == 303
    assert sandbox.state.sessions[session.id]["customer_details"]["email"] == "fixed@example.in"


async def test_an_unknown_session_is_a_404_page(sandbox):
    page = await sandbox.open_page("cs_test_nope")
    assert page.status == 404 and "session-missing" in page.elements.testids()
    assert (await sandbox.pay("cs_test_nope")).status == 404


async def test_paying_with_4242_redirects_to_success_url_and_completes_everything(sandbox):
    session = await sandbox.create_session()
    page = await sandbox.pay(session.id, name="Asha Rao", email="asha@example.in")

    assert page.status == 303
    assert page.location == f"https://shop.example/orders/ord_1/done?session_id={session.id}"
    paid = await sandbox.sdk.v1.checkout.sessions.retrieve_async(session.id)
    assert (paid.status, paid.payment_status, paid.amount_total, paid.url) == ("complete", "paid", 2500, None)
    assert paid.customer_details.email == "asha@example.in" and paid.customer_details.name == "Asha Rao"

    intent = await sandbox.sdk.v1.payment_intents.retrieve_async(paid.payment_intent)
    assert (intent.status, intent.amount, intent.amount_received, intent.currency) == ("succeeded", 2500, 2500, "usd")
    assert intent.last_payment_error is None and intent.payment_method.startswith("pm_")
    charge = await sandbox.sdk.v1.charges.retrieve_async(intent.latest_charge)
    assert (charge.status, charge.paid, charge.captured, charge.amount) == ("succeeded", True, True, 2500)
    assert charge.payment_intent == intent.id and charge.outcome.network_status == "approved_by_network"
    card = charge.payment_method_details.card
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == ("visa", "4242", 12, 2034)
    assert charge.billing_details.email == "asha@example.in"
    assert charge.metadata.to_dict() == {"order_id": "ord_1"}


async def test_a_paid_session_shows_as_paid_and_cannot_be_paid_again(sandbox):
    session = await sandbox.create_session()
    await sandbox.pay(session.id)
    page = await sandbox.open_page(session.id)
    assert page.status == 200 and "pay-form" not in page.elements.testids()
    assert page.elements.attrs("success-link")["href"].endswith(f"session_id={session.id}")
    again = await sandbox.pay(session.id)
    assert again.status == 400 and "session-complete" in again.elements.testids()
    assert len(sandbox.state.charges) == 1


@pytest.mark.parametrize("card, code, decline_code, message", DECLINES)
async def test_a_declined_card_shows_why_and_the_session_can_then_be_paid(sandbox, card, code, decline_code, message):
    session = await sandbox.create_session()
    page = await sandbox.pay(session.id, card, name="Asha Rao")

    assert page.status == 402
    elements = page.elements
    assert elements.text("card-error") == message
    assert "pay-form" in elements.testids()
    assert elements.attrs("card-name")["value"] == "Asha Rao" and elements.attrs("card-expiry")["value"] == "12 / 34"
    assert elements.attrs("card-number").get("value") is None  # the number is never echoed back
    stored = sandbox.state.sessions[session.id]
    assert (stored["status"], stored["payment_status"]) == ("open", "unpaid")
    intent = sandbox.state.payment_intents[stored["payment_intent"]]
    assert intent["status"] == "requires_payment_method" and intent["payment_method"] is None
    error = intent["last_payment_error"]
    assert (error["type"], error["code"], error["decline_code"], error["message"]) == (
        "card_error",
        code,
        decline_code,
        message,
    )
    failed = sandbox.state.charges[intent["latest_charge"]]
    assert (failed["status"], failed["paid"], failed["failure_code"]) == ("failed", False, code)
    assert failed["outcome"]["reason"] == decline_code

    retried = await sandbox.pay(session.id)
    assert retried.status == 303
    assert stored["status"] == "complete" and stored["payment_intent"] == intent["id"]  # the same intent
    assert intent["status"] == "succeeded" and intent["last_payment_error"] is None
    assert sorted(charge["status"] for charge in sandbox.state.charges.values()) == ["failed", "succeeded"]


async def test_a_card_that_is_not_a_test_card_is_declined_as_in_test_mode(sandbox):
    session = await sandbox.create_session()
    page = await sandbox.pay(session.id, "4111 1111 1111 1111")
    assert page.status == 402 and "non test card" in page.elements.text("card-error")


@pytest.mark.parametrize(
    "fields, errors",
    [
        ({"card": "4242 4242 4242 4241"}, {"card-number-error": "Your card number is invalid."}),
        ({"card": "4242 4242"}, {"card-number-error": "Your card number is incomplete."}),
        ({"expiry": "13 / 30"}, {"card-expiry-error": "Your card's expiration date is invalid."}),
        ({"expiry": "12 / 25"}, {"card-expiry-error": "Your card's expiration date is invalid."}),  # before NOW
        ({"expiry": ""}, {"card-expiry-error": "Your card's expiration date is incomplete."}),
        ({"cvc": "12"}, {"card-cvc-error": "Your card's security code is incomplete."}),
        ({"cvc": "12a"}, {"card-cvc-error": "Your card's security code is invalid."}),
        ({"name": " "}, {"card-name-error": "Enter the name on the card."}),
        ({"email": "not-an-email"}, {"email-error": "Your email address is invalid."}),
        (
            {"email": "", "card": "", "cvc": ""},
            {
                "email-error": "Your email is incomplete.",
                "card-number-error": "Your card number is incomplete.",
                "card-cvc-error": "Your card's security code is incomplete.",
            },
        ),
    ],
)
async def test_bad_fields_are_a_400_naming_each(sandbox, fields, errors):
    session = await sandbox.create_session()
    page = await sandbox.pay(session.id, **fields)
    assert page.status == 400
    elements = page.elements
    shown = {testid: elements.text(testid) for testid in elements.testids() if testid.endswith("-error")}
    assert shown == errors
    for testid in errors:
        field = testid.removesuffix("-error")
        assert elements.attrs(field)["aria-invalid"] == "true"
    assert sandbox.state.payment_intents == {} and sandbox.state.charges == {}
    assert sandbox.state.sessions[session.id]["status"] == "open"


async def test_this_months_expiry_and_an_amex_four_digit_cvc_are_fine(sandbox):
    session = await sandbox.create_session()
    assert (await sandbox.pay(session.id, "3782 822463 10005", expiry="01/26", cvc="1234")).status == 303
    charge = next(iter(sandbox.state.charges.values()))
    assert charge["payment_method_details"]["card"]["brand"] == "amex"


async def test_the_amount_knob_charges_something_else_and_the_session_says_so(sandbox):
    session = await sandbox.create_session()
    assert (await sandbox.pay(session.id, amount="100")).status == 303
    paid = await sandbox.sdk.v1.checkout.sessions.retrieve_async(session.id, params={"expand": ["payment_intent"]})
    assert paid.amount_total == 100 and paid.amount_subtotal == 2500
    assert (paid.payment_intent.amount, paid.payment_intent.amount_received) == (100, 100)
    assert sandbox.state.charges[paid.payment_intent.latest_charge]["amount"] == 100
    items = await sandbox.sdk.v1.checkout.sessions.line_items.list_async(session.id)
    assert sum(item.amount_total for item in items.data) == 2500


async def test_a_bad_amount_knob_is_a_400(sandbox):
    session = await sandbox.create_session()
    page = await sandbox.pay(session.id, amount="-5")
    assert page.status == 400 and "amount" in page.elements.text("card-error")


async def test_an_expired_session_cannot_be_paid(sandbox, clock):
    session = await sandbox.create_session(expires_at=NOW + 1800)
    clock.advance(1800)
    page = await sandbox.open_page(session.id)
    assert page.status == 200 and "session-expired" in page.elements.testids()
    assert "pay-form" not in page.elements.testids()
    paying = await sandbox.pay(session.id)
    assert paying.status == 400 and "session-expired" in paying.elements.testids()
    assert sandbox.state.sessions[session.id]["status"] == "expired" and sandbox.state.charges == {}


async def test_a_session_paid_just_before_it_expires_stays_paid(sandbox, clock):
    session = await sandbox.create_session(expires_at=NOW + 1800)
    clock.advance(1799)
    assert (await sandbox.pay(session.id)).status == 303
    clock.advance(10)
    assert (await sandbox.sdk.v1.checkout.sessions.retrieve_async(session.id)).status == "complete"


async def test_customer_creation_always_makes_a_customer_on_payment(sandbox):
    session = await sandbox.create_session(customer_creation="always")
    await sandbox.pay(session.id, email="new@example.in", name="New Buyer")
    paid = sandbox.state.sessions[session.id]
    customer = sandbox.state.customers[paid["customer"]]
    assert (customer["email"], customer["name"]) == ("new@example.in", "New Buyer")
    assert sandbox.state.payment_intents[paid["payment_intent"]]["customer"] == customer["id"]


async def test_mounted_the_form_posts_under_the_prefix_and_redirects(mounted):
    session = await mounted.create_session(
        line_items=[line("Chai", 5000)], success_url="https://shop.example/done/{CHECKOUT_SESSION_ID}"
    )
    page = await mounted.open_page(session.id)
    assert page.elements.attrs("pay-form")["action"] == f"/sandbox/stripe/c/pay/{session.id}"
    paid = await mounted.pay(session.id)
    assert paid.status == 303 and paid.location == f"https://shop.example/done/{session.id}"
