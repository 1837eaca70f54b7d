"""The baselines: Galla's own app, but calling Razorpay the way tutorials teach, the official SDK in an executor.

Everything else (routes, middlewares, the database, webhooks, the flows) is Galla's, so the benchmark's ratio
measures one thing: waiting on the gateway in threads instead of on the event loop.
Run it as `python -m bench.blocking --port P [--threads N]` with the same settings as `galla serve`: without
--threads the SDK's calls share the default executor (min(32, CPUs + 4) threads), with it a pool of N threads,
what a `gunicorn --threads N` worker gives the same code.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import razorpay
import requests
from aiohttp import web

from galla.app import create_app
from galla.cli import loopback_url, new_event_loop
from galla.ops.collector import freeze_at_startup
from galla.ops.logs import AccessLogger, configure_logging, settings_secrets
from galla.ops.metrics import METRICS
from galla.payments.errors import GatewayUnavailable
from galla.payments.razorpay.client import GATEWAY, RazorpayClient, error_from_response
from galla.settings import Settings
from galla.web.state import SETTINGS, SHOP, WEBHOOK_SHOP


@dataclass
class BlockingRazorpayClient(RazorpayClient):
    """RazorpayClient whose every request is the SDK's synchronous call, run by `loop.run_in_executor(None, ...)`."""

    _blocking: razorpay.Client = field(init=False, repr=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        self._blocking = razorpay.Client(auth=(self.key_id, self.key_secret), base_url=self.api_base)

    async def _send(self, method, path, body, params, headers):
        """Send one request through the SDK in a thread of the loop's default executor, as `order.create` does."""
        started = time.perf_counter()
        call = functools.partial(self.call_sdk, method, path, body, params, headers)
        try:
            payload = await asyncio.get_running_loop().run_in_executor(None, call)
        except razorpay.errors.BadRequestError as exc:
            error = error_from_response(400, {"error": {"code": "BAD_REQUEST_ERROR", "description": str(exc)}})
        except (razorpay.errors.ServerError, razorpay.errors.GatewayError, requests.RequestException) as exc:
            error = GatewayUnavailable(
                f"Razorpay did not answer: {type(exc).__name__}: {exc}",
                gateway=GATEWAY,
                code="NETWORK_ERROR",
                reason="connection",
            )
        else:
            return payload, self._record(method, path, body, 200, payload, started)
        self._record(method, path, body, None, None, started, error)
        raise error

    def call_sdk(self, method, path, body, params, headers) -> dict:
        """The SDK's own dispatch, which its resources (order.create, payment.fetch, ...) call; blocks its thread."""
        options = {"headers": headers, "timeout": self.timeout} if headers else {"timeout": self.timeout}
        if method == "GET":
            return self._blocking.get(path, params or {}, **options)
        return self._blocking.post(path, body or {}, **options)


async def use_blocking_razorpay(app: web.Application) -> AsyncIterator[None]:
    """Swap the shop's Razorpay client for the blocking one once the shop is built (after shop_ctx)."""
    shop, settings = app[SHOP], app[SETTINGS]
    client, key_id, key_secret = shop.razorpay, settings.razorpay_key_id, settings.razorpay_key_secret
    # The bench serves it with Razorpay's keys (bench/stack.py): a live client to stand in for.
    assert isinstance(client, RazorpayClient) and key_id is not None and key_secret is not None
    app[SHOP] = replace(
        shop,
        razorpay=BlockingRazorpayClient(
            session=client.session,
            key_id=key_id,
            key_secret=key_secret.get_secret_value(),
            api_base=settings.razorpay_api_base,
            timeout=settings.razorpay_timeout,
            webhook_secrets=client.webhook_secrets,
            breaker=client.breaker,
        ),
    )
    app[METRICS].watch(app[SHOP])
    app[WEBHOOK_SHOP] = app[SHOP].for_webhook()
    yield


def pool_of(threads: int) -> Callable[[web.Application], Awaitable[None]]:
    """A startup hook giving the loop a default executor of `threads` threads, where the SDK's calls then run."""

    async def use_pool(app: web.Application) -> None:
        # The loop shuts its default executor down when it closes, as it would the one it makes itself.
        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(max_workers=threads, thread_name_prefix="razorpay-sdk")
        )

    return use_pool


def main(argv: list[str] | None = None) -> None:
    """Serve the baseline like `galla serve` (Razorpay keys required: there is no sandbox to block on)."""
    parser = argparse.ArgumentParser(prog="python -m bench.blocking", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="run the SDK's calls on this many threads (default: the default executor's)",
    )
    args = parser.parse_args(argv)
    settings = Settings()
    if settings.razorpay_sandbox:
        parser.error("set RAZORPAY_KEY_ID, RAZORPAY_KEY_SECRET and RAZORPAY_API_BASE (a sandbox in its own process)")
    app = create_app(settings, self_url=loopback_url(args.host, args.port))
    app.cleanup_ctx.append(use_blocking_razorpay)
    if args.threads:
        app.on_startup.append(pool_of(args.threads))
    app.on_startup.append(freeze_at_startup)  # as galla serve does: only the gateway calls differ
    configure_logging(settings.log_format, settings.log_level, settings_secrets(app[SETTINGS]))
    pool = f"{args.threads} threads" if args.threads else "the default executor"
    print(f"Blocking baseline ({pool}) serving on {loopback_url(args.host, args.port)}", flush=True)
    web.run_app(app, host=args.host, port=args.port, print=None, access_log_class=AccessLogger, loop=new_event_loop())


if __name__ == "__main__":
    main()
