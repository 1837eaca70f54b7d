"""Both sandboxes, mounted in a shop as Galla mounts them, still deliver their webhooks: aiohttp runs a sub-app's
cleanup_ctx, where the webhook sender runs."""

from __future__ import annotations

import json
import time

import pytest
from support import razorpay_sandbox, stripe_sandbox
from support.clock import Clock

# Each sandbox's test helpers, how a payment is made on it, and the field of a webhook body that names its event.
GATEWAYS = {
    "razorpay": (razorpay_sandbox, razorpay_sandbox.pay_order, "event"),
    "stripe": (stripe_sandbox, stripe_sandbox.paid_intent, "type"),
}


@pytest.mark.parametrize("gateway", GATEWAYS)
async def test_a_mounted_sandbox_delivers_too(aiohttp_server, receiver, gateway):
    helpers, pay, named_by = GATEWAYS[gateway]
    hooks = {"webhook_url": receiver.url, "webhook_secret": helpers.WEBHOOK_SECRET}
    async with helpers.running_sandbox(aiohttp_server, Clock(time.time()), mount=True, **hooks) as mounted:
        await pay(mounted)
        await mounted.webhooks.drain()
    assert [json.loads(received.body)[named_by] for received in receiver.requests] == helpers.PAID
