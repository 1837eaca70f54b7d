"""The Stripe sandbox and Adaptive Pricing: a Checkout Session follows the account's Dashboard setting unless the
session says otherwise (`adaptive_pricing.enabled` "defaults to your dashboard setting":
docs.stripe.com/api/checkout/sessions/create; the parameter "overrides your Adaptive Pricing Dashboard setting":
docs.stripe.com/changelog/acacia/2024-11-20/adaptive-pricing-param). With it on, the buyer may pay in another
currency than the session's, so Galla turns it off on every session (issue 24, item 6: money counted as charged)."""

from __future__ import annotations

import pytest
import stripe
from support.stripe_sandbox import running_sandbox, session_params


@pytest.mark.parametrize("dashboard", [False, True])
async def test_a_session_follows_the_accounts_dashboard_setting(aiohttp_server, clock, dashboard):
    async with running_sandbox(aiohttp_server, clock, mount=False, adaptive_pricing=dashboard) as sandbox:
        session = await sandbox.sdk.v1.checkout.sessions.create_async(params=session_params())
    assert session.adaptive_pricing.enabled is dashboard


async def test_a_session_may_turn_it_off_whatever_the_dashboard_says(aiohttp_server, clock):
    async with running_sandbox(aiohttp_server, clock, mount=False, adaptive_pricing=True) as sandbox:
        session = await sandbox.sdk.v1.checkout.sessions.create_async(
            params=session_params(adaptive_pricing={"enabled": False})
        )
    assert session.adaptive_pricing.enabled is False


async def test_adaptive_pricing_takes_only_enabled(aiohttp_server, clock):
    async with running_sandbox(aiohttp_server, clock, mount=False) as sandbox:
        with pytest.raises(stripe.InvalidRequestError) as refused:
            await sandbox.sdk.v1.checkout.sessions.create_async(
                params=session_params(adaptive_pricing={"currency": "eur"})
            )
    assert refused.value.param == "adaptive_pricing[currency]"
