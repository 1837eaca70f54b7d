"""The Razorpay sandbox as its own tests drive it: on a real socket, alone or mounted under a prefix."""

from __future__ import annotations

import asyncio
import base64
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
import razorpay

from sandboxes.common.webhooks import WebhookSender
from sandboxes.razorpay import RAZORPAY_WEBHOOKS, SANDBOX_STATE, SandboxState, create_razorpay_sandbox
from support.clock import Clock
from support.served import Started, serve

MOUNT = "/sandbox/razorpay"
WEBHOOK_SECRET = "rzp-webhook-secret-for-tests"
FAST_RETRIES = (0.05, 0.05, 0.05)  # the real schedule spans a day; tests cannot wait that long
# The webhooks a UPI payment captured at once sends, in order.
PAID = ["payment.authorized", "payment.captured", "order.paid"]


def basic_auth(key_id: str, key_secret: str) -> str:
    """Return the Authorization header value for HTTP Basic."""
    return "Basic " + base64.b64encode(f"{key_id}:{key_secret}".encode()).decode()


@dataclass
class Sandbox(Started):
    """The running sandbox as a test sees it: where it is, its keys, its state and a client session."""

    session: aiohttp.ClientSession
    key_id: str
    key_secret: str

    @property
    def state(self) -> SandboxState:
        return self.app[SANDBOX_STATE]

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": basic_auth(self.key_id, self.key_secret)}

    @property
    def webhooks(self) -> WebhookSender:
        return self.app[RAZORPAY_WEBHOOKS]

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
    ) -> tuple[int, Any]:
        """Send one REST call (authenticated unless auth=False); return the status and the JSON body."""
        all_headers = {**(self.auth if auth else {}), **(headers or {})}
        async with self.session.request(method, self.url + path, json=json, data=data, headers=all_headers) as resp:
            return resp.status, await resp.json()

    async def create_order(self, **fields: Any) -> dict[str, Any]:
        """Create an order (₹499 INR unless told otherwise) and return it."""
        status, body = await self.call("POST", "/v1/orders", json={"amount": 49900, "currency": "INR", **fields})
        assert status == 200, body
        return body

    async def pay(self, order_id: str, **fields: Any) -> tuple[int, dict[str, Any]]:
        """Pay as the checkout window does; UPI intent success unless told otherwise."""
        body = {"key_id": self.key_id, "order_id": order_id, "method": "upi", **fields}
        if body["method"] == "upi" and "vpa" not in body:
            body.setdefault("outcome", "success")
        return await self.call("POST", "/checkout/pay", json=body, auth=False)

    def sdk(self) -> razorpay.Client:
        """The official (synchronous) SDK pointed at this sandbox; call it through asyncio.to_thread."""
        return razorpay.Client(auth=(self.key_id, self.key_secret), base_url=self.url)


async def run_sdk(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a blocking SDK call off the event loop that also serves the sandbox."""
    return await asyncio.to_thread(call, *args, **kwargs)


async def pay_order(sandbox, **order_fields) -> str:
    """Create an order and pay it with UPI (captured at once); return the payment id."""
    order = await sandbox.create_order(**order_fields)
    status, paid = await sandbox.pay(order["id"])
    assert status == 200, paid
    return paid["razorpay_payment_id"]


def new_keys() -> tuple[str, str]:
    """A fresh test key pair."""
    return "rzp_test_" + secrets.token_hex(7), secrets.token_urlsafe(24)


@asynccontextmanager
async def running_sandbox(
    aiohttp_server, clock: Clock, *, mount: bool = False, **options: Any
) -> AsyncIterator[Sandbox]:
    """Start the sandbox (alone, or under MOUNT in a parent app) with a client session pointed at it."""
    key_id, key_secret = new_keys()
    keys = {"key_id": key_id, "key_secret": key_secret}
    app = create_razorpay_sandbox(clock=clock, **keys, **options)
    prefix = MOUNT if mount else ""
    server = await serve(aiohttp_server, app, prefix)
    async with aiohttp.ClientSession() as session:
        yield Sandbox(server=server, app=app, session=session, clock=clock, prefix=prefix, **keys)
