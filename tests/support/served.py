"""What the tests' sandbox handles share (a test server, the prefix it is mounted under), and how one is served."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from aiohttp.test_utils import TestServer

from support.clock import Clock


@dataclass(kw_only=True)
class Served:
    """A sandbox on a test server, alone (prefix "") or mounted under a prefix as the shop mounts it."""

    server: TestServer
    prefix: str = ""

    @property
    def url(self) -> str:
        return str(self.server.make_url(self.prefix or "/")).rstrip("/")


@dataclass(kw_only=True)
class Started(Served):
    """A sandbox a test started on its own: its aiohttp app, where its state lives, and the clock it runs on."""

    app: web.Application
    clock: Clock


async def shop_home(request: web.Request) -> web.Response:
    """The parent app's own page, beside the mounted sandbox."""
    return web.Response(text="the shop")


async def serve(aiohttp_server, app: web.Application, prefix: str) -> TestServer:
    """Serve a sandbox's app alone (prefix ""), or mounted under prefix in a parent app with a page of its own."""
    if not prefix:
        return await aiohttp_server(app)
    parent = web.Application()
    parent.router.add_get("/", shop_home)
    parent.add_subapp(prefix, app)
    return await aiohttp_server(parent)
