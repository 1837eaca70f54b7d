"""`python -m bench [--quick]`: Galla against two blocking baselines, all against sandboxes with injected latency.

The baselines run the Razorpay SDK in threads: the default executor's few, and a thread per shopper (what
`gunicorn --threads` runs). Writes bench/results/latest.json and docs/BENCHMARKS.md (a full run) or
bench/results/quick.json (--quick).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import sys
import time
from dataclasses import dataclass

import aiohttp

from bench import report
from bench.phases import measure_shoppers, measure_webhooks
from bench.shoppers import Paid, Shopper, Tally, first_inr_product
from bench.stack import OUTSIDE_CPUS, ROOT, SERVER_CPUS, Stack, running_stack, set_latency, step_aside
from bench.stats import idle_penalty, speed_probe
from bench.webhook_load import fetch_entities
from galla.cli import new_event_loop

RESULTS = ROOT / "bench" / "results"
HEADLINE_SHOPPERS = report.HEADLINE_SHOPPERS


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
    # Windows behind each headline figure, which is their median: one window on a shared host is a coin toss.
    rounds: int
    growth_window: float  # measured seconds of each growth window: short, as each adds orders to the store


FULL = Plan("full", 0.1, (25, 50, 100, 200, 400), 3.0, 12.0, 32, (1_000, 50_000), 3, 5.0)
QUICK = Plan("quick", 0.1, (50, 200), 2.0, 5.0, 32, (1_000, 5_000), 1, 3.0)


def client_session() -> aiohttp.ClientSession:
    """The shoppers' HTTP client: no cap on connections (the server's pace is what is measured)."""
    # No cookies to keep: the jar's bookkeeping would cost the generator CPU the servers need.
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0),
        cookie_jar=aiohttp.DummyCookieJar(),
        timeout=aiohttp.ClientTimeout(total=60),
    )


def log(message: str) -> None:
    """Progress on stderr."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Windows:
    """Measured windows of shoppers against one stack, keeping the paid orders for the webhook load."""

    def __init__(self, stack: Stack, session: aiohttp.ClientSession, shopper: Shopper, plan: Plan) -> None:
        self.stack, self.session, self.shopper, self.plan = stack, session, shopper, plan
        self.paid: list[Paid] = []

    async def shoppers(self, **load) -> dict:
        """One window of shoppers (`concurrency=` closed-loop or `rate=` arriving); its figures."""
        run = await measure_shoppers(
            self.stack, self.session, self.shopper, warmup=self.plan.warmup, duration=self.plan.duration, **load
        )
        self.paid += run.pop("paid")
        return run

    async def webhooks(self, entities: list[dict]) -> dict:
        """One window of the webhook load about these paid orders."""
        return await measure_webhooks(
            self.stack,
            self.session,
            entities,
            concurrency=self.plan.webhook_concurrency,
            warmup=self.plan.warmup,
            duration=self.plan.duration,
        )


async def sweep(server: str, latency: float, plan: Plan, *, extra: bool) -> dict:
    """Shoppers at each concurrency against one stack, then the headline's windows: for the baseline more at
    200 shoppers, for Galla (`extra`) rounds of 100 ms, 0 ms, half the peak, half busy and webhooks, taking turns."""
    found: dict = {"server": server, "latency_ms": latency * 1000, "runs": []}
    if server == "threads":  # a thread for each shopper at the widest level, so no shopper waits for one
        found["threads"] = max(plan.sweep)
    async with (
        running_stack(f"{server}-{int(latency * 1000)}ms", server, latency, threads=found.get("threads", 0)) as stack,
        client_session() as session,
    ):
        found["store"] = stack.store
        windows = Windows(
            stack, session, Shopper(stack, session, await first_inr_product(session, stack.server_url)), plan
        )
        for concurrency in plan.sweep:
            run = await windows.shoppers(concurrency=concurrency)
            log(f"{server} {latency * 1000:.0f} ms, {concurrency} shoppers: {run['checkouts_per_s']} checkouts/s")
            found["runs"].append(run)
        if extra:
            peak = max(run["checkouts_per_s"] for run in found["runs"])
            found["rounds"] = await headline_rounds(windows, latency, peak)
        else:
            headline = [report.at_shoppers(found, HEADLINE_SHOPPERS)]
            for _ in range(plan.rounds - 1):
                headline.append(await windows.shoppers(concurrency=HEADLINE_SHOPPERS))
                log(f"{server} {HEADLINE_SHOPPERS} shoppers again: {headline[-1]['checkouts_per_s']} checkouts/s")
            found["rounds"] = {"headline": headline}
    return found


