"""`python -m bench.rates [RATE ...]`: the server's CPU per checkout and loop lag as shoppers arrive faster.

One stack at 100 ms of gateway latency: first saturated (100 shoppers, closed loop), then shoppers arriving at
each rate. It shows how much of the server a checkout costs at each load, so how busy "half the peak" leaves it:
a checkout that costs less when the server never idles makes half the peak rate more than half the work.
It starts with the host's idle penalty: what a fixed piece of Python work costs on the server's CPU right
after that CPU idled, against when it never does.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from bench.__main__ import client_session
from bench.phases import measure_shoppers
from bench.report import server_busy
from bench.shoppers import Shopper, first_inr_product
from bench.stack import SERVER_CPUS, running_stack, step_aside
from bench.stats import idle_penalty
from galla.cli import new_event_loop

SATURATING_SHOPPERS = 100


def describe(label: str, run: dict) -> str:
    """One window's line: throughput, how busy the server was, its CPU per checkout and its loop lag."""
    return (
        f"{label:>16}: {run['checkouts_per_s']:6.1f} checkouts/s, server {server_busy(run):4.0%} busy, "
        f"{run['server_cpu_ms_per_checkout']} ms CPU per checkout, loop lag p99 {run['loop_lag_p99_ms']} ms"
    )


def describe_penalty(penalty: dict) -> str:
    """The idle penalty's line."""
    return (
        f"    idle penalty: {penalty['busy_us']} µs of Python work takes {penalty['after_idle_us']} µs right after "
        f"the server's CPU idled {penalty['idle_ms']:g} ms ({penalty['ratio']}×)"
    )


async def measure_rates(rates: list[float], seconds: float) -> None:
    """The idle penalty, the saturated window, then one window per arrival rate, printing each as measured."""
    print(describe_penalty(idle_penalty(SERVER_CPUS)), flush=True)
    async with running_stack("rates", "galla", 0.1) as stack, client_session() as session:
        shopper = Shopper(stack, session, await first_inr_product(session, stack.server_url))
        windows: list[tuple[str, dict[str, Any]]] = [
            (f"{SATURATING_SHOPPERS} shoppers", {"concurrency": SATURATING_SHOPPERS})
        ]
        windows += [(f"{rate:g} arriving/s", {"rate": rate}) for rate in rates]
        for label, load in windows:
            run = await measure_shoppers(stack, session, shopper, warmup=2.0, duration=seconds, **load)
            print(describe(label, run), flush=True)


def main(argv: list[str] | None = None) -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(prog="python -m bench.rates", description=__doc__)
    parser.add_argument("rates", nargs="*", type=float, default=[20, 60, 100, 127, 180])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per window")
    args = parser.parse_args(argv)
    step_aside()
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        runner.run(measure_rates(args.rates, args.seconds))


if __name__ == "__main__":
    main()
