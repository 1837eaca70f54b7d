"""A webhook endpoint on a real socket for the sandboxes' delivery tests (both sandboxes share it)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Received:
    """One webhook as the receiver got it: headers (case-insensitive), raw body, arrival time (monotonic)."""

    headers: Any
    body: bytes
    at: float


@dataclass
class Receiver:
    """A webhook endpoint on a real socket that records every POST; it can answer 500 or stall on demand."""

    server: TestServer | None = None
    requests: list[Received] = field(default_factory=list)
    fail_first: int = 0  # answer 500 to this many requests first
    stall_first: int = 0  # sleep `stall` seconds before answering this many requests first
    stall: float = 0.0
    refuse: Callable[[Received], bool] = lambda received: False  # answer 500 to these, always
    on_request: Callable[[Received], None] = lambda received: None  # e.g. move a fake clock on

    @property
    def url(self) -> str:
        return str(self.server.make_url("/hook"))

    async def wait_for(self, count: int) -> None:
        """Wait (up to about 4 s) until `count` webhooks have arrived; the test's assertions then say what came."""
        for _ in range(200):
            if len(self.requests) == count:
                return
            await asyncio.sleep(0.02)

    async def handle(self, request: web.Request) -> web.Response:
        """Record the request, then answer as told."""
        received = Received(headers=request.headers.copy(), body=await request.read(), at=time.monotonic())
        self.requests.append(received)
        self.on_request(received)
        count = len(self.requests)
        if count <= self.stall_first:
            await asyncio.sleep(self.stall)
        if count <= self.fail_first or self.refuse(received):
            return web.Response(status=500, text="receiver refused")
        return web.Response(text="ok")


async def start_receiver(aiohttp_server) -> Receiver:
    """Serve a fresh Receiver at /hook on its own port."""
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    receiver.server = await aiohttp_server(app)
    return receiver
