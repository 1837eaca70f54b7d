"""Percentiles of samples, quantiles of a Prometheus histogram between two scrapes, and the host's speed."""

from __future__ import annotations

import json
import math
import os
import statistics
import time
from collections.abc import Sequence

from prometheus_client.parser import text_string_to_metric_families


def percentile(samples: Sequence[float], q: float) -> float | None:
    """Return the q-th percentile (0–100) by the nearest-rank method, or None for no samples."""
    if not samples:
        return None
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summarize_ms(samples: Sequence[float]) -> dict:
    """Return count and p50/p95/p99 in milliseconds of durations given in seconds."""

    def ms(q: float) -> float | None:
        value = percentile(samples, q)
        return None if value is None else round(value * 1000, 2)

    return {"count": len(samples), "p50_ms": ms(50), "p95_ms": ms(95), "p99_ms": ms(99)}


def parse_metrics(text: str) -> dict[tuple[str, frozenset], float]:
    """Read Prometheus exposition text into {(sample name, labels): value}."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def total(metrics: dict[tuple[str, frozenset], float], name: str, **wanted: str) -> float:
    """Sum a sample over every label set that has the wanted labels."""
    return sum(
        value
        for (sample, labels), value in metrics.items()
        if sample == name and all((key, val) in labels for key, val in wanted.items())
    )


def histogram_buckets(metrics: dict[tuple[str, frozenset], float], name: str) -> list[tuple[float, float]]:
    """Return a histogram's cumulative buckets as sorted (upper bound, count), summed over label sets."""
    bounds: dict[float, float] = {}
    for (sample, labels), value in metrics.items():
        if sample == name + "_bucket":
            bound = float(dict(labels)["le"])
            bounds[bound] = bounds.get(bound, 0.0) + value
    return sorted(bounds.items())


def histogram_quantile(before: list[tuple[float, float]], after: list[tuple[float, float]], q: float) -> float | None:
    """The q quantile (0–1) of what a histogram observed between two scrapes, interpolated inside its bucket.

    As Prometheus' histogram_quantile does: linear within the bucket, the lowest bucket starting at 0; a quantile
    that falls in the +Inf bucket is reported as the highest finite bound (so read it as "at least")."""
    earlier = dict(before)
    counts = [(bound, value - earlier.get(bound, 0.0)) for bound, value in after]
    if not counts or counts[-1][1] <= 0:
        return None
    rank = q * counts[-1][1]
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in counts:
        if count >= rank:
            if math.isinf(bound):
                return lower_bound
            share = (rank - lower_count) / (count - lower_count) if count > lower_count else 1.0
            return lower_bound + (bound - lower_bound) * share
        lower_bound, lower_count = bound, count
    return lower_bound


def probe_document(items: int) -> dict:
    """The document the probes round-trip through JSON: pure-Python work of a fixed size."""
    return {"items": [{"n": n, "s": str(n), "nested": {"k": [1, 2, 3]}} for n in range(items)]}


def speed_probe() -> float:
    """Microseconds of CPU one fixed piece of pure-Python work takes now: a shared host's speed drifts."""
    doc = probe_document(200)
    best = float("inf")
    for _ in range(5):
        started = time.thread_time()
        for _ in range(50):
            json.loads(json.dumps(doc))
        best = min(best, (time.thread_time() - started) / 50)
    return round(best * 1e6, 1)


def cpu_us(doc: dict) -> float:
    """Microseconds of CPU one JSON round-trip of `doc` takes."""
    started = time.thread_time()
    json.loads(json.dumps(doc))
    return (time.thread_time() - started) * 1e6


def idle_penalty(cpus: set[int], idle_s: float = 0.01, busy_s: float = 0.0002, reps: int = 50) -> dict:
    """What one small piece of Python work costs on `cpus` right after they idled `idle_s`, against right after
    a pause too short to idle (`busy_s`): on a shared VM a CPU that idles comes back slower (most likely its
    caches went cold while the host ran other work), so a server that waits between requests pays more per
    request than one that never waits."""
    costs: dict[float, list[float]]
    doc, costs = probe_document(200), {idle_s: [], busy_s: []}
    previous = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)  # this thread only: the server's CPU, where its wake-ups happen
    try:
        for pause in (busy_s, idle_s) * 2:  # in turns, so a drift of the host's speed touches both
            for _ in range(reps):
                time.sleep(pause)
                costs[pause].append(cpu_us(doc))
    finally:
        os.sched_setaffinity(0, previous)
    woken, busy = statistics.median(costs[idle_s]), statistics.median(costs[busy_s])
    return {
        "idle_ms": idle_s * 1000,
        "after_idle_us": round(woken, 1),
        "busy_us": round(busy, 1),
        "ratio": round(woken / busy, 2),
    }
