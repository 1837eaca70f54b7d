"""Fixtures for the browser tests: the app as `make run` builds it on a real port, and a Chromium page.

Not a conftest.py, so `from conftest import ...` in the app's tests keeps meaning tests/conftest.py;
test modules import what they use. Without Chromium the tests are skipped, except in CI, where
.ci/run installs Debian's chromium and a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from aiohttp import web

from galla.app import create_app
from galla.settings import Settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HAVE_BROWSER = Path(CHROMIUM).exists()
NEEDS_BROWSER = pytest.mark.skipif(
    not HAVE_BROWSER and not os.environ.get("CI"), reason="Debian's chromium is not installed"
)
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
# The admin password the browser tests sign in with (a run without one would print a generated one).
ADMIN_PASSWORD = "browser-admin-password-1"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
async def shop_url(database, unused_tcp_port_factory):
    """The keyless app (both sandboxes mounted) on a real port; PUBLIC_URL is that port, as buyers see it."""
    port = unused_tcp_port_factory()
    base = f"http://127.0.0.1:{port}"
    runner = web.AppRunner(
        create_app(Settings(_env_file=None, public_url=base, admin_password=ADMIN_PASSWORD), db=database, self_url=base)
    )
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield base
    await runner.cleanup()


@pytest.fixture
async def page():
    """A phone-sized Chromium page; an uncaught script error on any page fails the test."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = await browser.new_context(viewport={"width": 390, "height": 844})
        context.set_default_timeout(8000)
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
        await browser.close()
        assert errors == [], f"uncaught errors in the page's scripts: {errors}"


async def sign_in(page, shop_url: str) -> None:
    """Sign in to the admin area through its form, as a person does (an admin page first sends you there)."""
    await page.goto(shop_url + "/admin")
    await page.wait_for_url("**/admin/login")
    await page.fill('[data-testid="password"]', ADMIN_PASSWORD)
    await page.click('[data-testid="sign-in"]')
    await page.wait_for_url(shop_url + "/admin")
