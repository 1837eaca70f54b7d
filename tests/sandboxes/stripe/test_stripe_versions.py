"""Issue 24 item 16, the sandbox side: each webhook is rendered in its endpoint's API version, set when the endpoint
is created (docs.stripe.com/webhooks/versioning; `api_version` in stripe-python's
params/_webhook_endpoint_create_params.py: "Events sent to this endpoint will be generated with this Stripe
Version instead of your account's default Stripe Version")."""

from __future__ import annotations

import json

import stripe
from support.stripe_sandbox import WEBHOOK_SECRET, running_sandbox

from sandboxes.stripe import STRIPE_WEBHOOK_ENDPOINT


async def paid_and_drained(hooked) -> None:
    session = await hooked.create_session()
    assert (await hooked.pay(session.id)).status == 303
    await hooked.webhooks.drain()


async def test_item16_webhooks_carry_the_endpoints_api_version(aiohttp_server, live_clock, receiver):
    async with running_sandbox(
        aiohttp_server,
        live_clock,
        mount=False,
        webhook_url=receiver.url,
        webhook_secret=WEBHOOK_SECRET,
        webhook_api_version="2025-03-31.basil",
    ) as hooked:
        await paid_and_drained(hooked)
    bodies = [json.loads(received.body) for received in receiver.requests]
    assert bodies and {body["api_version"] for body in bodies} == {"2025-03-31.basil"}
    for received in receiver.requests:  # the stamped body is the one signed
        stripe.Webhook.construct_event(received.body, received.headers["Stripe-Signature"], WEBHOOK_SECRET)


async def test_item16_by_default_the_endpoint_speaks_the_sandboxs_version_and_can_change_live(
    aiohttp_server, live_clock, receiver
):
    async with running_sandbox(
        aiohttp_server, live_clock, mount=False, webhook_url=receiver.url, webhook_secret=WEBHOOK_SECRET
    ) as hooked:
        await paid_and_drained(hooked)
        first = {json.loads(received.body)["api_version"] for received in receiver.requests}
        hooked.app[STRIPE_WEBHOOK_ENDPOINT].api_version = "2024-06-20"
        receiver.requests.clear()
        await paid_and_drained(hooked)
    assert first == {stripe.api_version}
    assert {json.loads(received.body)["api_version"] for received in receiver.requests} == {"2024-06-20"}
