"""The admin's sandbox clock (a sandboxed run only, as `make run` starts it): move a subscription's gateway clock on
by a day or a billing period, so charges fall due, succeed or fail, retry and halt, and their signed webhooks come
in as usual.

Razorpay's sandbox has one clock for everything (POST /sandbox/clock {"seconds"}, Basic-authed with its key pair:
sandboxes/razorpay/app.py), so every subscription on it moves; Stripe's moves the subscription's own test clock
(POST /v1/test_helpers/test_clocks/:id/advance, SUBSCRIPTIONS.md §18), made when it was opened.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import aiohttp

from galla.orders.context import Shop
from galla.orders.errors import Conflict, GatewayFailed, InvalidInput
from galla.orders.receipts import format_shop_time
from galla.orders.subscription_actions import load_subscription
from galla.orders.view import call_entry
from galla.payments.errors import GatewayError
from galla.payments.stripe.test_clocks import advance_own_clock
from galla.store.orders import timeline_entry
from galla.store.subscriptions import Subscription, append_subscription_timeline

DAY = 24 * 3600
SPANS = {"day": "one day", "period": "one billing period"}
# What the subscription page says after a move: the webhooks are sent, but may land a moment after the redirect.
MOVED = "The sandbox clock moved on by {span}; what fell due comes in by webhook (reload to see it)."


def clock_movable(shop: Shop, sub: Subscription) -> bool:
    """Whether the panel shows: the subscription's gateway is played by this app's own sandbox (never with real
    keys), it has not ended, and on Stripe it lives on a test clock of its own."""
    if sub.gateway not in shop.sandboxed or sub.terminal:
        return False
    return sub.gateway != "stripe" or sub.stripe_test_clock_id is not None


def clock_spans(shop: Shop, sub: Subscription) -> dict[str, str]:
    """The panel's buttons: none unless the clock can move; a period only once the gateway has reported one."""
    if not clock_movable(shop, sub):
        return {}
    return {span: words for span, words in SPANS.items() if span == "day" or sub.current_end is not None}


def span_seconds(sub: Subscription, span: str) -> int:
    """How far a span moves the clock: a day, or the subscription's current period as its gateway reported it (the
    gateway's clock is past that period's start, so its end, the next charge, falls due)."""
    if span == "day":
        return DAY
    if span != "period":
        raise InvalidInput("span must be day or period", field="span")
    if sub.current_start is None or sub.current_end is None:
        raise Conflict("the gateway has reported no billing period for it yet", field="span")
    return int((sub.current_end - sub.current_start).total_seconds())


async def move_clock(shop: Shop, subscription_id: str, span: str) -> None:
    """Move the subscription's sandbox clock on by the span, noted on its timeline with the calls it took."""
    sub = await load_subscription(shop, subscription_id)
    if not clock_movable(shop, sub):
        raise Conflict("its gateway is not played by this app's sandbox", field="subscription_id")
    seconds = span_seconds(sub, span)
    entries: list[dict[str, Any]] = []
    try:
        if sub.gateway == "stripe" and sub.stripe_test_clock_id:
            moved_to = await advance_own_clock(shop, sub.stripe_test_clock_id, seconds, entries)
            clock = "its Stripe test clock"
        else:
            moved_to = await move_razorpay_sandbox(shop, seconds)
            clock = "the Razorpay sandbox's clock (every subscription on it)"
    except GatewayError as exc:
        await append_subscription_timeline(shop.db, sub.id, [*entries, *call_entry(exc.call)])
        raise GatewayFailed(f"the sandbox did not move its clock: {exc.description}", field="span") from exc
    note = f"The owner moved {clock} on by {SPANS[span]}, to {format_shop_time(datetime.fromtimestamp(moved_to, UTC))}, from the sandbox panel"
    await append_subscription_timeline(shop.db, sub.id, [*entries, timeline_entry("admin", message=note)])


async def move_razorpay_sandbox(shop: Shop, seconds: int) -> int:
    """POST /sandbox/clock on the mounted Razorpay sandbox with its key pair, as its tests do; the sandbox's new
    time (it then runs each charge that fell due and sends its webhooks)."""
    client = shop.razorpay_client
    auth = {"Authorization": aiohttp.encode_basic_auth(client.key_id, client.key_secret)}
    try:
        async with client.session.post(
            client.api_base + "/sandbox/clock", json={"seconds": seconds}, headers=auth
        ) as resp:
            answer = await resp.json(content_type=None)
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise GatewayError(f"it did not answer: {exc!r}", gateway="razorpay") from exc
    if resp.status != 200:
        raise GatewayError(str(answer), gateway="razorpay", http_status=resp.status)
    return int(answer["now"])
