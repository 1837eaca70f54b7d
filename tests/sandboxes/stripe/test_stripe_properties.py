"""Properties over random sequences: pay attempts on the hosted page, and refunds on a paid charge."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.clock import NOW, Clock
from support.stripe_sandbox import line, sdk_encode, session_params

from sandboxes.stripe import StripeSandboxState
from sandboxes.stripe.cards import TEST_CARDS, CardInput
from sandboxes.stripe.errors import StripeError
from sandboxes.stripe.forms import decode_form
from sandboxes.stripe.validation import RefundRequest, validate_session_request

GOOD = {number for number, card in TEST_CARDS.items() if card.decline is None and not card.three_d_secure}
THREE_DS = {number for number, card in TEST_CARDS.items() if card.three_d_secure}
CARDS = [*sorted(TEST_CARDS), "4111111111111111"]  # and one real-looking card, declined in test mode
attempts = st.lists(
    st.one_of(
        st.tuples(st.just("pay"), st.sampled_from(CARDS)),
        st.tuples(st.just("typo"), st.sampled_from(["4242 4242 4242 4241", "", "42"])),  # refused before charging
        st.tuples(st.just("expire"), st.none()),
        st.tuples(st.just("3ds"), st.sampled_from(["complete", "fail"])),  # the answer to a 3D Secure challenge
    ),
    min_size=1,
    max_size=8,
)


def session_charges(state: StripeSandboxState, session: dict) -> list[dict]:
    """The charges made for one session (through its one PaymentIntent)."""
    return [
        charge
        for charge in state.charges.values()
        if session["payment_intent"] and charge["payment_intent"] == session["payment_intent"]
    ]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=attempts)
async def test_pay_attempts_leave_at_most_one_success_and_complete_iff_one_succeeded(sandbox, steps):
    # In rupees: an India-issued test card may pay only INR on an Indian account, an export card may pay any.
    session_id = (await sandbox.create_session(line_items=[line("Masala chai", 2500, currency="inr")])).id
    state = sandbox.state
    session = state.sessions[session_id]
    for action, card in steps:
        was_open = session["status"] == "open"
        charges_before = len(state.charges)
        if action == "expire":
            status, _, _ = await sandbox.call("POST", f"/v1/checkout/sessions/{session_id}/expire")
            assert status == (200 if was_open else 400)
            continue
        if action == "3ds":
            pending = was_open and state.pending_challenge(session_id) is not None
            async with sandbox.http.post(
                f"{sandbox.url}/c/pay/{session_id}/3ds", data={"outcome": card}, allow_redirects=False
            ) as resp:
                assert resp.status == (400 if not pending else 303 if card == "complete" else 402)
            assert state.pending_challenge(session_id) is None
            continue
        page = await sandbox.pay(session_id, card, cvc="1234" if card.startswith(("34", "37")) else "123")
        if not was_open or action == "typo":
            assert page.status == 400 and len(state.charges) == charges_before
        elif card in GOOD:
            assert page.status == 303 and page.location.endswith(f"session_id={session_id}")
        elif card in THREE_DS:
            assert page.status == 200 and len(state.charges) == charges_before
            assert state.pending_challenge(session_id) is not None
        else:
            assert page.status == 402 and page.elements.texts("card-error")

        charges = session_charges(state, session)
        succeeded = [charge for charge in charges if charge["status"] == "succeeded"]
        assert len(succeeded) <= 1
        assert (session["status"] == "complete") == (len(succeeded) == 1)
        assert (session["payment_status"] == "paid") == (len(succeeded) == 1)
        if succeeded:
            intent = state.payment_intents[session["payment_intent"]]
            assert intent["status"] == "succeeded" and intent["latest_charge"] == succeeded[0]["id"]
            assert intent["amount_received"] == session["amount_total"] == succeeded[0]["amount"]
    completed = [
        event
        for event in state.events
        if event.type == "checkout.session.completed" and event.envelope["data"]["object"]["id"] == session_id
    ]
    assert len(completed) == (session["status"] == "complete")


def paid_charge(state: StripeSandboxState) -> dict:
    """Pay a fresh $25.00 session straight through the store; return its charge."""
    request = validate_session_request(decode_form(sdk_encode(session_params())), state.now())
    session = state.create_session(request, "http://sandbox")
    card = CardInput(number="4242424242424242", exp_month=12, exp_year=2034, cvc="123")
    result = state.pay_session(session["id"], card, email="asha@example.in", name="Asha Rao")
    assert result.decline is None
    return result.charge


@settings(max_examples=80, deadline=None)
@given(amounts=st.lists(st.one_of(st.none(), st.integers(1, 3000)), min_size=1, max_size=6))
def test_refunds_never_exceed_the_charge_and_refunded_means_all_of_it(amounts):
    state = StripeSandboxState(clock=Clock(NOW))
    charge = paid_charge(state)
    for amount in amounts:
        remaining = charge["amount"] - charge["amount_refunded"]
        request = RefundRequest(
            payment_intent=charge["payment_intent"], charge=None, amount=amount, reason=None, metadata={}, expand=[]
        )
        try:
            refund = state.create_refund(request)
        except StripeError as error:
            assert remaining == 0 or (amount is not None and amount > remaining)
            assert error.code in ("charge_already_refunded", "amount_too_large")
        else:
            assert refund["amount"] == (remaining if amount is None else amount) and remaining > 0
        assert charge["amount_refunded"] == sum(refund["amount"] for refund in state.refunds.values())
        assert 0 <= charge["amount_refunded"] <= charge["amount"]
        assert charge["refunded"] == (charge["amount_refunded"] == charge["amount"])
    assert [event.type for event in state.events].count("charge.refunded") == len(state.refunds)
