"""Webhook delivery shared by both sandboxes: signed POSTs over real HTTP, retried as the gateways retry.

A sandbox builds one WebhookSender with its own body encoding and headers, adds `sender.enqueue` to its
state's listeners and runs `sender.running` from its app's cleanup_ctx (which aiohttp also runs for a
sub-app). Each event goes out once, in the order it happened (first attempts are sent one at a time, so a
receiver sees them in order unless knobs.shuffle says otherwise); a non-2xx answer, a timeout or a
connection error schedules retries after knobs.retry_delays, each event on its own, until they run out.
Knobs inject what the real gateways do now and then: duplicates, reordering, lateness; `drop` loses an
event outright, which they should not but a test of reconciliation wants.

It imports nothing from the app, so a bug in the shop cannot be mirrored here.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import random
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import aiohttp
from aiohttp import web

log = logging.getLogger("sandboxes.common.webhooks")

MAX_IN_FLIGHT = 8  # attempts at once, over first deliveries and retries of all events
RAZORPAY_TIMEOUT = 5.0  # Razorpay marks a request that takes longer than 5 s as timed out
STRIPE_TIMEOUT = 10.0  # Stripe's exact timeout is unpublished; 10 s is the commonly quoted figure
# Razorpay's intervals are unpublished: "exponential backoff for 24 hours". These add up to ~23.7 h.
RAZORPAY_RETRY_DELAYS = (5.0, 30.0, 120.0, 600.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0, 28800.0)
# Stripe in test mode retries "3 times over a few hours"; these follow the start of its live schedule.
STRIPE_RETRY_DELAYS = (300.0, 1800.0, 7200.0)

Encoder = Callable[[Any], bytes]  # event -> the raw body, identical on every attempt
Signer = Callable[[Any, bytes, "str | None"], dict[str, str]]  # (event, body, secret) -> headers of one attempt


def razorpay_signature(secret: str, body: bytes) -> str:
    """Return X-Razorpay-Signature: hex HMAC-SHA256 of the raw body, keyed with the webhook secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def stripe_signature_header(secret: str, body: bytes, timestamp: int) -> str:
    """Return Stripe-Signature: t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>">."""
    signed = f"{timestamp}.".encode() + body
    return f"t={timestamp},v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


@dataclass
class DeliveryKnobs:
    """How deliveries behave; mutable, so a test can change them while the sandbox runs."""

    duplicate: float = 0.0  # probability an event is delivered twice (the copy right after the first)
    drop: float = 0.0  # probability an event is never delivered (its id goes to sender.dropped)
    shuffle: bool = False  # send queued events in random order (hold, act, release to shuffle a batch)
    delay: float = 0.0  # seconds between an event entering the queue and its first delivery
    seed: int | None = None  # makes duplicate/drop/shuffle reproducible: random.Random(seed)
    retry_delays: tuple[float, ...] = (5.0, 30.0, 120.0, 600.0, 1800.0, 3600.0)  # between attempts after a failure
    timeout: float = RAZORPAY_TIMEOUT  # per attempt; a timeout counts as a failure
    # How many times seed was set on this object (set by __setattr__; the class's 0 stands until then).
    seedings: ClassVar[int] = 0

    def __setattr__(self, name: str, value: Any) -> None:
        """Set a knob; setting seed, even to the value it had, restarts the random sequence."""
        object.__setattr__(self, name, value)
        if name == "seed":  # counted, so a test that sets the same seed twice gets the same choices twice
            object.__setattr__(self, "seedings", self.seedings + 1)


@dataclass(frozen=True)
class Delivery:
    """One attempt to deliver one event, and what came of it."""

    event_id: str
    attempt: int  # 1 for the first try of this copy, then 2, 3… for its retries
    status: int | None  # the receiver's HTTP status; None when it timed out or could not be reached
    error: str | None  # "timeout", the connection error, or "HTTP <status>" for a non-2xx answer
    at: float  # wall-clock time the attempt finished
    waited: float = 0.0  # seconds from the event being queued to this attempt's answer
    duplicate: bool = False  # the second copy the duplicate knob asked for
    manual: bool = False  # sent by redeliver()

    @property
    def ok(self) -> bool:
        """Whether the receiver answered 2xx."""
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Outgoing:
    """One copy of one event on its way: the body and how far its attempts have got."""

    event: Any
    body: bytes
    due: float = 0.0  # time.monotonic() before which the first attempt waits
    queued: float = field(default_factory=time.monotonic)
    twin: bool = False  # the duplicate knob fired: send a second copy right after this one
    duplicate: bool = False
    manual: bool = False
    attempts: int = 0
    secret: str | None = None  # pinned at the first attempt when the gateway keeps signing with the old secret


