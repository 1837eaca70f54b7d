"""`python -m bench.ab REV`: this tree's server CPU against another revision's, side by side, in alternating windows.

The host's speed drifts by 2x within minutes, so two runs minutes apart cannot tell a 10 % change from the weather.
Both stacks stay up and take turns: round after round, each gets the same load for a few seconds, in alternating
order, and each round's ratio compares two windows a few seconds apart. Prints the server's CPU per checkout and
per webhook event in every round, their medians, and the median ratio (below 1: this tree spends less).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import subprocess
import tempfile
from pathlib import Path

from bench.__main__ import client_session, log
from bench.phases import measure_shoppers, measure_webhooks
from bench.shoppers import Shopper, first_inr_product
from bench.stack import ROOT, running_stack, step_aside
from bench.stats import speed_probe
from bench.webhook_load import fetch_entities
from galla.cli import new_event_loop

SHOPPERS, WEBHOOK_CONCURRENCY = 200, 32


async def compare(trees: dict[str, Path], rounds: int, seconds: float, latency: float) -> dict:
    """Alternate checkout and webhook windows between the stacks; CPU per unit of work, round by round."""
    found: dict = {name: {"checkout": [], "event": [], "checkouts_per_s": []} for name in trees}
    async with contextlib.AsyncExitStack() as stacks, client_session() as session:
        ready = {}
        for name, root in trees.items():
            stack = await stacks.enter_async_context(running_stack(f"ab-{name}", "galla", latency, root))
            shopper = Shopper(stack, session, await first_inr_product(session, stack.server_url))
            warm = await measure_shoppers(stack, session, shopper, concurrency=SHOPPERS, warmup=1, duration=seconds)
            ready[name] = (stack, shopper, await fetch_entities(stack, session, warm.pop("paid")[:1000]))
        for number in range(rounds):
            order = list(ready.items()) if number % 2 == 0 else list(ready.items())[::-1]
            for name, (stack, shopper, entities) in order:
                run = await measure_shoppers(stack, session, shopper, concurrency=SHOPPERS, warmup=1, duration=seconds)
                run.pop("paid")
                hooks = await measure_webhooks(
                    stack, session, entities, concurrency=WEBHOOK_CONCURRENCY, warmup=1, duration=seconds
                )
                found[name]["checkout"].append(run["server_cpu_ms_per_checkout"])
                found[name]["checkouts_per_s"].append(run["checkouts_per_s"])
                found[name]["event"].append(hooks["server_cpu_ms_per_event"])
            log(
                f"round {number + 1}: "
                + "; ".join(
                    f"{name} {found[name]['checkout'][-1]} ms/checkout, {found[name]['event'][-1]} ms/event"
                    for name in trees
                )
                + f" (probe {speed_probe()} µs)"
            )
    return found


def summarize(found: dict, ours: str, theirs: str) -> str:
    """Medians per tree and the median of the round-by-round ratios, ours over theirs."""
    lines = []
    for unit in ("checkout", "event"):
        ratios = [a / b for a, b in zip(found[ours][unit], found[theirs][unit], strict=False) if a and b]
        ours_ms, theirs_ms = ([v for v in found[name][unit] if v] for name in (ours, theirs))  # None: no work done
        lines.append(
            f"CPU per {unit}: {ours} {statistics.median(ours_ms):.3f} ms, "
            f"{theirs} {statistics.median(theirs_ms):.3f} ms, median ratio {statistics.median(ratios):.3f}"
        )
    # Throughput beside the CPU: with gateway latency (--latency) it also shows how well the waiting is hidden.
    rates = {name: statistics.median(found[name]["checkouts_per_s"]) for name in (ours, theirs)}
    lines.append(f"checkouts/s at {SHOPPERS} shoppers: {ours} {rates[ours]:.1f}, {theirs} {rates[theirs]:.1f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Check the revision out in a temporary worktree, compare, print, remove the worktree."""
    parser = argparse.ArgumentParser(prog="python -m bench.ab", description=__doc__)
    parser.add_argument("rev", help="the git revision to compare this tree against, e.g. HEAD~3")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=4.0, help="measured seconds per window")
    parser.add_argument("--latency", type=float, default=0.0, help="gateway latency in seconds (default 0)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="galla-ab-") as scratch:
        other = Path(scratch) / "tree"
        subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(other), args.rev], cwd=ROOT, check=True)
        try:
            step_aside()
            with asyncio.Runner(loop_factory=new_event_loop) as runner:
                found = runner.run(
                    compare({"this tree": ROOT, args.rev: other}, args.rounds, args.seconds, args.latency)
                )
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(other)], cwd=ROOT, check=False)
    print(summarize(found, "this tree", args.rev))


if __name__ == "__main__":
    main()
