"""Fixtures of the Razorpay sandbox's own tests: the sandbox on a real socket, alone, mounted, or sending webhooks."""

from __future__ import annotations

import pytest
from support.clock import NOW, Clock
from support.razorpay_sandbox import FAST_RETRIES, WEBHOOK_SECRET, Sandbox, running_sandbox


@pytest.fixture
def clock() -> Clock:
    """The sandbox's clock, settable by the test."""
    return Clock(float(NOW))


@pytest.fixture
async def sandbox(aiohttp_server, clock) -> Sandbox:
    """The sandbox alone at the root of its own server."""
    async with running_sandbox(aiohttp_server, clock) as running:
        yield running


@pytest.fixture
async def mounted(aiohttp_server, clock) -> Sandbox:
    """The sandbox mounted under /sandbox/razorpay of a parent app, as the shop mounts it."""
    async with running_sandbox(aiohttp_server, clock, mount=True) as running:
        yield running


@pytest.fixture
async def hooked(aiohttp_server, clock, receiver) -> Sandbox:
    """The sandbox alone, sending its webhooks to `receiver`, with tiny retry delays."""
    async with running_sandbox(
        aiohttp_server, clock, webhook_url=receiver.url, webhook_secret=WEBHOOK_SECRET
    ) as running:
        running.webhooks.knobs.retry_delays = FAST_RETRIES
        # Long enough for a first delivery on a busy CI host (xdist workers share two cores): a test of timeouts
        # sets its own, shorter one.
        running.webhooks.knobs.timeout = 5.0
        yield running
