"""Driving Stripe Billing's test helpers in the sandbox over HTTP, as a developer does with test mode: a test clock,
a customer living on it (SUBSCRIPTIONS.md §18: Checkout reaches a clock through a clock-attached `customer`), and
moving the clock on so renewals, retries and their webhooks happen."""

from __future__ import annotations

from typing import Any

import aiohttp

from support.app import StripeSandbox


async def call_sandbox(sandbox: StripeSandbox, method: str, path: str, form: dict[str, Any] | None = None) -> dict:
    """One form-encoded request to the sandbox's API with its secret key; the JSON answer (2xx expected)."""
    headers = {"Authorization": f"Bearer {sandbox.secret_key}"}
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, sandbox.url + path, data=form, headers=headers) as resp,
    ):
        body = await resp.json()
        assert resp.status < 300, body
        return body


async def new_test_clock(sandbox: StripeSandbox, frozen_time: int) -> str:
    """POST /v1/test_helpers/test_clocks; the clock's id."""
    clock = await call_sandbox(sandbox, "POST", "/v1/test_helpers/test_clocks", {"frozen_time": str(frozen_time)})
    return str(clock["id"])


async def clock_customer(sandbox: StripeSandbox, email: str, clock_id: str, name: str = "Jane Doe") -> str:
    """POST /v1/customers on the clock: the buyer's Stripe customer Galla will find by email."""
    form = {"email": email, "name": name, "test_clock": clock_id}
    return str((await call_sandbox(sandbox, "POST", "/v1/customers", form))["id"])


async def advance_clock(sandbox: StripeSandbox, clock_id: str, frozen_time: int) -> None:
    """POST /v1/test_helpers/test_clocks/:id/advance: every renewal and retry due by then runs."""
    await call_sandbox(
        sandbox, "POST", f"/v1/test_helpers/test_clocks/{clock_id}/advance", {"frozen_time": str(frozen_time)}
    )
