"""Prometheus metrics: checkouts, webhook events, gateway latency, circuits, failovers and HTTP requests."""

from __future__ import annotations

import time

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)

from galla.orders.context import Shop
from galla.payments.breaker import STATE_NUMBERS, State
from galla.payments.calls import CallRecord

# Gateways answer in tens to hundreds of milliseconds; a timeout is seconds.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
# A loop that is merely busy answers within a millisecond or two; a blocked one, in tens or hundreds.
LOOP_LAG_BUCKETS = (0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5)


class Metrics:
    """One app's metrics, in a registry of its own (tests build many apps in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.checkouts = Counter(
            "galla_checkouts",
            "Checkouts asked for, by the gateway that took them and how it ended",
            ["gateway", "outcome"],
            registry=r,
        )
        self.webhook_events = Counter(
            "galla_webhook_events",
            "Webhook deliveries by gateway, event type and outcome",
            ["gateway", "type", "outcome"],
            registry=r,
        )
        self.gateway_calls = Histogram(
            "galla_gateway_call_seconds",
            "Time of each HTTP exchange with a gateway",
            ["gateway", "operation", "outcome"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.circuit_state = Gauge(
            "galla_circuit_state", "Each gateway's circuit: 0 closed, 1 half-open, 2 open", ["gateway"], registry=r
        )
        self.circuit_opened = Counter(
            "galla_circuit_opened", "Times a gateway's circuit opened", ["gateway"], registry=r
        )
        self.failovers = Counter(
            "galla_failovers",
            "Checkouts sent to another gateway because theirs was down",
            ["from_gateway", "to_gateway"],
            registry=r,
        )
        self.loop_lag = Histogram(
            "galla_event_loop_lag_seconds",
            "How late the event loop woke a timer: the time any ready callback waits",
            buckets=LOOP_LAG_BUCKETS,
            registry=r,
        )
        # Set once at startup, never at a scrape: gc.get_freeze_count() walks every frozen object, and with the
        # embedded store that is every stored order's dicts, 360 ms with the loop stopped at 50,000 orders.
        self.frozen_at_startup = Gauge(
            "galla_gc_frozen_at_startup",
            "Objects frozen when the server started, "
            "skipped by every garbage collection after (galla/ops/collector.py)",
            registry=r,
        )
        # What a scrape can afford: resident memory, CPU and open files, read from /proc. A leak shows as growth.
        ProcessCollector(registry=r)
        self.http_requests = Histogram(
            "galla_http_request_seconds",
            "Time to answer each HTTP request",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )

    def observe_call(self, call: CallRecord) -> None:
        """Time one gateway exchange."""
        self.gateway_calls.labels(call.gateway, call.operation, call.outcome).observe(call.duration_ms / 1000)

    def count_opening(self, gateway: str, state: State) -> None:
        """Count a circuit's openings (its state itself is read at each scrape)."""
        if state == "open":
            self.circuit_opened.labels(gateway).inc()

    def count_failover(self, from_gateway: str, to_gateway: str) -> None:
        """One checkout rerouted."""
        self.failovers.labels(from_gateway, to_gateway).inc()

    def watch(self, shop: Shop) -> None:
        """Hear from the shop's gateway clients and breakers."""
        for client in (shop.razorpay, shop.stripe):
            if client is None:  # never, once built: Shop puts an OffGateway where no client was given
                continue
            client.observe = self.observe_call
            client.breaker.on_change = self.count_opening

    def render(self, shop: Shop) -> bytes:
        """The exposition text; circuit states are read afresh, since an open one turns half-open by time alone."""
        for breaker in shop.breakers:
            self.circuit_state.labels(breaker.gateway).set(STATE_NUMBERS[breaker.state])
        return generate_latest(self.registry)


METRICS = web.AppKey("metrics", Metrics)


@web.middleware
async def metrics_middleware(request: web.Request, handler):
    """Time every request by its route's pattern (so ids do not make a label each)."""
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        route = request.match_info.route.resource
        pattern = route.canonical if route is not None else "unmatched"
        request.app[METRICS].http_requests.labels(request.method, pattern, str(status)).observe(
            time.perf_counter() - started
        )


async def render_metrics(request: web.Request, shop: Shop) -> web.Response:
    """GET /metrics in Prometheus' text format."""
    body = request.app[METRICS].render(shop)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
