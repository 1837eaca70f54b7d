"""Operations: /healthz, /readyz with each circuit, /metrics after real traffic, and logs as JSON lines with
the request id and without secrets or card numbers."""

from __future__ import annotations

import asyncio
import json
import logging
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families
from support.app import checkout_body
from support.webhooks import deliver, post_razorpay

from galla.ops.logs import REQUEST_ID_VAR, configure_logging
from sandboxes.razorpay.config import SANDBOX_FAULTS


async def scrape(client) -> dict[tuple, float]:
    """GET /metrics, parsed: {(sample name, sorted labels): value}."""
    resp = await client.get("/metrics")
    assert resp.status == 200 and resp.content_type == "text/plain"
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(await resp.text())
        for s in family.samples
    }


async def test_healthz_and_readyz_show_each_circuit(make_client, razorpay_sandbox):
    client = await make_client(circuit_failures=2, circuit_cooldown=60)
    assert await (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await (await client.get("/readyz")).json()
    assert ready["gateways"] == {
        "razorpay": {"circuit": "closed", "retry_after": 0},
        "stripe": {"circuit": "closed", "retry_after": 0},
    }

    razorpay_sandbox.server.app[SANDBOX_FAULTS].failures.set(1, "500")
    for _ in range(2):
        await client.post("/api/checkout", json=checkout_body())

    resp = await client.get("/readyz")
    ready = await resp.json()
    # An open circuit is failed over, so the process is still ready to take checkouts.
    assert resp.status == 200 and ready["status"] == "ok"
    assert ready["gateways"]["razorpay"]["circuit"] == "open"
    assert 59 < ready["gateways"]["razorpay"]["retry_after"] <= 60


async def test_metrics_count_checkouts_failovers_circuits_and_gateway_latency(make_client, razorpay_sandbox):
    client = await make_client(circuit_failures=2, circuit_cooldown=60)
    assert (await client.post("/api/checkout", json=checkout_body())).status == 201
    razorpay_sandbox.server.app[SANDBOX_FAULTS].failures.set(1, "500")
    for _ in range(3):
        assert (await client.post("/api/checkout", json=checkout_body())).status == 201
    await client.post("/api/checkout", json=checkout_body(country="XX"))

    metrics = await scrape(client)

    assert metrics[("galla_checkouts_total", (("gateway", "razorpay"), ("outcome", "created")))] == 1
    assert metrics[("galla_checkouts_total", (("gateway", "stripe"), ("outcome", "created")))] == 3
    assert metrics[("galla_checkouts_total", (("gateway", "none"), ("outcome", "invalid_input")))] == 1
    assert metrics[("galla_failovers_total", (("from_gateway", "razorpay"), ("to_gateway", "stripe")))] == 3
    assert metrics[("galla_circuit_state", (("gateway", "razorpay"),))] == 2
    assert metrics[("galla_circuit_state", (("gateway", "stripe"),))] == 0
    assert metrics[("galla_circuit_opened_total", (("gateway", "razorpay"),))] == 1
    # Two failed order creations reached Razorpay; the third buyer was failed over without a call.
    failed = (("gateway", "razorpay"), ("operation", "POST /v1/orders"), ("outcome", "GatewayUnavailable"))
    assert metrics[("galla_gateway_call_seconds_count", failed)] == 2
    ok = (("gateway", "razorpay"), ("operation", "POST /v1/orders"), ("outcome", "ok"))
    assert metrics[("galla_gateway_call_seconds_count", ok)] == 1
    created = (("method", "POST"), ("route", "/api/checkout"), ("status", "201"))
    assert metrics[("galla_http_request_seconds_count", created)] == 4


async def test_metrics_count_webhook_events_by_type_and_outcome(client, razorpay_sandbox):
    placed = await (await client.post("/api/checkout", json=checkout_body())).json()
    await razorpay_sandbox.pay(placed["razorpay"]["order_id"], method="upi", outcome="success")
    captured = next(e for e in razorpay_sandbox.state.events if e.name == "payment.captured")
    assert (await deliver(client, captured))[0] == 200
    assert (await deliver(client, captured))[0] == 200
    assert (await post_razorpay(client, captured.envelope, "evt_forged", secret="not-the-secret"))[0] == 400

    metrics = await scrape(client)

    def events(kind, outcome):
        return metrics.get(
            ("galla_webhook_events_total", (("gateway", "razorpay"), ("outcome", outcome), ("type", kind))), 0
        )

    assert events("payment.captured", "applied") == 1
    assert events("payment.captured", "duplicate") == 1
    assert events("unverified", "signature_invalid") == 1


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


def test_logs_are_json_lines_with_the_request_id_and_no_secret_or_card(capsys, restore_logging):
    secret = "rzp_secret_" + "k" * 20
    configure_logging("json", "INFO", [secret, "short"])
    token = REQUEST_ID_VAR.set("req-12345678")
    try:
        logging.getLogger("galla.test").warning(
            "refund with key %s for card %s, order ord_1 of 1249900 paise", secret, "4242 4242 4242 4242"
        )
    finally:
        REQUEST_ID_VAR.reset(token)
    logging.getLogger("galla.test").info("outside any request")

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert lines[0]["request_id"] == "req-12345678" and lines[0]["level"] == "WARNING"
    assert lines[0]["message"] == ("refund with key [redacted] for card [redacted], order ord_1 of 1249900 paise")
    assert lines[1]["request_id"] is None and lines[1]["message"] == "outside any request"


async def test_a_request_logs_under_its_id(flaky, capsys, restore_logging):
    client, outage = flaky
    configure_logging("json", "INFO", [])
    outage.down.add("*")
    resp = await client.post("/api/checkout", json=checkout_body(), headers={"X-Request-Id": "trace-abc-123"})
    assert resp.status == 503 and resp.headers["X-Request-Id"] == "trace-abc-123"
    [line] = [json.loads(line) for line in capsys.readouterr().err.splitlines() if "database unavailable" in line]
    assert (line["request_id"], line["logger"], line["level"]) == ("trace-abc-123", "galla.http", "ERROR")


async def test_a_blocked_event_loop_shows_in_the_loop_lag_metric(client):
    before = await scrape(client)
    time.sleep(0.12)  # block the loop the server shares with this test, as a synchronous call in a handler would
    await asyncio.sleep(0.05)
    after = await scrape(client)
    slow = ("galla_event_loop_lag_seconds_bucket", (("le", "0.1"),))
    total = ("galla_event_loop_lag_seconds_count", ())
    assert after[total] > before.get(total, 0)
    # Every sample so far was under 0.1 s except the one taken across the block.
    assert after[total] - after[slow] >= 1 and before[total] == before[slow]


async def test_a_scrape_never_walks_the_frozen_objects(client, monkeypatch):
    # gc.get_freeze_count() walks every frozen object: with the embedded store, every stored order's dicts, one
    # stop of the loop per scrape that grew with the store (360 ms at 50,000 orders under `make bench`).
    def walk():
        raise AssertionError("a scrape counted the frozen objects")

    monkeypatch.setattr("gc.get_freeze_count", walk)
    samples = await scrape(client)
    assert samples[("process_resident_memory_bytes", ())] > 0  # what shows a leak instead
