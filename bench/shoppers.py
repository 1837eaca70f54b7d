"""Simulated shoppers: each pays by UPI through the whole flow, as checkout.js would, step by step timed."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import defaultdict
from dataclasses import dataclass, field

import aiohttp

from bench.stack import Stack

STEPS = ("create_checkout", "pay_in_sandbox", "verify")
_shopper_numbers = itertools.count(1)


@dataclass(frozen=True)
class Paid:
    """What a finished checkout leaves behind, for the webhook load to name."""

    order_id: str
    razorpay_order_id: str
    payment_id: str
    amount: int


@dataclass
class Tally:
    """What the shoppers did inside the measured window: step durations, finished checkouts, failures."""

    window: tuple[float, float] = (0.0, float("inf"))
    steps: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    checkouts: int = 0
    failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    paid: list[Paid] = field(default_factory=list)

    def inside(self, at: float) -> bool:
        """Whether a moment falls in the measured window."""
        return self.window[0] <= at < self.window[1]


class Shopper:
    """One HTTP client for the shop and the Razorpay sandbox's payment window, shared by many shoppers."""

    def __init__(self, stack: Stack, session: aiohttp.ClientSession, product_id: str) -> None:
        self.stack, self.session, self.product_id = stack, session, product_id

    async def place(self, tally: Tally) -> dict | None:
        """Create a checkout as a new shopper (a customer of their own); None if it failed."""
        n = next(_shopper_numbers)
        return await self.step(
            tally,
            "create_checkout",
            self.stack.server_url + "/api/checkout",
            {
                "items": [{"product_id": self.product_id, "quantity": 1 + n % 3}],
                "country": "IN",
                "customer": {"name": f"Shopper {n}", "email": f"shopper{n}@example.com", "phone": "+919876543210"},
                "shipping_address": {
                    "line1": f"{n} MG Road",
                    "city": "Bengaluru",
                    "state": "Karnataka",
                    "postal_code": "560001",
                },
            },
            expect=201,
        )

    async def checkout(self, tally: Tally) -> None:
        """Create a checkout, pay it by UPI in the sandbox, verify it; count it if it ended in the window."""
        order = await self.place(tally)
        if order is None:
            return
        options = order["razorpay"]
        payment = await self.step(
            tally,
            "pay_in_sandbox",
            self.stack.razorpay_url + "/checkout/pay",
            {"key_id": options["key"], "order_id": options["order_id"], "method": "upi", "outcome": "success"},
        )
        if payment is None:
            return
        verified = await self.step(
            tally,
            "verify",
            self.stack.server_url + "/api/payments/razorpay/verify",
            {"order_id": order["order_id"], **payment},
        )
        if verified is None:
            return
        if verified.get("status") != "paid":
            tally.failures[f"verify: status {verified.get('status')}"] += 1
            return
        if tally.inside(time.monotonic()):
            tally.checkouts += 1
        tally.paid.append(Paid(order["order_id"], options["order_id"], payment["razorpay_payment_id"], order["amount"]))

    async def step(self, tally: Tally, name: str, url: str, body: dict, expect: int = 200) -> dict | None:
        """POST one step, timing it; None (and a failure counted) when it did not answer as expected."""
        started = time.monotonic()
        try:
            async with self.session.post(url, json=body) as resp:
                payload = await resp.json(content_type=None)
                status = resp.status
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            tally.failures[f"{name}: {type(exc).__name__}"] += 1
            return None
        ended = time.monotonic()
        if status != expect:
            tally.failures[f"{name}: HTTP {status}"] += 1
            return None
        # By when it started: a step the warm-up began belongs to the warm-up (the first seconds' connection storm
        # can hold a few for a SYN retry of 1 s and then 2 s more, and they would land in the window as its tail),
        # and one begun in the window counts to its end, the shoppers in flight being waited for.
        if tally.inside(started):
            tally.steps[name].append(ended - started)
        return payload


async def shop_while(shopper: Shopper, tally: Tally, until: float) -> None:
    """One closed-loop shopper: check out again and again until the deadline."""
    while time.monotonic() < until:
        await shopper.checkout(tally)


async def run_closed(shopper: Shopper, concurrency: int, warmup: float, duration: float) -> Tally:
    """`concurrency` shoppers at once, each starting its next checkout when the last one ends."""
    started = time.monotonic()
    tally = Tally(window=(started + warmup, started + warmup + duration))
    await asyncio.gather(*(shop_while(shopper, tally, tally.window[1]) for _ in range(concurrency)))
    return tally


async def run_open(shopper: Shopper, rate: float, warmup: float, duration: float) -> Tally:
    """New shoppers arriving at `rate` a second whatever the server's pace (where lag shows, not queueing)."""
    started = time.monotonic()
    tally = Tally(window=(started + warmup, started + warmup + duration))
    tasks: set[asyncio.Task] = set()
    for i in itertools.count():
        due = started + i / rate
        if due >= tally.window[1]:
            break
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        task = asyncio.create_task(shopper.checkout(tally))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    return tally


async def first_inr_product(session: aiohttp.ClientSession, server_url: str) -> str:
    """Return a product the shop sells in rupees."""
    async with session.get(server_url + "/api/products") as resp:
        products = (await resp.json())["products"]
    return next(p["id"] for p in products if "INR" in p["prices"])