@dataclass(repr=False)
class WebhookSender:
    """Queues a sandbox's events and POSTs them, signed, to `url` from a background task."""

    encode: Encoder
    sign: Signer
    url: str | None = None  # None: remember events, send nothing
    secret: str | None = None  # None: send without a signature header
    knobs: DeliveryKnobs = field(default_factory=DeliveryKnobs)
    pin_secret: bool = False  # Razorpay signs retries of older events with the secret of their first attempt
    # Stripe, after "Roll secret": the old secret signs beside the new one until it expires (one v1 each).
    expiring_secrets: list[str] = field(default_factory=list)
    user_agent: str = "sandbox-webhooks"
    # First deliveries in flight at once: 1 sends events one by one, in order; more is how a gateway under
    # load sends (a receiver then sees them in any order). Read when the sender starts.
    parallel: int = 1
    held: bool = False
    deliveries: list[Delivery] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    given_up: list[str] = field(default_factory=list)  # event ids whose retries ran out
    _events: dict[str, Any] = field(default_factory=dict)
    _queue: list[Outgoing] = field(default_factory=list)
    _active: int = 0  # copies taken off the queue and not yet delivered or given up
    _tasks: set[asyncio.Task] = field(default_factory=set)
    _wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    _slots: asyncio.Semaphore | None = None
    _session: aiohttp.ClientSession | None = None
    _rng: random.Random = field(default_factory=random.Random)
    _rng_mark: tuple[int, int] | None = None  # which knobs object and which setting of its seed _rng follows

    def __repr__(self) -> str:
        """Say where it sends and how far it got, briefly (tests print senders in failure reports)."""
        return (
            f"<WebhookSender url={self.url!r} held={self.held} pending={self.pending()} "
            f"deliveries={len(self.deliveries)} dropped={len(self.dropped)} given_up={len(self.given_up)} "
            f"knobs={self.knobs}>"
        )

    # -- the state listener and the test's controls ----------------------------------------------

    def enqueue(self, event: Any) -> None:
        """Remember an event and queue it for delivery, unless there is no url or the drop knob fires."""
        try:
            self._events[event.id] = event
            if self.url is None:
                return
            rng = self.rng()
            # Both draws happen for every event so a seed gives the same choices whatever the probabilities.
            dropped, twin = rng.random() < self.knobs.drop, rng.random() < self.knobs.duplicate
            if dropped:
                self.dropped.append(event.id)
                return
            self._queue.append(
                Outgoing(event=event, body=self.encode(event), twin=twin, due=time.monotonic() + self.knobs.delay)
            )
            self._wakeup.set()
        except Exception:  # a listener must never undo the payment that raised the event
            log.exception("could not queue webhook for event %s", getattr(event, "id", event))

    def hold(self) -> None:
        """Stop sending: events queue up until release()."""
        self.held = True

    def release(self) -> None:
        """Send what was held (in random order if knobs.shuffle); knobs.delay counts from now."""
        self.held = False
        now = time.monotonic()
        for item in self._queue:
            item.due = now + self.knobs.delay
        self._wakeup.set()

    def pending(self) -> int:
        """Return how many copies are queued (held ones too), in flight or awaiting a retry."""
        return len(self._queue) + self._active

    async def drain(self, timeout: float = 10) -> None:
        """Wait until nothing is pending; raise TimeoutError if that takes longer than timeout."""
        async with asyncio.timeout(timeout):
            while self.pending():
                await asyncio.sleep(0.005)

    async def redeliver(self, event_id: str) -> int | None:
        """Send one remembered event again now, once, whatever the hold; return the receiver's status."""
        item = Outgoing(event=self._events[event_id], body=self.encode(self._events[event_id]), manual=True)
        item.attempts = max((d.attempt for d in self.deliveries if d.event_id == event_id), default=0)
        delivery = await self.attempt(item)
        return None if delivery is None else delivery.status

    def delivered(self) -> list[str]:
        """Return the ids of events that got a 2xx, in the order they got it (duplicates repeated)."""
        return [delivery.event_id for delivery in self.deliveries if delivery.ok]

    def report(self, since: float = 0.0) -> dict[str, Any]:
        """Return what was sent so far (the attempts answered at or after `since`, a Unix time): each attempt's
        event, status and seconds since queued, and what is pending."""
        return {
            "pending": self.pending(),
            "dropped": len(self.dropped),
            "given_up": len(self.given_up),
            "deliveries": [
                {
                    "event_id": d.event_id,
                    "attempt": d.attempt,
                    "status": d.status,
                    "error": d.error,
                    "at": d.at,
                    "waited": round(d.waited, 6),
                }
                for d in self.deliveries
                if d.at >= since
            ],
        }

    def rng(self) -> random.Random:
        """Return the random source, re-seeded whenever knobs.seed (or the knobs object) is set."""
        mark = (id(self.knobs), self.knobs.seedings)
        if mark != self._rng_mark:
            self._rng, self._rng_mark = random.Random(self.knobs.seed), mark
        return self._rng

    # -- the background task ---------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[WebhookSender]:
        """Deliver in the background while inside; for the sandbox app's cleanup_ctx."""
        self._slots = asyncio.Semaphore(max(MAX_IN_FLIGHT, self.parallel))
        self._wakeup = asyncio.Event()  # bound to the loop that runs the sandbox
        async with aiohttp.ClientSession(headers={"User-Agent": self.user_agent}) as session:
            self._session = session
            self.spawn(self.dispatch())
            try:
                yield self
            finally:
                for task in list(self._tasks):
                    task.cancel()
                await asyncio.gather(*self._tasks, return_exceptions=True)
                self._active, self._session = 0, None

    def spawn(self, coroutine: Any) -> None:
        """Run a coroutine as a task the sender cancels when it stops."""
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def dispatch(self) -> None:
        """Take queued events in turn and make their first attempts, `parallel` at once; failures retry alone."""
        started = asyncio.Semaphore(self.parallel)
        while True:
            item = await self.next_item()
            self._active += 1 + item.twin
            if self.parallel == 1:
                await self.send_first(item)
                continue
            await started.acquire()
            self.spawn(self.send_first(item, started))

    async def send_first(self, item: Outgoing, started: asyncio.Semaphore | None = None) -> None:
        """Make the first attempt of an event (and of its duplicate, if the knob fired), once it is due."""
        try:
            await asyncio.sleep(max(0.0, item.due - time.monotonic()))
            copies = (
                [item, Outgoing(event=item.event, body=item.body, duplicate=True, queued=item.queued)]
                if item.twin
                else [item]
            )
            for copy in copies:
                await self.first_attempt(copy)
        except Exception:
            log.exception("webhook dispatch failed on %s", item.event.id)
        finally:
            if started is not None:
                started.release()

    async def next_item(self) -> Outgoing:
        """Wait for a queued event while not held; take the oldest, or a random one if knobs.shuffle."""
        while self.held or not self._queue:
            self._wakeup.clear()
            await self._wakeup.wait()
        index = self.rng().randrange(len(self._queue)) if self.knobs.shuffle else 0
        return self._queue.pop(index)

    async def first_attempt(self, item: Outgoing) -> None:
        """Make one copy's first attempt; on failure leave it to a retry task."""
        delivery = await self.attempt(item)
        if delivery is None or delivery.ok:
            self._active -= 1
        else:
            self.spawn(self.retry(item))

    async def retry(self, item: Outgoing) -> None:
        """Retry a failed copy after each of knobs.retry_delays in turn, then give up."""
        try:
            while item.attempts <= len(self.knobs.retry_delays):
                await asyncio.sleep(self.knobs.retry_delays[item.attempts - 1])
                delivery = await self.attempt(item)
                if delivery is None or delivery.ok:
                    return
            self.given_up.append(item.event.id)
            log.warning("gave up on webhook %s after %d attempts", item.event.id, item.attempts)
        finally:
            self._active -= 1

    async def attempt(self, item: Outgoing) -> Delivery | None:
        """POST one copy once and record the Delivery; None when there is no url to send to."""
        url = self.url
        if url is None:
            return None
        if item.attempts == 0 or not self.pin_secret:
            item.secret = self.secret
        item.attempts += 1
        async with self._slots or asyncio.Semaphore():
            status, error = await self.post(url, item)
        delivery = Delivery(
            event_id=item.event.id,
            attempt=item.attempts,
            status=status,
            error=error,
            at=time.time(),
            waited=time.monotonic() - item.queued,
            duplicate=item.duplicate,
            manual=item.manual,
        )
        self.deliveries.append(delivery)
        return delivery

    async def post(self, url: str, item: Outgoing) -> tuple[int | None, str | None]:
        """POST the body with fresh headers; return (status, error) where any non-2xx is an error."""
        timeout = aiohttp.ClientTimeout(total=self.knobs.timeout)
        try:
            headers = self.sign(item.event, item.body, item.secret)
            async with contextlib.AsyncExitStack() as stack:
                session = self._session
                if session is None:
                    session = await stack.enter_async_context(
                        aiohttp.ClientSession(headers={"User-Agent": self.user_agent})
                    )
                async with session.post(url, data=item.body, headers=headers, timeout=timeout) as resp:
                    await resp.read()
                    return resp.status, None if 200 <= resp.status < 300 else f"HTTP {resp.status}"
        except TimeoutError:
            return None, "timeout"
        except aiohttp.ClientError as exc:
            return None, f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # a bug in signing must cost one attempt, not the delivery task
            log.exception("webhook attempt for %s crashed", item.event.id)
            return None, f"{type(exc).__name__}: {exc}"


def deliveries_handler(key: web.AppKey[WebhookSender]):
    """Return a handler for GET /webhooks/deliveries[?since=<Unix time>]: the sender's report, like a gateway
    dashboard's webhook log (since: only the attempts answered from then on; a long run's log is long)."""

    async def handle(request: web.Request) -> web.Response:
        try:
            since = float(request.query.get("since", 0))
        except ValueError:
            return web.json_response(
                {
                    "error": {
                        "code": "BAD_REQUEST_ERROR",
                        "field": "since",
                        "description": "since must be a Unix time in seconds",
                    }
                },
                status=400,
            )
        return web.json_response(request.app[key].report(since))

    return handle
