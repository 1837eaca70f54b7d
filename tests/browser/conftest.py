"""Fixtures of the browser tests: the app as `make run` builds it on a real port, and a Chromium page."""

from __future__ import annotations

import pytest
from aiohttp import web
from support.browser import ADMIN_PASSWORD, SHOTS, phone_page

from galla.app import create_app
from galla.settings import Settings


@pytest.fixture
async def served(database, unused_tcp_port_factory):
    """The keyless app (both sandboxes mounted) on a real port, and the app; PUBLIC_URL is that port, as buyers see
    it."""
    port = unused_tcp_port_factory()
    base = f"http://127.0.0.1:{port}"
    app = create_app(
        Settings(_env_file=None, public_url=base, admin_password=ADMIN_PASSWORD), db=database, self_url=base
    )
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield base, app
    await runner.cleanup()


@pytest.fixture
async def shop_url(served):
    """The served app's address."""
    return served[0]


@pytest.fixture
async def page():
    """A phone-sized Chromium page; an uncaught script error on any page fails the test."""
    errors: list[str] = []
    async with phone_page(timeout_ms=8000) as page:
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
    assert errors == [], f"uncaught errors in the page's scripts: {errors}"
