"""What every sandbox handle of the tests shares: a test server, and the prefix the sandbox is mounted under."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp.test_utils import TestServer


@dataclass(kw_only=True)
class Served:
    """A sandbox on a test server, alone (prefix "") or mounted under a prefix as the shop mounts it."""

    server: TestServer
    prefix: str = ""

    @property
    def url(self) -> str:
        return str(self.server.make_url(self.prefix or "/")).rstrip("/")
