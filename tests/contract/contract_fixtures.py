"""Fixtures of the contract tests: Galla talking to both sandboxes through recording proxies.

Imported by the tests (`from contract_fixtures import ...`), not a conftest.py: test helpers import the root
conftest as `conftest`, which a second conftest module would shadow.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from wire_recorder import WireRecorder


@dataclass
class Wires:
    """What Galla sent to each gateway and what it got back."""

    razorpay: WireRecorder
    stripe: WireRecorder


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
