"""`python -m bench [--quick]`: Galla against the blocking baseline, both against sandboxes with injected latency.

Writes bench/results/latest.json and docs/BENCHMARKS.md (a full run) or bench/results/quick.json (--quick).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
from dataclasses import dataclass

import aiohttp

from bench import report
from bench.stats import speed_probe
from bench.phases import measure_shoppers, measure_webhooks
from bench.shoppers import Shopper, Tally, first_inr_product
from bench.stack import ROOT, running_stack, set_latency, step_aside
from bench.webhook_load import fetch_entities
from views.cli import new_event_loop

RESULTS = ROOT / "bench" / "results"
HEADLINE_SHOPPERS = 200


@dataclass(frozen=True)
class Plan:
    """How long and how wide a run is."""

    name: str
    latency: float
    sweep: tuple[int, ...]
    warmup: float
    duration: float
    webhook_concurrency: int
    growth_sizes: tuple[int, int]


FULL = Plan("full", 0.1, (25, 50, 100, 200, 400), 3.0, 12.0, 32, (1_000, 50_000))
QUICK = Plan("quick", 0.1, (50, 200), 2.0, 5.0, 32, (1_000, 5_000))


def client_session() -> aiohttp.ClientSession:
    """The shoppers' HTTP client: no cap on connections (the server's pace is what is measured)."""
    # No cookies to keep: the jar's bookkeeping would cost the generator CPU the servers need.
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), cookie_jar=aiohttp.DummyCookieJar(),
                                 timeout=aiohttp.ClientTimeout(total=60))


def log(message: str) -> None:
    """Progress on stderr."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


async def sweep(server: str, latency: float, plan: Plan, *, extra: bool) -> dict:
    """Shoppers at each concurrency against one stack; for Galla at full latency also half-peak and webhooks."""
    found: dict = {"server": server, "latency_ms": latency * 1000, "runs": []}
    async with running_stack(f"{server}-{int(latency * 1000)}ms", server, latency) as stack, client_session() as session:
        found["store"] = stack.store
        shopper = Shopper(stack, session, await first_inr_product(session, stack.server_url))
        levels = plan.sweep if extra or server == "blocking" else (HEADLINE_SHOPPERS,)
        paid = []
        for concurrency in levels:
            run = await measure_shoppers(stack, session, shopper, concurrency=concurrency, warmup=plan.warmup,
                                         duration=plan.duration)
            paid += run.pop("paid")
            log(f"{server} {latency * 1000:.0f} ms, {concurrency} shoppers: {run['checkouts_per_s']} checkouts/s")
            found["runs"].append(run)
            if extra and concurrency == HEADLINE_SHOPPERS:
                # The same shoppers with the gateway answering at once, on the same stack and store a moment
                # later: latency_hidden compares like with like (the host's speed drifts over minutes).
                await set_latency(stack, session, 0.0)
                zero = await measure_shoppers(stack, session, shopper, concurrency=concurrency, warmup=plan.warmup,
                                              duration=plan.duration)
                await set_latency(stack, session, latency)
                paid += zero.pop("paid")
                log(f"{server} 0 ms, {concurrency} shoppers: {zero['checkouts_per_s']} checkouts/s")
                found["zero_latency"] = {"server": server, "latency_ms": 0.0, "store": stack.store, "runs": [zero]}
        if extra:
            peak = max(run["checkouts_per_s"] for run in found["runs"])
            half = await measure_shoppers(stack, session, shopper, rate=peak / 2, warmup=plan.warmup,
                                          duration=plan.duration)
            paid += half.pop("paid")
            log(f"half peak ({peak / 2:.0f}/s): loop lag p99 {half['loop_lag_p99_ms']} ms")
            found["half_peak"] = half
            entities = await fetch_entities(stack, session, paid[:2000])
            found["webhooks"] = await measure_webhooks(stack, session, entities, concurrency=plan.webhook_concurrency,
                                                       warmup=plan.warmup, duration=plan.duration)
            log(f"webhooks: {found['webhooks']['accepted_per_s']} verified events/s")
    return found


async def preload(shopper: Shopper, stored: int, target: int) -> int:
    """Place pending orders through POST /api/checkout until `target` are stored; return how many are."""
    missing = target - stored
    if missing <= 0:
        return stored
    tally = Tally()
    remaining = iter(range(missing))

    async def place() -> None:
        for _ in remaining:
            await shopper.place(tally)

    await asyncio.gather(*(place() for _ in range(64)))
    return stored + missing - sum(tally.failures.values())


async def growth(plan: Plan) -> dict:
    """CPU per checkout and per webhook event with few and with many orders already stored."""
    found: dict = {"sizes": {}}
    async with running_stack("growth", "galla", 0.0) as stack, client_session() as session:
        shopper = Shopper(stack, session, await first_inr_product(session, stack.server_url))
        stored = 0
        for size in plan.growth_sizes:
            stored = await preload(shopper, stored, size)
            log(f"growth: {stored} orders stored")
            run = await measure_shoppers(stack, session, shopper, concurrency=50, warmup=plan.warmup,
                                         duration=plan.duration)
            paid = run.pop("paid")
            entities = await fetch_entities(stack, session, paid[:500])
            hooks = await measure_webhooks(stack, session, entities, concurrency=plan.webhook_concurrency,
                                           warmup=plan.warmup, duration=plan.duration)
            stored += len(paid)
            found["sizes"][str(size)] = {"orders_stored_before": size, "checkouts": run, "webhooks": hooks}
            log(f"growth at {size}: {run['server_cpu_ms_per_checkout']} ms CPU/checkout, "
                f"{hooks['server_cpu_ms_per_event']} ms CPU/event")
    small, large = (found["sizes"][str(size)] for size in plan.growth_sizes)
    found["cpu_per_checkout_ratio"] = round(large["checkouts"]["server_cpu_ms_per_checkout"]
                                            / small["checkouts"]["server_cpu_ms_per_checkout"], 3)
    found["cpu_per_event_ratio"] = round(large["webhooks"]["server_cpu_ms_per_event"]
                                         / small["webhooks"]["server_cpu_ms_per_event"], 3)
    return found


def machine() -> dict:
    """What the figures were measured on."""
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "processor": platform.processor() or platform.machine()}


async def run(plan: Plan) -> dict:
    """Every phase, one stack after another (never two at once: they would share the CPUs)."""
    started, probe = time.time(), speed_probe()
    galla = await sweep("galla", plan.latency, plan, extra=True)
    zero = galla.pop("zero_latency")
    blocking = await sweep("blocking", plan.latency, plan, extra=False)
    grown = await growth(plan)
    host = {**machine(), "speed_probe_us": {"start": probe, "end": speed_probe()}}
    return report.summarize(plan=plan.__dict__, machine=host, galla=galla, zero=zero, blocking=blocking,
                            growth=grown, headline_shoppers=HEADLINE_SHOPPERS, seconds=round(time.time() - started))


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and write its results."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short run (about 2 minutes); writes quick.json")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    step_aside()
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        results = runner.run(run(plan))
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / ("quick.json" if args.quick else "latest.json")
    target.write_text(json.dumps(results, indent=2) + "\n")
    print(report.headline(results))
    if not args.quick:
        report.write_docs(results, command="make bench")
    print(f"results: {target.relative_to(ROOT)}" + ("" if args.quick else ", docs/BENCHMARKS.md"))


if __name__ == "__main__":
    main()
