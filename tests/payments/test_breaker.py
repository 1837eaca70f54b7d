"""The circuit breaker and the retry policy: unit rules on a fake clock, a property over any sequence of
outcomes, and the Razorpay client retrying only what is safe to repeat, against the sandbox."""

from __future__ import annotations

import asyncio
import contextlib
import random

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from galla.payments.breaker import CircuitBreaker, CircuitOpen
from galla.payments.errors import GatewayInvalid, GatewayUnavailable
from galla.payments.money import Money
from galla.payments.razorpay.client import RazorpayClient
from galla.payments.retry import RetryPolicy
from sandboxes.razorpay.config import SANDBOX_FAULTS


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def breaker(clock: Clock, **kwargs) -> CircuitBreaker:
    return CircuitBreaker("razorpay", failures_to_open=3, cooldown=10, clock=clock, **kwargs)


async def fail():
    raise GatewayUnavailable("down", gateway="razorpay", http_status=500)


async def refuse():
    raise GatewayInvalid("bad amount", gateway="razorpay", http_status=400)


async def answer():
    return "ok"


async def fail_times(circuit: CircuitBreaker, times: int) -> None:
    """Make `times` calls that fail transiently."""
    for _ in range(times):
        with pytest.raises(GatewayUnavailable):
            await circuit.call(fail)


async def test_opens_after_failures_in_a_row_and_refuses_without_calling():
    clock = Clock()
    circuit = breaker(clock)
    await fail_times(circuit, 2)
    assert await circuit.call(answer) == "ok"  # a success in between resets the count
    await fail_times(circuit, 3)
    assert circuit.state == "open" and circuit.retry_after() == 10
    called = []
    with pytest.raises(CircuitOpen) as refused:
        await circuit.call(lambda: called.append(1))
    assert called == [] and "trying again in 10 s" in str(refused.value)


async def test_a_refusal_means_the_gateway_is_up():
    circuit = breaker(Clock())
    for _ in range(5):
        with pytest.raises(GatewayInvalid):
            await circuit.call(refuse)
    assert circuit.state == "closed" and circuit.failures == 0


async def test_half_open_lets_one_probe_through_and_its_answer_decides():
    clock = Clock()
    changes = []
    circuit = breaker(clock, on_change=lambda gateway, state: changes.append(state))
    await fail_times(circuit, 3)
    clock.now += 10
    assert circuit.state == "half_open"
    probe_started, finish = asyncio.Event(), asyncio.Event()

    async def slow_failure():
        probe_started.set()
        await finish.wait()
        await fail()

    probe = asyncio.create_task(circuit.call(slow_failure))
    await probe_started.wait()
    with pytest.raises(CircuitOpen, match="probe"):
        await circuit.call(answer)  # only one probe at a time
    finish.set()
    with pytest.raises(GatewayUnavailable):
        await probe
    assert circuit.state == "open" and circuit.retry_after() == 10  # the failed probe reopened it

    clock.now += 10
    assert await circuit.call(answer) == "ok"
    assert circuit.state == "closed"
    assert changes == ["open", "half_open", "open", "half_open", "closed"]


async def test_a_cancelled_probe_frees_the_next_caller_to_probe():
    clock = Clock()
    circuit = breaker(clock)
    await fail_times(circuit, 3)
    clock.now += 10
    probe = asyncio.create_task(circuit.call(lambda: asyncio.sleep(60)))
    await asyncio.sleep(0)
    probe.cancel()
    with pytest.raises(asyncio.CancelledError):
        await probe
    assert await circuit.call(answer) == "ok"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["fail", "refuse", "answer"]), st.floats(0, 15)), max_size=40))
async def test_never_calls_an_open_gateway_before_its_cool_down(steps):
    """Whatever happens, a call reaches the gateway only when the circuit is closed, or once per cool-down."""
    clock = Clock()
    circuit = breaker(clock)
    failures_in_a_row, opened_at = 0, None
    for outcome, wait in steps:
        clock.now += wait
        reached = []

        async def send(reached=reached, outcome=outcome):
            reached.append(clock.now)
            return await {"fail": fail, "refuse": refuse, "answer": answer}[outcome]()

        with contextlib.suppress(GatewayUnavailable, GatewayInvalid):
            await circuit.call(send)
        model_open = opened_at is not None and clock.now < opened_at + 10
        assert bool(reached) == (not model_open)
        if reached:
            failures_in_a_row = failures_in_a_row + 1 if outcome == "fail" else 0
            probing = opened_at is not None
            if outcome == "fail" and (probing or failures_in_a_row >= 3):
                opened_at = clock.now
            elif outcome != "fail":
                opened_at = None
        assert circuit.state == (
            "open"
            if model_open or (reached and opened_at == clock.now)
            else "half_open"
            if opened_at is not None
            else "closed"
        )


def test_retry_pauses_grow_with_full_jitter_and_stay_capped():
    policy = RetryPolicy(attempts=6, base_delay=0.2, max_delay=1.0)
    pauses = list(policy.delays(random.Random(3)))
    assert len(pauses) == 5
    assert all(0 <= p <= cap for p, cap in zip(pauses, [0.2, 0.4, 0.8, 1.0, 1.0], strict=True))
    assert len(set(pauses)) == 5  # jittered, so many clients do not retry in step


async def test_razorpay_reads_and_refunds_are_retried_but_order_creation_is_not(razorpay_sandbox):
    calls = []
    async with aiohttp.ClientSession() as session:
        client = RazorpayClient(
            session=session,
            **razorpay_sandbox.account,
            retry=RetryPolicy(attempts=3, base_delay=0.01),
            observe=calls.append,
            breaker=CircuitBreaker("razorpay", failures_to_open=100),
        )
        created, _ = await client.create_order(Money(50000, "INR"), receipt="ord_1", notes={})
        razorpay_sandbox.server.app[SANDBOX_FAULTS].failures.set(1, "503")
        calls.clear()
        with pytest.raises(GatewayUnavailable):
            await client.create_order(Money(50000, "INR"), receipt="ord_2", notes={})
        assert [c.operation for c in calls] == ["POST /v1/orders"]

        calls.clear()
        with pytest.raises(GatewayUnavailable):
            await client.fetch_order(created.id)
        assert [(c.operation, c.status) for c in calls] == [("GET /v1/orders/{id}", 503)] * 3

        calls.clear()
        with pytest.raises(GatewayUnavailable):
            await client.refund_payment("pay_x", None, key="rf_1", notes={})
        assert [c.operation for c in calls] == ["POST /v1/payments/{id}/refund"] * 3

        # Half the calls failing: the retries carry every read through.
        razorpay_sandbox.server.app[SANDBOX_FAULTS].failures.set(0.5, "500")
        razorpay_sandbox.server.app[SANDBOX_FAULTS].failures.reseed(11)
        calls.clear()
        fetched = [await client.fetch_order(created.id) for _ in range(6)]
        assert {order.id for order, _ in fetched} == {created.id}
        assert {c.outcome for c in calls} == {"ok", "GatewayUnavailable"}
