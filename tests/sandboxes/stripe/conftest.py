"""Fixtures of the Stripe sandbox's own tests: the sandbox on a real socket, alone, mounted, or sending webhooks."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from support.clock import Clock
from support.stripe_sandbox import FAST_RETRIES, WEBHOOK_SECRET, Sandbox, running_sandbox


@pytest.fixture
def clock() -> Clock:
    """The sandbox's clock, settable by the test."""
    return Clock()


@pytest.fixture
async def sandbox(aiohttp_server, clock) -> AsyncIterator[Sandbox]:
    """The sandbox alone at the root of its own server."""
    async with running_sandbox(aiohttp_server, clock, mount=False) as running:
        yield running


@pytest.fixture
async def us_sandbox(aiohttp_server, clock) -> AsyncIterator[Sandbox]:
    """The sandbox as a US account: customer search works there (not for Indian accounts)."""
    async with running_sandbox(aiohttp_server, clock, mount=False, country="US") as running:
        yield running


@pytest.fixture
async def mounted(aiohttp_server, clock) -> AsyncIterator[Sandbox]:
    """The sandbox mounted under /sandbox/stripe of a parent app, as the shop mounts it."""
    async with running_sandbox(aiohttp_server, clock, mount=True) as running:
        yield running


@pytest.fixture
def live_clock() -> Clock:
    """A settable clock that starts at the real time, so signatures pass the SDK's 300 s tolerance."""
    return Clock(time.time())


@pytest.fixture
async def hooked(aiohttp_server, live_clock, receiver) -> AsyncIterator[Sandbox]:
    """The sandbox alone, sending its webhooks to `receiver`, with tiny retry delays."""
    async with running_sandbox(
        aiohttp_server, live_clock, mount=False, webhook_url=receiver.url, webhook_secret=WEBHOOK_SECRET
    ) as running:
        running.webhooks.knobs.retry_delays = FAST_RETRIES
        # Long enough for a first delivery on a busy CI host (xdist workers share two cores): a test of timeouts
        # sets its own, shorter one.
        running.webhooks.knobs.timeout = 5.0
        yield running
