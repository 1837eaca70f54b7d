"""One measured phase against a running stack: shoppers (or webhooks), plus what the server says it spent."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

import aiohttp

from bench import stats
from bench.shoppers import STEPS, Shopper, run_closed, run_open
from bench.stack import Stack
from bench.webhook_load import post_events

LOOP_LAG = "galla_event_loop_lag_seconds"
WEBHOOKS = "galla_webhook_events_total"
DRAIN_TIMEOUT = 120.0  # seconds to wait for the sandbox's webhook queue to empty before a window
T = TypeVar("T")


@dataclass
class Snapshot:
    """The server's metrics and every process's CPU time at one moment."""

    at: float  # wall clock, to compare with the sandbox's delivery log
    metrics: dict
    cpu: dict[str, float]


async def snapshot(stack: Stack, session: aiohttp.ClientSession) -> Snapshot:
    """Scrape /metrics and read CPU times now."""
    async with session.get(stack.server_url + "/metrics") as resp:
        text = await resp.text()
    return Snapshot(at=time.time(), metrics=stats.parse_metrics(text), cpu=stack.cpu())


def verified_events(metrics: dict) -> float:
    """Webhook deliveries whose signature held (stored in the ledger, duplicates included)."""
    return stats.total(metrics, WEBHOOKS) - stats.total(metrics, WEBHOOKS, type="unverified")


def compare(before: Snapshot, after: Snapshot, seconds: float) -> dict:
    """What the server did between two snapshots: webhook events, loop lag, CPU seconds per process."""
    lag = stats.histogram_quantile(
        stats.histogram_buckets(before.metrics, LOOP_LAG), stats.histogram_buckets(after.metrics, LOOP_LAG), 0.99
    )
    events = verified_events(after.metrics) - verified_events(before.metrics)
    return {
        "webhook_events": int(events),
        "webhook_events_per_s": round(events / seconds, 1),
        "loop_lag_p99_ms": None if lag is None else round(lag * 1000, 2),
        "cpu_s": {role: round(after.cpu[role] - before.cpu[role], 3) for role in after.cpu},
    }


async def delivery_log(stack: Stack, session: aiohttp.ClientSession, since: float) -> dict:
    """The Razorpay sandbox's webhook log from `since` (a Unix time) on, and how many events are pending."""
    async with session.get(stack.razorpay_url + "/webhooks/deliveries", params={"since": str(since)}) as resp:
        return await resp.json()


async def delivery_waits(stack: Stack, session: aiohttp.ClientSession, since: float, until: float) -> list[float]:
    """How long each Razorpay event the sandbox delivered in the window waited from queued to answered."""
    log = await delivery_log(stack, session, since)
    return [d["waited"] for d in log["deliveries"] if d["at"] < until and d["status"] == 200]


async def drain_webhooks(stack: Stack, session: aiohttp.ClientSession, timeout: float = DRAIN_TIMEOUT) -> float:
    """Wait until the sandbox has delivered every webhook the last window queued; the seconds it took.

    A window that saturates the server leaves thousands of events queued in the sandbox; the next window
    would otherwise pay for them (its loop lag, its CPU per unit), and its own figures would be the last one's."""
    started = time.monotonic()
    while await backlog(stack, session):
        if time.monotonic() - started > timeout:
            break  # measured anyway: the backlog left is in the window's figures
        await asyncio.sleep(0.25)
    return round(time.monotonic() - started, 2)


async def backlog(stack: Stack, session: aiohttp.ClientSession) -> int:
    """Webhook events the sandbox has queued and not yet delivered."""
    return (await delivery_log(stack, session, time.time()))["pending"]


async def watch(
    stack: Stack, session: aiohttp.ClientSession, load: Awaitable[T], warmup: float, duration: float
) -> tuple[T, Snapshot, Snapshot]:
    """Run a load, snapshotting the server when its warm-up ends and again when its measured window does."""
    task = asyncio.ensure_future(load)
    await asyncio.sleep(warmup)
    before = await snapshot(stack, session)
    await asyncio.sleep(duration)
    after = await snapshot(stack, session)
    return await task, before, after


async def measure_shoppers(
    stack: Stack,
    session: aiohttp.ClientSession,
    shopper: Shopper,
    *,
    warmup: float,
    duration: float,
    concurrency: int | None = None,
    rate: float | None = None,
) -> dict:
    """Run shoppers closed-loop (`concurrency`) or arriving at `rate` a second; report the window's figures.

    checkouts_per_s counts the window's checkouts over the window and the time it then took the sandbox to
    deliver every webhook still queued once the shoppers in flight had finished (settled_s): what the server
    sustains, webhooks ingested included."""
    drained = await drain_webhooks(stack, session)
    probe = stats.speed_probe()  # before the load: the host's speed when this window ran
    if rate is not None:
        load = run_open(shopper, rate, warmup, duration)
    else:
        assert concurrency is not None, "measure_shoppers needs a concurrency or a rate"
        load = run_closed(shopper, concurrency, warmup, duration)
    tally, before, after = await watch(stack, session, load, warmup, duration)
    left, unsettled_cpu = await backlog(stack, session), stack.cpu()["server"]  # the shoppers in flight are done
    # Until the webhooks the window's checkouts set off are in: a saturated server serves the shoppers and
    # leaves the gateway's deliveries queued, and a window that stopped counting there would bank work not done.
    settled = await drain_webhooks(stack, session) if left else 0.0
    settled_cpu = after.cpu["server"] - before.cpu["server"] + stack.cpu()["server"] - unsettled_cpu
    server = compare(before, after, duration)
    waits = await delivery_waits(stack, session, before.at, after.at)
    checkouts = tally.checkouts
    return {
        "concurrency": concurrency,
        "arrival_rate": rate,
        "seconds": duration,
        "checkouts": checkouts,
        "checkouts_per_s": round(checkouts / (duration + settled), 1),
        "checkouts_per_s_before_webhooks": round(checkouts / duration, 1),
        "settled_s": round(settled, 2),
        "steps": {
            **{name: stats.summarize_ms(tally.steps[name]) for name in STEPS},
            "webhook_delivery": stats.summarize_ms(waits),
        },
        # The window's CPU and the settling's, as the count: the deferred webhooks are the checkouts' work.
        "server_cpu_ms_per_checkout": round(settled_cpu * 1000 / checkouts, 3) if checkouts else None,
        "failures": dict(tally.failures),
        **server,
        "speed_probe_us": probe,
        "paid": tally.paid,
        "drained_s": drained,
        "webhook_backlog_after": left,
    }


async def measure_webhooks(
    stack: Stack,
    session: aiohttp.ClientSession,
    entities: list[dict],
    *,
    concurrency: int,
    warmup: float,
    duration: float,
) -> dict:
    """Deliver new signed events as fast as the server takes them; events/s, latency and CPU per event."""
    drained = await drain_webhooks(stack, session)
    probe = stats.speed_probe()
    ingested, before, after = await watch(
        stack, session, post_events(stack, session, entities, concurrency, warmup, duration), warmup, duration
    )
    server = compare(before, after, duration)
    return {
        "concurrency": concurrency,
        "seconds": duration,
        "accepted": ingested.accepted,
        "accepted_per_s": round(ingested.accepted / duration, 1),
        "refused": ingested.refused,
        "latency": stats.summarize_ms(ingested.latencies),
        "server_cpu_ms_per_event": (
            round(server["cpu_s"]["server"] * 1000 / server["webhook_events"], 3) if server["webhook_events"] else None
        ),
        **server,
        "speed_probe_us": probe,
        "drained_s": drained,
    }