async def headline_rounds(windows: Windows, latency: float, peak: float) -> dict:
    """Each of Galla's headline windows `rounds` times, one of each kind per round: a slow minute of the host
    then touches one window of every figure rather than every window of one.

    0 ms is the same stack and store a moment after 100 ms, the sandbox's latency set live, so latency_hidden
    compares like with like round by round. Half the peak is half the most Galla served in any window before
    it, the sweep's and every round's 100 ms and 0 ms windows. Half busy is the rate the half-peak window says
    would take half the server's CPU: the load the issue means by half the peak, where a blocked loop shows and a
    busy one not."""
    stack, session = windows.stack, windows.session
    found: dict = {"headline": [], "zero_latency": [], "half_peak": [], "half_busy": [], "webhooks": []}
    entities: list[dict] = []
    for number in range(1, windows.plan.rounds + 1):
        found["headline"].append(await windows.shoppers(concurrency=HEADLINE_SHOPPERS))
        await set_latency(stack, session, 0.0)
        found["zero_latency"].append(await windows.shoppers(concurrency=HEADLINE_SHOPPERS))
        await set_latency(stack, session, latency)
        # The most served in any window so far: a sweep on a slow minute of the host must not set an easy rate.
        peak = max(peak, found["headline"][-1]["checkouts_per_s"], found["zero_latency"][-1]["checkouts_per_s"])
        found["half_peak"].append(await windows.shoppers(rate=peak / 2))
        found["half_busy"].append(await windows.shoppers(rate=report.half_busy_rate(found["half_peak"][-1])))
        entities = entities or await fetch_entities(stack, session, windows.paid[:2000])
        found["webhooks"].append(await windows.webhooks(entities))
        log(
            f"round {number}: {found['headline'][-1]['checkouts_per_s']} checkouts/s at {latency * 1000:.0f} ms, "
            f"{found['zero_latency'][-1]['checkouts_per_s']} at 0 ms; half peak ({peak / 2:.0f}/s) loop lag p99 "
            f"{found['half_peak'][-1]['loop_lag_p99_ms']} ms, half busy "
            f"({found['half_busy'][-1]['arrival_rate']:.0f}/s) {found['half_busy'][-1]['loop_lag_p99_ms']} ms; "
            f"{found['webhooks'][-1]['accepted_per_s']} "
            "verified events/s"
        )
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
    """CPU per checkout and per webhook event on a store of few orders and one of many, side by side.

    Two stacks (no latency) are filled to the two sizes, then take turns window by window, in alternating
    order: each round's ratio compares two windows seconds apart, where one stack after the other would put
    the minutes of the big fill between them. Each window adds the orders it places to its store."""
    found: dict = {"rounds": []}
    async with contextlib.AsyncExitStack() as stacks, client_session() as session:
        sides: dict[int, list] = {}
        for size in plan.growth_sizes:
            stack = await stacks.enter_async_context(running_stack(f"growth-{size}", "galla", 0.0))
            shopper = Shopper(stack, session, await first_inr_product(session, stack.server_url))
            sides[size] = [stack, shopper, await preload(shopper, 0, size)]
            log(f"growth: {sides[size][2]} orders stored")
        for number in range(plan.rounds):
            measured: dict = {}
            for size in plan.growth_sizes if number % 2 == 0 else plan.growth_sizes[::-1]:
                stack, shopper, stored = sides[size]
                run = await measure_shoppers(
                    stack, session, shopper, concurrency=50, warmup=1.0, duration=plan.growth_window
                )
                paid = run.pop("paid")
                hooks = await measure_webhooks(
                    stack,
                    session,
                    await fetch_entities(stack, session, paid[:500]),
                    concurrency=plan.webhook_concurrency,
                    warmup=1.0,
                    duration=plan.growth_window,
                )
                sides[size][2] = stored + len(paid)
                measured[str(size)] = {"orders_stored_before": stored, "checkouts": run, "webhooks": hooks}
            small, large = (measured[str(size)] for size in plan.growth_sizes)
            measured["cpu_per_checkout_ratio"] = report.ratio(
                large["checkouts"]["server_cpu_ms_per_checkout"], small["checkouts"]["server_cpu_ms_per_checkout"], 3
            )
            measured["cpu_per_event_ratio"] = report.ratio(
                large["webhooks"]["server_cpu_ms_per_event"], small["webhooks"]["server_cpu_ms_per_event"], 3
            )
            found["rounds"].append(measured)
            log(
                f"growth round {number + 1}: CPU per checkout {measured['cpu_per_checkout_ratio']}×, per event "
                f"{measured['cpu_per_event_ratio']}× with {large['orders_stored_before']} orders stored against "
                f"{small['orders_stored_before']}"
            )
    return found


def machine() -> dict:
    """What the figures were measured on."""
    # Which build of Python, too: the CPU-bound figures differ by a tenth between Debian's and a default one.
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "python_executable": os.path.realpath(getattr(sys, "_base_executable", sys.executable)),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "server_cpus": sorted(SERVER_CPUS),
        "outside_cpus": sorted(OUTSIDE_CPUS),
    }


async def run(plan: Plan) -> dict:
    """Every phase, one stack after another (never two at once: they would share the CPUs)."""
    started, probe, penalty = time.time(), speed_probe(), idle_penalty(SERVER_CPUS)
    galla = await sweep("galla", plan.latency, plan, extra=True)
    blocking = await sweep("blocking", plan.latency, plan, extra=False)
    threads = await sweep("threads", plan.latency, plan, extra=False)
    grown = await growth(plan)
    host = {
        **machine(),
        "speed_probe_us": {"start": probe, "end": speed_probe()},
        "idle_penalty": {"start": penalty, "end": idle_penalty(SERVER_CPUS)},
    }
    return report.summarize(
        plan=plan.__dict__,
        machine=host,
        galla=galla,
        blocking=blocking,
        threads=threads,
        growth=grown,
        seconds=round(time.time() - started),
    )


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and write its results."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short run (about 2.5 minutes); writes quick.json")
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
