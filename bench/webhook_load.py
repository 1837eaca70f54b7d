"""Webhook load: signed Razorpay events about paid orders, as many as the shop will take, each verified and ledgered."""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import aiohttp

from bench.shoppers import Paid
from bench.stack import Stack
from sandboxes.common.webhooks import razorpay_signature

EVENT_TYPES = ("payment.captured", "order.paid")


@dataclass
class Ingested:
    """What the webhook load did inside its window."""

    accepted: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)


async def fetch_entities(stack: Stack, session: aiohttp.ClientSession, paid: list[Paid]) -> list[dict]:
    """Read each paid order's payment and Razorpay order back from the sandbox, to wrap in events as it would."""
    auth = aiohttp.BasicAuth(stack.keys.razorpay_key_id, stack.keys.razorpay_key_secret)

    async def fetch(item: Paid) -> dict:
        async with session.get(f"{stack.razorpay_url}/v1/payments/{item.payment_id}", auth=auth) as resp:
            payment = await resp.json()
        async with session.get(f"{stack.razorpay_url}/v1/orders/{item.razorpay_order_id}", auth=auth) as resp:
            order = await resp.json()
        return {"payment": payment, "order": order}

    return list(await asyncio.gather(*(fetch(item) for item in paid)))


def signed_event(entities: dict, event_type: str, secret: str) -> tuple[bytes, dict[str, str]]:
    """One new event (a fresh id) about these entities: the body and Razorpay's headers, signed."""
    contains = ["payment", "order"] if event_type == "order.paid" else ["payment"]
    body = json.dumps(
        {
            "entity": "event",
            "account_id": "acc_BenchShop0001",
            "event": event_type,
            "contains": contains,
            "payload": {kind: {"entity": entities[kind]} for kind in contains},
            "created_at": int(time.time()),
        },
        separators=(",", ":"),
    ).encode()
    return body, {
        "Content-Type": "application/json",
        "X-Razorpay-Event-Id": "evt_" + secrets.token_hex(7),
        "X-Razorpay-Signature": razorpay_signature(secret, body),
    }


async def post_events(
    stack: Stack, session: aiohttp.ClientSession, entities: list[dict], concurrency: int, warmup: float, duration: float
) -> Ingested:
    """Keep `concurrency` deliveries in flight, each a new event, round the paid orders; count the 2xx in the window."""
    result = Ingested()
    url = stack.server_url + "/webhooks/razorpay"
    secret = stack.keys.razorpay_webhook_secret
    started = time.monotonic()
    window = (started + warmup, started + warmup + duration)
    picks: Iterator[tuple[dict, str]] = itertools.cycle(itertools.product(entities, EVENT_TYPES))

    async def deliver() -> None:
        while (now := time.monotonic()) < window[1]:
            body, headers = signed_event(*next(picks), secret)
            async with session.post(url, data=body, headers=headers) as resp:
                await resp.read()
                status = resp.status
            ended = time.monotonic()
            if not window[0] <= ended < window[1]:
                continue
            if status == 200:
                result.accepted += 1
                result.latencies.append(ended - now)
            else:
                result.refused[str(status)] = result.refused.get(str(status), 0) + 1

    await asyncio.gather(*(deliver() for _ in range(concurrency)))
    return result
