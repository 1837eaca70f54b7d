"""Issue 24, the Stripe sandbox: a card that asks for 3D Secure shows a challenge on the hosted page, which the buyer
completes or fails, as Stripe's test page does (stripe.com/testing#authentication-and-setup: 4000 0025 0000 3155,
4000 0000 0000 3220 and 4000 0027 6000 3184 ask for authentication; the test page offers "Complete authentication"
and "Fail authentication"). A failed check leaves the intent with payment_intent_authentication_failure."""

from __future__ import annotations

import pytest

THREE_DS_CARDS = ["4000 0025 0000 3155", "4000 0000 0000 3220"]


async def answer(sandbox, session_id: str, outcome: str):
    """Press one of the test page's two buttons."""
    async with sandbox.http.post(
        f"{sandbox.url}/c/pay/{session_id}/3ds", data={"outcome": outcome}, allow_redirects=False
    ) as resp:
        return resp.status, resp.headers.get("Location"), await resp.text()


@pytest.mark.parametrize("card", THREE_DS_CARDS)
async def test_a_3ds_card_gets_a_challenge_and_no_charge_yet(sandbox, card):
    session = await sandbox.create_session()
    page = await sandbox.pay(session.id, card)
    assert page.status == 200 and "three-d-secure" in page.elements.testids()
    assert "pay-form" not in page.elements.testids()
    intent = sandbox.state.payment_intents[sandbox.state.sessions[session.id]["payment_intent"]]
    assert intent["status"] == "requires_action" and intent["next_action"]["type"] == "use_stripe_sdk"
    assert sandbox.state.charges == {}
    assert sandbox.event_types() == ["payment_intent.created", "payment_intent.requires_action"]
    assert "three-d-secure" in (await sandbox.open_page(session.id)).elements.testids()  # a reload shows it again


@pytest.mark.parametrize("card", THREE_DS_CARDS)
async def test_completing_the_challenge_pays(sandbox, card):
    session = await sandbox.create_session()
    await sandbox.pay(session.id, card)
    status, location, _ = await answer(sandbox, session.id, "complete")
    assert status == 303 and location.endswith(f"session_id={session.id}")
    stored = sandbox.state.sessions[session.id]
    assert (stored["status"], stored["payment_status"]) == ("complete", "paid")
    charge = next(iter(sandbox.state.charges.values()))
    assert charge["payment_method_details"]["card"]["three_d_secure"]["result"] == "authenticated"
    assert sandbox.event_types()[-3:] == ["charge.succeeded", "payment_intent.succeeded", "checkout.session.completed"]


async def test_failing_the_challenge_leaves_the_session_open_with_the_reason(sandbox):
    session = await sandbox.create_session()
    await sandbox.pay(session.id, "4000 0000 0000 3220")
    status, _, html = await answer(sandbox, session.id, "fail")
    assert status == 402 and "The provided PaymentMethod has failed authentication." in html
    intent = sandbox.state.payment_intents[sandbox.state.sessions[session.id]["payment_intent"]]
    assert intent["status"] == "requires_payment_method"
    assert intent["last_payment_error"]["code"] == "payment_intent_authentication_failure"
    assert sandbox.state.charges == {} and sandbox.state.sessions[session.id]["status"] == "open"
    assert sandbox.event_types()[-1] == "payment_intent.payment_failed"
    assert (await sandbox.pay(session.id)).status == 303  # another card pays the same session


async def test_an_answer_without_a_challenge_is_refused(sandbox):
    session = await sandbox.create_session()
    status, _, _ = await answer(sandbox, session.id, "complete")
    assert status == 400 and sandbox.state.payment_intents == {}


async def test_an_expired_session_drops_its_challenge_and_cancels_the_intent(sandbox):
    session = await sandbox.create_session()
    await sandbox.pay(session.id, "4000 0000 0000 3220")
    await sandbox.sdk.v1.checkout.sessions.expire_async(session.id)
    assert sandbox.state.pending_challenge(session.id) is None
    intent = sandbox.state.payment_intents[sandbox.state.sessions[session.id]["payment_intent"]]
    assert intent["status"] == "canceled"
    assert (await answer(sandbox, session.id, "complete"))[0] == 400
