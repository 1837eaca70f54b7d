"""What every REST call obeys: the secret key, Stripe's error envelope, known parameters, minimum amounts,
resource_missing, and Idempotency-Key, including under injected faults and the SDK's own retries."""

from __future__ import annotations

import asyncio
import base64

import pytest
import stripe
from aiohttp import web
from support.stripe_sandbox import line, sdk_encode, session_params, stripe_client

from sandboxes.stripe import STRIPE_SANDBOX_CONFIG


async def eventually(check, timeout: float = 3.0) -> None:
    """Wait until check() is true, polling; fail after timeout seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        assert loop.time() < deadline, "timed out waiting"
        await asyncio.sleep(0.01)


# -- auth and the envelope -----------------------------------------------------------------------


async def test_a_wrong_key_is_a_401_the_sdk_raises_as_authentication_error(sandbox):
    async with stripe_client(sandbox.url, "sk_test_wrongwrongwrong1234") as sdk:
        with pytest.raises(stripe.AuthenticationError) as refused:
            await sdk.v1.checkout.sessions.create_async(params=session_params())
    assert refused.value.http_status == 401
    assert refused.value.user_message == "Invalid API Key provided: sk_test_" + "*" * 15 + "1234"
    assert refused.value.json_body == {
        "error": {"message": refused.value.user_message, "type": "invalid_request_error"}
    }
    assert refused.value.request_id.startswith("req_")
    assert sandbox.state.sessions == {}


async def test_no_key_is_a_401_in_stripes_envelope(sandbox):
    status, body, headers = await sandbox.call("GET", "/v1/checkout/sessions", auth=False)
    assert status == 401
    assert body["error"]["type"] == "invalid_request_error"
    assert body["error"]["message"].startswith("You did not provide an API key.")
    assert headers["Request-Id"].startswith("req_") and headers["Content-Type"].startswith("application/json")


async def test_the_publishable_key_is_refused_and_basic_auth_with_the_secret_key_works(sandbox):
    publishable = sandbox.app[STRIPE_SANDBOX_CONFIG].publishable_key
    status, body, _ = await sandbox.call(
        "GET", "/v1/customers", auth=False, headers={"Authorization": f"Bearer {publishable}"}
    )
    assert status == 401 and "publishable API key" in body["error"]["message"]

    basic = base64.b64encode(f"{sandbox.secret_key}:".encode()).decode()
    status, body, _ = await sandbox.call(
        "GET", "/v1/customers", auth=False, headers={"Authorization": f"Basic {basic}"}
    )
    assert status == 200 and body["object"] == "list"


async def test_the_hosted_page_needs_no_key(sandbox):
    session = await sandbox.create_session()
    assert (await sandbox.open_page(session.id)).status == 200


async def test_every_answer_carries_request_id_and_stripe_version(sandbox):
    session = await sandbox.create_session()
    assert session.last_response.request_id.startswith("req_")
    assert session.last_response.headers["Stripe-Version"] == stripe.api_version


async def test_unknown_urls_are_stripes_404(mounted):
    status, body, _ = await mounted.call("GET", "/v1/nothing_here")
    assert status == 404
    assert body["error"]["message"].startswith("Unrecognized request URL (GET: /v1/nothing_here).")
    status, body, _ = await mounted.call("DELETE", "/v1/checkout/sessions")
    assert status == 404 and "(DELETE: /v1/checkout/sessions)" in body["error"]["message"]


# -- parameters ------------------------------------------------------------------------------------


async def test_an_unknown_parameter_is_a_400_naming_it(sandbox):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await sandbox.sdk.v1.checkout.sessions.create_async(params={**session_params(), "colour": "saffron"})
    error = refused.value
    assert (error.http_status, error.code, error.param) == (400, "parameter_unknown", "colour")
    assert error.user_message == "Received unknown parameter: colour"
    assert error.error.type == "invalid_request_error"


async def test_a_nested_unknown_parameter_is_named_with_brackets(sandbox):
    items = [{**line("Chai", 1000), "discount": "10"}]
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await sandbox.create_session(line_items=items)
    assert refused.value.param == "line_items[0][discount]"


async def test_a_real_stripe_parameter_the_sandbox_does_not_model_is_refused_by_name(sandbox):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await sandbox.create_session(shipping_options=[{"shipping_rate": "shr_1"}])
    assert refused.value.param == "shipping_options"
    assert "does not support" in refused.value.user_message


async def test_a_missing_required_parameter(sandbox):
    params = session_params()
    del params["mode"]
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await sandbox.sdk.v1.checkout.sessions.create_async(params=params)
    assert (refused.value.code, refused.value.param) == ("parameter_missing", "mode")


async def test_a_malformed_integer(sandbox):
    status, body, _ = await sandbox.call("POST", "/v1/checkout/sessions", "mode=payment&line_items[0][quantity]=two")
    assert status == 400
    assert (body["error"]["code"], body["error"]["param"]) == ("parameter_invalid_integer", "line_items[0][quantity]")


@pytest.mark.parametrize(
    "currency, unit_amount, minimum", [("usd", 49, "$0.50 usd"), ("inr", 49, "₹0.50 inr"), ("gbp", 29, "£0.30 gbp")]
)
async def test_a_total_below_stripes_minimum_is_amount_too_small(sandbox, currency, unit_amount, minimum):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await sandbox.create_session(line_items=[line("Toffee", unit_amount, currency=currency)])
    error = refused.value
    assert (error.http_status, error.code, error.param) == (400, "amount_too_small", "line_items")
    assert error.user_message.endswith(minimum)
    ok = await sandbox.create_session(line_items=[line("Toffee", unit_amount + 1, currency=currency)])
    assert ok.amount_total == unit_amount + 1


async def test_unknown_ids_are_404_resource_missing(sandbox):
    calls = [
        sandbox.sdk.v1.checkout.sessions.retrieve_async("cs_test_nope"),
        sandbox.sdk.v1.checkout.sessions.expire_async("cs_test_nope"),
        sandbox.sdk.v1.checkout.sessions.line_items.list_async("cs_test_nope"),
        sandbox.sdk.v1.payment_intents.retrieve_async("pi_nope"),
        sandbox.sdk.v1.charges.retrieve_async("ch_nope"),
        sandbox.sdk.v1.refunds.retrieve_async("re_nope"),
        sandbox.sdk.v1.customers.retrieve_async("cus_nope"),
        sandbox.sdk.v1.events.retrieve_async("evt_nope"),
    ]
    for call in calls:
        with pytest.raises(stripe.InvalidRequestError) as missing:
            await call
        error = missing.value
        assert (error.http_status, error.code, error.param) == (404, "resource_missing", "id")
        assert error.user_message.startswith("No such ") and "_nope'" in error.user_message


async def test_an_unknown_id_inside_the_params_is_a_400_naming_that_param(sandbox):
    with pytest.raises(stripe.InvalidRequestError) as missing:
        await sandbox.sdk.v1.refunds.create_async(params={"payment_intent": "pi_nope"})
    error = missing.value
    assert (error.http_status, error.code, error.param) == (400, "resource_missing", "payment_intent")
    assert error.user_message == "No such payment_intent: 'pi_nope'"


async def test_a_bad_expand_is_refused(sandbox):
    session = await sandbox.create_session()
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await sandbox.sdk.v1.checkout.sessions.retrieve_async(session.id, params={"expand": ["success_url"]})
    assert refused.value.param == "expand"


# -- idempotency -----------------------------------------------------------------------------------


async def test_the_same_key_and_body_replays_the_first_answer_and_makes_one_session(sandbox):
    first = await sandbox.sdk.v1.checkout.sessions.create_async(
        params=session_params(), options={"idempotency_key": "order-ord_1"}
    )
    again = await sandbox.sdk.v1.checkout.sessions.create_async(
        params=session_params(), options={"idempotency_key": "order-ord_1"}
    )
    assert again.id == first.id and again.to_dict() == first.to_dict()
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.last_response.headers
    assert again.last_response.headers["Original-Request"] == first.last_response.request_id
    assert list(sandbox.state.sessions) == [first.id]


async def test_the_sdk_sends_a_fresh_key_per_call_so_two_calls_make_two_sessions(sandbox):
    first = await sandbox.create_session()
    second = await sandbox.create_session()
    assert first.id != second.id and len(sandbox.state.sessions) == 2
    assert first.last_response.headers["Idempotency-Key"] != second.last_response.headers["Idempotency-Key"]


async def test_the_same_key_with_a_different_body_is_an_idempotency_error(sandbox):
    options = {"idempotency_key": "order-ord_1"}
    await sandbox.sdk.v1.checkout.sessions.create_async(params=session_params(), options=options)
    with pytest.raises(stripe.IdempotencyError) as refused:
        await sandbox.sdk.v1.checkout.sessions.create_async(
            params=session_params(client_reference_id="ord_2"), options=options
        )
    assert refused.value.http_status == 400
    assert refused.value.error.type == "idempotency_error"
    assert "same parameters" in refused.value.user_message
    with pytest.raises(stripe.IdempotencyError) as elsewhere:
        await sandbox.sdk.v1.customers.create_async(params={"email": "a@b.co"}, options=options)
    assert "same endpoint" in elsewhere.value.user_message
    assert len(sandbox.state.sessions) == 1 and sandbox.state.customers == {}


async def test_keys_are_forgotten_after_24_hours(sandbox, clock):
    options = {"idempotency_key": "k-1"}
    first = await sandbox.sdk.v1.checkout.sessions.create_async(params=session_params(), options=options)
    clock.advance(24 * 60 * 60)
    later = await sandbox.sdk.v1.checkout.sessions.create_async(params=session_params(), options=options)
    assert later.id != first.id
    assert "Idempotent-Replayed" not in later.last_response.headers


async def test_a_refused_request_does_not_use_up_its_key(sandbox):
    headers = {"Idempotency-Key": "k-bad-then-good"}
    status, _, _ = await sandbox.call(
        "POST", "/v1/checkout/sessions", {**session_params(), "colour": "red"}, headers=headers
    )
    assert status == 400
    status, _body, resp_headers = await sandbox.call("POST", "/v1/checkout/sessions", session_params(), headers=headers)
    assert status == 200 and "Idempotent-Replayed" not in resp_headers


async def test_a_refund_refused_by_its_checks_is_not_saved_so_a_corrected_retry_runs(sandbox):
    session = await sandbox.create_session()
    await sandbox.pay(session.id)
    intent = sandbox.state.sessions[session.id]["payment_intent"]
    headers = {"Idempotency-Key": "refund-ord_1"}
    status, body, _ = await sandbox.call(
        "POST", "/v1/refunds", {"payment_intent": intent, "amount": 999999}, headers=headers
    )
    assert status == 400 and body["error"]["code"] == "amount_too_large"
    status, body, _ = await sandbox.call(
        "POST", "/v1/refunds", {"payment_intent": intent, "amount": 500}, headers=headers
    )
    assert status == 200 and body["amount"] == 500
    status, again, resp_headers = await sandbox.call(
        "POST", "/v1/refunds", {"payment_intent": intent, "amount": 500}, headers=headers
    )
    assert again == body and resp_headers["Idempotent-Replayed"] == "true"
    assert len(sandbox.state.refunds) == 1


# -- faults ---------------------------------------------------------------------------------------


async def test_injected_failures_answer_without_running_or_using_the_key(sandbox):
    sandbox.faults.fail_next[:] = [503]
    headers = {"Idempotency-Key": "k-fault"}
    status, body, _ = await sandbox.call("POST", "/v1/checkout/sessions", session_params(), headers=headers)
    assert status == 503 and body["error"]["type"] == "api_error"
    assert sandbox.state.sessions == {}
    status, body, resp_headers = await sandbox.call("POST", "/v1/checkout/sessions", session_params(), headers=headers)
    assert status == 200 and "Idempotent-Replayed" not in resp_headers
    assert list(sandbox.state.sessions) == [body["id"]]


@pytest.mark.slow
async def test_the_sdks_own_retries_get_through_faults_and_make_exactly_one_session(sandbox):
    sandbox.faults.fail_next[:] = [500, 409]
    async with stripe_client(sandbox.url, sandbox.secret_key, max_network_retries=2) as sdk:
        session = await sdk.v1.checkout.sessions.create_async(params=session_params())
    assert list(sandbox.state.sessions) == [session.id]
    assert sandbox.faults.fail_next == []
    assert "Idempotent-Replayed" not in session.last_response.headers


async def test_a_429_is_a_rate_limit_error_the_sdk_does_not_retry(sandbox):
    sandbox.faults.fail_next[:] = [429]
    async with stripe_client(sandbox.url, sandbox.secret_key, max_network_retries=2) as sdk:
        with pytest.raises(stripe.RateLimitError) as limited:
            await sdk.v1.checkout.sessions.create_async(params=session_params())
        assert limited.value.http_status == 429
        assert limited.value.json_body["error"]["code"] == "rate_limit"
        assert sandbox.state.sessions == {}
        session = await sdk.v1.checkout.sessions.create_async(params=session_params())
    assert list(sandbox.state.sessions) == [session.id]


async def test_latency_delays_every_call(sandbox):
    sandbox.faults.latency = 0.3
    loop = asyncio.get_running_loop()
    started = loop.time()
    await sandbox.sdk.v1.checkout.sessions.list_async()
    assert loop.time() - started >= 0.29  # timers may fire a hair early


@pytest.fixture
async def uncancelling_url(sandbox, unused_tcp_port_factory):
    """The same sandbox app also served as run_app serves it, where a client hanging up cancels nothing."""
    port = unused_tcp_port_factory()
    runner = web.AppRunner(sandbox.app, handler_cancellation=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.mark.slow
async def test_a_retry_after_a_client_timeout_waits_out_the_slow_first_try_and_replays_it(sandbox, uncancelling_url):
    # The first try outlives the SDK's timeout but runs on; the retry finds its key in progress (409, which
    # the SDK retries) and the next one gets the first try's answer: one session, though the client gave up.
    sandbox.faults.latency = 1.0
    http = stripe.AIOHTTPClient(timeout=0.3)
    client = stripe.StripeClient(
        sandbox.secret_key, http_client=http, base_addresses={"api": uncancelling_url}, max_network_retries=4
    )
    try:
        session = await client.v1.checkout.sessions.create_async(params=session_params())
    finally:
        await http.close_async()
    assert list(sandbox.state.sessions) == [session.id]
    assert session.last_response.headers["Idempotent-Replayed"] == "true"


async def test_a_try_cancelled_when_its_client_hangs_up_releases_its_key(sandbox):
    # TestServer cancels a handler whose client went away; the cancelled try never ran, so the key is free.
    sandbox.faults.latency = 0.5
    options = {"idempotency_key": "k-cancelled"}
    http = stripe.AIOHTTPClient(timeout=0.1)
    client = stripe.StripeClient(sandbox.secret_key, http_client=http, base_addresses={"api": sandbox.url})
    try:
        with pytest.raises(stripe.APIConnectionError):
            await client.v1.checkout.sessions.create_async(params=session_params(), options=options)
    finally:
        await http.close_async()
    await eventually(lambda: not sandbox.state.idempotency.entries)  # once the server notices the hang-up
    assert sandbox.state.sessions == {}
    sandbox.faults.latency = 0
    session = await sandbox.sdk.v1.checkout.sessions.create_async(params=session_params(), options=options)
    assert list(sandbox.state.sessions) == [session.id]


async def test_a_second_try_while_the_first_is_still_running_is_a_409_key_in_use(sandbox, uncancelling_url):
    sandbox.faults.latency = 0.4
    headers = {**sandbox.auth, "Idempotency-Key": "k-twice", "Content-Type": "application/x-www-form-urlencoded"}
    body = sdk_encode(session_params())

    async def post() -> tuple[int, dict]:
        async with sandbox.http.post(uncancelling_url + "/v1/checkout/sessions", data=body, headers=headers) as resp:
            return resp.status, await resp.json()

    first = asyncio.create_task(post())
    await eventually(lambda: sandbox.state.idempotency.entries)  # the first try holds the key
    status, clash = await post()
    assert status == 409
    assert (clash["error"]["type"], clash["error"]["code"]) == ("idempotency_error", "idempotency_key_in_use")
    assert "k-twice" in clash["error"]["message"]
    status, created = await first
    assert status == 200 and list(sandbox.state.sessions) == [created["id"]]
