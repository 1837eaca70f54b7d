"""The event loop's lag: how late a timer fires, which is how long anything ready to run waits for the loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from galla.ops.metrics import METRICS

SAMPLE_INTERVAL = 0.02  # 50 samples a second: cheap, and enough for a p99 over a few seconds


async def watch_loop_lag(observe: Callable[[float], None], interval: float = SAMPLE_INTERVAL) -> None:
    """Sleep `interval` again and again, reporting each time how much longer than that the sleep took."""
    loop = asyncio.get_running_loop()
    while True:
        started = loop.time()
        await asyncio.sleep(interval)
        observe(max(0.0, loop.time() - started - interval))


async def loop_lag_ctx(app: web.Application) -> AsyncIterator[None]:
    """Feed the galla_event_loop_lag_seconds histogram for as long as the app runs."""
    task = asyncio.create_task(watch_loop_lag(app[METRICS].loop_lag.observe))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
