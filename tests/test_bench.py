"""The benchmark's own parts: its arithmetic, the blocking baseline speaking to the sandbox through the SDK, and
one shopper through a stack of real processes as `make bench` starts them."""

from __future__ import annotations

import threading

import aiohttp
import pytest
from prometheus_client import CollectorRegistry, Histogram, generate_latest

from bench import stats
from bench.blocking import BlockingRazorpayClient
from bench.phases import snapshot
from bench.shoppers import Shopper, Tally, first_inr_product
from bench.stack import running_stack
from gateway.errors import GatewayInvalid
from gateway.money import Money


def test_percentiles_by_nearest_rank():
    samples = [0.001 * n for n in range(1, 101)]
    assert stats.percentile(samples, 50) == pytest.approx(0.050)
    assert stats.percentile(samples, 99) == pytest.approx(0.099)
    assert stats.summarize_ms(samples) == {"count": 100, "p50_ms": 50.0, "p95_ms": 95.0, "p99_ms": 99.0}
    assert stats.summarize_ms([])["p99_ms"] is None


def test_ab_compares_round_by_round():
    from bench.ab import summarize

    found = {"this tree": {"checkout": [6.0, 9.0, 7.0], "event": [0.8, 1.2, None]},
             "HEAD~1": {"checkout": [8.0, 10.0, 7.0], "event": [1.0, 1.2, 1.0]}}
    lines = summarize(found, "this tree", "HEAD~1").splitlines()
    # Ratios 0.75, 0.9, 1.0 and 0.8, 1.0 (a window without events is left out).
    assert lines == ["CPU per checkout: this tree 7.000 ms, HEAD~1 8.000 ms, median ratio 0.900",
                     "CPU per event: this tree 1.000 ms, HEAD~1 1.000 ms, median ratio 0.900"]


def scrape(registry: CollectorRegistry) -> dict:
    return stats.parse_metrics(generate_latest(registry).decode())


def test_histogram_quantile_reads_only_what_happened_between_two_scrapes():
    registry = CollectorRegistry()
    lag = Histogram("lag_seconds", "lag", buckets=(0.001, 0.01, 0.1), registry=registry)
    for _ in range(1000):
        lag.observe(0.05)  # before the window: must not count
    before = stats.histogram_buckets(scrape(registry), "lag_seconds")
    for _ in range(98):
        lag.observe(0.0005)
    lag.observe(0.005)
    lag.observe(0.5)
    after = stats.histogram_buckets(scrape(registry), "lag_seconds")
    # 100 samples: the 99th falls in the (0.001, 0.01] bucket, its only sample: interpolated to the bucket's top.
    assert stats.histogram_quantile(before, after, 0.99) == pytest.approx(0.01)
    assert stats.histogram_quantile(before, after, 0.5) == pytest.approx(0.001 * 50 / 98)
    # The +Inf bucket reads as its lower bound, "at least".
    assert stats.histogram_quantile(before, after, 1.0) == pytest.approx(0.1)
    assert stats.histogram_quantile(after, after, 0.99) is None


def test_totals_match_label_subsets():
    metrics = stats.parse_metrics('hooks_total{gateway="razorpay",type="order.paid"} 3.0\n'
                                  'hooks_total{gateway="razorpay",type="unverified"} 2.0\n'
                                  'hooks_total{gateway="stripe",type="x"} 4.0\n')
    assert stats.total(metrics, "hooks_total") == 9
    assert stats.total(metrics, "hooks_total", gateway="razorpay") == 5
    assert stats.total(metrics, "hooks_total", type="unverified") == 2


async def test_the_baseline_calls_the_sdk_in_executor_threads(razorpay_sandbox):
    seen: list[str] = []
    async with aiohttp.ClientSession() as session:
        client = BlockingRazorpayClient(session=session, key_id=razorpay_sandbox.key_id,
                                        key_secret=razorpay_sandbox.key_secret, api_base=razorpay_sandbox.url)
        call_sdk = client.call_sdk

        def spy(*args):
            seen.append(threading.current_thread().name)
            return call_sdk(*args)

        client.call_sdk = spy
        order, call = await client.create_order(Money(49900, "INR"), receipt="ord_b", notes={"order_id": "ord_b"})
        assert order.amount == 49900 and order.receipt == "ord_b" and call.status == 200
        fetched, _ = await client.fetch_order(order.id)
        assert fetched.id == order.id
        with pytest.raises(GatewayInvalid):
            await client.fetch_payment("pay_doesnotexist00")
    assert len(seen) == 3 and all(name != threading.main_thread().name for name in seen)


async def test_a_shopper_pays_through_a_stack_of_processes_whose_server_freezes_survivors():
    async with running_stack("test", "galla", 0.0) as stack, aiohttp.ClientSession() as session:
        shopper = Shopper(stack, session, await first_inr_product(session, stack.server_url))
        tally = Tally()
        await shopper.checkout(tally)
        assert tally.checkouts == 1 and not tally.failures
        # galla serve froze what it loaded at startup (views/collector.py); the test process never does.
        frozen = stats.total((await snapshot(stack, session)).metrics, "galla_gc_frozen_objects")
        assert frozen > 10_000
