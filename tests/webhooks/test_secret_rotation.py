"""Issue 24 item 15: rotating a webhook secret loses no delivery.

RAZORPAY_WEBHOOK_SECRET and STRIPE_WEBHOOK_SECRET take a comma-separated list, current secret first.
Razorpay: "If you have changed your webhook secret, remember to use the old secret for webhook signature
validation while retrying older requests" (razorpay.com/docs/webhooks/faqs); the sandbox pins a retry's secret
(sandboxes/common/webhooks.py pin_secret). Stripe: while a secret is rolled, Stripe-Signature carries one v1 per secret
and a match on any passes (stripe-python stripe/_webhook.py, WebhookSignature.verify_header).
"""

from __future__ import annotations

import json

import pytest
import stripe
from support.webhooks import events_named, paid_stripe_order, post_razorpay, post_stripe, sign_stripe

from galla.settings import Settings
from sandboxes.stripe import STRIPE_WEBHOOKS

OLD, NEW = "whsec_old_0f3a9c", "whsec_new_7b21e4"
ENVELOPE = {
    "entity": "event",
    "event": "payment.captured",
    "contains": ["payment"],
    "payload": {},
    "created_at": 1767225600,
}


def stripe_delivery(stripe_sandbox, event) -> tuple[bytes, str]:
    """The body and Stripe-Signature the sandbox would send for an event now."""
    sender = stripe_sandbox.server.app[STRIPE_WEBHOOKS]
    body = json.dumps(event.envelope).encode()
    return body, sender.sign(event, body, sender.secret)["Stripe-Signature"]


def test_item15_settings_read_a_comma_separated_list_current_first():
    settings = Settings(_env_file=None, razorpay_webhook_secret=f" {NEW} , {OLD},", stripe_webhook_secret=NEW)
    assert (settings.razorpay_webhook_secrets, settings.stripe_webhook_secrets) == ((NEW, OLD), (NEW,))


@pytest.mark.parametrize("secret", [NEW, OLD])
async def test_item15_razorpay_deliveries_signed_with_the_new_or_the_old_secret_are_accepted(make_client, secret):
    client = await make_client(razorpay_webhook_secret=f"{NEW},{OLD}")
    status, _ = await post_razorpay(client, ENVELOPE, "evt_rotation1", secret=secret)
    assert status == 200


async def test_item15_razorpay_a_secret_not_in_the_list_is_refused(make_client):
    client = await make_client(razorpay_webhook_secret=f"{NEW},{OLD}")
    status, body = await post_razorpay(client, ENVELOPE, "evt_rotation2", secret="whsec_someone_else")
    assert (status, body["error"]["field"]) == (400, "X-Razorpay-Signature")


async def test_item15_stripe_sandbox_signs_with_the_rolled_secret_beside_the_new_one(stripe_sandbox):
    """Checked with the SDK's own verifier: the header has a v1 for each secret, and either secret verifies it."""
    sender = stripe_sandbox.server.app[STRIPE_WEBHOOKS]
    sender.secret, sender.expiring_secrets = NEW, [OLD]
    body = b'{"id": "evt_roll", "object": "event"}'
    header = sender.sign(None, body, sender.secret)["Stripe-Signature"]
    assert header.count("v1=") == 2
    for secret in (NEW, OLD):
        assert stripe.WebhookSignature.verify_header(body.decode(), header, secret, tolerance=300)


async def test_item15_stripe_delivery_signed_only_with_the_old_secret_is_accepted(make_client, stripe_sandbox):
    """The shop deployed the new secret first; Stripe still signs with the old one until it is rolled."""
    client = await make_client(stripe_webhook_secret=f"{NEW},{OLD}")
    await paid_stripe_order(client, stripe_sandbox)
    stripe_sandbox.server.app[STRIPE_WEBHOOKS].secret = OLD
    body, header = stripe_delivery(stripe_sandbox, events_named(stripe_sandbox, "checkout.session.completed")[0])
    status, answer = await post_stripe(client, {}, body=body, signature=header)
    assert (status, answer["outcome"]) == (200, "pending → paid")


async def test_item15_stripe_delivery_during_the_roll_is_accepted_by_a_shop_with_only_the_new_secret(
    make_client, stripe_sandbox
):
    client = await make_client(stripe_webhook_secret=NEW)
    await paid_stripe_order(client, stripe_sandbox)
    sender = stripe_sandbox.server.app[STRIPE_WEBHOOKS]
    sender.secret, sender.expiring_secrets = NEW, [OLD]
    body, header = stripe_delivery(stripe_sandbox, events_named(stripe_sandbox, "checkout.session.completed")[0])
    status, _ = await post_stripe(client, {}, body=body, signature=header)
    assert status == 200


async def test_item15_stripe_a_stale_signature_is_refused_for_its_age_whichever_secret_matched(make_client):
    client = await make_client(stripe_webhook_secret=f"{NEW},{OLD}")
    body = json.dumps({"id": "evt_stale", "object": "event", "type": "charge.succeeded", "data": {}}).encode()
    status, answer = await post_stripe(client, {}, body=body, signature=sign_stripe(body, OLD, timestamp=1))
    assert status == 400 and "Timestamp outside the tolerance zone" in answer["error"]["message"]
