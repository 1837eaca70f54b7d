"""A recording reverse proxy between Galla and a sandbox: every request as it went on the wire, and its answer.

Galla is pointed at the proxy (razorpay_api_base / stripe_api_base), the proxy forwards to the sandbox
untouched, so what is checked is what Galla's clients (our Razorpay client, the stripe SDK) really sent,
not what our code meant to send; the sandbox is not changed for it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web
from yarl import URL

# Hop-by-hop and length headers: aiohttp sets its own.
_SKIP_HEADERS = {"host", "content-length", "transfer-encoding", "connection", "content-encoding", "keep-alive"}
_BRACKETS = re.compile(r"\[([^\[\]]*)\]")


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request through the proxy and the answer it got."""

    method: str
    path: str
    query: str
    content_type: str
    body: bytes
    status: int
    response: bytes

    def form_params(self) -> dict[str, Any]:
        """Stripe's parameters: the query string and a form body, bracket keys decoded into dicts and lists."""
        pairs = parse_qsl(self.query, keep_blank_values=True)
        if self.body and self.content_type.startswith("application/x-www-form-urlencoded"):
            pairs += parse_qsl(self.body.decode(), keep_blank_values=True)
        return decode_brackets(pairs)

    def json_body(self) -> Any:
        """A JSON request body (Razorpay's), or None when there was none."""
        return json.loads(self.body) if self.body else None

    def json_response(self) -> Any:
        return json.loads(self.response) if self.response else None

    def __str__(self) -> str:
        return f"{self.method} {self.path}{'?' + self.query if self.query else ''}"


def decode_brackets(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Decode `a[b][0][c]=v` pairs as stripe-python encodes them (api_requestor's _api_encode): hashes as
    `[key]`, lists as `[0]`, `[1]`, ... Written here, not taken from the sandbox, so the check is independent."""
    tree: dict[str, Any] = {}
    for key, value in pairs:
        head = key.split("[", 1)[0]
        segments = [head, *_BRACKETS.findall(key[len(head) :])]
        node = tree
        for segment in segments[:-1]:
            node = node.setdefault(segment, {})
        node[segments[-1]] = value
    return _lists(tree)


def _lists(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    value = {k: _lists(v) for k, v in value.items()}
    if value and set(value) == {str(i) for i in range(len(value))}:
        return [value[str(i)] for i in range(len(value))]
    return value


@dataclass
class WireRecorder:
    """Forwards every request to target and keeps each exchange, oldest first."""

    target: str
    url: str = ""  # the proxy's own address, once it serves
    exchanges: list[Exchange] = field(default_factory=list)
    # (method, path) of calls whose answer is lost on the way back: the gateway did the work, the client gets 504.
    lose_answers: list[tuple[str, str]] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.forward)
        return app

    async def forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _SKIP_HEADERS}
        async with (
            aiohttp.ClientSession(auto_decompress=True) as session,
            session.request(
                request.method,
                URL(self.target + request.raw_path, encoded=True),
                data=body or None,
                headers=headers,
                allow_redirects=False,
            ) as resp,
        ):
            answer = await resp.read()
            reply_headers = {k: v for k, v in resp.headers.items() if k.lower() not in _SKIP_HEADERS}
            status = resp.status
        self.exchanges.append(
            Exchange(
                method=request.method,
                path=request.path,
                query=request.raw_path.partition("?")[2],
                content_type=request.headers.get("Content-Type", ""),
                body=body,
                status=status,
                response=answer,
            )
        )
        if (request.method, request.path) in self.lose_answers:
            self.lose_answers.remove((request.method, request.path))
            return web.Response(status=504, text="the answer was lost on the way back (contract test)")
        return web.Response(body=answer, status=status, headers=reply_headers)

    def api_calls(self) -> list[Exchange]:
        """The REST calls (/v1/...), which is what the gateways' published types describe."""
        return [e for e in self.exchanges if e.path.startswith("/v1/")]


def answered(method: str, path: str, body: bytes) -> Exchange:
    """A request with no query, answered 200 with {}: as the proxy records it, for the contract checks' own tests."""
    return Exchange(method=method, path=path, query="", content_type="", body=body, status=200, response=b"{}")


@dataclass
class Wires:
    """What Galla sent to each gateway and what it got back."""

    razorpay: WireRecorder
    stripe: WireRecorder
