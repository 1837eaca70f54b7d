"""Fixtures of the contract tests: Galla talking to both sandboxes through recording proxies."""

from __future__ import annotations

import pytest
from support.contract.wire_recorder import WireRecorder, Wires


@pytest.fixture
async def wires(aiohttp_server, razorpay_sandbox, stripe_sandbox) -> Wires:
    """A recording proxy in front of each sandbox."""
    razorpay, stripe = WireRecorder(razorpay_sandbox.url), WireRecorder(stripe_sandbox.url)
    razorpay.url = str((await aiohttp_server(razorpay.app())).make_url("")).rstrip("/")
    stripe.url = str((await aiohttp_server(stripe.app())).make_url("")).rstrip("/")
    return Wires(razorpay=razorpay, stripe=stripe)


@pytest.fixture
async def wired_client(make_wired_client):
    """The app with default settings, its gateway calls going through the recording proxies."""
    return await make_wired_client()


@pytest.fixture
async def make_wired_client(make_client, wires):
    """Build the app with settings overrides, its gateway calls going through the recording proxies."""

    async def make(**overrides):
        return await make_client(razorpay_api_base=wires.razorpay.url, stripe_api_base=wires.stripe.url, **overrides)

    return make
