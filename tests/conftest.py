"""Shared fixtures: a database (embedded, or real when MONGODB_URI is set), the Razorpay and Stripe
sandboxes each on its own real socket, and the app wired to them."""

from __future__ import annotations

import os
import secrets

import pytest
from aiohttp import web
from support.app import RazorpaySandbox, StripeSandbox, sandbox_settings
from support.faults import FlakyDatabase, Outage
from support.receiver import Receiver, start_receiver

from galla.app import create_app
from galla.store.db import Database, open_database
from sandboxes.razorpay import create_razorpay_sandbox
from sandboxes.stripe import create_stripe_sandbox


@pytest.fixture
async def database():
    """A fresh, empty database for one test: a real server's throwaway db, or the embedded store."""
    uri = os.environ.get("MONGODB_URI")
    name = f"galla_test_{secrets.token_hex(4)}"
    db = open_database(uri, name)
    yield db
    if uri:
        await db.client.drop_database(name)
    db.close()


@pytest.fixture
async def razorpay_sandbox(aiohttp_server) -> RazorpaySandbox:
    """The Razorpay sandbox on its own port, with fresh test keys."""
    key_id, secret = "rzp_test_" + secrets.token_hex(7), secrets.token_urlsafe(24)
    server = await aiohttp_server(create_razorpay_sandbox(key_id=key_id, key_secret=secret))
    return RazorpaySandbox(server=server, key_id=key_id, key_secret=secret)


@pytest.fixture
async def stripe_sandbox(aiohttp_server) -> StripeSandbox:
    """The Stripe sandbox on its own port, with a fresh secret key (an Indian account selling goods, its default)."""
    key = "sk_test_" + secrets.token_urlsafe(24)
    server = await aiohttp_server(create_stripe_sandbox(secret_key=key))
    return StripeSandbox(server=server, secret_key=key)


@pytest.fixture
async def make_client(aiohttp_client, database, razorpay_sandbox, stripe_sandbox):
    """Build a test client of the app against the sandboxes; settings overrides as keywords."""

    async def make(**overrides):
        app: web.Application = create_app(sandbox_settings(razorpay_sandbox, stripe_sandbox, **overrides), db=database)
        return await aiohttp_client(app)

    return make


@pytest.fixture
async def client(make_client):
    """The app with default settings (automatic capture)."""
    return await make_client()


@pytest.fixture
async def flaky(aiohttp_client, database, razorpay_sandbox, stripe_sandbox):
    """The app on a database that a test can switch off, and the switch."""
    outage = Outage()
    db = Database(client=database.client, db=FlakyDatabase(database.db, outage), embedded=database.embedded)
    client = await aiohttp_client(create_app(sandbox_settings(razorpay_sandbox, stripe_sandbox), db=db))
    return client, outage


@pytest.fixture
async def receiver(aiohttp_server) -> Receiver:
    """A webhook receiver on its own port, for the sandboxes' delivery tests."""
    return await start_receiver(aiohttp_server)
